import type { Cvss } from '@aws-sdk/client-securityhub';

// CVSS entries as ASFF carries them in Vulnerabilities[].Cvss[]: often several per CVE (NVD's,
// the vendor's, and Inspector's environment-adjusted one, which has Adjustments). One rule picks
// the entry a score rests on, and the stored per-version fields follow the same rule (DESIGN §5).

export type CvssMajor = '2' | '3' | '4';

export interface CvssChoice {
  version: string;
  major: CvssMajor | null;
  baseScore: number;
  vector: string | null;
  source: string | null;
  adjusted: boolean;
}

type UsableCvss = Cvss & { BaseScore: number };

/**
 * The major version of an entry however it is spelled — `3.1`, `3`, `V3`, `v3.0`, `CVSS:3.1`,
 * `CVSS v4.0` (AWS's own ASFF examples write `V3`) — else read from its vector.
 */
export function cvssMajor(entry: Pick<Cvss, 'Version' | 'BaseVector'>): CvssMajor | null {
  const spelled = /^\s*(?:cvss\s*:?\s*)?v?\s*([234])(?:\.\d+)?\s*$/i.exec(String(entry.Version ?? ''));
  if (spelled) return spelled[1] as CvssMajor;
  const vector = String(entry.BaseVector ?? '');
  const prefixed = /^CVSS:([34])\.\d+\//.exec(vector);
  if (prefixed) return prefixed[1] as CvssMajor;
  // A v2 vector has no prefix, and is the only one with Authentication (Au).
  return /(^|\/)Au:[MSN](\/|$)/.test(vector) ? '2' : null;
}

function isAdjusted(entry: Cvss): boolean {
  return Array.isArray(entry.Adjustments) && entry.Adjustments.length > 0;
}

function usable(entry: unknown): entry is UsableCvss {
  const score = (entry as Cvss | null)?.BaseScore;
  return typeof score === 'number' && score >= 0 && score <= 10;
}

/**
 * The entry a detection score rests on: an environment-adjusted entry (it knows the deployment);
 * else the highest base score among v4.0 and v3.x; else v2; an entry of no recognisable version
 * only when there is nothing else.
 */
export function cvssForScoring(entries: readonly unknown[]): CvssChoice | undefined {
  const valid = entries.filter(usable);
  const chosen =
    best(valid.filter(isAdjusted)) ??
    best(valid.filter((entry) => ['3', '4'].includes(cvssMajor(entry) ?? ''))) ??
    best(valid.filter((entry) => cvssMajor(entry) === '2')) ??
    best(valid);
  return chosen ? choiceOf(chosen) : undefined;
}

/**
 * The stored base score of one major version, by the same rule: that version's adjusted entry
 * first, else its highest. When the scoring entry is of that version this is the scoring entry
 * (the field and the score's factors never disagree; test/unit/mapping/fidelity.test.ts holds it as
 * a property).
 */
export function cvssBaseOfVersion(entries: readonly unknown[], major: CvssMajor): number | undefined {
  const candidates = entries.filter(usable).filter((entry) => cvssMajor(entry) === major);
  return (best(candidates.filter(isAdjusted)) ?? best(candidates))?.BaseScore;
}

function choiceOf(entry: UsableCvss): CvssChoice {
  return {
    version: String(entry.Version ?? ''),
    major: cvssMajor(entry),
    baseScore: entry.BaseScore,
    vector: entry.BaseVector ?? null,
    source: entry.Source ?? null,
    adjusted: isAdjusted(entry),
  };
}

function best<T extends UsableCvss>(entries: T[]): T | undefined {
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
