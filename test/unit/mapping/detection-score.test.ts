import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import {
  aControlAsff,
  aGuardDutyAsff,
  anInspectorEc2Asff,
  aPartnerAsff,
  CONTROLS,
  CVES,
} from '../../../src/emulator/generator/index.ts';
import { detectionScore, epssCurve } from '../../../src/mapping/detection-score.ts';
import { SCORING_VERSION } from '../../../src/mapping/scoring-constants.ts';

const settings = { defaultSeverity: 'MEDIUM' as const };

/** A vulnerability finding with exactly these threat inputs. */
function vulnerable(
  cvss: {
    BaseScore: number;
    Version?: string;
    Adjustments?: { Metric: string; Reason: string }[];
    Source?: string;
  }[],
  threat: { ExploitAvailable?: 'YES' | 'NO'; EpssScore?: number; LastKnownExploitAt?: string },
  label = 'HIGH',
): AwsSecurityFinding {
  const base = anInspectorEc2Asff();
  return {
    ...base,
    Severity: { Label: label as never, Normalized: 70 },
    Vulnerabilities: [
      {
        Id: 'CVE-2026-0001',
        Cvss: cvss.map((entry) => ({ Version: '3.1', Source: 'NVD', ...entry })),
        ...threat,
      },
    ],
  };
}

describe('detection score: the research anchors', () => {
  const cases: [string, AwsSecurityFinding, number, string][] = [
    [
      'CVSS 9.8, EPSS 0.42, exploit available',
      vulnerable([{ BaseScore: 9.8 }], { ExploitAvailable: 'YES', EpssScore: 0.42 }),
      97,
      'cvss',
    ],
    [
      'CVSS 9.8, EPSS 0.001, no exploit (demoted)',
      vulnerable([{ BaseScore: 9.8 }], { ExploitAvailable: 'NO', EpssScore: 0.001 }),
      65,
      'cvss',
    ],
    [
      'CVSS 7.5 exploited in the wild',
      vulnerable([{ BaseScore: 7.5 }], {
        ExploitAvailable: 'YES',
        LastKnownExploitAt: '2026-01-01T00:00:00Z',
      }),
      98,
      'exploited',
    ],
    ['CVSS 5.0 with nothing known of the threat (T = 50)', vulnerable([{ BaseScore: 5.0 }], {}), 50, 'cvss'],
    // Without EPSS the threat is not zero (DESIGN §5): 0.65·50 + 0.35·35 = 44.75.
    [
      'CVSS 5.0, known to have no exploit and no EPSS (T = 35)',
      vulnerable([{ BaseScore: 5.0 }], { ExploitAvailable: 'NO' }),
      45,
      'cvss',
    ],
    // The CRITICAL 9.8: 0.65·98 + 0.35·35 = 75.95, HIGH — no longer 64 MEDIUM.
    [
      'CVSS 9.8, no exploit, no EPSS (T = 35)',
      vulnerable([{ BaseScore: 9.8 }], { ExploitAvailable: 'NO' }),
      76,
      'cvss',
    ],
    // 0.65·98 + 0.35·70 = 88.2.
    [
      'CVSS 9.8, exploit, no EPSS (T = 70)',
      vulnerable([{ BaseScore: 9.8 }], { ExploitAvailable: 'YES' }),
      88,
      'cvss',
    ],
    // 0.65·98 + 0.35·50 = 81.2.
    ['CVSS 9.8, nothing known (T = 50)', vulnerable([{ BaseScore: 9.8 }], {}), 81, 'cvss'],
    // EPSS known: it decides, not "NO". 0.3 lies between (0.2, 85) and (0.5, 100): T = 90; 63.7 + 31.5 = 95.2.
    [
      'CVSS 9.8, no exploit, EPSS 0.3 (T = 90)',
      vulnerable([{ BaseScore: 9.8 }], { ExploitAvailable: 'NO', EpssScore: 0.3 }),
      95,
      'cvss',
    ],
    // An exploit floors T at 70 even when EPSS is tiny (0.001 gives 4): 63.7 + 24.5 = 88.2.
    [
      'CVSS 9.8, exploit, EPSS 0.001 (T = 70)',
      vulnerable([{ BaseScore: 9.8 }], { ExploitAvailable: 'YES', EpssScore: 0.001 }),
      88,
      'cvss',
    ],
  ];
  for (const [name, finding, score, branch] of cases) {
    it(`${name} scores ${score}`, () => {
      const result = detectionScore(finding, settings);
      expect(result.score).toBe(score);
      expect(result.factors.branch).toBe(branch);
      expect(result.factors.scoringVersion).toBe(SCORING_VERSION);
    });
  }

  it('follows the EPSS curve through its anchor points', () => {
    expect([0, 0.01, 0.05, 0.2, 0.5, 0.9].map(epssCurve)).toEqual([0, 40, 65, 85, 100, 100]);
    expect(epssCurve(0.03)).toBeCloseTo(52.5);
  });
});

