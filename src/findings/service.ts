import type { TenantContext } from '../context.ts';
import type { Executor } from '../db/client.ts';
import { type ConnectionModel, DEFAULT_PAGE_SIZE } from '../db/keyset.ts';
import { findingStatCells } from '../db/schema.ts';
import type { FindingFilter, QueryFindingsArgs } from '../generated/graphql.ts';
import { findingFilterCondition, statsFilterCondition, toTsQuery } from './filter.ts';
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
  vacuumFindingStatDeltas,
} from './queries.ts';
import { searchPageByScore } from './search-by-score.ts';

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
    const page = (args.first ?? args.last ?? DEFAULT_PAGE_SIZE) + 1;
    switch (searchPlan(order.name, matches, total, page)) {
      case 'by-score': {
        const search = {
          words: toTsQuery(args.filter.search)!,
          condition: condition!,
          otherFilters: findingFilterCondition({ ...args.filter, search: null }),
        };
        return searchPageByScore(ctx, search, order, args);
      }
      case 'sort':
        return listFindings(ctx.db, ctx.tenantId, condition, sortedAfterFiltering(order), args, {
          idsFirst: true,
        });
      case 'walk':
        break;
    }
  }
  return listFindings(ctx.db, ctx.tenantId, condition, order, args);
}

/**
 * How a search page is read, by the planner's estimate of its matches:
 * - 'sort': find the matches through the full-text index and sort them (sortedAfterFiltering),
 *   which reads every match;
 * - 'walk': walk the order's index and test each finding, which reads about `page × total /
 *   matches` findings if matches were spread evenly over the order, and far more when they are not
 *   (one package's CVEs score alike). At 1,000,000 findings: "curl" (22,000 matches) walked 108,000
 *   rows (370 ms) against 80 ms sorted; "openssl" (45,000) walked 476,000 (2.5 s; 200 times the even
 *   estimate) against 170 ms sorted. So sort while that costs less than WALK_PESSIMISM times the
 *   even walk (up to ≈ 100,000 matches at 1,000,000 findings and a page of 101);
 * - 'by-score': in score order (the default), score group by score group (search-by-score.ts),
 *   which reads about a page of matches wherever they crowd: "curl" at 1,000,000 in ≈ 6 ms of
 *   statements. Sorting costs less only for few matches.
 */
export function searchPlan(
  order: string,
  matches: number,
  total: number,
  page: number,
): 'sort' | 'walk' | 'by-score' {
  if (order === 'DETECTION_SCORE' && matches > SORT_SEARCH_MATCHES_BY_SCORE_UP_TO) return 'by-score';
  return matches <= SORT_SEARCH_MATCHES_UP_TO || matches * matches <= WALK_PESSIMISM * page * total
    ? 'sort'
    : 'walk';
}

/** In score order, a search matching at most this many sorts its matches (≈ 2,000 row reads at most). */
const SORT_SEARCH_MATCHES_BY_SCORE_UP_TO = 2_000;

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
  await foldStatChanges(ctx.db, ctx.tenantId);
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
  for (const tenantId of await tenantsWithStatChanges(db)) await foldStatChanges(db, tenantId);
}

/** Folds a tenant's stat changes; after a bulk load's worth, vacuums what they leave behind. */
async function foldStatChanges(db: Executor, tenantId: string): Promise<void> {
  if ((await compactFindingStats(db, tenantId)) >= VACUUM_AFTER_FOLDING) await vacuumFindingStatDeltas(db);
}

/** Stat changes folded at once beyond which their table is vacuumed (autovacuum waits up to a minute). */
const VACUUM_AFTER_FOLDING = 10_000;
