import type { EventRow } from '../db/schema.ts';
import { replayCursor } from '../events/cursor.ts';
import { flatMapBatches } from '../events/iterators.ts';
import { createLoaders, type GraphQLContext } from '../graphql/context.ts';
import type { ExportCounts, ExportFailedFindingModel, FindingsExportProgressEventModel } from './model.ts';

/** `findingsExportProgress`: the steps of one export of the caller's tenant, replayable from `after`. */
export async function findingsExportProgress(
  ctx: GraphQLContext,
  exportId: string,
  after: string | null | undefined,
): Promise<AsyncIterableIterator<{ findingsExportProgress: FindingsExportProgressEventModel }>> {
  const afterId = await replayCursor(ctx.db, after);
  return flatMapBatches(
    ctx.app.eventBus.subscribe(ctx.tenantId, 'finding_export', afterId),
    async (batch: EventRow[]) => {
      // Each delivery resolves `export` and `failedFindings { finding }` as they are now.
      ctx.loaders = createLoaders(ctx.db, ctx.tenantId);
      return batch
        .filter((event) => event.entityId === exportId)
        .map((event) => {
          const payload = event.payload as unknown as ExportCounts & {
            failedFindings: ExportFailedFindingModel[];
          };
          return {
            findingsExportProgress: {
              cursor: event.id.toString(),
              exportId: event.entityId,
              type: event.type as FindingsExportProgressEventModel['type'],
              occurredAt: event.createdAt,
              failedFindings: payload.failedFindings ?? [],
              totalCount: payload.totalCount,
              succeededCount: payload.succeededCount,
              failedCount: payload.failedCount,
              pendingCount: payload.pendingCount,
            },
          };
        });
    },
  );
}
