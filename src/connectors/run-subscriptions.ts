import type { EventRow } from '../db/schema.ts';
import { eventCursor } from '../events/cursor.ts';
import { flatMapBatches } from '../events/iterators.ts';
import { tenantEvents } from '../events/tenant-events.ts';
import { type GraphQLContext, loadersForBatch } from '../graphql/context.ts';
import type { RunProgressEventModel } from '../sync/model.ts';
import { ZERO_COUNTS } from '../sync/model.ts';

/** `connectorRunProgress`: progress of one connector's runs (or all the tenant's), replayable from `after`. */
export async function runProgressEvents(
  ctx: GraphQLContext,
  connectorId: string | null | undefined,
  after: string | null | undefined,
): Promise<AsyncIterableIterator<{ connectorRunProgress: RunProgressEventModel }>> {
  return flatMapBatches(await tenantEvents(ctx.tenant, 'run', after), async (batch: EventRow[]) => {
    ctx.loaders = loadersForBatch(ctx, batch);
    return batch
      .filter((event) => connectorId == null || event.payload.connectorId === connectorId)
      .map((event) => ({ connectorRunProgress: toProgressEvent(event, eventCursor(ctx.tenant, event.id)) }));
  });
}

function toProgressEvent(event: EventRow, cursor: string): RunProgressEventModel {
  const payload = event.payload as Partial<RunProgressEventModel> & { connectorId: string; status: string };
  return {
    ...ZERO_COUNTS,
    pages: 0,
    throttled: 0,
    retries: 0,
    elapsedMs: 0,
    findingsPerSecond: 0,
    fraction: null,
    etaSeconds: null,
    mode: null,
    error: null,
    remediation: null,
    ...payload,
    // Events recorded before runs read the resource inventory carry no resource counts.
    regions: (payload.regions ?? []).map((region) => ({
      ...region,
      resources: region.resources ?? 0,
      findingCountMismatches: region.findingCountMismatches ?? 0,
    })),
    resources: payload.resources ?? 0,
    findingCountMismatches: payload.findingCountMismatches ?? 0,
    status: payload.status as RunProgressEventModel['status'],
    cursor,
    runId: event.entityId,
    occurredAt: event.createdAt,
  };
}
