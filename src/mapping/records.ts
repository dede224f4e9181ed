import type { NewAssetRow, NewFindingRow } from '../db/schema.ts';

// What mapping produces: rows of the findings and assets tables without what the database or the
// caller assigns (ids, tenant, connector, timestamps). Derived from the tables, never retyped.

/** A mapped finding. */
export type FindingRecord = Omit<
  NewFindingRow,
  'id' | 'tenantId' | 'connectorId' | 'assetId' | 'isPrimary' | 'search' | 'createdAt' | 'updatedAt'
> & {
  /** The identity key (`assetIdentityKey`) of the finding's primary asset (Resources[0]). */
  assetIdentityKey: string | null;
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
