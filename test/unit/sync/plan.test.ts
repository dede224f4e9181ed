import type { AwsSecurityFindingFilters } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { scopeHash } from '../../../src/sync/filters.ts';
import { scopeFiltersV2, scopeHashV2 } from '../../../src/sync/filters-v2.ts';
import type { FindingAggregation, StreamPlan } from '../../../src/sync/model.ts';
import {
  initialSlices,
  isFutureSlice,
  linkedRegions,
  type PlanInput,
  planStreams,
  SliceNames,
  sliceName,
  sliceRows,
} from '../../../src/sync/plan.ts';
import { aConnectorScope } from '../../support/factories.ts';

// Expected windows are worked out by hand: the run starts 2026-05-01T00:00Z, so Security Hub's
// retention (91 days) reaches back to 2026-01-30T00:00Z (1 + 28 + 31 + 30 + 1 days).

const at = (iso: string) => new Date(iso);
const EPOCH_ISO = '1970-01-01T00:00:00.000Z';
const FAR_FUTURE_ISO = '9999-12-31T23:59:59.999Z';
const runStart = at('2026-05-01T00:00:00.000Z');
const retained = at('2026-01-30T00:00:00.000Z');
const scope: AwsSecurityFindingFilters = { RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] };

function aPlanInput(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    accountId: '123456789012',
    regions: ['us-east-1'],
    aggregation: undefined,
    scope,
    cursors: new Map(),
    requested: 'AUTO',
    sweepDue: false,
    lookbackMs: 30 * 60_000,
    runStart,
    ...overrides,
  };
}

/** A cursor read under `scope` at 2026-04-30T23:00Z, an hour before the run. */
function cursorFor(stream: string, under: AwsSecurityFindingFilters = scope) {
  return new Map([[stream, { cursorAt: at('2026-04-30T23:00:00.000Z'), scopeHash: scopeHash(under) }]]);
}

function aStream(overrides: Partial<StreamPlan> = {}): StreamPlan {
  return {
    stream: 'us-east-1',
    api: 'CSPM',
    accountId: '123456789012',
    region: 'us-east-1',
    regions: ['us-east-1'],
    regionFilter: 'none',
    mode: 'FULL',
    from: EPOCH_ISO,
    ...overrides,
  };
}

const windows = (slices: { start: Date; end: Date; future: boolean }[]) =>
  slices.map(({ start, end, future }) => [start.toISOString(), end.toISOString(), future]);

describe('Regions linked to an aggregation Region', () => {
  const candidates = ['us-east-1', 'eu-west-1', 'ap-south-1'];
  const aggregator = (linkingMode: string, regions: string[] = ['eu-west-1']): FindingAggregation => ({
    region: 'us-east-1',
    linkingMode,
    regions,
  });

  it('ALL_REGIONS links every other Region', () => {
    expect(linkedRegions(aggregator('ALL_REGIONS'), candidates)).toEqual(['eu-west-1', 'ap-south-1']);
  });

  it('ALL_REGIONS_EXCEPT_SPECIFIED links the Regions not listed', () => {
    expect(linkedRegions(aggregator('ALL_REGIONS_EXCEPT_SPECIFIED'), candidates)).toEqual(['ap-south-1']);
  });

  it('SPECIFIED_REGIONS links the Regions listed, never the aggregation Region itself', () => {
    expect(linkedRegions(aggregator('SPECIFIED_REGIONS', ['eu-west-1', 'us-east-1']), candidates)).toEqual([
      'eu-west-1',
    ]);
  });

  it('NO_REGIONS, or a mode AWS adds later, links none', () => {
    expect(linkedRegions(aggregator('NO_REGIONS'), candidates)).toEqual([]);
    expect(linkedRegions(aggregator('SOME_FUTURE_MODE'), candidates)).toEqual([]);
  });
});

