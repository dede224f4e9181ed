import type { FindingFilter, QueryFindingsArgs } from '../generated/graphql.ts';
import type { ConnectionModel } from '../graphql/connection.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { UserInputError } from '../graphql/errors.ts';
import { findingFilterCondition } from './filter.ts';
import type { FindingModel, FindingStatsModel } from './model.ts';
import { findingOrder, findingStats, listFindings } from './queries.ts';

export function searchFindings(
  ctx: GraphQLContext,
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
  ctx: GraphQLContext,
  filter: FindingFilter | null | undefined,
): Promise<FindingStatsModel> {
  return findingStats(ctx.db, ctx.tenantId, findingFilterCondition(filter));
}

/** `Finding` by either of its keys: `id`, or the AWS identity `productArn awsId`. */
export function findingByReference(
  ctx: GraphQLContext,
  reference: { id?: string; productArn?: string; awsId?: string },
): Promise<FindingModel | null> {
  if (reference.id !== undefined) return ctx.loaders.findings.byId.load(reference.id);
  if (reference.productArn !== undefined && reference.awsId !== undefined) {
    return ctx.loaders.findings.byAwsIdentity.load({
      productArn: reference.productArn,
      awsId: reference.awsId,
    });
  }
  throw new UserInputError('A Finding reference needs `id`, or `productArn` and `awsId`.', [
    'representations',
  ]);
}
