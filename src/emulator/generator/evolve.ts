import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { generateFindings } from './index.ts';
import { seededRandom } from './random.ts';

export interface FindingEvolutionOptions {
  seed: number;
  findings: readonly AwsSecurityFinding[];
  from: Date;
  to: Date;
  accountIds: string[];
  regions: string[];
}

const HOUR = 3_600_000;

/**
 * What the finding providers send (through BatchImportFindings) while the clock moves from `from` to
 * `to`: new versions of existing findings — re-observed, fixed (Inspector archives a closed finding,
 * a control passes), archived — and brand-new findings. Rates scale with the time elapsed.
 * Deterministic in (seed, from, to, findings).
 */
export function evolveFindings(options: FindingEvolutionOptions): {
  updated: AwsSecurityFinding[];
  created: AwsSecurityFinding[];
} {
  const hours = Math.max(0, (options.to.getTime() - options.from.getTime()) / HOUR);
  const random = seededRandom(options.seed ^ Math.floor(options.to.getTime() / 1000));
  const stamp = (offset: number) =>
    new Date(Math.min(options.to.getTime(), options.from.getTime() + offset)).toISOString();
  const span = Math.max(1, options.to.getTime() - options.from.getTime());
  // Per finding, over the whole span: a chance to change, capped so long jumps do not touch everything.
  const changeChance = Math.min(0.5, 0.01 * hours);
  const updated: AwsSecurityFinding[] = [];
  for (const finding of options.findings) {
    if (finding.RecordState === 'ARCHIVED' || !random.chance(changeChance)) continue;
    const at = stamp(random.int(1, span));
    const next: AwsSecurityFinding = { ...structuredClone(finding), UpdatedAt: at, LastObservedAt: at };
    const roll = random.next();
    if (roll < 0.2) {
      // Fixed.
      if (next.Compliance) {
        next.Compliance = { ...next.Compliance, Status: 'PASSED' };
        next.Severity = { ...next.Severity, Label: 'INFORMATIONAL', Normalized: 0 };
        next.FindingProviderFields = {
          ...next.FindingProviderFields,
          Severity: { ...next.FindingProviderFields?.Severity, Label: 'INFORMATIONAL' },
        };
      } else {
        next.RecordState = 'ARCHIVED';
        if (next.ProductFields?.['aws/inspector/FindingStatus'])
          next.ProductFields['aws/inspector/FindingStatus'] = 'CLOSED';
      }
    } else if (roll < 0.3) {
      next.RecordState = 'ARCHIVED';
    } else if (roll < 0.4 && next.Vulnerabilities?.[0]) {
      // New threat intelligence: EPSS moves, an exploit appears.
      const vulnerability = next.Vulnerabilities[0];
      vulnerability.EpssScore = Math.min(
        1,
        Math.round(((vulnerability.EpssScore ?? 0) + random.next() * 0.2) * 10_000) / 10_000,
      );
      if (random.chance(0.3)) vulnerability.ExploitAvailable = 'YES';
    }
    // Otherwise: simply observed again.
    updated.push(next);
  }
  const newCount = Math.floor(hours * Math.max(1, options.findings.length / 500) * random.next());
  const created =
    newCount === 0
      ? []
      : generateFindings({
          seed: options.seed + Math.floor(options.to.getTime() / 1000),
          count: newCount,
          accountIds: options.accountIds,
          regions: options.regions,
          now: options.to,
        })
          .map((finding) => ({
            ...finding,
            CreatedAt: stamp(random.int(1, span)),
            FirstObservedAt: finding.CreatedAt,
          }))
          .map((finding) => ({
            ...finding,
            FirstObservedAt: finding.CreatedAt,
            UpdatedAt: finding.CreatedAt,
            LastObservedAt: finding.CreatedAt,
          }));
  return { updated, created };
}