describe('planning the streams', () => {
  it('reads a Region without a cursor in full, from the epoch', () => {
    expect(planStreams(aPlanInput({ regions: ['us-east-1', 'eu-west-1'] }))).toEqual([
      aStream(),
      aStream({ stream: 'eu-west-1', region: 'eu-west-1', regions: ['eu-west-1'] }),
    ]);
  });

  it('reads incrementally from the cursor less the lookback', () => {
    const [stream] = planStreams(aPlanInput({ cursors: cursorFor('us-east-1') }));
    expect(stream).toEqual(aStream({ mode: 'INCREMENTAL', from: '2026-04-30T22:30:00.000Z' }));
  });

  it('reads everything again when a sweep is due (RECONCILE), or FULL when asked', () => {
    const due = planStreams(aPlanInput({ cursors: cursorFor('us-east-1'), sweepDue: true }));
    expect(due).toEqual([aStream({ mode: 'RECONCILE' })]);
    const full = planStreams(aPlanInput({ cursors: cursorFor('us-east-1'), requested: 'FULL' }));
    expect(full).toEqual([aStream({ mode: 'FULL' })]);
    const reconcile = planStreams(aPlanInput({ cursors: cursorFor('us-east-1'), requested: 'RECONCILE' }));
    expect(reconcile).toEqual([aStream({ mode: 'RECONCILE' })]);
  });

  it('an INCREMENTAL request is honoured with a cursor, even when a sweep is due', () => {
    const [stream] = planStreams(
      aPlanInput({ cursors: cursorFor('us-east-1'), requested: 'INCREMENTAL', sweepDue: true }),
    );
    expect(stream).toMatchObject({ mode: 'INCREMENTAL', from: '2026-04-30T22:30:00.000Z' });
  });

  it('reads in full whatever was asked when there is no cursor', () => {
    for (const requested of ['INCREMENTAL', 'RECONCILE', 'AUTO'] as const)
      expect(planStreams(aPlanInput({ requested }))[0]).toMatchObject({ mode: 'FULL', from: EPOCH_ISO });
  });

  it('ignores a cursor read under another scope: findings newly in scope may be older than it', () => {
    const widened = { RecordState: [{ Value: 'ARCHIVED', Comparison: 'EQUALS' as const }] };
    const [stream] = planStreams(aPlanInput({ cursors: cursorFor('us-east-1', widened) }));
    expect(stream).toMatchObject({ mode: 'FULL', from: EPOCH_ISO });
  });

  it('reads linked Regions once, in the aggregation Region, with a server-side Region filter', () => {
    const streams = planStreams(
      aPlanInput({
        regions: ['us-east-1', 'eu-west-1', 'ap-south-1'],
        aggregation: { region: 'us-east-1', linkingMode: 'SPECIFIED_REGIONS', regions: ['eu-west-1'] },
        cursors: cursorFor('us-east-1+eu-west-1'),
      }),
    );
    expect(streams).toEqual([
      aStream({
        stream: 'us-east-1+eu-west-1',
        regions: ['us-east-1', 'eu-west-1'],
        regionFilter: 'server',
        mode: 'INCREMENTAL',
        from: '2026-04-30T22:30:00.000Z',
      }),
      aStream({ stream: 'ap-south-1', region: 'ap-south-1', regions: ['ap-south-1'] }),
    ]);
  });

  it('names V2 streams apart (a cursor each), hashes their OCSF scope, and always filters Regions server-side', () => {
    const v2Scope = scopeFiltersV2(aConnectorScope({ severityLabels: ['HIGH'] })).filters;
    const streams = planStreams(
      aPlanInput({
        api: 'V2',
        scope: v2Scope,
        regions: ['us-east-1', 'eu-west-1'],
        aggregation: { region: 'us-east-1', linkingMode: 'ALL_REGIONS', regions: [] },
        // The CSPM stream's cursor is not the V2 stream's; the V2 one, read under this scope, is.
        cursors: new Map([
          [
            'us-east-1+eu-west-1',
            { cursorAt: at('2026-04-30T23:00:00.000Z'), scopeHash: scopeHashV2(v2Scope) },
          ],
        ]),
      }),
    );
    expect(streams).toEqual([
      aStream({
        stream: 'v2:us-east-1+eu-west-1',
        api: 'V2',
        regions: ['us-east-1', 'eu-west-1'],
        regionFilter: 'server',
      }),
    ]);
    const resumed = planStreams(
      aPlanInput({
        api: 'V2',
        scope: v2Scope,
        regions: ['us-east-1'],
        aggregation: undefined,
        cursors: new Map([
          ['v2:us-east-1', { cursorAt: at('2026-04-30T23:00:00.000Z'), scopeHash: scopeHashV2(v2Scope) }],
        ]),
      }),
    );
    expect(resumed[0]).toMatchObject({ stream: 'v2:us-east-1', mode: 'INCREMENTAL' });
  });

  it('keeps to the configured Region when the aggregation Region is the only one configured (it also answers for the unconfigured Regions it links)', () => {
    const [stream] = planStreams(
      aPlanInput({ aggregation: { region: 'us-east-1', linkingMode: 'ALL_REGIONS', regions: [] } }),
    );
    expect(stream).toEqual(aStream({ regionFilter: 'server' }));
  });

  it('needs no Region filter when the aggregator links nothing', () => {
    const [stream] = planStreams(
      aPlanInput({ aggregation: { region: 'us-east-1', linkingMode: 'NO_REGIONS', regions: [] } }),
    );
    expect(stream).toEqual(aStream({ regionFilter: 'none' }));
  });

  it('filters Regions client-side when the scope leaves no room for a Region filter', () => {
    const crowded: AwsSecurityFindingFilters = Object.fromEntries(
      [
        'AwsAccountId',
        'CompanyName',
        'ComplianceStatus',
        'GeneratorId',
        'Id',
        'ProductArn',
        'ProductName',
        'RecordState',
        'ResourceType',
      ].map((attribute) => [attribute, [{ Value: 'x', Comparison: 'EQUALS' }]]),
    );
    const [stream] = planStreams(
      aPlanInput({
        scope: crowded,
        aggregation: { region: 'us-east-1', linkingMode: 'ALL_REGIONS', regions: [] },
      }),
    );
    expect(stream).toMatchObject({ regionFilter: 'client' });
  });

  it('filters Regions client-side when the scope has a Region filter of its own, which stays server-side', () => {
    const ownRegions: AwsSecurityFindingFilters = { Region: [{ Value: 'eu-west-1', Comparison: 'EQUALS' }] };
    const [stream] = planStreams(
      aPlanInput({
        regions: ['us-east-1', 'eu-west-1'],
        scope: ownRegions,
        aggregation: { region: 'us-east-1', linkingMode: 'ALL_REGIONS', regions: [] },
      }),
    );
    expect(stream).toMatchObject({
      stream: 'us-east-1+eu-west-1',
      regions: ['us-east-1', 'eu-west-1'],
      regionFilter: 'client',
    });
  });

  it('reads each Region on its own when the aggregation Region is not configured', () => {
    const streams = planStreams(
      aPlanInput({
        regions: ['eu-west-1', 'ap-south-1'],
        aggregation: { region: 'us-east-1', linkingMode: 'ALL_REGIONS', regions: [] },
      }),
    );
    expect(streams.map((stream) => [stream.stream, stream.regionFilter])).toEqual([
      ['eu-west-1', 'none'],
      ['ap-south-1', 'none'],
    ]);
  });
});

