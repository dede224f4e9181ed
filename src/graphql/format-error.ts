import type { GraphQLFormattedError } from 'graphql';
import { capMessage, ErrorCode } from '../errors.ts';

/**
 * One error policy for HTTP and WebSocket: errors a client can act on pass through with their
 * code; anything else is an internal error, logged with the request id and, in production, masked.
 */
export function formatGraphQLError(
  formatted: GraphQLFormattedError,
  production: boolean,
): GraphQLFormattedError {
  const code = formatted.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR;
  // graphql's validation gives up on a document that would take too long to check, saying only this.
  if (formatted.message === 'Validation aborted.')
    return {
      ...formatted,
      message:
        'Validation aborted: the document is too complex to validate (too many fields to compare with one another). Split it into smaller operations.',
    };
  if (code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    // Field suggestions spell out the schema that introspection being off keeps to itself (over
    // WebSocket too, where Apollo's plugins do not run).
    const message = capMessage(
      production ? formatted.message.replace(/Did you mean .+\?/g, '[Suggestion hidden]') : formatted.message,
    );
    return message === formatted.message ? formatted : { ...formatted, message };
  }
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
