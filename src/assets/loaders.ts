import type { Executor } from '../db/client.ts';
import { keyedLoader } from '../db/loaders.ts';
import type { AssetModel } from './model.ts';
import { assetsByIds, assetsByResourceArns } from './queries.ts';

export type AssetLoaders = ReturnType<typeof createAssetLoaders>;

export function createAssetLoaders(db: Executor, tenantId: string) {
  return {
    byId: keyedLoader<string, AssetModel>(
      (ids) => assetsByIds(db, tenantId, ids),
      (row) => row.id,
    ),
    byResourceArn: keyedLoader<string, AssetModel>(
      (arns) => assetsByResourceArns(db, tenantId, arns),
      (row) => row.resourceArn,
    ),
  };
}
