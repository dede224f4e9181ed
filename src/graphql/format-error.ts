import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../errors.ts';

/**
 * One error policy for HTTP and WebSocket: errors a client can act on pass through with their
 * code; anything else is an internal error, logged with the request id and, in production, masked.
 */
export function formatGraphQLError(
  formatted: GraphQLFormattedError,
  production: boolean,
): GraphQLFormattedError {
  const code = formatted.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR;
  if (code !== ErrorCode.INTERNAL_SERVER_ERROR) return formatted;
  if (!production) return { ...formatted, extensions: { ...formatted.extensions, code } };
  return {
    message: 'Internal server error. It has been logged; quote the request id when you report it.',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

/** Errors that are the server's fault (to be logged), as opposed to the client's. */
export function isInternalError(error: { extensions?: Record<string, unknown> }): boolean {
  const code = error.extensions?.code;
  return code === undefined || code === ErrorCode.INTERNAL_SERVER_ERROR;
}
