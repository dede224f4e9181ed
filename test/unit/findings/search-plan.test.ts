import { describe, expect, it } from 'vitest';
import { sortsSearchMatches } from '../../../src/findings/service.ts';

describe('how a search page is read', () => {
  it('sorts the matches of a term that few findings hold, however many findings there are', () => {
    expect(sortsSearchMatches(500, 100_000, 101)).toBe(true);
    expect(sortsSearchMatches(20_000, 100_000, 101)).toBe(true);
  });

  it("sorts a term's matches at a million findings while that costs less than a pessimistic walk", () => {
    // At 1,000,000: "curl" (22,711 matches expected) walked 108,000 rows for a page, "openssl"
    // (44,100) 476,000.
    expect(sortsSearchMatches(22_711, 1_000_000, 101)).toBe(true);
    expect(sortsSearchMatches(44_100, 1_000_000, 101)).toBe(true);
    expect(sortsSearchMatches(100_000, 1_000_000, 101)).toBe(true);
  });

  it('walks the order for a term that many findings hold: a page is found soon', () => {
    expect(sortsSearchMatches(101_000, 1_000_000, 101)).toBe(false);
    expect(sortsSearchMatches(300_000, 1_000_000, 101)).toBe(false);
    expect(sortsSearchMatches(33_000, 100_000, 101)).toBe(false);
  });
});
