import type { Executor } from '../db/client.ts';
import { keyedLoader } from '../db/loaders.ts';
import type { AssetModel } from './model.ts';
import { assetsByArns, assetsByIds } from './queries.ts';

export type AssetLoaders = ReturnType<typeof createAssetLoaders>;

export function createAssetLoaders(db: Executor, tenantId: string) {
  return {
    byId: keyedLoader<string, AssetModel>(
      (ids) => assetsByIds(db, tenantId, ids),
      (row) => row.id,
    ),
    /** By ARN (the `resourceArn` entity key): null for a non-ARN Id, which names no one asset. */
    byArn: keyedLoader<string, AssetModel>(
      (arns) => assetsByArns(db, tenantId, arns),
      (row) => row.identityKey,
    ),
  };
}