describe('detection score: choosing the CVSS entry', () => {
  it('prefers the environment-adjusted entry over a higher NVD score', () => {
    const finding = vulnerable(
      [
        { BaseScore: 9.8, Source: 'NVD' },
        {
          BaseScore: 6.1,
          Source: 'AMAZON_INSPECTOR',
          Adjustments: [{ Metric: 'AttackVector', Reason: 'no network path' }],
        },
        { BaseScore: 7.5, Version: '2.0' },
      ],
      { ExploitAvailable: 'NO', EpssScore: 0.05 },
    );
    const { factors, score } = detectionScore(finding, settings);
    expect(factors.cvss).toMatchObject({ baseScore: 6.1, adjusted: true, source: 'AMAZON_INSPECTOR', C: 61 });
    // C = 10 × 6.1 = 61; T = EPSS curve at its anchor 0.05 = 65 (no exploit);
    // FDS = round(0.65 × 61 + 0.35 × 65) = round(39.65 + 22.75) = round(62.4) = 62.
    expect(score).toBe(62);
  });

  it('takes the highest v3 over v2, and v2 only when nothing newer exists', () => {
    const v3 = detectionScore(
      vulnerable(
        [
          { BaseScore: 5.3, Version: '3.0' },
          { BaseScore: 7.1, Version: '3.1' },
          { BaseScore: 9.3, Version: '2.0' },
        ],
        { ExploitAvailable: 'NO' },
      ),
      settings,
    );
    expect(v3.factors.cvss).toMatchObject({ version: '3.1', baseScore: 7.1 });
    const v2 = detectionScore(
      vulnerable([{ BaseScore: 9.3, Version: '2.0' }], { ExploitAvailable: 'NO' }),
      settings,
    );
    expect(v2.factors.cvss).toMatchObject({ version: '2.0', baseScore: 9.3 });
  });

  it('scores a finding with several vulnerabilities by the worst one', () => {
    const finding = anInspectorEc2Asff();
    finding.Vulnerabilities = [
      { Id: 'CVE-1', Cvss: [{ Version: '3.1', BaseScore: 4.0 }], ExploitAvailable: 'NO' },
      { Id: 'CVE-2', Cvss: [{ Version: '3.1', BaseScore: 9.0 }], ExploitAvailable: 'YES' },
    ];
    const { factors } = detectionScore(finding, settings);
    expect(factors.cvss?.cve).toBe('CVE-2');
  });
});

describe('detection score: findings without CVSS', () => {
  it('uses Normalized when it lies inside its label band', () => {
    const finding = aControlAsff({ Severity: { Label: 'MEDIUM', Normalized: 55 } });
    expect(detectionScore(finding, settings)).toMatchObject({
      score: 55,
      label: 'MEDIUM',
      findingSeverity: 3,
    });
  });

  it('uses the band default when Normalized contradicts the label (GuardDuty HIGH with Normalized 80 is inside; 60 is not)', () => {
    const inside = detectionScore(
      aGuardDutyAsff({ Severity: { Label: 'HIGH', Normalized: 80, Product: 8 } }),
      settings,
    );
    expect(inside.score).toBe(80);
    const outside = detectionScore(
      aGuardDutyAsff({ Severity: { Label: 'HIGH', Normalized: 60, Product: 6 } }),
      settings,
    );
    expect(outside).toMatchObject({ score: 80, factors: { branch: 'band-default' } });
    expect(outside.factors.formula).toContain('outside the HIGH band');
  });

  it('reads a label from Severity.Original words when a partner sends nothing else', () => {
    const partner = aPartnerAsff({ Severity: { Original: 'High' } });
    expect(detectionScore(partner, settings)).toMatchObject({
      score: 80,
      label: 'HIGH',
      factors: { label: { source: 'original' } },
    });
  });

  it("falls back to the connector's default severity when there is no severity at all", () => {
    const partner = aPartnerAsff({ Severity: { Original: '7/10' } });
    const medium = detectionScore(partner, { defaultSeverity: 'MEDIUM' });
    expect(medium).toMatchObject({
      score: 55,
      label: 'MEDIUM',
      findingSeverity: 3,
      factors: { branch: 'default-severity', label: { source: 'default' } },
    });
    expect(detectionScore(partner, { defaultSeverity: 'CRITICAL' }).score).toBe(95);
  });

  it('scores informational findings 0', () => {
    const passed = aControlAsff({}, 5, { status: 'PASSED' });
    expect(detectionScore(passed, settings)).toMatchObject({
      score: 0,
      label: 'INFORMATIONAL',
      findingSeverity: 1,
    });
  });

  it('halves a compliance WARNING and says so', () => {
    const warning = aControlAsff({
      Severity: { Label: 'HIGH', Normalized: 70 },
      Compliance: { Status: 'WARNING', SecurityControlId: 'EC2.8' },
    });
    const result = detectionScore(warning, settings);
    expect(result.score).toBe(35);
    expect(result.factors.bandDeviation).toEqual({
      label: 'HIGH',
      scoreBand: 'LOW',
      reason: 'compliance WARNING counts half',
    });
  });
});

