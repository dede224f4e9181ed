import { describe, expect, it } from 'vitest';
import { FAR_FUTURE } from '../../../src/sync/model.ts';
import {
  checkpointAfterPage,
  chooseSplitDonor,
  highWaterAfter,
  MIN_SPLIT_MS,
  pageEndsSlice,
  pageQueryWindow,
  restartFromHighWater,
  type SliceProgress,
  type SplitCandidate,
  splitWeights,
  splitWindow,
  unreadFrom,
  wideEnoughToSplit,
  windowLeftMs,
} from '../../../src/sync/windows.ts';

// Every expected instant below is worked out by hand from the inputs; none comes from the code.

const at = (iso: string) => new Date(iso);

/** A slice of a run being paged: an hour of May 1st, nothing read yet, more pages to come. */
function aSlice(overrides: Partial<SplitCandidate & SliceProgress> = {}): SplitCandidate & SliceProgress {
  return {
    windowStart: at('2026-05-01T00:00:00.000Z'),
    windowEnd: at('2026-05-01T01:00:00.000Z'),
    queryEnd: null,
    highWater: null,
    hasMore: true,
    splitRequested: false,
    pages: 0,
    throttled: 0,
    retries: 0,
    startedAt: at('2026-05-01T12:00:00.000Z'),
    ...overrides,
  };
}

/** A slice whose unread window is `leftMs` wide (its window starts at midnight, nothing read). */
function sliceWithLeft(leftMs: number): SplitCandidate & SliceProgress {
  return aSlice({ windowEnd: new Date(Date.parse('2026-05-01T00:00:00.000Z') + leftMs) });
}

describe('what is left of a window', () => {
  it('starts at the window start before the first page', () => {
    const slice = aSlice();
    expect(unreadFrom(slice)).toEqual(at('2026-05-01T00:00:00.000Z'));
    expect(windowLeftMs(slice)).toBe(3_600_000);
  });

  it('starts at the high-water mark once pages are committed', () => {
    const slice = aSlice({ highWater: at('2026-05-01T00:20:00.000Z') });
    expect(unreadFrom(slice)).toEqual(at('2026-05-01T00:20:00.000Z'));
    expect(windowLeftMs(slice)).toBe(2_400_000);
  });
});

describe('choosing the split donor', () => {
  it('asks the slice with the most window left, not the first or the last wide one', () => {
    const nearlyRead = aSlice({ highWater: at('2026-05-01T00:50:00.000Z') }); // 10 min left
    const untouched = aSlice({
      windowStart: at('2026-05-01T01:00:00.000Z'),
      windowEnd: at('2026-05-01T02:00:00.000Z'),
    }); // 60 min left
    const halfRead = aSlice({
      windowStart: at('2026-05-01T02:00:00.000Z'),
      windowEnd: at('2026-05-01T03:00:00.000Z'),
      highWater: at('2026-05-01T02:30:00.000Z'),
    }); // 30 min left
    expect(chooseSplitDonor([nearlyRead, untouched, halfRead])).toBe(untouched);
    expect(chooseSplitDonor([halfRead, untouched, nearlyRead])).toBe(untouched);
  });

  it('measures from the high-water mark, not the window start', () => {
    const wideButMostlyRead = aSlice({
      windowEnd: at('2026-05-01T02:00:00.000Z'),
      highWater: at('2026-05-01T01:45:00.000Z'),
    }); // 2 h wide, 15 min left
    const narrowUnread = aSlice({
      windowStart: at('2026-05-01T02:00:00.000Z'),
      windowEnd: at('2026-05-01T02:30:00.000Z'),
    }); // 30 min wide, 30 min left
    expect(chooseSplitDonor([wideButMostlyRead, narrowUnread])).toBe(narrowUnread);
  });

  it('keeps the first of two slices with as much left', () => {
    const first = sliceWithLeft(600_000);
    const second = sliceWithLeft(600_000);
    expect(chooseSplitDonor([first, second])).toBe(first);
  });

  it('asks nobody while a request is pending', () => {
    const wide = aSlice();
    const asked = sliceWithLeft(60_000);
    asked.splitRequested = true;
    expect(chooseSplitDonor([wide, asked])).toBeUndefined();
    expect(chooseSplitDonor([asked, wide])).toBeUndefined();
  });

  it('passes over a slice without more pages (its last page is being written)', () => {
    const exhausted = aSlice({ hasMore: false });
    const paging = sliceWithLeft(60_000);
    expect(chooseSplitDonor([exhausted, paging])).toBe(paging);
    expect(chooseSplitDonor([exhausted])).toBeUndefined();
  });

  it('passes over the future slice, whose window runs to the year 9999', () => {
    const future = aSlice({ windowStart: at('2026-05-01T12:00:00.000Z'), windowEnd: FAR_FUTURE });
    const paging = sliceWithLeft(60_000);
    expect(chooseSplitDonor([future, paging])).toBe(paging);
    expect(chooseSplitDonor([future])).toBeUndefined();
  });

  it('asks only a slice with at least 2 × MIN_SPLIT_MS left, which splitWindow then halves', () => {
    expect(MIN_SPLIT_MS).toBe(1_000);
    expect(chooseSplitDonor([sliceWithLeft(1_999)])).toBeUndefined();
    expect(chooseSplitDonor([sliceWithLeft(1_001), sliceWithLeft(1_999)])).toBeUndefined();
    const wideEnough = sliceWithLeft(2_000);
    expect(chooseSplitDonor([sliceWithLeft(1_999), wideEnough])).toBe(wideEnough);
  });

  it('asks nobody when nothing runs', () => {
    expect(chooseSplitDonor([])).toBeUndefined();
  });
});

