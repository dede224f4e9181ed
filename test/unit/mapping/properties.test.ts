import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateFindings } from '../../../src/emulator/generator/index.ts';
import { ASFF_FINDING_SHAPE } from '../../../src/mapping/asff-shape.ts';
import { VULNERABILITY_MAP } from '../../../src/mapping/built-in-maps.ts';
import { detectionScore } from '../../../src/mapping/detection-score.ts';
import { mapFinding } from '../../../src/mapping/map-finding.ts';
import { assetRiskScore } from '../../../src/mapping/risk-score.ts';
import { labelOfScore, SEVERITY_LABELS } from '../../../src/mapping/scoring-constants.ts';
import { compileTransformMap } from '../../../src/mapping/transform-map.ts';

const compiled = compileTransformMap(VULNERABILITY_MAP);
if (!compiled.ok) throw new Error('built-in map does not compile');
const map = compiled.map;
const sample = generateFindings({
  seed: 9,
  count: 200,
  accountIds: ['111122223333'],
  regions: ['us-east-1', 'eu-west-1'],
  now: new Date('2026-11-23T00:00:00Z'),
});

/** A real finding with its threat and severity inputs replaced by arbitrary (valid) values. */
const arbitraryFinding = fc
  .record({
    base: fc.constantFrom(...sample),
    label: fc.option(fc.constantFrom(...SEVERITY_LABELS), { nil: undefined }),
    normalized: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    cvss: fc.array(
      fc.record({
        Version: fc.constantFrom('2.0', '3.0', '3.1', '4.0'),
        BaseScore: fc.double({ min: 0, max: 10, noNaN: true }),
        adjusted: fc.boolean(),
      }),
      { maxLength: 4 },
    ),
    exploit: fc.option(fc.constantFrom('YES', 'NO'), { nil: undefined }),
    epss: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    exploited: fc.boolean(),
    compliance: fc.option(fc.constantFrom('PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE'), {
      nil: undefined,
    }),
    defaultSeverity: fc.constantFrom(...SEVERITY_LABELS),
  })
  .map(({ base, label, normalized, cvss, exploit, epss, exploited, compliance, defaultSeverity }) => ({
    finding: {
      ...base,
      Severity: {
        ...(label ? { Label: label } : {}),
        ...(normalized !== undefined ? { Normalized: normalized } : {}),
      },
      Compliance: compliance ? { Status: compliance } : undefined,
      Vulnerabilities: cvss.length
        ? [
            {
              Id: 'CVE-2026-0001',
              Cvss: cvss.map(({ adjusted, ...entry }) => ({
                ...entry,
                ...(adjusted ? { Adjustments: [{ Metric: 'AV', Reason: 'r' }] } : {}),
              })),
              ExploitAvailable: exploit,
              EpssScore: epss,
              ...(exploited ? { LastKnownExploitAt: '2026-01-01T00:00:00Z' } : {}),
            },
          ]
        : undefined,
    },
    defaultSeverity,
  }));

