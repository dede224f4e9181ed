import type { AssetSetCriticalityInput, QueryAssetsArgs } from '../generated/graphql.ts';
import type { ConnectionModel } from '../graphql/connection.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { UserInputError } from '../graphql/errors.ts';
import { type UserErrorModel, userError } from '../graphql/user-errors.ts';
import { parseCriticality } from '../mapping/assets.ts';
import { DEFAULT_CRITICALITY_TAG } from '../mapping/scoring-constants.ts';
import { assetFilterCondition } from './filter.ts';
import type { AssetModel } from './model.ts';
import { assetOrder, listAssets, setAssetCriticality } from './queries.ts';
import { recomputeAssetRisk } from './risk.ts';

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

export interface AssetSetCriticalityPayloadModel {
  asset: AssetModel | null;
  userErrors: UserErrorModel[];
}

/** Sets (1–5) or clears (null: back to the resource's tag, else the default) an asset's criticality, and re-scores it. */
export async function setCriticality(
  ctx: GraphQLContext,
  input: AssetSetCriticalityInput,
): Promise<AssetSetCriticalityPayloadModel> {
  const { criticality } = input;
  if (criticality != null && (!Number.isInteger(criticality) || criticality < 1 || criticality > 5)) {
    return {
      asset: null,
      userErrors: [
        userError(
          ['input', 'criticality'],
          `Criticality is 1 (low) to 5 (mission critical); got ${criticality}. Pass null to use the resource's tag again.`,
          'OUT_OF_RANGE',
        ),
      ],
    };
  }
  const asset = await ctx.loaders.assets.byId.load(input.id);
  if (!asset)
    return {
      asset: null,
      userErrors: [userError(['input', 'id'], `No asset has the id "${input.id}".`, 'NOT_FOUND')],
    };
  const fromTag = parseCriticality(asset.tags?.[DEFAULT_CRITICALITY_TAG]);
  await ctx.db.transaction(async (tx) => {
    if (criticality != null) await setAssetCriticality(tx, ctx.tenantId, asset.id, criticality, 'USER');
    else await setAssetCriticality(tx, ctx.tenantId, asset.id, fromTag, fromTag === null ? 'DEFAULT' : 'TAG');
    await recomputeAssetRisk(tx, ctx.tenantId, [asset.id]);
  });
  ctx.loaders.assets.byId.clear(asset.id);
  return { asset: await ctx.loaders.assets.byId.load(asset.id), userErrors: [] };
}
