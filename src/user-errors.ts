import { capMessage } from './errors.ts';
import type { UserErrorCode } from './generated/graphql.ts';

/** A business error of a mutation, returned in its payload: where (input path), what, and a code. */
export interface UserErrorModel {
  field: string[];
  message: string;
  code: UserErrorCode;
}

export function userError(
  field: readonly (string | number)[],
  message: string,
  code: UserErrorCode,
): UserErrorModel {
  return { field: field.map(String), message: capMessage(message), code };
}
