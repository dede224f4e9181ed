import type {
  AwsSecurityFindingFilters,
  FindingScopes,
  OcsfFindingFilters,
} from '@aws-sdk/client-securityhub';
import type { runSlices } from '../db/schema.ts';
import { regionFilterFits, scopeHash } from './filters.ts';
import { scopeHashV2 } from './filters-v2.ts';
import {
  EPOCH,
  FAR_FUTURE,
  type FindingAggregation,
  RESOURCES_STREAM_PREFIX,
  type RequestedMode,
  type RunMode,
  type StreamApi,
  type StreamPlan,
} from './model.ts';

// What a run reads, decided once at its start and kept in the run: the streams (a Region, or an
// aggregation Region with the linked Regions it serves), each stream's mode and window, and the
// sub-windows (slices) each is paged in.

const DAY = 86_400_000;
/** Security Hub keeps a finding 90 days after its last update; older ones are rare (a day's margin). */
const RETENTION = 91 * DAY;

export interface PlanInput {
  accountId: string;
  regions: string[];
  aggregation: FindingAggregation | undefined;
  /** The API read (default CSPM) and its scope filters. */
  api?: StreamApi;
  scope: AwsSecurityFindingFilters | OcsfFindingFilters;
  /** V2's organisation scopes (part of what a cursor was read under). */
  scopes?: FindingScopes;
  /** Cursor per stream name, with the scope it was read under. */
  cursors: Map<string, { cursorAt: Date; scopeHash: string }>;
  requested: RequestedMode;
  sweepDue: boolean;
  lookbackMs: number;
  runStart: Date;
}

/** Which of `candidates` an aggregator links to its aggregation Region (never that Region itself). */
export function linkedRegions(aggregation: FindingAggregation, candidates: readonly string[]): string[] {
  const listed = new Set(aggregation.regions);
  return candidates.filter((region) => {
    if (region === aggregation.region) return false;
    switch (aggregation.linkingMode) {
      case 'ALL_REGIONS':
        return true;
      case 'ALL_REGIONS_EXCEPT_SPECIFIED':
        return !listed.has(region);
      case 'SPECIFIED_REGIONS':
        return listed.has(region);
      default:
        return false;
    }
  });
}

export function planStreams(input: PlanInput): StreamPlan[] {
  const { aggregation, regions } = input;
  const aggregating = aggregation !== undefined && regions.includes(aggregation.region);
  const served = aggregating ? linkedRegions(aggregation, regions) : [];
  const groups: string[][] = aggregating
    ? [
        [aggregation.region, ...served],
        ...regions.filter((r) => r !== aggregation.region && !served.includes(r)).map((r) => [r]),
      ]
    : regions.map((region) => [region]);
  const api = input.api ?? 'CSPM';
  const hash =
    api === 'V2' ? scopeHashV2(input.scope as OcsfFindingFilters, input.scopes) : scopeHash(input.scope);
  return groups.map((group) => {
    const region = group[0]!;
    const stream = `${api === 'V2' ? 'v2:' : ''}${group.join('+')}`;
    const cursor = input.cursors.get(stream);
    const usable = cursor && cursor.scopeHash === hash ? cursor : undefined;
    const mode = modeOf(input.requested, usable !== undefined, input.sweepDue);
    // An aggregation Region answers for every linked Region, configured or not: keep to the configured.
    const isAggregation =
      aggregating && region === aggregation.region && aggregation.linkingMode !== 'NO_REGIONS';
    return {
      stream,
      api,
      accountId: input.accountId,
      region,
      regions: group,
      // V2's filters take the Regions beside the scope's own; CSPM's only while attributes are left.
      regionFilter: isAggregation
        ? api === 'V2' || regionFilterFits(input.scope as AwsSecurityFindingFilters)
          ? 'server'
          : 'client'
        : 'none',
      mode,
      from: (mode === 'INCREMENTAL' && usable
        ? new Date(usable.cursorAt.getTime() - input.lookbackMs)
        : EPOCH
      ).toISOString(),
    };
  });
}

