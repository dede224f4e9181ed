import { describe, expect, it } from 'vitest';
import { searchPlan } from '../../../src/findings/service.ts';

describe('how a search page is read', () => {
  it('sorts the matches of a term that few findings hold, however many findings there are', () => {
    expect(searchPlan('LAST_OBSERVED_AT', 500, 100_000, 101)).toBe('sort');
    expect(searchPlan('LAST_OBSERVED_AT', 20_000, 100_000, 101)).toBe('sort');
    expect(searchPlan('DETECTION_SCORE', 500, 1_000_000, 101)).toBe('sort');
    expect(searchPlan('DETECTION_SCORE', 2_000, 1_000_000, 101)).toBe('sort');
  });

  it("sorts a term's matches at a million findings while that costs less than a pessimistic walk", () => {
    // At 1,000,000: "curl" (22,711 matches expected) walked 108,000 rows for a page, "openssl"
    // (44,100) 476,000.
    expect(searchPlan('SEVERITY', 22_711, 1_000_000, 101)).toBe('sort');
    expect(searchPlan('SEVERITY', 44_100, 1_000_000, 101)).toBe('sort');
    expect(searchPlan('UPDATED_AT', 100_000, 1_000_000, 101)).toBe('sort');
  });

  it('walks the order for a term that many findings hold: a page is found soon', () => {
    expect(searchPlan('SEVERITY', 101_000, 1_000_000, 101)).toBe('walk');
    expect(searchPlan('FIRST_OBSERVED_AT', 300_000, 1_000_000, 101)).toBe('walk');
    expect(searchPlan('SEVERITY', 33_000, 100_000, 101)).toBe('walk');
  });

  it('reads score group by score group in score order, from a few thousand matches to most findings', () => {
    expect(searchPlan('DETECTION_SCORE', 2_001, 100_000, 101)).toBe('by-score');
    expect(searchPlan('DETECTION_SCORE', 22_711, 1_000_000, 101)).toBe('by-score');
    expect(searchPlan('DETECTION_SCORE', 900_000, 1_000_000, 101)).toBe('by-score');
  });
});
