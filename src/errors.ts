import { GraphQLError } from 'graphql';

// The closed set of error codes a client can meet. Business failures of mutations are not errors:
// they come back as `userErrors` in the payload. These are for misuse of the API itself.
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** A limit of the API (size, cost, subscriptions…); the message names it and by how much. */
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** The tenant spent its query budget; `extensions.retryAfterSeconds` says when to retry (HTTP 429). */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A subscriber fell too far behind the events; `extensions.resumeAfter` is where to resume. */
  SUBSCRIBER_TOO_SLOW: 'SUBSCRIBER_TOO_SLOW',
} as const;

/** A bad argument: says which one (`argumentPath`, e.g. ['filter', 'detectionScore', 'min']) and what is allowed. */
export class UserInputError extends GraphQLError {
  constructor(message: string, argumentPath: readonly (string | number)[]) {
    super(message, {
      extensions: { code: ErrorCode.BAD_USER_INPUT, argumentPath: [...argumentPath] },
    });
    this.name = 'UserInputError';
  }
}

export class NotFoundError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: ErrorCode.NOT_FOUND } });
    this.name = 'NotFoundError';
  }
}

export class UnauthenticatedError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
    this.name = 'UnauthenticatedError';
  }
}

export class ForbiddenError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: ErrorCode.FORBIDDEN, http: { status: 403 } } });
    this.name = 'ForbiddenError';
  }
}

/** Longest message an error may carry: a message never becomes a way to echo megabytes back. */
export const MAX_MESSAGE_LENGTH = 1000;

/**
 * A user's input as an error message quotes it: in quotes, cut to a short prefix, with its length
 * when cut (a 1.9 MB "id" must not come back whole).
 */
export function quoteInput(value: unknown, max = 64): string {
  const text = String(value);
  return text.length <= max
    ? `"${text}"`
    : `"${text.slice(0, max)}…" (${text.length.toLocaleString('en-US')} characters)`;
}

/** A message cut to MAX_MESSAGE_LENGTH, saying so. */
export function capMessage(message: string): string {
  return message.length <= MAX_MESSAGE_LENGTH
    ? message
    : `${message.slice(0, MAX_MESSAGE_LENGTH)}… (message cut: ${message.length.toLocaleString('en-US')} characters)`;
}
