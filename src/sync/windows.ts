import { isFutureSlice } from './plan.ts';

// How a slice's `UpdatedAt` window moves while a run pages it: which slice hands half of what it has
// left to an idle one, how far a page got (the high-water mark), when a slice is read, which query a
// page belongs to, and the checkpoint a page commits. The first slices of a run are decided in
// plan.ts; everything here is a pure function of a slice and a page, so the engine's I/O stays apart.

/** Neither half of a split window is narrower than this. */
export const MIN_SPLIT_MS = 1_000;

/** What the window decisions read of a slice (a run_slices row, or the engine's state of one). */
export interface SliceWindow {
  /** Inclusive `UpdatedAt` bounds of what the slice must read. */
  windowStart: Date;
  windowEnd: Date;
  /** The `End` of the query the slice's NextToken belongs to, once another slice took part of the window. */
  queryEnd: Date | null;
  /** `UpdatedAt` of the latest finding committed. */
  highWater: Date | null;
}

/** A slice being paged, as the choice of a split donor sees it. */
export interface SplitCandidate extends SliceWindow {
  /** The last page had a NextToken: there is more to read. */
  hasMore: boolean;
  /** An idle slice already asked this one for half of its window. */
  splitRequested: boolean;
}

/** Where the unread part of a slice's window begins: everything before its high-water mark is committed. */
export function unreadFrom(slice: SliceWindow): Date {
  return slice.highWater ?? slice.windowStart;
}

/** How much of a slice's window (in ms) is still to be read. */
export function windowLeftMs(slice: SliceWindow): number {
  return slice.windowEnd.getTime() - unreadFrom(slice).getTime();
}

/**
 * Whether what is left of a window is worth halving: two halves narrower than MIN_SPLIT_MS would
 * cost more requests than they save.
 */
export function wideEnoughToSplit(leftMs: number): boolean {
  return leftMs >= 2 * MIN_SPLIT_MS;
}

/**
 * The slice that should hand the second half of its remaining window to an idle one: of those with
 * more pages and wide enough to split, the one with the most window left. None while a request is
 * pending: the donor answers it after its next page, and its window is measured again then.
 */
export function chooseSplitDonor<T extends SplitCandidate>(running: Iterable<T>): T | undefined {
  const slices = [...running];
  if (slices.some((slice) => slice.splitRequested)) return undefined;
  let donor: T | undefined;
  let widest = 0;
  for (const slice of slices) {
    // The future slice runs to the year 9999: its half would be millennia that hold nothing.
    if (isFutureSlice(slice) || !slice.hasMore) continue;
    const left = windowLeftMs(slice);
    if (wideEnoughToSplit(left) && left > widest) {
      widest = left;
      donor = slice;
    }
  }
  return donor;
}

/** A slice's window cut in two: what the donor keeps and what the new slice takes. */
export interface WindowSplit {
  /** The donor keeps paging its query (its NextToken stays good) and stops once it reads past `windowEnd`. */
  donor: { windowEnd: Date; queryEnd: Date };
  /** The new slice reads the second half with a query of its own. */
  taken: { windowStart: Date; windowEnd: Date };
}

/**
 * Halves what is left of a slice's window, or nothing when it is no longer wide enough (the donor
 * read on since it was chosen). The halves share the middle instant: a finding there is read by
 * both and written once.
 */
export function splitWindow(slice: SliceWindow): WindowSplit | undefined {
  const from = unreadFrom(slice).getTime();
  const end = slice.windowEnd.getTime();
  if (!wideEnoughToSplit(end - from)) return undefined;
  const middle = new Date(from + Math.floor((end - from) / 2));
  return {
    // A slice split before already pages a query that ends further on: its token belongs to that one.
    donor: { windowEnd: middle, queryEnd: slice.queryEnd ?? slice.windowEnd },
    taken: { windowStart: middle, windowEnd: slice.windowEnd },
  };
}

/**
 * A split slice's weight in its run's progress, shared between the halves by their windows. The
 * donor's fraction read grows as its window shrinks to the middle, and its weight shrinks as much:
 * what it had read counts the same, and the run's progress never steps back (counting slices
 * equally, it fell from 89% to 84% as slices split).
 */