describe('what counts toward risk', () => {
  // Excluded findings keep the score their severity gives them (the API shows it); they only stop
  // counting toward asset risk. Scores worked by hand from the published formulas:
  // - a control labelled HIGH with Normalized 70 (inside the HIGH band 70–89): 70;
  // - a passed control is INFORMATIONAL with Normalized 0: 0;
  // - the Inspector finding (seed 1, CVE-2023-38545): the adjusted CVSS entry 8.3 gives C = 83;
  //   no exploit, EPSS 0.27 gives T = 85 + (0.27 − 0.2) / (0.5 − 0.2) × (100 − 85) = 88.5;
  //   FDS = round(0.65 × 83 + 0.35 × 88.5) = round(53.95 + 30.975) = round(84.925) = 85.
  const cases: [string, AwsSecurityFinding, string[], number][] = [
    ['an active failed control', aControlAsff({}, 5, { control: CONTROLS[0], status: 'FAILED' }), [], 70],
    [
      'a passed control',
      aControlAsff({}, 5, { status: 'PASSED' }),
      ['compliance PASSED', 'workflow RESOLVED'],
      0,
    ],
    [
      'a control not available',
      aControlAsff({ Compliance: { Status: 'NOT_AVAILABLE' } }),
      ['compliance NOT_AVAILABLE'],
      70,
    ],
    ['an active vulnerability', anInspectorEc2Asff(), [], 85],
    [
      'a suppressed finding',
      anInspectorEc2Asff({ Workflow: { Status: 'SUPPRESSED' } }),
      ['workflow SUPPRESSED'],
      85,
    ],
    ['an archived finding', anInspectorEc2Asff({ RecordState: 'ARCHIVED' }), ['record ARCHIVED'], 85],
  ];
  for (const [name, finding, reasons, score] of cases) {
    it(`${reasons.length ? 'does not count' : 'counts'} ${name}, keeping its score ${score}`, () => {
      const result = detectionScore(finding, settings);
      expect(result.counted).toBe(reasons.length === 0);
      expect(result.factors.excludedBecause).toEqual(reasons);
      expect(result.score).toBe(score);
      expect(result.factors.score).toBe(score);
    });
  }
});

describe('explanations', () => {
  it('records every input of a CVSS score and why its band differs from the label', () => {
    // log4j on seed 1: NVD CVSS 10 and an Inspector-adjusted 8.5 (it wins: C = 85), exploit
    // available, EPSS 0.94358, LastKnownExploitAt 2026-09-12: the exploited branch,
    // FDS = round(90 + 0.1 × 85) = round(98.5) = 99, band CRITICAL where the label says HIGH.
    const finding = anInspectorEc2Asff({}, 1, CVES[0]!);
    const { factors, score } = detectionScore(finding, settings);
    expect(score).toBe(99);
    expect(factors).toMatchObject({
      score: 99,
      band: 'CRITICAL',
      branch: 'exploited',
      formula: '90 + 0.1·C',
      cvss: {
        cve: 'CVE-2021-44228',
        C: 85,
        baseScore: 8.5,
        adjusted: true,
        source: 'AMAZON_INSPECTOR',
        version: '3.1',
      },
      // T = max(70 for the exploit, the EPSS curve at 0.94358 = 100, past its last anchor) = 100.
      threat: {
        exploitAvailable: 'YES',
        epss: 0.94358,
        fromExploit: 70,
        fromEpss: 100,
        T: 100,
        unknown: false,
      },
      exploitedAt: '2026-09-12T00:00:00.000Z',
      label: { value: 'HIGH', source: 'label', normalized: 70, original: null },
      counted: true,
      excludedBecause: [],
      context: { fixAvailable: 'YES', productName: 'Inspector', resourceType: 'AwsEc2Instance' },
    });
    expect(factors.bandDeviation).toEqual({
      label: 'HIGH',
      scoreBand: 'CRITICAL',
      reason: 'exploited in the wild (LastKnownExploitAt 2026-09-12T00:00:00.000Z)',
    });
  });

  it('records no band deviation when the score stays in the label band', () => {
    const { factors } = detectionScore(
      aControlAsff({ Severity: { Label: 'HIGH', Normalized: 75 } }),
      settings,
    );
    expect(factors).toMatchObject({ score: 75, band: 'HIGH', branch: 'normalized' });
    expect(factors.bandDeviation).toBeUndefined();
  });
});
