import type { RiskBand } from '../generated/graphql.ts';
import { ASSET_RISK_BANDS, MAX_ASSET_RISK } from '../mapping/scoring-constants.ts';

export { assetRiskBand as riskBand } from '../mapping/risk-score.ts';

/** Score ranges of the asset risk bands (DESIGN §5), for filtering by band in SQL. */
export const RISK_BAND_RANGES: Record<RiskBand, { min: number; max: number }> = {
  SEVERE: { min: ASSET_RISK_BANDS.SEVERE, max: MAX_ASSET_RISK },
  HIGH: { min: ASSET_RISK_BANDS.HIGH, max: ASSET_RISK_BANDS.SEVERE - 1 },
  MEDIUM: { min: ASSET_RISK_BANDS.MEDIUM, max: ASSET_RISK_BANDS.HIGH - 1 },
  LOW: { min: 0, max: ASSET_RISK_BANDS.MEDIUM - 1 },
};
