import { timingSafeEqual } from 'node:crypto';

/** Compares secrets in constant time: a timing difference would tell how much of a guess was right. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