describe('splitting a window', () => {
  it('is worth it from 2 × MIN_SPLIT_MS left', () => {
    expect(wideEnoughToSplit(1_999)).toBe(false);
    expect(wideEnoughToSplit(2_000)).toBe(true);
    expect(wideEnoughToSplit(3_600_000)).toBe(true);
  });

  it('halves what is left after the high-water mark; the donor keeps paging its query to the old end', () => {
    const slice = aSlice({ highWater: at('2026-05-01T00:20:00.000Z') });
    expect(splitWindow(slice)).toEqual({
      donor: { windowEnd: at('2026-05-01T00:40:00.000Z'), queryEnd: at('2026-05-01T01:00:00.000Z') },
      taken: { windowStart: at('2026-05-01T00:40:00.000Z'), windowEnd: at('2026-05-01T01:00:00.000Z') },
    });
  });

  it('halves the whole window before the first page', () => {
    expect(splitWindow(aSlice())).toEqual({
      donor: { windowEnd: at('2026-05-01T00:30:00.000Z'), queryEnd: at('2026-05-01T01:00:00.000Z') },
      taken: { windowStart: at('2026-05-01T00:30:00.000Z'), windowEnd: at('2026-05-01T01:00:00.000Z') },
    });
  });

  it('a slice split before keeps the end of the query its NextToken belongs to', () => {
    const slice = aSlice({
      highWater: at('2026-05-01T00:20:00.000Z'),
      queryEnd: at('2026-05-01T02:00:00.000Z'),
    });
    expect(splitWindow(slice)).toEqual({
      donor: { windowEnd: at('2026-05-01T00:40:00.000Z'), queryEnd: at('2026-05-01T02:00:00.000Z') },
      taken: { windowStart: at('2026-05-01T00:40:00.000Z'), windowEnd: at('2026-05-01T01:00:00.000Z') },
    });
  });

  it('splits a window exactly 2 × MIN_SPLIT_MS wide into two of MIN_SPLIT_MS', () => {
    const slice = aSlice({ windowEnd: at('2026-05-01T00:00:02.000Z') });
    expect(splitWindow(slice)).toEqual({
      donor: { windowEnd: at('2026-05-01T00:00:01.000Z'), queryEnd: at('2026-05-01T00:00:02.000Z') },
      taken: { windowStart: at('2026-05-01T00:00:01.000Z'), windowEnd: at('2026-05-01T00:00:02.000Z') },
    });
  });

  it('leaves a window 1 ms narrower than 2 × MIN_SPLIT_MS whole', () => {
    expect(splitWindow(aSlice({ windowEnd: at('2026-05-01T00:00:01.999Z') }))).toBeUndefined();
    const mostlyRead = aSlice({ highWater: at('2026-05-01T00:59:58.001Z') });
    expect(splitWindow(mostlyRead)).toBeUndefined();
  });

  it("shares the slice's weight by window, so what the donor had read counts as much as before", () => {
    // 20 of 60 minutes read (1/3 of a weight of 0.75): the donor keeps 40 minutes, half of them read.
    const slice = { ...aSlice({ highWater: at('2026-05-01T00:20:00.000Z') }), weight: 0.75 };
    const weights = splitWeights(slice, splitWindow(slice)!);
    expect(weights).toEqual({ donor: 0.5, taken: 0.25 });
    expect(weights.donor * 0.5).toBeCloseTo(0.75 * (1 / 3), 12);
  });

  it('puts the middle of an odd width on the whole millisecond below', () => {
    // 2001 ms left from 00:20:00.000: the donor keeps 1000 ms, the new slice takes 1001.
    const slice = aSlice({
      highWater: at('2026-05-01T00:20:00.000Z'),
      windowEnd: at('2026-05-01T00:20:02.001Z'),
    });
    expect(splitWindow(slice)?.taken.windowStart).toEqual(at('2026-05-01T00:20:01.000Z'));
  });
});

