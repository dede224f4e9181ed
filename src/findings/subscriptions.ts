import type { EventRow } from '../db/schema.ts';
import { eventCursor } from '../events/cursor.ts';
import { flatMapBatches } from '../events/iterators.ts';
import type { FindingChangeEventModel, FindingChangeType } from '../events/model.ts';
import { tenantEvents } from '../events/tenant-events.ts';
import type { FindingFilter } from '../generated/graphql.ts';
import { type GraphQLContext, type Loaders, loadersForBatch } from '../graphql/context.ts';
import { findingFilterCondition } from './filter.ts';
import { findingIdsMatching } from './queries.ts';

// Fan-out: the event bus hands the same batch (the same array) to every subscriber of a tenant.
// What subscribers need for it — the filter check, the findings and their assets — is worked out
// once per batch and shared, so a thousand subscribers cost what one does, not a thousand times.

type Delivery = { findingsChanged: FindingChangeEventModel };

/** Per batch, per filter (its JSON): the batch's events that match it, as subscribers receive them. */
const deliveredByBatch = new WeakMap<EventRow[], Map<string, Promise<readonly Delivery[]>>>();

function deliveredOnce(
  batch: EventRow[],
  filterKey: string,
  work: () => Promise<readonly Delivery[]>,
): Promise<readonly Delivery[]> {
  let byFilter = deliveredByBatch.get(batch);
  if (!byFilter) {
    byFilter = new Map();
    deliveredByBatch.set(batch, byFilter);
  }
  let pending = byFilter.get(filterKey);
  // A failure fails every subscriber of this batch with that filter once; the next batch tries afresh.
  if (!pending) {
    pending = work();
    byFilter.set(filterKey, pending);
  }
  return pending;
}

export interface FindingChangeSelection {
  finding: boolean;
  asset: boolean;
}

/**
 * `findingsChanged`: finding events of the caller's tenant that match the filter, replayed from
 * `after` when given, then live.
 */
export async function findingChanges(
  ctx: GraphQLContext,
  filter: FindingFilter | null | undefined,
  after: string | null | undefined,
  selection: FindingChangeSelection = { finding: true, asset: false },
): Promise<AsyncIterableIterator<{ findingsChanged: FindingChangeEventModel }>> {
  // Validate before subscribing: a bad argument fails the subscription at once.
  const condition = findingFilterCondition(filter);
  const filterKey = JSON.stringify(filter ?? null);
  const source = await tenantEvents(ctx.tenant, 'finding', after);
  return flatMapBatches(source, async (batch: EventRow[]) => {
    const loaders = loadersForBatch(ctx, batch);
    ctx.loaders = loaders;
    const delivered = await deliveredOnce(batch, filterKey, async () => {
      const live = batch.filter((event) => event.type !== 'DELETED').map((event) => event.entityId);
      const matching = condition
        ? new Set(await findingIdsMatching(ctx.db, ctx.tenantId, live, condition))
        : undefined;
      const payloads = payloadsOf(ctx, batch);
      return batch
        .filter((event) => event.type === 'DELETED' || !matching || matching.has(event.entityId))
        .map((event) => payloads.get(event)!);
    });
    if (selection.finding)
      await primed(batch, selection.asset, () => primeFindings(loaders, batch, selection.asset));
    return delivered;
  });
}

/** The batch's events as subscribers receive them: made once per batch, shared by every subscriber. */
const payloadsByBatch = new WeakMap<EventRow[], Map<EventRow, Delivery>>();

function payloadsOf(ctx: GraphQLContext, batch: EventRow[]) {
  let payloads = payloadsByBatch.get(batch);
  if (!payloads) {
    payloads = new Map(
      batch.map((event) => [
        event,
        {
          findingsChanged: {
            cursor: eventCursor(ctx.tenant, event.id),
            type: event.type as FindingChangeType,
            occurredAt: event.createdAt,
            findingId: event.entityId,
            changedFields: (event.payload as { changedFields?: string[] }).changedFields ?? [],
          },
        },
      ]),
    );
    payloadsByBatch.set(batch, payloads);
  }
  return payloads;
}

/** Per batch: the priming under way or done, without and with assets. */
const primingByBatch = new WeakMap<EventRow[], Map<boolean, Promise<void>>>();

/** Primes once per batch: a thousand subscribers waiting on one load, not each asking for 500 findings. */
function primed(batch: EventRow[], withAssets: boolean, prime: () => Promise<void>): Promise<void> {
  let byKind = primingByBatch.get(batch);
  if (!byKind) {
    byKind = new Map();
    primingByBatch.set(batch, byKind);
  }
  let pending = byKind.get(withAssets);
  if (!pending) {
    pending = prime();
    byKind.set(withAssets, pending);
  }
  return pending;
}

/**
 * Loads the batch's findings (and their assets) with one statement each, before any subscriber
 * resolves them: all of the batch, whatever each subscriber's filter lets through.
 */
async function primeFindings(loaders: Loaders, events: EventRow[], withAssets: boolean): Promise<void> {
  const ids = events.filter((event) => event.type !== 'DELETED').map((event) => event.entityId);
  if (ids.length === 0) return;
  const { findings, assets } = loaders;
  const loaded = await findings.byId.loadMany(ids);
  if (!withAssets) return;
  const assetIds = loaded.flatMap((finding) =>
    finding && !(finding instanceof Error) && finding.assetId ? [finding.assetId] : [],
  );
  await assets.byId.loadMany(assetIds);
}
