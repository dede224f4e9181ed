import type { EventRow } from '../db/schema.ts';
import { eventCursor } from '../events/cursor.ts';
import { flatMapBatches } from '../events/iterators.ts';
import { tenantEvents } from '../events/tenant-events.ts';
import { type GraphQLContext, loadersForBatch } from '../graphql/context.ts';
import type {
  FindingsUpdateCounts,
  FindingsUpdateProgressEventModel,
  FindingUpdateResultModel,
} from './model.ts';

/** `findingsUpdateProgress`: the steps of one request of the caller's tenant, replayable from `after`. */
export async function findingsUpdateProgress(
  ctx: GraphQLContext,
  requestId: string,
  after: string | null | undefined,
): Promise<AsyncIterableIterator<{ findingsUpdateProgress: FindingsUpdateProgressEventModel }>> {
  return flatMapBatches(
    await tenantEvents(ctx.tenant, 'finding_update', after),
    async (batch: EventRow[]) => {
      // Each delivery resolves `results { finding }` as the findings are now.
      ctx.loaders = loadersForBatch(ctx, batch);
      return batch
        .filter((event) => event.entityId === requestId)
        .map((event) => {
          const payload = event.payload as unknown as FindingsUpdateCounts & {
            results: FindingUpdateResultModel[];
          };
          return {
            findingsUpdateProgress: {
              cursor: eventCursor(ctx.tenant, event.id),
              requestId: event.entityId,
              type: event.type as FindingsUpdateProgressEventModel['type'],
              occurredAt: event.createdAt,
              results: payload.results ?? [],
              total: payload.total,
              processedCount: payload.processedCount,
              unprocessedCount: payload.unprocessedCount,
              pendingCount: payload.pendingCount,
            },
          };
        });
    },
  );
}
