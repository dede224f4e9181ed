import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { detectionScore, effectiveLabel, threatOf } from '../../../src/mapping/detection-score.ts';

// The explanation a score carries (formula, band deviation's reason, label source), word for word,
// and the choices behind it; every finding is built inside its test.

const settings = { defaultSeverity: 'LOW' as const };
const finding = (fields: Record<string, unknown>) =>
  ({ Resources: [{ Type: 'AwsEc2Instance', Id: 'i-1' }], ...fields }) as unknown as AwsSecurityFinding;

describe('formulas', () => {
  it('names the band default of the connector default severity', () => {
    const { score, factors } = detectionScore(finding({}), settings);
    expect(score).toBe(20);
    expect(factors.branch).toBe('default-severity');
    expect(factors.formula).toBe("band default of the connector's default severity LOW");
    expect(factors.label).toEqual({ value: 'LOW', source: 'default', normalized: null, original: null });
  });

  it('takes Normalized at the top of its label band', () => {
    const { score, factors } = detectionScore(
      finding({ Severity: { Label: 'HIGH', Normalized: 89 } }),
      settings,
    );
    expect(score).toBe(89);
    expect(factors.branch).toBe('normalized');
    expect(factors.formula).toBe('Severity.Normalized (inside its label band)');
  });

  it('uses the band default when Normalized is outside the band, or missing', () => {
    const outside = detectionScore(finding({ Severity: { Label: 'HIGH', Normalized: 10 } }), settings);
    expect(outside.score).toBe(80);
    expect(outside.factors.branch).toBe('band-default');
    expect(outside.factors.formula).toBe(
      'band default of HIGH (Normalized 10 lies outside the HIGH band 70–89)',
    );
    const missing = detectionScore(finding({ Severity: { Label: 'HIGH' } }), settings);
    expect(missing.score).toBe(80);
    expect(missing.factors.formula).toBe('band default of HIGH');
  });

  it('names the CVSS formula', () => {
    const { factors } = detectionScore(
      finding({
        Severity: { Label: 'HIGH' },
        Vulnerabilities: [{ Id: 'CVE-2026-0001', Cvss: [{ BaseScore: 9.8 }] }],
      }),
      settings,
    );
    expect(factors.branch).toBe('cvss');
    expect(factors.formula).toBe('0.65·C + 0.35·T');
  });
});

describe('the reason a score leaves its label band', () => {
  it('gives CVSS without a source, and an unknown threat', () => {
    const { score, factors } = detectionScore(
      finding({
        Severity: { Label: 'INFORMATIONAL' },
        Vulnerabilities: [{ Id: 'CVE-2026-0001', Cvss: [{ BaseScore: 9.8 }] }],
      }),
      settings,
    );
    expect(score).toBe(81);
    expect(factors.bandDeviation).toEqual({
      label: 'INFORMATIONAL',
      scoreBand: 'HIGH',
      reason: 'CVSS 9.8 (unknown source) with threat 50 (unknown)',
    });
  });

  it('gives the source, an adjustment and a known threat', () => {
    const { factors } = detectionScore(
      finding({
        Severity: { Label: 'INFORMATIONAL' },
        Vulnerabilities: [
          {
            Id: 'CVE-2026-0001',
            EpssScore: 0.5,
            Cvss: [{ BaseScore: 9.8, Source: 'NVD', Adjustments: [{ Metric: 'AV', Reason: 'internal' }] }],
          },
        ],
      }),
      settings,
    );
    expect(factors.bandDeviation?.reason).toBe('CVSS 9.8 (NVD, environment-adjusted) with threat 100');
  });
});

describe('factors', () => {
  it('records a compliance warning, and a finding that does not count', () => {
    const { factors, counted } = detectionScore(
      finding({ Severity: { Label: 'HIGH' }, Compliance: { Status: 'WARNING' }, RecordState: 'ARCHIVED' }),
      settings,
    );
    expect(factors.complianceWarning).toBe(true);
    expect(counted).toBe(false);
    expect(factors.counted).toBe(false);
    expect(factors.excludedBecause).toEqual(['record ARCHIVED']);
  });

  it('has no resource type for a finding without resources', () => {
    expect(detectionScore(finding({ Resources: [] }), settings).factors.context.resourceType).toBeNull();
    expect(
      detectionScore(finding({ Resources: undefined }), settings).factors.context.resourceType,
    ).toBeNull();
  });

  it('rests on the highest-scoring vulnerability, the first of equals', () => {
    const highestFirst = detectionScore(
      finding({
        Vulnerabilities: [
          { Id: 'CVE-2026-0001', Cvss: [{ BaseScore: 9.8 }] },
          { Id: 'CVE-2026-0002', Cvss: [{ BaseScore: 5 }] },
        ],
      }),
      settings,
    );
    expect(highestFirst.factors.cvss?.baseScore).toBe(9.8);
    const equal = detectionScore(
      finding({
        Vulnerabilities: [
          { Id: 'CVE-2026-0001', Cvss: [{ BaseScore: 9.8 }] },
          { Id: 'CVE-2026-0002', Cvss: [{ BaseScore: 9.8 }] },
        ],
      }),
      settings,
    );
    expect(equal.factors.cvss?.cve).toBe('CVE-2026-0001');
  });
});

describe('threat', () => {
  it('is unknown only when neither EPSS nor an exploit says anything', () => {
    expect(threatOf(null, null)).toEqual({
      exploitAvailable: null,
      epss: null,
      fromExploit: null,
      fromEpss: null,
      T: 50,
      unknown: true,
    });
    expect(threatOf('YES', null).unknown).toBe(false);
    expect(threatOf(null, 0.5).unknown).toBe(false);
    expect(threatOf('YES', 0.5).unknown).toBe(false);
  });
});

describe('the effective label', () => {
  it('reads Normalized when there is no label, and says so', () => {
    expect(effectiveLabel(finding({ Severity: { Normalized: 50 } }), settings)).toEqual({
      value: 'MEDIUM',
      source: 'normalized',
    });
  });

  it('ignores a provider label outside the five, and provider fields without a severity', () => {
    expect(
      effectiveLabel(
        finding({ FindingProviderFields: { Severity: { Label: 'SEVERE' }, Types: [] } }),
        settings,
      ),
    ).toEqual({ value: 'LOW', source: 'default' });
    expect(effectiveLabel(finding({ FindingProviderFields: { Types: [] } }), settings)).toEqual({
      value: 'LOW',
      source: 'default',
    });
  });

  it('trims the product’s own words', () => {
    expect(effectiveLabel(finding({ Severity: { Original: ' High ' } }), settings)).toEqual({
      value: 'HIGH',
      source: 'original',
    });
  });
});
