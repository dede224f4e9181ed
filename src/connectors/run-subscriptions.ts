import type { EventRow } from '../db/schema.ts';
import { replayCursor } from '../events/cursor.ts';
import { flatMapBatches } from '../events/iterators.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { createLoaders } from '../graphql/context.ts';
import type { RunProgressEventModel } from '../sync/model.ts';
import { ZERO_COUNTS } from '../sync/model.ts';

/** `connectorRunProgress`: progress of one connector's runs (or all the tenant's), replayable from `after`. */
export async function runProgressEvents(
  ctx: GraphQLContext,
  connectorId: string | null | undefined,
  after: string | null | undefined,
): Promise<AsyncIterableIterator<{ connectorRunProgress: RunProgressEventModel }>> {
  const afterId = await replayCursor(ctx.db, after);
  return flatMapBatches(
    ctx.app.eventBus.subscribe(ctx.tenantId, 'run', afterId),
    async (batch: EventRow[]) => {
      // Each delivery resolves `run` as it is now, not as an earlier delivery cached it.
      ctx.loaders = createLoaders(ctx.db, ctx.tenantId);
      return batch
        .filter((event) => connectorId == null || event.payload.connectorId === connectorId)
        .map((event) => ({ connectorRunProgress: toProgressEvent(event) }));
    },
  );
}

function toProgressEvent(event: EventRow): RunProgressEventModel {
  const payload = event.payload as Partial<RunProgressEventModel> & { connectorId: string; status: string };
  return {
    ...ZERO_COUNTS,
    pages: 0,
    throttled: 0,
    retries: 0,
    regions: [],
    elapsedMs: 0,
    findingsPerSecond: 0,
    fraction: null,
    etaSeconds: null,
    mode: null,
    error: null,
    remediation: null,
    ...payload,
    status: payload.status as RunProgressEventModel['status'],
    cursor: event.id.toString(),
    runId: event.entityId,
    occurredAt: event.createdAt,
  };
}
