import { describe, expect, it } from 'vitest';
import { assetRiskBand, assetRiskScore, summarizeFindings } from '../../../src/mapping/risk-score.ts';

// Asset risk (DESIGN §5): min(1000, round(ACS × E × Σ_b w_b · max(score_b) · n_b^0.01)), worked by
// hand for each case; the bands' edges; the summary the database also computes.

const finding = (detectionScore: number, dedupKey: string | null = null, counted = true) => ({
  detectionScore,
  counted,
  dedupKey,
});

describe('the per-band summary of an asset’s findings', () => {
  it('counts problems per band (a finding without a group is a problem of its own), never informational ones', () => {
    expect(
      summarizeFindings([
        finding(90, 'cve:CVE-2024-1:i-1'),
        finding(95),
        finding(92),
        finding(75, 'control:EC2.8:i-1'),
        finding(0),
        finding(0),
        finding(60, null, false),
      ]),
    ).toEqual({
      bands: { CRITICAL: { maxScore: 95, groups: 3 }, HIGH: { maxScore: 75, groups: 1 } },
      countedFindings: 6,
      problems: 6,
    });
  });
});

describe('asset risk, worked by hand', () => {
  it('weights each band by its highest score and, barely, by how many problems it has', () => {
    const risk = assetRiskScore({
      findings: [finding(95), finding(93), finding(91), finding(75)],
      criticality: 3,
      internetExposed: false,
    });
    // CRITICAL: 2.0 × 95 × 3^0.01 = 192.0989; HIGH: 1.0 × 75 × 1 = 75.
    // ARS = round(3 × 1 × 267.0989) = round(801.30) = 801.
    expect(risk).toEqual({
      score: 801,
      band: 'HIGH',
      scoringVersion: '2026-11.2',
      factors: {
        scoringVersion: '2026-11.2',
        criticality: { value: 3, defaulted: false },
        exposure: { internetExposed: false, factor: 1 },
        bands: [
          { band: 'CRITICAL', weight: 2, maxScore: 95, count: 3, contribution: 192.1 },
          { band: 'HIGH', weight: 1, maxScore: 75, count: 1, contribution: 75 },
        ],
        raw: 801.3,
        capped: false,
        countedFindings: 4,
        groupsCollapsed: 0,
      },
    });
  });

  it('reaches 1000 exactly without being capped, and caps what goes beyond', () => {
    // 5 × 1 × 2.0 × 100 = 1000.
    const exact = assetRiskScore({ findings: [finding(100)], criticality: 5, internetExposed: false });
    expect([exact.score, exact.factors.raw, exact.factors.capped]).toEqual([1000, 1000, false]);
    // 5 × 1.2 × 2.0 × 100 = 1200.
    const beyond = assetRiskScore({ findings: [finding(100)], criticality: 5, internetExposed: true });
    expect([beyond.score, beyond.factors.raw, beyond.factors.capped]).toEqual([1000, 1200, true]);
  });
});

describe('asset risk bands', () => {
  const cases: [number, string][] = [
    [1000, 'SEVERE'],
    [850, 'SEVERE'],
    [849, 'HIGH'],
    [700, 'HIGH'],
    [699, 'MEDIUM'],
    [500, 'MEDIUM'],
    [499, 'LOW'],
    [0, 'LOW'],
  ];
  for (const [score, band] of cases) {
    it(`${score} is ${band}`, () => {
      expect(assetRiskBand(score)).toBe(band);
    });
  }
});