function modeOf(requested: RequestedMode, hasCursor: boolean, sweepDue: boolean): RunMode {
  if (!hasCursor) return 'FULL';
  if (requested === 'AUTO') return sweepDue ? 'RECONCILE' : 'INCREMENTAL';
  return requested;
}

/**
 * A stream's first slices. A full read splits Security Hub's retention period into `fullSlices`
 * sub-windows paged concurrently (plus one for anything older); an incremental read starts as one.
 * Every stream also reads what is dated after the run's start (a provider's clock ahead of ours, or
 * an update during the run), so nothing waits for the clock to catch up. Neighbours share their
 * boundary instant: a finding there is read twice, never missed.
 */
export function initialSlices(
  stream: StreamPlan,
  runStart: Date,
  fullSlices: number,
): { start: Date; end: Date; future: boolean }[] {
  // The inventory has no dates to window: one slice, paged by its NextToken alone.
  if (stream.kind === 'RESOURCES') return [{ start: EPOCH, end: runStart, future: false }];
  const from = new Date(stream.from);
  const slices: { start: Date; end: Date; future: boolean }[] = [];
  if (stream.mode === 'INCREMENTAL') {
    slices.push({ start: from, end: runStart, future: false });
  } else {
    const retained = runStart.getTime() - RETENTION;
    slices.push({ start: EPOCH, end: new Date(retained), future: false });
    // Boundary i of fullSlices, rounded to the millisecond: i × RETENTION stays an exact integer, so
    // the last boundary is the run start itself, and neighbours share theirs.
    const boundary = (i: number) => new Date(retained + Math.round((i * RETENTION) / fullSlices));
    for (let i = 0; i < fullSlices; i++)
      slices.push({ start: boundary(i), end: boundary(i + 1), future: false });
  }
  slices.push({ start: runStart, end: FAR_FUTURE, future: true });
  return slices;
}

export function sliceRows(
  runId: string,
  tenantId: string,
  streams: StreamPlan[],
  runStart: Date,
  fullSlices: number,
): (typeof runSlices.$inferInsert)[] {
  return streams.flatMap((stream) =>
    initialSlices(stream, runStart, fullSlices).map((window, index) => ({
      runId,
      tenantId,
      slice: sliceName(stream.stream, index),
      stream: stream.stream,
      accountId: stream.accountId,
      region: stream.region,
      windowStart: window.start,
      windowEnd: window.end,
      counts: {},
    })),
  );
}

export function sliceName(stream: string, index: number): string {
  return `${stream}#${String(index).padStart(4, '0')}`;
}

/**
 * Names for the slices splits add to a stream. A name is taken when it is handed out, before the
 * split's transaction commits: two slices of one stream can split at once, and counting the
 * stream's slices would give both the same name. Above every name in use, so that a gap a failed
 * split left cannot lead to a name that exists.
 */
export class SliceNames {
  private readonly next = new Map<string, number>();

  constructor(existing: Iterable<string>) {
    for (const name of existing) {
      const hash = name.lastIndexOf('#');
      const stream = name.slice(0, hash);
      const index = Number(name.slice(hash + 1));
      this.next.set(stream, Math.max(this.next.get(stream) ?? 0, index + 1));
    }
  }

  take(stream: string): string {
    const index = this.next.get(stream) ?? 0;
    this.next.set(stream, index + 1);
    return sliceName(stream, index);
  }
}

/**
 * The new Security Hub's inventory streams beside the V2 finding streams: one per V2 stream, over
 * the same Regions (an aggregation Region answers for its linked ones, as for findings).
 */
export function resourceStreams(findingStreams: readonly StreamPlan[]): StreamPlan[] {
  return findingStreams
    .filter((stream) => stream.api === 'V2' && stream.kind !== 'RESOURCES')
    .map((stream) => ({
      ...stream,
      stream: `${RESOURCES_STREAM_PREFIX}${stream.regions.join('+')}`,
      kind: 'RESOURCES' as const,
      mode: 'FULL' as const,
      from: EPOCH.toISOString(),
    }));
}

export function isFutureSlice(slice: { windowEnd: Date }): boolean {
  return slice.windowEnd.getTime() >= FAR_FUTURE.getTime();
}
