import type { AwsSecurityFinding, Vulnerability } from '@aws-sdk/client-securityhub';
import { canonicalCveOf } from './cves.ts';
import { type CvssChoice, cvssForScoring } from './cvss.ts';
import {
  BAND_DEFAULT,
  COMPLIANCE_WARNING_FACTOR,
  CVSS_WEIGHT,
  EPSS_CURVE,
  EXPLOITED_BASE,
  EXPLOITED_CVSS_WEIGHT,
  FINDING_SEVERITY_LEVEL,
  LABEL_BANDS,
  labelOfScore,
  SCORING_VERSION,
  SEVERITY_LABELS,
  type SeverityLabel,
  THREAT_EXPLOIT_AVAILABLE,
  THREAT_NO_EXPLOIT,
  THREAT_UNKNOWN,
  THREAT_WEIGHT,
} from './scoring-constants.ts';

// The detection score (0–100) of one finding, with every factor that produced it (DESIGN §5).
// Pure: the same ASFF and settings always give the same score and the same explanation.

export interface ScoreSettings {
  /** Used when a finding carries no severity at all (the connector's setting). */
  defaultSeverity: SeverityLabel;
}

export type LabelSource = 'label' | 'normalized' | 'original' | 'default';

export interface DetectionFactors {
  scoringVersion: string;
  score: number;
  band: SeverityLabel;
  branch: 'exploited' | 'cvss' | 'normalized' | 'band-default' | 'default-severity';
  formula: string;
  label: { value: SeverityLabel; source: LabelSource; normalized: number | null; original: string | null };
  cvss?: CvssChoice & { cve: string | null; C: number };
  threat?: {
    exploitAvailable: string | null;
    epss: number | null;
    fromExploit: number | null;
    fromEpss: number | null;
    T: number;
    unknown: boolean;
  };
  exploitedAt?: string;
  complianceWarning?: boolean;
  counted: boolean;
  excludedBecause: string[];
  /** Present when the score's band differs from the finding's label band, with the reason. */
  bandDeviation?: { label: SeverityLabel; scoreBand: SeverityLabel; reason: string };
  context: { fixAvailable: string | null; productName: string | null; resourceType: string | null };
}

export interface DetectionScore {
  score: number;
  label: SeverityLabel;
  findingSeverity: number;
  counted: boolean;
  factors: DetectionFactors;
}

export function detectionScore(finding: AwsSecurityFinding, settings: ScoreSettings): DetectionScore {
  const label = effectiveLabel(finding, settings);
  const excludedBecause = exclusions(finding);
  const vulnerabilities = finding.Vulnerabilities ?? [];

  const best = scoringVulnerability(finding);
  let score: number;
  let factors: Partial<DetectionFactors>;
  if (best) {
    ({ score, factors } = best);
  } else if (label.source === 'default') {
    score = BAND_DEFAULT[label.value];
    factors = {
      branch: 'default-severity',
      formula: `band default of the connector's default severity ${label.value}`,
    };
  } else {
    const normalized = finding.Severity?.Normalized;
    const band = LABEL_BANDS[label.value];
    if (typeof normalized === 'number' && normalized >= band.min && normalized <= band.max) {
      score = Math.round(normalized);
      factors = { branch: 'normalized', formula: 'Severity.Normalized (inside its label band)' };
    } else {
      score = BAND_DEFAULT[label.value];
      factors = {
        branch: 'band-default',
        formula:
          typeof normalized === 'number'
            ? `band default of ${label.value} (Normalized ${normalized} lies outside the ${label.value} band ${band.min}–${band.max})`
            : `band default of ${label.value}`,
      };
    }
  }

  const complianceWarning = finding.Compliance?.Status === 'WARNING';
  if (complianceWarning) score = Math.round(score * COMPLIANCE_WARNING_FACTOR);

  const band = labelOfScore(score);
  const deviation =
    band === label.value
      ? undefined
      : {
          label: label.value,
          scoreBand: band,
          reason: complianceWarning
            ? 'compliance WARNING counts half'
            : factors.branch === 'exploited'
              ? `exploited in the wild (LastKnownExploitAt ${factors.exploitedAt})`
              : `CVSS ${factors.cvss?.baseScore} (${factors.cvss?.source ?? 'unknown source'}${factors.cvss?.adjusted ? ', environment-adjusted' : ''}) with threat ${factors.threat?.T}${factors.threat?.unknown ? ' (unknown)' : ''}`,
        };

  return {
    score,
    label: label.value,
    findingSeverity: FINDING_SEVERITY_LEVEL[label.value],
    counted: excludedBecause.length === 0,
    factors: {
      scoringVersion: SCORING_VERSION,
      score,
      band,
      branch: factors.branch!,
      formula: factors.formula!,
      label: {
        value: label.value,
        source: label.source,
        normalized: finding.Severity?.Normalized ?? null,
        original: finding.Severity?.Original ?? null,
      },
      ...(factors.cvss ? { cvss: factors.cvss } : {}),
      ...(factors.threat ? { threat: factors.threat } : {}),
      ...(factors.exploitedAt ? { exploitedAt: factors.exploitedAt } : {}),
      ...(complianceWarning ? { complianceWarning } : {}),
      counted: excludedBecause.length === 0,
      excludedBecause,
      ...(deviation ? { bandDeviation: deviation } : {}),
      context: {
        fixAvailable: vulnerabilities[0]?.FixAvailable ?? null,
        productName: finding.ProductName ?? null,
        resourceType: finding.Resources?.[0]?.Type ?? null,
      },
    },
  };
}