describe('the high-water mark after a page', () => {
  it('is the latest UpdatedAt of the page', () => {
    const page = [
      { UpdatedAt: '2026-05-01T00:10:00.000Z' },
      { UpdatedAt: '2026-05-01T00:15:00.000Z' },
      { UpdatedAt: '2026-05-01T00:12:00.000Z' },
    ];
    expect(highWaterAfter(null, page)).toEqual(at('2026-05-01T00:15:00.000Z'));
    expect(highWaterAfter(at('2026-05-01T00:05:00.000Z'), page)).toEqual(at('2026-05-01T00:15:00.000Z'));
  });

  it('never moves backwards', () => {
    const page = [{ UpdatedAt: '2026-05-01T00:10:00.000Z' }, { UpdatedAt: '2026-05-01T00:20:00.000Z' }];
    expect(highWaterAfter(at('2026-05-01T00:30:00.000Z'), page)).toEqual(at('2026-05-01T00:30:00.000Z'));
  });

  it('stays where it was after an empty page (or none yet)', () => {
    expect(highWaterAfter(at('2026-05-01T00:30:00.000Z'), [])).toEqual(at('2026-05-01T00:30:00.000Z'));
    expect(highWaterAfter(null, [])).toBeNull();
  });

  it('ignores findings whose UpdatedAt is missing or does not parse', () => {
    const page = [
      { UpdatedAt: '2026-05-01T00:10:00.000Z' },
      { UpdatedAt: 'yesterday' },
      {},
      { UpdatedAt: undefined },
      null,
    ];
    expect(highWaterAfter(null, page)).toEqual(at('2026-05-01T00:10:00.000Z'));
    expect(highWaterAfter(null, [{ UpdatedAt: 'soon' }, {}])).toBeNull();
    expect(highWaterAfter(at('2026-05-01T00:30:00.000Z'), [{}])).toEqual(at('2026-05-01T00:30:00.000Z'));
  });

  it('reads UTC offsets, and keeps the milliseconds of a finer UpdatedAt', () => {
    expect(highWaterAfter(null, [{ UpdatedAt: '2026-05-01T02:10:00+02:00' }])).toEqual(
      at('2026-05-01T00:10:00.000Z'),
    );
    // Truncated, never rounded up: restarting there re-reads the finding rather than skipping it.
    expect(highWaterAfter(null, [{ UpdatedAt: '2026-05-01T00:10:00.123999Z' }])).toEqual(
      at('2026-05-01T00:10:00.123Z'),
    );
  });
});

describe('whether a page ends its slice', () => {
  const end = at('2026-05-01T01:00:00.000Z');

  it('ends it when the query has no more pages', () => {
    expect(pageEndsSlice(undefined, at('2026-05-01T00:10:00.000Z'), end)).toBe(true);
    expect(pageEndsSlice('', at('2026-05-01T00:10:00.000Z'), end)).toBe(true);
    expect(pageEndsSlice(undefined, null, end)).toBe(true);
  });

  it('goes on while the slice has read less than its window', () => {
    expect(pageEndsSlice('token-2', at('2026-05-01T00:59:59.999Z'), end)).toBe(false);
    expect(pageEndsSlice('token-2', null, end)).toBe(false);
  });

  it('ends it once the slice read up to its window end (the next slice starts at that same instant)', () => {
    expect(pageEndsSlice('token-2', at('2026-05-01T01:00:00.000Z'), end)).toBe(true);
    expect(pageEndsSlice('token-2', at('2026-05-01T01:00:00.001Z'), end)).toBe(true);
  });
});

describe('the query window of a page', () => {
  const handedOver = aSlice({
    windowStart: at('2026-05-01T00:10:00.000Z'),
    windowEnd: at('2026-05-01T00:40:00.000Z'),
    queryEnd: at('2026-05-01T01:00:00.000Z'),
  });

  it('is the slice window for a first page', () => {
    expect(pageQueryWindow(aSlice(), undefined)).toEqual({
      start: at('2026-05-01T00:00:00.000Z'),
      end: at('2026-05-01T01:00:00.000Z'),
    });
    expect(pageQueryWindow(handedOver, undefined)).toEqual({
      start: at('2026-05-01T00:10:00.000Z'),
      end: at('2026-05-01T00:40:00.000Z'),
    });
  });

  it('is the slice window for a next page of a slice that never handed any over', () => {
    expect(pageQueryWindow(aSlice(), 'token-2')).toEqual({
      start: at('2026-05-01T00:00:00.000Z'),
      end: at('2026-05-01T01:00:00.000Z'),
    });
  });

  it('is the query the NextToken belongs to after the slice handed part of its window over', () => {
    expect(pageQueryWindow(handedOver, 'token-2')).toEqual({
      start: at('2026-05-01T00:10:00.000Z'),
      end: at('2026-05-01T01:00:00.000Z'),
    });
  });
});

