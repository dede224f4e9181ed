import type { EventRow } from '../db/schema.ts';
import { replayCursor } from '../events/cursor.ts';
import { flatMapBatches } from '../events/iterators.ts';
import { createLoaders, type GraphQLContext } from '../graphql/context.ts';
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
  const afterId = await replayCursor(ctx.db, after);
  return flatMapBatches(
    ctx.app.eventBus.subscribe(ctx.tenantId, 'finding_update', afterId),
    async (batch: EventRow[]) => {
      // Each delivery resolves `results { finding }` as the findings are now.
      ctx.loaders = createLoaders(ctx.db, ctx.tenantId);
      return batch
        .filter((event) => event.entityId === requestId)
        .map((event) => {
          const payload = event.payload as unknown as FindingsUpdateCounts & {
            results: FindingUpdateResultModel[];
          };
          return {
            findingsUpdateProgress: {
              cursor: event.id.toString(),
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
