import {
  ASSET_RISK_BANDS,
  DEFAULT_ASSET_CRITICALITY,
  INTERNET_EXPOSURE_FACTOR,
  labelOfScore,
  MAX_ASSET_RISK,
  RISK_BAND_WEIGHTS,
  RISK_COUNT_EXPONENT,
  SCORING_VERSION,
  type SeverityLabel,
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

/**
 * What asset risk is computed from, per band of counted findings: the highest score and how many
 * problems (de-duplication groups) have a counted finding there. The database computes the same
 * summary with an aggregate (src/assets/queries.ts), so a sync never reads an asset's findings one
 * by one.
 */
export interface RiskSummary {
  bands: Partial<Record<SeverityLabel, { maxScore: number; groups: number }>>;
  countedFindings: number;
  /** Distinct problems among the counted findings (all bands, informational included). */
  problems: number;
}

export function assetRiskScore(input: RiskInput): AssetRisk {
  return riskFromSummary(summarizeFindings(input.findings), input.criticality, input.internetExposed);
}

export function summarizeFindings(findings: RiskInput['findings']): RiskSummary {
  // Both only grow when a finding starts to count and only shrink when one stops, so the score is
  // monotone.
  const bands = new Map<SeverityLabel, { maxScore: number; groups: Set<string> }>();
  const problems = new Set<string>();
  let countedFindings = 0;
  findings.forEach((finding, index) => {
    if (!finding.counted) return;
    countedFindings += 1;
    const group = finding.dedupKey ?? `#${index}`;
    problems.add(group);
    const band = labelOfScore(finding.detectionScore);
    if (band === 'INFORMATIONAL') return;
    const entry = bands.get(band) ?? { maxScore: 0, groups: new Set<string>() };
    entry.maxScore = Math.max(entry.maxScore, finding.detectionScore);
    entry.groups.add(group);
    bands.set(band, entry);
  });
  return {
    bands: Object.fromEntries(
      [...bands].map(([band, entry]) => [band, { maxScore: entry.maxScore, groups: entry.groups.size }]),
    ),
    countedFindings,
    problems: problems.size,
  };
}

export function riskFromSummary(
  summary: RiskSummary,
  criticalityInput: number | null,
  internetExposed: boolean,
): AssetRisk {
  const criticality = criticalityInput ?? DEFAULT_ASSET_CRITICALITY;
  const exposure = internetExposed ? INTERNET_EXPOSURE_FACTOR : 1;
  const contributions = (['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const)
    .filter((band) => summary.bands[band] !== undefined)
    .map((band) => {
      const { maxScore, groups: count } = summary.bands[band]!;
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
      criticality: { value: criticality, defaulted: criticalityInput === null },
      exposure: { internetExposed, factor: exposure },
      bands: contributions,
      raw,
      capped: raw > MAX_ASSET_RISK,
      countedFindings: summary.countedFindings,
      groupsCollapsed: summary.countedFindings - summary.problems,
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