describe("a stream's first slices", () => {
  it('an incremental read is one slice up to the run start, and the future', () => {
    const stream = aStream({ mode: 'INCREMENTAL', from: '2026-04-30T22:30:00.000Z' });
    expect(windows(initialSlices(stream, runStart, 8))).toEqual([
      ['2026-04-30T22:30:00.000Z', '2026-05-01T00:00:00.000Z', false],
      ['2026-05-01T00:00:00.000Z', FAR_FUTURE_ISO, true],
    ]);
  });

  it('a full read splits the 91 days of retention evenly, after one slice for anything older', () => {
    expect(windows(initialSlices(aStream(), runStart, 2))).toEqual([
      [EPOCH_ISO, '2026-01-30T00:00:00.000Z', false],
      ['2026-01-30T00:00:00.000Z', '2026-03-16T12:00:00.000Z', false],
      ['2026-03-16T12:00:00.000Z', '2026-05-01T00:00:00.000Z', false],
      ['2026-05-01T00:00:00.000Z', FAR_FUTURE_ISO, true],
    ]);
  });

  it('a reconciliation slices like a full read, whatever its stream says it starts from', () => {
    const stream = aStream({ mode: 'RECONCILE', from: '2026-04-30T22:30:00.000Z' });
    expect(windows(initialSlices(stream, runStart, 1))).toEqual([
      [EPOCH_ISO, '2026-01-30T00:00:00.000Z', false],
      ['2026-01-30T00:00:00.000Z', '2026-05-01T00:00:00.000Z', false],
      ['2026-05-01T00:00:00.000Z', FAR_FUTURE_ISO, true],
    ]);
  });

  it('rounds uneven boundaries to the nearest millisecond, shared by neighbours, and ends at the run start', () => {
    // 91 days / 11 = 714 763 636.36… ms: boundaries at 714 763 636, 1 429 527 273 (rounded up), …
    const slices = initialSlices(aStream(), runStart, 11);
    expect(slices).toHaveLength(13);
    expect(slices[1]!.start).toEqual(retained);
    expect(slices[1]!.end).toEqual(at('2026-02-07T06:32:43.636Z'));
    expect(slices[2]!.start).toEqual(at('2026-02-07T06:32:43.636Z'));
    expect(slices[2]!.end).toEqual(at('2026-02-15T13:05:27.273Z'));
    expect(slices[11]!.start).toEqual(at('2026-04-22T17:27:16.364Z'));
    expect(slices[11]!.end).toEqual(runStart);
    for (let i = 1; i < slices.length; i++) expect(slices[i]!.start).toEqual(slices[i - 1]!.end);
  });
});

