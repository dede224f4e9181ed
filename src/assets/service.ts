import type { TenantContext } from '../context.ts';
import type { ConnectionModel } from '../db/keyset.ts';
import { quoteInput } from '../errors.ts';
import { appendEvents } from '../events/queries.ts';
import { findingIdsOfAsset } from '../findings/queries.ts';
import type { AssetSetCriticalityInput, QueryAssetsArgs } from '../generated/graphql.ts';
import { parseCriticality } from '../mapping/assets.ts';
import { DEFAULT_CRITICALITY_TAG } from '../mapping/scoring-constants.ts';
import { type UserErrorModel, userError } from '../user-errors.ts';
import { assetFilterCondition } from './filter.ts';
import type { AssetModel } from './model.ts';
import { assetOrder, assetsByIds, listAssets, setAssetCriticality } from './queries.ts';
import { recomputeAssetRisk } from './risk.ts';

export function searchAssets(
  ctx: TenantContext,
  args: QueryAssetsArgs,
): Promise<ConnectionModel<AssetModel>> {
  return listAssets(ctx.db, ctx.tenantId, assetFilterCondition(args.filter), assetOrder(args.orderBy), args);
}

export interface AssetSetCriticalityPayloadModel {
  asset: AssetModel | null;
  userErrors: UserErrorModel[];
}

/** Sets (1–5) or clears (null: back to the resource's tag, else the default) an asset's criticality, and re-scores it. */
export async function setCriticality(
  ctx: TenantContext,
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
  const [asset] = await assetsByIds(ctx.db, ctx.tenantId, [input.id]);
  if (!asset)
    return {
      asset: null,
      userErrors: [userError(['input', 'id'], `No asset has the id ${quoteInput(input.id)}.`, 'NOT_FOUND')],
    };
  const fromTag = parseCriticality(asset.tags?.[DEFAULT_CRITICALITY_TAG]);
  await ctx.db.transaction(async (tx) => {
    if (criticality != null) await setAssetCriticality(tx, ctx.tenantId, asset.id, criticality, 'USER');
    else await setAssetCriticality(tx, ctx.tenantId, asset.id, fromTag, fromTag === null ? 'DEFAULT' : 'TAG');
    await recomputeAssetRisk(tx, ctx.tenantId, [asset.id]);
    // Every finding of the asset shows it (Finding.asset): its subscribers hear of the change.
    const [after] = await assetsByIds(tx, ctx.tenantId, [asset.id]);
    const changedFields = [
      ...(after!.criticality !== asset.criticality || after!.criticalitySource !== asset.criticalitySource
        ? ['asset.criticality']
        : []),
      ...(after!.riskScore !== asset.riskScore ? ['asset.riskScore'] : []),
    ];
    if (changedFields.length > 0)
      await appendEvents(
        tx,
        ctx.tenantId,
        (await findingIdsOfAsset(tx, ctx.tenantId, asset.id)).map((id) => ({
          topic: 'finding',
          type: 'UPDATED',
          entityId: id,
          payload: { changedFields },
        })),
      );
  });
  const [updated] = await assetsByIds(ctx.db, ctx.tenantId, [asset.id]);
  return { asset: updated ?? null, userErrors: [] };
}
