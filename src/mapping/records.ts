import type { NewAssetRow, NewFindingRow } from '../db/schema.ts';

// What mapping produces: rows of the findings and assets tables without what the database or the
// caller assigns (ids, tenant, connector, timestamps). Derived from the tables, never retyped.

/** A mapped finding. */
export type FindingRecord = Omit<
  NewFindingRow,
  'id' | 'tenantId' | 'connectorId' | 'assetId' | 'isPrimary' | 'search' | 'createdAt' | 'updatedAt'
> & {
  /** Which of the finding's assets is its primary resource (Resources[0]). */
  assetResourceArn: string | null;
};

/** An asset as one finding sees it. */
export type AssetRecord = Omit<
  NewAssetRow,
  | 'id'
  | 'tenantId'
  | 'connectorId'
  | 'riskScore'
  | 'riskFactors'
  | 'scoringVersion'
  | 'createdAt'
  | 'updatedAt'
>;