/**
 * The vulnerability a finding's score rests on: of those with CVSS, the one that scores highest.
 * The stored CVSS fields are read from the same one (transforms.ts `cvssBaseScore`).
 */
export function scoringVulnerability(
  finding: Partial<Pick<AwsSecurityFinding, 'Vulnerabilities' | 'Title' | 'GeneratorId' | 'Resources'>>,
): { vulnerability: Vulnerability; score: number; factors: Partial<DetectionFactors> } | undefined {
  const best = highestScoring(finding.Vulnerabilities ?? []);
  if (!best) return undefined;
  const { vulnerability, cvss, C, threat, score } = best;
  const exploitedAt = vulnerability.LastKnownExploitAt;
  const factors: Partial<DetectionFactors> = {
    branch: exploitedAt ? 'exploited' : 'cvss',
    formula: exploitedAt
      ? `${EXPLOITED_BASE} + ${EXPLOITED_CVSS_WEIGHT}·C`
      : `${CVSS_WEIGHT}·C + ${THREAT_WEIGHT}·T`,
    cvss: { ...cvss, cve: canonicalCveOf(vulnerability, finding) ?? vulnerability.Id ?? null, C },
    threat,
    ...(exploitedAt ? { exploitedAt } : {}),
  };
  return { vulnerability, score, factors };
}

/** Of the vulnerabilities with CVSS, the first that scores highest, and its score (no explanation). */
export function highestScoring(vulnerabilities: readonly Vulnerability[]):
  | {
      vulnerability: Vulnerability;
      cvss: CvssChoice;
      C: number;
      threat: NonNullable<DetectionFactors['threat']>;
      score: number;
    }
  | undefined {
  let best: ReturnType<typeof highestScoring>;
  for (const vulnerability of vulnerabilities) {
    const cvss = cvssForScoring(vulnerability.Cvss ?? []);
    if (!cvss) continue;
    const C = round1(cvss.baseScore * 10);
    const threat = threatOf(vulnerability.ExploitAvailable ?? null, vulnerability.EpssScore ?? null);
    const score = vulnerability.LastKnownExploitAt
      ? clamp(Math.round(EXPLOITED_BASE + EXPLOITED_CVSS_WEIGHT * C))
      : clamp(Math.round(CVSS_WEIGHT * C + THREAT_WEIGHT * threat.T));
    if (!best || score > best.score) best = { vulnerability, cvss, C, threat, score };
  }
  return best;
}

