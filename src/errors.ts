import { GraphQLError } from 'graphql';

// The closed set of error codes a client can meet. Business failures of mutations are not errors:
// they come back as `userErrors` in the payload. These are for misuse of the API itself.
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
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
