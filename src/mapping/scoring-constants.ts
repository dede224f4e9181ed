// Every constant of Hubgraph's scores, in one place, versioned. Changing any value changes
// SCORING_VERSION, which every stored score carries: a score is always recomputable from its ASFF.
// Anchors and sources: shared/research/scoring-reliability.md; formulas: DESIGN §5.

export const SCORING_VERSION = '2026-11.2';

export type SeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export const SEVERITY_LABELS: readonly SeverityLabel[] = [
  'INFORMATIONAL',
  'LOW',
  'MEDIUM',
  'HIGH',
  'CRITICAL',
];

/** Security Hub's own label cut-offs on the 0–100 scale; detection-score bands use the same. */
export const LABEL_BANDS: Record<SeverityLabel, { min: number; max: number }> = {
  INFORMATIONAL: { min: 0, max: 0 },
  LOW: { min: 1, max: 39 },
  MEDIUM: { min: 40, max: 69 },
  HIGH: { min: 70, max: 89 },
  CRITICAL: { min: 90, max: 100 },
};

/** The score of a finding without CVSS whose Normalized value is missing or outside its label's band. */
export const BAND_DEFAULT: Record<SeverityLabel, number> = {
  INFORMATIONAL: 0,
  LOW: 20,
  MEDIUM: 55,
  HIGH: 80,
  CRITICAL: 95,
};

export const FINDING_SEVERITY_LEVEL: Record<SeverityLabel, number> = {
  INFORMATIONAL: 1,
  LOW: 2,
  MEDIUM: 3,
  HIGH: 4,
  CRITICAL: 5,
};

/** With CVSS: score = 0.65·C + 0.35·T (C = 10 × base score, T = threat). */
export const CVSS_WEIGHT = 0.65;
export const THREAT_WEIGHT = 0.35;
/** T when there is an exploit (without EPSS; with EPSS, the least T can be). */
export const THREAT_EXPLOIT_AVAILABLE = 70;
/** T without EPSS when the product says no exploit is known. */
export const THREAT_NO_EXPLOIT = 35;
/** T when neither exploit availability nor EPSS is known. */
export const THREAT_UNKNOWN = 50;
/** EPSS probability -> threat, piecewise linear through these points. */
export const EPSS_CURVE: readonly (readonly [number, number])[] = [
  [0, 0],
  [0.01, 40],
  [0.05, 65],
  [0.2, 85],
  [0.5, 100],
];
/** Exploited in the wild (LastKnownExploitAt): score = 90 + 0.1·C. */
export const EXPLOITED_BASE = 90;
export const EXPLOITED_CVSS_WEIGHT = 0.1;
/** A compliance WARNING counts half. */
export const COMPLIANCE_WARNING_FACTOR = 0.5;

/** Asset risk: min(1000, round(ACS × E × Σ_b w_b · max(score_b) · n_b^0.01)). */
export const RISK_BAND_WEIGHTS: Record<Exclude<SeverityLabel, 'INFORMATIONAL'>, number> = {
  CRITICAL: 2.0,
  HIGH: 1.0,
  MEDIUM: 0.4,
  LOW: 0.1,
};
export const RISK_COUNT_EXPONENT = 0.01;
export const DEFAULT_ASSET_CRITICALITY = 2;
export const INTERNET_EXPOSURE_FACTOR = 1.2;
export const MAX_ASSET_RISK = 1000;
export const ASSET_RISK_BANDS = { SEVERE: 850, HIGH: 700, MEDIUM: 500 } as const;
export const DEFAULT_CRITICALITY_TAG = 'Criticality';

export function labelOfScore(score: number): SeverityLabel {
  if (score >= LABEL_BANDS.CRITICAL.min) return 'CRITICAL';
  if (score >= LABEL_BANDS.HIGH.min) return 'HIGH';
  if (score >= LABEL_BANDS.MEDIUM.min) return 'MEDIUM';
  if (score >= LABEL_BANDS.LOW.min) return 'LOW';
  return 'INFORMATIONAL';
}
