import {
  ASSET_RISK_BANDS,
  DEFAULT_ASSET_CRITICALITY,
  INTERNET_EXPOSURE_FACTOR,
  labelOfScore,
  MAX_ASSET_RISK,
  RISK_BAND_WEIGHTS,
  RISK_COUNT_EXPONENT,
  SCORING_VERSION,
} from './scoring-constants.ts';

// Asset risk (0–1000): min(1000, round(ACS × E × Σ_b w_b · max(score_b) · n_b^0.01)) over the bands
// of the asset's counted findings (DESIGN §5). `max` per band, not an average, keeps it monotone:
// a new counted finding never lowers it, a resolved one never raises it (property-tested).

export type AssetRiskBand = 'SEVERE' | 'HIGH' | 'MEDIUM' | 'LOW';

export interface RiskInput {
  findings: readonly { detectionScore: number; counted: boolean; dedupKey: string | null }[];
  /** 1–5; null: the default (2). */
  criticality: number | null;
  internetExposed: boolean;
}

export interface AssetRisk {
  score: number;
  band: AssetRiskBand;
  factors: {
    scoringVersion: string;
    criticality: { value: number; defaulted: boolean };
    exposure: { internetExposed: boolean; factor: number };
    bands: { band: string; weight: number; maxScore: number; count: number; contribution: number }[];
    raw: number;
    capped: boolean;
    countedFindings: number;
    /** De-duplication groups counted once. */
    groupsCollapsed: number;
  };
  scoringVersion: string;
}

export function assetRiskScore(input: RiskInput): AssetRisk {
  // Per band: the highest score of a counted finding in it, and how many problems (de-duplication
  // groups) have a counted finding in it — a group reported by three standards counts once. Both
  // only grow when a finding starts to count and only shrink when one stops, so the score is monotone.
  const bands = new Map<string, { maxScore: number; groups: Set<string> }>();
  let countedFindings = 0;
  input.findings.forEach((finding, index) => {
    if (!finding.counted) return;
    countedFindings += 1;
    const band = labelOfScore(finding.detectionScore);
    if (band === 'INFORMATIONAL') return;
    const entry = bands.get(band) ?? { maxScore: 0, groups: new Set<string>() };
    entry.maxScore = Math.max(entry.maxScore, finding.detectionScore);
    entry.groups.add(finding.dedupKey ?? `#${index}`);
    bands.set(band, entry);
  });
  const problems = new Set<string>();
  input.findings.forEach((finding, index) => {
    if (finding.counted) problems.add(finding.dedupKey ?? `#${index}`);
  });
  const criticality = input.criticality ?? DEFAULT_ASSET_CRITICALITY;
  const exposure = input.internetExposed ? INTERNET_EXPOSURE_FACTOR : 1;
  const contributions = (['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const)
    .filter((band) => bands.has(band))
    .map((band) => {
      const { maxScore, groups } = bands.get(band)!;
      const count = groups.size;
      const weight = RISK_BAND_WEIGHTS[band];
      return {
        band,
        weight,
        maxScore,
        count,
        contribution: round2(weight * maxScore * count ** RISK_COUNT_EXPONENT),
      };
    });
  const raw = round2(
    criticality *
      exposure *
      contributions.reduce(
        (sum, entry) => sum + entry.weight * entry.maxScore * entry.count ** RISK_COUNT_EXPONENT,
        0,
      ),
  );
  const score = Math.min(MAX_ASSET_RISK, Math.round(raw));
  return {
    score,
    band: assetRiskBand(score),
    scoringVersion: SCORING_VERSION,
    factors: {
      scoringVersion: SCORING_VERSION,
      criticality: { value: criticality, defaulted: input.criticality === null },
      exposure: { internetExposed: input.internetExposed, factor: exposure },
      bands: contributions,
      raw,
      capped: raw > MAX_ASSET_RISK,
      countedFindings,
      groupsCollapsed: countedFindings - problems.size,
    },
  };
}

export function assetRiskBand(score: number): AssetRiskBand {
  if (score >= ASSET_RISK_BANDS.SEVERE) return 'SEVERE';
  if (score >= ASSET_RISK_BANDS.HIGH) return 'HIGH';
  if (score >= ASSET_RISK_BANDS.MEDIUM) return 'MEDIUM';
  return 'LOW';
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
