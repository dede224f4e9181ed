import type { TenantContext } from '../context.ts';
import type { Executor } from '../db/client.ts';
import type { ConnectionModel } from '../db/keyset.ts';
import { findingStatCells } from '../db/schema.ts';
import type { FindingFilter, QueryFindingsArgs } from '../generated/graphql.ts';
import { findingFilterCondition, statsFilterCondition } from './filter.ts';
import type { FindingModel, FindingStatsModel } from './model.ts';
import {
  compactFindingStats,
  findingOrder,
  findingStats,
  findingStatsFromSummary,
  listFindings,
  tenantsWithStatChanges,
} from './queries.ts';

export function searchFindings(
  ctx: TenantContext,
  args: QueryFindingsArgs,
): Promise<ConnectionModel<FindingModel>> {
  return listFindings(
    ctx.db,
    ctx.tenantId,
    findingFilterCondition(args.filter),
    findingOrder(args.orderBy),
    args,
  );
}

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
