import type { AssetRow } from '../db/schema.ts';

export type AssetModel = AssetRow;

/** Criticality when nobody set one (DESIGN §5: ACS default 2). */
export const DEFAULT_ASSET_CRITICALITY = 2;
