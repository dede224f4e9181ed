import type { TenantContext } from '../context.ts';
import type { ConnectionModel } from '../db/keyset.ts';
import type { FindingFilter, QueryFindingsArgs } from '../generated/graphql.ts';
import { findingFilterCondition } from './filter.ts';
import type { FindingModel, FindingStatsModel } from './model.ts';
import { findingOrder, findingStats, listFindings } from './queries.ts';

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

export function statsOfFindings(
  ctx: TenantContext,
  filter: FindingFilter | null | undefined,
): Promise<FindingStatsModel> {
  return findingStats(ctx.db, ctx.tenantId, findingFilterCondition(filter));
}
