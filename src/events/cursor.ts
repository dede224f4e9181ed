import { UserInputError } from '../errors.ts';

/** Event cursors are the event log's ids, as decimal strings (they exceed 2^53 in time). */
export function parseEventCursor(after: string, path: readonly (string | number)[]): bigint {
  if (!/^\d{1,19}$/.test(after)) {
    throw new UserInputError(
      '`after` must be the `cursor` of an event this API delivered (a decimal number).',
      path,
    );
  }
  return BigInt(after);
}
