import type { Executor } from '../db/client.ts';
import { UserInputError } from '../errors.ts';
import { eventLogHead } from './queries.ts';

type ArgumentPath = readonly (string | number)[];

/** Event cursors are the event log's ids, as decimal strings (they exceed 2^53 in time). */
function parseEventCursor(after: string, path: ArgumentPath): bigint {
  if (!/^\d{1,19}$/.test(after)) {
    throw new UserInputError(
      '`after` must be the `cursor` of an event this API delivered (a decimal number).',
      path,
    );
  }
  return BigInt(after);
}

/**
 * The `after` of a subscription, checked against the log: a cursor beyond its head was never
 * delivered by this service (another deployment's, a typo, a restored database), and replaying
 * from it would silently skip every event until the log caught up with it.
 */
export async function replayCursor(
  db: Executor,
  after: string | null | undefined,
  path: ArgumentPath = ['after'],
): Promise<bigint | undefined> {
  if (after == null) return undefined;
  const cursor = parseEventCursor(after, path);
  if (cursor > (await eventLogHead(db))) {
    throw new UserInputError(
      `\`after: "${after}"\` is beyond the head of the event log: no event has that cursor yet, so nothing could be replayed from it. Pass the \`cursor\` of an event you received, "0" to replay every stored event, or leave \`after\` out to receive new events only.`,
      path,
    );
  }
  return cursor;
}