describe('detection score properties', () => {
  it('always lies in [0, 100]', () => {
    fc.assert(
      fc.property(arbitraryFinding, ({ finding, defaultSeverity }) => {
        const { score } = detectionScore(finding as never, { defaultSeverity });
        return Number.isInteger(score) && score >= 0 && score <= 100;
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps the label's band unless a recorded factor says why it does not", () => {
    fc.assert(
      fc.property(arbitraryFinding, ({ finding, defaultSeverity }) => {
        const { score, label, factors } = detectionScore(finding as never, { defaultSeverity });
        if (labelOfScore(score) === label) return factors.bandDeviation === undefined;
        return (
          factors.bandDeviation !== undefined &&
          factors.bandDeviation.reason.length > 0 &&
          factors.bandDeviation.scoreBand === labelOfScore(score)
        );
      }),
      { numRuns: 2000 },
    );
  });
});

const riskFinding = fc.record({
  detectionScore: fc.integer({ min: 0, max: 100 }),
  counted: fc.boolean(),
  dedupKey: fc.option(fc.constantFrom('g1', 'g2', 'g3'), { nil: null }),
});
const riskInput = fc.record({
  findings: fc.array(riskFinding, { maxLength: 30 }),
  criticality: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
  internetExposed: fc.boolean(),
});

describe('asset risk properties', () => {
  it('never decreases when a counted finding is added', () => {
    fc.assert(
      fc.property(riskInput, riskFinding, (input, added) => {
        const before = assetRiskScore(input).score;
        const after = assetRiskScore({
          ...input,
          findings: [...input.findings, { ...added, counted: true }],
        }).score;
        return after >= before;
      }),
      { numRuns: 2000 },
    );
  });

  it('never increases when a finding is resolved (stops counting)', () => {
    fc.assert(
      fc.property(riskInput, fc.nat(), (input, pick) => {
        if (input.findings.length === 0) return true;
        const index = pick % input.findings.length;
        const resolved = input.findings.map((finding, i) =>
          i === index ? { ...finding, counted: false } : finding,
        );
        return assetRiskScore({ ...input, findings: resolved }).score <= assetRiskScore(input).score;
      }),
      { numRuns: 2000 },
    );
  });

  it('stays within 0–1000', () => {
    fc.assert(
      fc.property(riskInput, (input) => {
        const { score } = assetRiskScore(input);
        return score >= 0 && score <= 1000;
      }),
    );
  });
});

describe('mapping is total', () => {
  it('never throws on arbitrary JSON, and rejects what is not ASFF', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const outcome = mapFinding(value, map, { defaultSeverity: 'MEDIUM' });
        return outcome.ok === false && outcome.reject.reason.length > 0;
      }),
      { numRuns: 1000 },
    );
  });

  it('maps or rejects with the problems named, whatever JSON replaces a field of a real finding', () => {
    fc.assert(
      fc.property(fc.constantFrom(...sample), fc.jsonValue(), fc.nat(), (base, value, pick) => {
        const keys = Object.keys(base);
        const key = keys[pick % keys.length]!;
        const outcome = mapFinding({ ...base, [key]: value }, map, { defaultSeverity: 'LOW' });
        if (outcome.ok) {
          const score = outcome.finding.detectionScore;
          return Number.isInteger(score) && score >= 0 && score <= 100;
        }
        // A reject from validation or the map names its problems; an exception caught inside
        // mapFinding ("mapping failed") names none, and must not happen.
        expect(outcome.reject.reason).not.toMatch(/^mapping failed/);
        expect(outcome.reject.problems.length).toBeGreaterThan(0);
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('maps a real finding with an extra field it does not know as it maps the finding alone', () => {
    if (ASFF_FINDING_SHAPE.kind !== 'structure') throw new Error('the ASFF finding shape is a structure');
    const known = new Set([...ASFF_FINDING_SHAPE.members.keys(), ...Object.keys(sample[0]!)]);
    fc.assert(
      fc.property(
        fc.constantFrom(...sample),
        fc.string({ minLength: 1 }).filter((name) => !known.has(name)),
        fc.jsonValue(),
        (base, name, value) => {
          const alone = mapFinding(base, map, { defaultSeverity: 'LOW' });
          const extended = mapFinding({ ...base, [name]: value }, map, { defaultSeverity: 'LOW' });
          if (!alone.ok || !extended.ok) return false;
          expect(extended.score).toEqual(alone.score);
          expect(extended.mapped).toEqual(alone.mapped);
          return true;
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('asset risk examples (DESIGN §5)', () => {
  const finding = (detectionScore: number) => ({ detectionScore, counted: true, dedupKey: null });
  it('scores a mission-critical asset with one critical finding at least 900, a low one with a 100 at 200', () => {
    expect(
      assetRiskScore({ findings: [finding(90)], criticality: 5, internetExposed: false }).score,
    ).toBeGreaterThanOrEqual(900);
    expect(assetRiskScore({ findings: [finding(100)], criticality: 1, internetExposed: false }).score).toBe(
      200,
    );
  });

  it('counts a de-duplication group once and explains every part', () => {
    const grouped = assetRiskScore({
      findings: [
        { detectionScore: 80, counted: true, dedupKey: 'control:EC2.8:i-1' },
        { detectionScore: 80, counted: true, dedupKey: 'control:EC2.8:i-1' },
        { detectionScore: 45, counted: true, dedupKey: null },
        { detectionScore: 99, counted: false, dedupKey: null },
      ],
      criticality: null,
      internetExposed: true,
    });
    expect(grouped.factors).toMatchObject({
      criticality: { value: 2, defaulted: true },
      exposure: { internetExposed: true, factor: 1.2 },
      countedFindings: 3,
      groupsCollapsed: 1,
      bands: [
        { band: 'HIGH', maxScore: 80, count: 1 },
        { band: 'MEDIUM', maxScore: 45, count: 1 },
      ],
    });
    // ACS 2 (default), E 1.2; HIGH: w 1.0, max 80, one group (the two 80s are one problem);
    // MEDIUM: w 0.4, max 45, one group; 1^0.01 = 1.
    // ARS = round(2 × 1.2 × (1.0 × 80 × 1 + 0.4 × 45 × 1)) = round(2.4 × 98) = round(235.2) = 235.
    expect(grouped.score).toBe(235);
    expect(grouped.band).toBe('LOW');
  });
});
