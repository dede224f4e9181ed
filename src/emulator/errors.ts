/** An error as AWS answers it: the error code (name), the HTTP status and AWS's message. */
export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  /** STS's XML error type: Sender (the caller's fault) or Receiver. */
  readonly type: 'Sender' | 'Receiver';
  constructor(code: string, status: number, message: string, type: 'Sender' | 'Receiver' = 'Sender') {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
    this.type = type;
  }
}

export const invalidInput = (message: string) => new AwsError('InvalidInputException', 400, message);
