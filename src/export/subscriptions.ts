import type { EventRow } from '../db/schema.ts';
import { eventCursor } from '../events/cursor.ts';
import { flatMapBatches } from '../events/iterators.ts';
import { tenantEvents } from '../events/tenant-events.ts';
import { type GraphQLContext, loadersForBatch } from '../graphql/context.ts';
import type { ExportCounts, ExportFailedFindingModel, FindingsExportProgressEventModel } from './model.ts';

/** `findingsExportProgress`: the steps of one export of the caller's tenant, replayable from `after`. */
export async function findingsExportProgress(
  ctx: GraphQLContext,
  exportId: string,
  after: string | null | undefined,
): Promise<AsyncIterableIterator<{ findingsExportProgress: FindingsExportProgressEventModel }>> {
  return flatMapBatches(
    await tenantEvents(ctx.tenant, 'finding_export', after),
    async (batch: EventRow[]) => {
      // Each delivery resolves `export` and `failedFindings { finding }` as they are now.
      ctx.loaders = loadersForBatch(ctx, batch);
      return batch
        .filter((event) => event.entityId === exportId)
        .map((event) => {
          const payload = event.payload as unknown as ExportCounts & {
            failedFindings: ExportFailedFindingModel[];
          };
          return {
            findingsExportProgress: {
              cursor: eventCursor(ctx.tenant, event.id),
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