export function splitWeights(
  slice: Pick<SliceWindow, 'windowStart' | 'windowEnd'> & { weight: number },
  split: WindowSplit,
): { donor: number; taken: number } {
  const width = slice.windowEnd.getTime() - slice.windowStart.getTime();
  const donor = (slice.weight * (split.donor.windowEnd.getTime() - slice.windowStart.getTime())) / width;
  return { donor, taken: slice.weight - donor };
}

/**
 * The high-water mark once a page is read: the latest `UpdatedAt` of its findings, never moving
 * backwards. A finding whose `UpdatedAt` does not parse (a malformed finding, rejected later) says
 * nothing about how far the query got.
 */
export function highWaterAfter(
  previous: Date | null,
  findings: readonly ({ UpdatedAt?: unknown } | null | undefined)[],
): Date | null {
  let highWater = previous;
  for (const finding of findings) {
    const updatedAt = Date.parse(String(finding?.UpdatedAt));
    if (!Number.isNaN(updatedAt) && (!highWater || updatedAt > highWater.getTime()))
      highWater = new Date(updatedAt);
  }
  return highWater;
}

/**
 * Whether a page ends its slice: the query has no more pages, or the slice read up to its window's end
 * (another slice took the rest; findings at exactly that instant are that slice's first ones too).
 */
export function pageEndsSlice(
  nextToken: string | undefined,
  readUpTo: Date | null,
  windowEnd: Date,
): boolean {
  return !nextToken || (readUpTo !== null && readUpTo.getTime() >= windowEnd.getTime());
}

/**
 * The `UpdatedAt` window a page is asked for. Security Hub refuses a NextToken with any other query
 * than the one that issued it, so a slice that handed part of its window away keeps asking for the
 * window its token belongs to; a first page (no token) asks for the slice's own window.
 */
export function pageQueryWindow(slice: SliceWindow, token: string | undefined): { start: Date; end: Date } {
  return { start: slice.windowStart, end: token ? (slice.queryEnd ?? slice.windowEnd) : slice.windowEnd };
}

/**
 * A slice whose NextToken Security Hub refused (expired, or the query changed) starts a new query
 * at its high-water mark: everything before it is committed, and the bound is inclusive, so findings
 * tied with the last one committed are read again rather than skipped.
 */
export function restartFromHighWater(slice: SliceWindow): {
  windowStart: Date;
  queryEnd: null;
  nextToken: null;
} {
  return { windowStart: unreadFrom(slice), queryEnd: null, nextToken: null };
}

/** A slice's progress as its checkpoint holds it. */
export interface SliceProgress extends SliceWindow {
  pages: number;
  throttled: number;
  retries: number;
  startedAt: Date | null;
}

/** What a page brought, as far as the slice's checkpoint is concerned. */
export interface PageRead {
  nextToken: string | undefined;
  /** The high-water mark after the page (`highWaterAfter`). */
  highWater: Date | null;
  /** Requests sent for the page, the SDK's retries included. */
  attempts: number;
  throttled: number;
}

/**
 * The checkpoint a page commits with its findings (everything but the counts of its findings). The
 * window's end is not in it: only a split moves it, and the split saves it.
 */
export interface PageCheckpoint extends Omit<SliceProgress, 'windowEnd'> {
  nextToken: string | null;
  done: boolean;
  finishedAt: Date | null;
}

/**
 * The slice's checkpoint after a page: resuming from it reads exactly what is left. A done slice
 * keeps no NextToken (a resumed run must not page on past the window another slice now reads).
 */
export function checkpointAfterPage(slice: SliceProgress, page: PageRead, now: Date): PageCheckpoint {
  const done = pageEndsSlice(page.nextToken, page.highWater, slice.windowEnd);
  return {
    nextToken: done ? null : (page.nextToken ?? null),
    windowStart: slice.windowStart,
    queryEnd: slice.queryEnd,
    highWater: page.highWater,
    pages: slice.pages + 1,
    throttled: slice.throttled + page.throttled,
    // Every attempt after a page's first is a retry.
    retries: slice.retries + Math.max(0, page.attempts - 1),
    done,
    startedAt: slice.startedAt,
    finishedAt: done ? now : null,
  };
}