/**
 * T from EPSS when it is known (at least 70 with an exploit); without EPSS, 70 with an exploit,
 * 35 when the product says there is none, 50 when nothing is known. A missing EPSS is unknown,
 * not zero: a CVSS 9.8 without EPSS must not score as if nobody could ever exploit it.
 */
export function threatOf(
  exploitAvailable: string | null,
  epss: number | null,
): NonNullable<DetectionFactors['threat']> {
  const fromEpss = typeof epss === 'number' ? round1(epssCurve(epss)) : null;
  // An exploit that exists floors T; "no known exploit" speaks only where EPSS, which measures
  // what "NO" asserts, is missing.
  const fromExploit =
    exploitAvailable === 'YES'
      ? THREAT_EXPLOIT_AVAILABLE
      : exploitAvailable === 'NO' && fromEpss === null
        ? THREAT_NO_EXPLOIT
        : null;
  const unknown = fromEpss === null && fromExploit === null;
  const T = fromEpss !== null ? Math.max(fromEpss, fromExploit ?? 0) : (fromExploit ?? THREAT_UNKNOWN);
  return { exploitAvailable, epss, fromExploit, fromEpss, T, unknown };
}

export function epssCurve(probability: number): number {
  const p = Math.min(1, Math.max(0, probability));
  for (let i = 1; i < EPSS_CURVE.length; i++) {
    const [x1, y1] = EPSS_CURVE[i]!;
    if (p <= x1) {
      const [x0, y0] = EPSS_CURVE[i - 1]!;
      return y0 + ((p - x0) / (x1 - x0)) * (y1 - y0);
    }
  }
  return EPSS_CURVE.at(-1)![1];
}

const ORIGINAL_WORDS: Record<string, SeverityLabel> = {
  informational: 'INFORMATIONAL',
  info: 'INFORMATIONAL',
  none: 'INFORMATIONAL',
  low: 'LOW',
  medium: 'MEDIUM',
  moderate: 'MEDIUM',
  high: 'HIGH',
  important: 'HIGH',
  critical: 'CRITICAL',
};

/** The label to score by: Security Hub's, else from Normalized, else the product's own words, else the default. */
export function effectiveLabel(
  finding: AwsSecurityFinding,
  settings: ScoreSettings,
): { value: SeverityLabel; source: LabelSource } {
  // A finding as a provider imports it may carry its severity only in FindingProviderFields
  // (Security Hub copies it to Severity on import; a pasted import request has not been through that).
  const label = finding.Severity?.Label ?? finding.FindingProviderFields?.Severity?.Label;
  if (label && (SEVERITY_LABELS as readonly string[]).includes(label))
    return { value: label as SeverityLabel, source: 'label' };
  const normalized = finding.Severity?.Normalized;
  if (typeof normalized === 'number') return { value: labelOfScore(normalized), source: 'normalized' };
  const original =
    ORIGINAL_WORDS[
      String(finding.Severity?.Original ?? finding.FindingProviderFields?.Severity?.Original ?? '')
        .trim()
        .toLowerCase()
    ];
  if (original) return { value: original, source: 'original' };
  return { value: settings.defaultSeverity, source: 'default' };
}

/** Why a finding does not count toward risk (empty: it counts). */
export function exclusions(finding: AwsSecurityFinding): string[] {
  const reasons: string[] = [];
  const compliance = finding.Compliance?.Status;
  if (compliance === 'PASSED' || compliance === 'NOT_AVAILABLE') reasons.push(`compliance ${compliance}`);
  const workflow = finding.Workflow?.Status;
  if (workflow === 'RESOLVED' || workflow === 'SUPPRESSED') reasons.push(`workflow ${workflow}`);
  if (finding.RecordState === 'ARCHIVED') reasons.push('record ARCHIVED');
  return reasons;
}

function clamp(score: number): number {
  return Math.min(100, Math.max(0, score));
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
