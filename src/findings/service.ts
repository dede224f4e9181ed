import type { TenantContext } from '../context.ts';
import type { Executor } from '../db/client.ts';
import type { ConnectionModel } from '../db/keyset.ts';
import { findingStatCells } from '../db/schema.ts';
import type { FindingFilter, QueryFindingsArgs } from '../generated/graphql.ts';
import { findingFilterCondition, statsFilterCondition } from './filter.ts';
import type { FindingModel, FindingStatsModel } from './model.ts';
import {
  compactFindingStats,
  estimatedFindingCount,
  findingOrder,
  findingStats,
  findingStatsFromSummary,
  listFindings,
  sortedAfterFiltering,
  tenantsWithStatChanges,
} from './queries.ts';

export async function searchFindings(
  ctx: TenantContext,
  args: QueryFindingsArgs,
): Promise<ConnectionModel<FindingModel>> {
  const condition = findingFilterCondition(args.filter);
  let order = findingOrder(args.orderBy);
  // A search matching few findings: find them through its index, then sort (sortedAfterFiltering).
  // Matching many, walking the order's index finds a page soon.
  if (
    args.filter?.search != null &&
    (await estimatedFindingCount(ctx.db, ctx.tenantId, condition)) <= SORT_SEARCH_MATCHES_UP_TO
  )
    order = sortedAfterFiltering(order);
  return listFindings(ctx.db, ctx.tenantId, condition, order, args);
}

/** At most this many matches (the planner's estimate), a search page sorts its matches. */
const SORT_SEARCH_MATCHES_UP_TO = 20_000;

export async function statsOfFindings(
  ctx: TenantContext,
  filter: FindingFilter | null | undefined,
): Promise<FindingStatsModel> {
  const onSummary = statsFilterCondition(filter, findingStatCells);
  if (!onSummary) return findingStats(ctx.db, ctx.tenantId, findingFilterCondition(filter));
  // Fold the changes since the last read in first: the read then sums few delta rows.
  await compactFindingStats(ctx.db, ctx.tenantId);
  return findingStatsFromSummary(
    ctx.db,
    ctx.tenantId,
    (table) => statsFilterCondition(filter, table)!.condition,
  );
}

/**
 * Folds every tenant's appended stat changes into its summary (maintenance, across tenants), so a
 * tenant nobody reads never piles them up.
 */
export async function foldFindingStatChanges(db: Executor): Promise<void> {
  for (const tenantId of await tenantsWithStatChanges(db)) await compactFindingStats(db, tenantId);
}
