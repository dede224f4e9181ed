import type { Cvss } from '@aws-sdk/client-securityhub';

// CVSS entries as ASFF carries them in Vulnerabilities[].Cvss[]: often several per CVE (NVD's,
// the vendor's, and Inspector's environment-adjusted one, which has Adjustments).

export interface CvssChoice {
  version: string;
  baseScore: number;
  vector: string | null;
  source: string | null;
  adjusted: boolean;
}

const major = (version: unknown) => String(version ?? '').split('.')[0];

function isAdjusted(entry: Cvss): boolean {
  return Array.isArray(entry.Adjustments) && entry.Adjustments.length > 0;
}

function usable(entry: unknown): entry is Cvss & { BaseScore: number } {
  const score = (entry as Cvss | null)?.BaseScore;
  return typeof score === 'number' && score >= 0 && score <= 10;
}

/** One major version's entry: an adjusted one first, else the highest score. */
export function pickCvss(
  entries: readonly unknown[],
  version: '2' | '3' | '4',
): (Cvss & { BaseScore: number }) | undefined {
  const candidates = entries.filter(usable).filter((entry) => major(entry.Version) === version);
  return best(candidates.filter(isAdjusted)) ?? best(candidates);
}

/**
 * The entry a detection score rests on: an environment-adjusted entry (it knows the deployment),
 * else the highest of the newest version present (v4, then v3.x), v2 only as a last resort.
 */
export function cvssForScoring(entries: readonly unknown[]): CvssChoice | undefined {
  const valid = entries.filter(usable);
  const adjusted = best(valid.filter(isAdjusted));
  const chosen =
    adjusted ??
    best(valid.filter((e) => major(e.Version) === '4')) ??
    best(valid.filter((e) => major(e.Version) === '3')) ??
    best(valid.filter((e) => major(e.Version) === '2'));
  if (!chosen) return undefined;
  return {
    version: String(chosen.Version ?? ''),
    baseScore: chosen.BaseScore,
    vector: chosen.BaseVector ?? null,
    source: chosen.Source ?? null,
    adjusted: isAdjusted(chosen),
  };
}

function best<T extends Cvss & { BaseScore: number }>(entries: T[]): T | undefined {
  let top: T | undefined;
  for (const entry of entries) {
    if (
      !top ||
      entry.BaseScore > top.BaseScore ||
      (entry.BaseScore === top.BaseScore && isAdjusted(entry) && !isAdjusted(top))
    )
      top = entry;
  }
  return top;
}
