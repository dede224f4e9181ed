import { GraphQLError } from 'graphql';
import type { TenantContext } from '../context.ts';
import type { EventRow } from '../db/schema.ts';
import { ErrorCode } from '../errors.ts';
import { SubscriberTooSlowError } from './bus.ts';
import { eventCursor, replayCursor } from './cursor.ts';
import type { EventTopic } from './model.ts';

/**
 * Batches of the tenant's events on `topic`, replayed from the cursor `after` (when given), then
 * live. A subscriber cut off for falling behind is told the cursor to resume from, in its own
 * tenant's cursor form.
 */
export async function tenantEvents(
  ctx: Pick<TenantContext, 'tenantId' | 'app' | 'db'>,
  topic: EventTopic,
  after: string | null | undefined,
): Promise<AsyncIterableIterator<EventRow[]>> {
  const source = ctx.app.eventBus.subscribe(ctx.tenantId, topic, await replayCursor(ctx, after));
  const events: AsyncIterableIterator<EventRow[]> = {
    async next() {
      try {
        return await source.next();
      } catch (error) {
        if (!(error instanceof SubscriberTooSlowError)) throw error;
        const resumeAfter = eventCursor(ctx, error.lastDeliveredId);
        throw new GraphQLError(
          `Subscriber fell too far behind; resubscribe with after: "${resumeAfter}" to resume without loss.`,
          { extensions: { code: ErrorCode.SUBSCRIBER_TOO_SLOW, resumeAfter } },
        );
      }
    },
    return: () => source.return!(),
    [Symbol.asyncIterator]() {
      return events;
    },
  };
  return events;
}
