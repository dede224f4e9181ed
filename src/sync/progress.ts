import type { RunRow, RunSliceRow } from '../db/schema.ts';
import { type FindingCounts, RESOURCES_STREAM_PREFIX, ZERO_COUNTS } from './model.ts';
import { isFutureSlice } from './plan.ts';

// A run's progress, from its slices: per account and Region (findings are counted where they come
// from; pages, throttles and retries where the requests went), totals, throughput and an estimate of
// the time left. The same numbers feed the API, the progress events and the metrics. A resources
// stream's slice (the new Security Hub's inventory) counts resources, not findings.

/** What a resources slice counts per `<account>/<region>`. */
export type ResourceCounts = {
  /** Inventory entries read (GetResourcesV2) and upserted as assets. */
  resources: number;
  /** Of those, resources whose open findings Security Hub counts differently from Hubgraph. */
  findingCountMismatches: number;
};

export interface RegionProgress extends FindingCounts, ResourceCounts {
  accountId: string;
  region: string;
  pages: number;
  throttled: number;
  retries: number;
  durationMs: number | null;
  done: boolean;
}

export interface RunProgress extends FindingCounts, ResourceCounts {
  pages: number;
  throttled: number;
  retries: number;
  regions: RegionProgress[];
  elapsedMs: number;
  findingsPerSecond: number;
  /** 0–1, each first sub-window counting equally (see `splitWeights`); null before anything is known. */
  fraction: number | null;
  etaSeconds: number | null;
}

type SliceLike = Pick<
  RunSliceRow,
  | 'stream'
  | 'accountId'
  | 'region'
  | 'windowStart'
  | 'windowEnd'
  | 'highWater'
  | 'pages'
  | 'throttled'
  | 'retries'
  | 'counts'
  | 'done'
  | 'weight'
  | 'startedAt'
  | 'finishedAt'
>;

export function runProgress(
  run: Pick<RunRow, 'startedAt' | 'finishedAt'>,
  slices: readonly SliceLike[],
  now: Date,
): RunProgress {
  const rows = new Map<string, RegionProgress>();
  const row = (accountId: string, region: string) => {
    const key = `${accountId}/${region}`;
    let found = rows.get(key);
    if (!found) {
      found = {
        accountId,
        region,
        ...ZERO_COUNTS,
        resources: 0,
        findingCountMismatches: 0,
        pages: 0,
        throttled: 0,
        retries: 0,
        durationMs: null,
        done: true,
      };
      rows.set(key, found);
    }
    return found;
  };
  const spans = new Map<string, { start: number; end: number | null; done: boolean }>();
  for (const slice of slices) {
    const requests = row(slice.accountId, slice.region);
    requests.pages += slice.pages;
    requests.throttled += slice.throttled;
    requests.retries += slice.retries;
    const spanKey = `${slice.accountId}/${slice.region}`;
    const span = spans.get(spanKey) ?? { start: Number.POSITIVE_INFINITY, end: 0, done: true };
    if (slice.startedAt) span.start = Math.min(span.start, slice.startedAt.getTime());
    span.end = slice.finishedAt && span.end !== null ? Math.max(span.end, slice.finishedAt.getTime()) : null;
    span.done &&= slice.done;
    spans.set(spanKey, span);
    for (const [key, counts] of Object.entries(slice.counts ?? {})) {
      const [accountId = slice.accountId, region = slice.region] = key.split('/');
      const target = row(accountId, region);
      if (slice.stream.startsWith(RESOURCES_STREAM_PREFIX)) {
        const read = counts as Partial<ResourceCounts>;
        target.resources += read.resources ?? 0;
        target.findingCountMismatches += read.findingCountMismatches ?? 0;
        continue;
      }
      for (const field of Object.keys(ZERO_COUNTS) as (keyof FindingCounts)[])
        target[field] += counts[field] ?? 0;
    }
  }
  for (const [key, span] of spans) {
    const target = rows.get(key)!;
    target.done = span.done;
    if (Number.isFinite(span.start))
      target.durationMs = (span.end ?? (span.done ? span.start : now.getTime())) - span.start;
  }
  // Rows of findings' own accounts and Regions are done when the stream that brought them is.
  const allDone = slices.every((slice) => slice.done);
  for (const target of rows.values())
    if (!spans.has(`${target.accountId}/${target.region}`)) target.done = allDone;

  const regions = [...rows.values()].sort((a, b) =>
    a.accountId === b.accountId ? a.region.localeCompare(b.region) : a.accountId.localeCompare(b.accountId),
  );
  const totals = {
    ...ZERO_COUNTS,
    resources: 0,
    findingCountMismatches: 0,
    pages: 0,
    throttled: 0,
    retries: 0,
  };
  for (const region of regions)
    for (const field of Object.keys(totals) as (keyof typeof totals)[]) totals[field] += region[field];

  const started = run.startedAt?.getTime();
  const elapsedMs = started === undefined ? 0 : (run.finishedAt ?? now).getTime() - started;
  const measured = slices.filter((slice) => !isFutureSlice(slice));
  const weight = measured.reduce((sum, slice) => sum + slice.weight, 0);
  const fraction =
    measured.length === 0 || weight <= 0
      ? null
      : measured.reduce((sum, slice) => sum + slice.weight * sliceFraction(slice), 0) / weight;
  const remaining =
    fraction !== null && fraction >= 0.02 && fraction < 1
      ? (elapsedMs / 1000) * ((1 - fraction) / fraction)
      : null;
  return {
    ...totals,
    regions,
    elapsedMs,
    findingsPerSecond: elapsedMs > 0 ? Math.round((totals.fetched / elapsedMs) * 1000 * 10) / 10 : 0,
    fraction: fraction === null ? null : Math.round(fraction * 1000) / 1000,
    etaSeconds: allDone ? 0 : remaining === null ? null : Math.round(remaining),
  };
}

function sliceFraction(slice: SliceLike): number {
  if (slice.done) return 1;
  if (!slice.highWater) return 0;
  const span = slice.windowEnd.getTime() - slice.windowStart.getTime();
  if (span <= 0) return 0;
  return Math.min(1, Math.max(0, (slice.highWater.getTime() - slice.windowStart.getTime()) / span));
}
