import type { TenantContext } from '../context.ts';
import type { Executor } from '../db/client.ts';
import { type ConnectionModel, DEFAULT_PAGE_SIZE } from '../db/keyset.ts';
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
  const order = findingOrder(args.orderBy);
  if (args.filter?.search != null) {
    const [matches, total] = await Promise.all([
      estimatedFindingCount(ctx.db, ctx.tenantId, condition),
      estimatedFindingCount(ctx.db, ctx.tenantId, undefined),
    ]);
    if (sortsSearchMatches(matches, total, (args.first ?? args.last ?? DEFAULT_PAGE_SIZE) + 1))
      return listFindings(ctx.db, ctx.tenantId, condition, sortedAfterFiltering(order), args, {
        idsFirst: true,
      });
  }
  return listFindings(ctx.db, ctx.tenantId, condition, order, args);
}

/**
 * Whether a search page finds its matches through the full-text index and sorts them
 * (sortedAfterFiltering), rather than walking the order's index and testing each finding. Sorting
 * reads every match; walking reads about `page × total / matches` findings if matches were spread
 * evenly over the order, and far more when they are not (one package's CVEs score alike). At
 * 1,000,000 findings: "curl" (22,000 matches) walked 108,000 rows (370 ms) against 80 ms sorted;
 * "openssl" (45,000) walked 476,000 (2.5 s; 200 times the even estimate) against 170 ms sorted.
 * So sort while that costs less than WALK_PESSIMISM times the even walk (up to ≈ 100,000 matches
 * at 1,000,000 findings and a page of 101); a term matching more is common enough to walk.
 */
export function sortsSearchMatches(matches: number, total: number, page: number): boolean {
  return matches <= SORT_SEARCH_MATCHES_UP_TO || matches * matches <= WALK_PESSIMISM * page * total;
}

/** However many findings there are, a search matching at most this many sorts its matches. */
const SORT_SEARCH_MATCHES_UP_TO = 20_000;
const WALK_PESSIMISM = 100;

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
