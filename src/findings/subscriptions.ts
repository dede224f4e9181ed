import type { EventRow } from '../db/schema.ts';
import { replayCursor } from '../events/cursor.ts';
import { flatMapBatches } from '../events/iterators.ts';
import type { FindingChangeEventModel, FindingChangeType } from '../events/model.ts';
import type { FindingFilter } from '../generated/graphql.ts';
import { createLoaders, type GraphQLContext } from '../graphql/context.ts';
import { findingFilterCondition } from './filter.ts';
import { findingIdsMatching } from './queries.ts';

/**
 * `findingsChanged`: finding events of the caller's tenant that match the filter, replayed from
 * `after` when given, then live. Each batch of events is checked against the filter in one query.
 */
export async function findingChanges(
  ctx: GraphQLContext,
  filter: FindingFilter | null | undefined,
  after: string | null | undefined,
): Promise<AsyncIterableIterator<{ findingsChanged: FindingChangeEventModel }>> {
  // Validate before subscribing: a bad argument fails the subscription at once.
  const condition = findingFilterCondition(filter);
  const afterId = await replayCursor(ctx.db, after);
  const source = ctx.app.eventBus.subscribe(ctx.tenantId, 'finding', afterId);
  return flatMapBatches(source, async (batch: EventRow[]) => {
    // A subscription lives long; each delivery must see findings as they are now, not as a
    // DataLoader cached them for an earlier event.
    ctx.loaders = createLoaders(ctx.db, ctx.tenantId);
    const live = batch.filter((event) => event.type !== 'DELETED').map((event) => event.entityId);
    const matching = condition
      ? new Set(await findingIdsMatching(ctx.db, ctx.tenantId, live, condition))
      : undefined;
    return batch
      .filter((event) => event.type === 'DELETED' || !matching || matching.has(event.entityId))
      .map((event) => ({ findingsChanged: toFindingChangeEvent(event) }));
  });
}

function toFindingChangeEvent(event: EventRow): FindingChangeEventModel {
  const payload = event.payload as { changedFields?: string[] };
  return {
    cursor: event.id.toString(),
    type: event.type as FindingChangeType,
    occurredAt: event.createdAt,
    findingId: event.entityId,
    changedFields: payload.changedFields ?? [],
  };
}