describe('slice rows', () => {
  it('names each slice after its stream and index, with its window and empty counts', () => {
    const stream = aStream({
      stream: 'us-east-1+eu-west-1',
      mode: 'INCREMENTAL',
      from: '2026-04-30T22:30:00.000Z',
    });
    expect(sliceRows('run-1', 'tenant-1', [stream], runStart, 8)).toEqual([
      {
        runId: 'run-1',
        tenantId: 'tenant-1',
        slice: 'us-east-1+eu-west-1#0000',
        stream: 'us-east-1+eu-west-1',
        accountId: '123456789012',
        region: 'us-east-1',
        windowStart: at('2026-04-30T22:30:00.000Z'),
        windowEnd: runStart,
        counts: {},
      },
      {
        runId: 'run-1',
        tenantId: 'tenant-1',
        slice: 'us-east-1+eu-west-1#0001',
        stream: 'us-east-1+eu-west-1',
        accountId: '123456789012',
        region: 'us-east-1',
        windowStart: runStart,
        windowEnd: at(FAR_FUTURE_ISO),
        counts: {},
      },
    ]);
  });

  it('pads slice indexes to four digits so names sort in creation order', () => {
    expect(sliceName('eu-west-1', 7)).toBe('eu-west-1#0007');
    expect(sliceName('eu-west-1', 1234)).toBe('eu-west-1#1234');
  });
});

describe('the future slice', () => {
  it('is the one ending at the far future', () => {
    expect(isFutureSlice({ windowEnd: at(FAR_FUTURE_ISO) })).toBe(true);
    expect(isFutureSlice({ windowEnd: at('9999-12-31T23:59:59.998Z') })).toBe(false);
    expect(isFutureSlice({ windowEnd: runStart })).toBe(false);
  });
});

describe('names of split-off slices', () => {
  it('hands out a distinct name to each split of a stream, even before any is stored', () => {
    // Two slices of a stream splitting at once: both names are taken before either commits.
    const names = new SliceNames(['asff:111122223333:us-east-1#0000', 'asff:111122223333:us-east-1#0001']);
    expect(names.take('asff:111122223333:us-east-1')).toBe('asff:111122223333:us-east-1#0002');
    expect(names.take('asff:111122223333:us-east-1')).toBe('asff:111122223333:us-east-1#0003');
    expect(names.take('asff:111122223333:eu-west-1')).toBe('asff:111122223333:eu-west-1#0000');
  });

  it('names above every name in use when a failed split left a gap', () => {
    const names = new SliceNames(['s#0000', 's#0001', 's#0004']);
    expect(names.take('s')).toBe('s#0005');
  });
});
