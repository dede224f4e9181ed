import type { RiskBand } from '../generated/graphql.ts';

/** DESIGN §5: SEVERE ≥ 850, HIGH 700–849, MEDIUM 500–699, LOW below 500. */
export const RISK_BAND_RANGES: Record<RiskBand, { min: number; max: number }> = {
  SEVERE: { min: 850, max: 1000 },
  HIGH: { min: 700, max: 849 },
  MEDIUM: { min: 500, max: 699 },
  LOW: { min: 0, max: 499 },
};

export function riskBand(score: number): RiskBand {
  if (score >= RISK_BAND_RANGES.SEVERE.min) return 'SEVERE';
  if (score >= RISK_BAND_RANGES.HIGH.min) return 'HIGH';
  if (score >= RISK_BAND_RANGES.MEDIUM.min) return 'MEDIUM';
  return 'LOW';
}
