import type { AssetRow } from '../db/schema.ts';

export type AssetModel = AssetRow;

export { DEFAULT_ASSET_CRITICALITY } from '../mapping/scoring-constants.ts';