describe('restarting a slice after Security Hub refused its NextToken', () => {
  it('starts a new query at the high-water mark, up to the window end', () => {
    const slice = aSlice({
      windowEnd: at('2026-05-01T00:40:00.000Z'),
      queryEnd: at('2026-05-01T01:00:00.000Z'),
      highWater: at('2026-05-01T00:25:00.000Z'),
    });
    expect(restartFromHighWater(slice)).toEqual({
      windowStart: at('2026-05-01T00:25:00.000Z'),
      queryEnd: null,
      nextToken: null,
    });
  });

  it('starts again at the window start when no page brought a date yet', () => {
    expect(restartFromHighWater(aSlice({ queryEnd: at('2026-05-01T02:00:00.000Z') }))).toEqual({
      windowStart: at('2026-05-01T00:00:00.000Z'),
      queryEnd: null,
      nextToken: null,
    });
  });
});

describe('the checkpoint after a page', () => {
  const now = at('2026-05-01T12:05:00.000Z');
  const paging = aSlice({
    windowStart: at('2026-05-01T00:00:00.000Z'),
    windowEnd: at('2026-05-01T00:40:00.000Z'),
    queryEnd: at('2026-05-01T01:00:00.000Z'),
    highWater: at('2026-05-01T00:10:00.000Z'),
    pages: 3,
    throttled: 2,
    retries: 1,
  });

  it('keeps the NextToken and adds the page to the counters while the slice goes on', () => {
    const read = {
      nextToken: 'token-5',
      highWater: at('2026-05-01T00:20:00.000Z'),
      attempts: 3,
      throttled: 1,
    };
    expect(checkpointAfterPage(paging, read, now)).toEqual({
      nextToken: 'token-5',
      windowStart: at('2026-05-01T00:00:00.000Z'),
      queryEnd: at('2026-05-01T01:00:00.000Z'),
      highWater: at('2026-05-01T00:20:00.000Z'),
      pages: 4,
      throttled: 3,
      retries: 3,
      done: false,
      startedAt: at('2026-05-01T12:00:00.000Z'),
      finishedAt: null,
    });
  });

  it('finishes the slice on the query’s last page', () => {
    const read = {
      nextToken: undefined,
      highWater: at('2026-05-01T00:20:00.000Z'),
      attempts: 1,
      throttled: 0,
    };
    expect(checkpointAfterPage(paging, read, now)).toEqual({
      nextToken: null,
      windowStart: at('2026-05-01T00:00:00.000Z'),
      queryEnd: at('2026-05-01T01:00:00.000Z'),
      highWater: at('2026-05-01T00:20:00.000Z'),
      pages: 4,
      throttled: 2,
      retries: 1,
      done: true,
      startedAt: at('2026-05-01T12:00:00.000Z'),
      finishedAt: now,
    });
  });

  it('finishes the slice and drops the NextToken once a page reaches the window end', () => {
    const read = {
      nextToken: 'token-5',
      highWater: at('2026-05-01T00:40:00.000Z'),
      attempts: 2,
      throttled: 1,
    };
    expect(checkpointAfterPage(paging, read, now)).toMatchObject({
      nextToken: null,
      highWater: at('2026-05-01T00:40:00.000Z'),
      pages: 4,
      throttled: 3,
      retries: 2,
      done: true,
      finishedAt: now,
    });
  });

  it('an empty page with a NextToken moves nothing but the page count', () => {
    const fresh = aSlice();
    const read = { nextToken: 'token-1', highWater: null, attempts: 1, throttled: 0 };
    expect(checkpointAfterPage(fresh, read, now)).toEqual({
      nextToken: 'token-1',
      windowStart: at('2026-05-01T00:00:00.000Z'),
      queryEnd: null,
      highWater: null,
      pages: 1,
      throttled: 0,
      retries: 0,
      done: false,
      startedAt: at('2026-05-01T12:00:00.000Z'),
      finishedAt: null,
    });
  });

  it('counts no retries when no attempt was counted', () => {
    const read = {
      nextToken: 'token-5',
      highWater: at('2026-05-01T00:20:00.000Z'),
      attempts: 0,
      throttled: 0,
    };
    expect(checkpointAfterPage(paging, read, now).retries).toBe(1);
  });
});
