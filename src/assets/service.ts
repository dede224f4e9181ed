import type { QueryAssetsArgs } from '../generated/graphql.ts';
import type { ConnectionModel } from '../graphql/connection.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { UserInputError } from '../graphql/errors.ts';
import { assetFilterCondition } from './filter.ts';
import type { AssetModel } from './model.ts';
import { assetOrder, listAssets } from './queries.ts';

export function searchAssets(
  ctx: GraphQLContext,
  args: QueryAssetsArgs,
): Promise<ConnectionModel<AssetModel>> {
  return listAssets(ctx.db, ctx.tenantId, assetFilterCondition(args.filter), assetOrder(args.orderBy), args);
}

/** `Asset` by either of its keys: `id`, or `resourceArn`. */
export function assetByReference(
  ctx: GraphQLContext,
  reference: { id?: string; resourceArn?: string },
): Promise<AssetModel | null> {
  if (reference.id !== undefined) return ctx.loaders.assets.byId.load(reference.id);
  if (reference.resourceArn !== undefined)
    return ctx.loaders.assets.byResourceArn.load(reference.resourceArn);
  throw new UserInputError('An Asset reference needs `id` or `resourceArn`.', ['representations']);
}
