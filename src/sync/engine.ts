import type {
  AwsSecurityFinding,
  AwsSecurityFindingFilters,
  FindingScopes,
  OcsfFindingFilters,
} from '@aws-sdk/client-securityhub';
import { sql } from 'drizzle-orm';
import type { ConnectorModel } from '../connectors/model.ts';
import { setDetectedApi } from '../connectors/queries.ts';
import { OwnIdentityNotAllowedError, settingsOf, targetOfConnector } from '../connectors/service.ts';
import type { TenantContext } from '../context.ts';
import type { Tx } from '../db/client.ts';
import type { RunRow, RunSliceRow } from '../db/schema.ts';
import type { NewEvent } from '../events/model.ts';
import { appendEvents } from '../events/queries.ts';
import {
  applyPageEffects,
  type IngestItem,
  type IngestOutcome,
  identityKey,
  ingestAssetsPage,
  ingestFindingsPage,
  type PageEffects,
} from '../findings/ingest.ts';
import { type FormatMaps, mapDocument } from '../mapping/map-document.ts';
import type { Reject } from '../mapping/map-finding.ts';
import { ocsfEnvelope } from '../mapping/ocsf/asff-view.ts';
import { assetFromResourceV2 } from '../mapping/ocsf/resource-asset.ts';
import type { SeverityLabel } from '../mapping/scoring-constants.ts';
import { errorSummary } from '../observability/logger.ts';
import { compiledMapsFor } from '../transform-maps/service.ts';
import {
  isAbort,
  isInvalidNextToken,
  isTransient,
  PermanentSyncError,
  permanentFailure,
} from './aws-errors.ts';
import { crashPoint } from './crash-points.ts';
import { scopeFilters, scopeHash, sliceFilters } from './filters.ts';
import { resourceFiltersV2, scopeFiltersV2, scopeHashV2, scopesV2, sliceFiltersV2 } from './filters-v2.ts';
import {
  type FindingAggregation,
  type FindingCounts,
  type RunMode,
  type StreamApi,
  type StreamPlan,
  ZERO_COUNTS,
} from './model.ts';
import { planStreams, resourceStreams, SliceNames, sliceRows } from './plan.ts';
import { type ResourceCounts, runProgress } from './progress.ts';
import {
  assertRunOwned,
  cursorsOf,
  findingCountsOfInventoried,
  insertSlices,
  inventoriedSince,
  markSeen,
  markVanished,
  saveCursor,
  saveRejects,
  saveSlice,
  slicesOfRun,
  touchedSince,
  updateRun,
} from './queries.ts';
import type { RateLimiter } from './rate-limiter.ts';
import {
  countRequests,
  defaultApi,
  type FindingsPage,
  type RequestCounters,
  type ResourcesPage,
  SecurityHubReader,
} from './reader.ts';
import {
  checkpointAfterPage,
  chooseSplitDonor,
  highWaterAfter,
  pageEndsSlice,
  pageQueryWindow,
  restartFromHighWater,
  splitWeights,
  splitWindow,
} from './windows.ts';

// One run of one connector, from its plan to its last page: every stream (Region or aggregation)
// in parallel; in each, sub-windows of `UpdatedAt` paged concurrently (an idle one takes half of the
// busiest one's remaining window) at the account-Region quota; each page mapped, scored and written
// in ONE transaction with its slice's checkpoint, so a crash at any point resumes exactly there.

export interface SyncSettings {
  /** How far before the cursor an incremental read starts (findings that became visible late). */
  lookbackMs: number;
  /** How often a full reconciliation read is due (picks up console changes, marks vanished findings). */
  sweepIntervalMs: number;
  /** Sub-windows paged at once per stream: enough to keep the quota busy when pages are slow. */
  sliceConcurrency: number;
  /** Sub-windows a full read starts with. */
  fullSlices: number;
  /** SDK attempts per request. */
  sdkMaxAttempts: number;
  /** Our own retries of a page once the SDK has given up (with backoff). */
  pageRetries: number;
  /** At most one progress event per run this often. */
  progressIntervalMs: number;
}

export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
  lookbackMs: 30 * 60_000,
  sweepIntervalMs: 24 * 3_600_000,
  sliceConcurrency: 4,
  fullSlices: 8,
  sdkMaxAttempts: 6,
  pageRetries: 5,
  progressIntervalMs: 1_000,
};

/** How often a run brings the primaries and risk its pages touched up to date. */
const EFFECTS_INTERVAL_MS = 10_000;

export interface RunDependencies {
  limiter: RateLimiter;
  signal: AbortSignal;
  settings: SyncSettings;
  /** Told after each page commits (tests stop a run there to resume it). */
  onPageCommitted?: (slice: string) => void;
}

interface SliceState extends RunSliceRow {
  /** The last page had a NextToken: there is more to read. */
  hasMore: boolean;
  /** An idle sub-window wants half of this one's remaining window. */
  splitRequested: boolean;
}

export class RunExecution {
  private readonly ctx: TenantContext;
  private run: RunRow;
  private readonly connector: ConnectorModel;
  private readonly deps: RunDependencies;
  private readonly slices = new Map<string, SliceState>();
  /** Aggregator lookups started before the run knew which APIs it reads (see run start). */
  private readonly aggregations = new Map<StreamApi, Promise<Settled<FindingAggregation | undefined>>>();
  /** Names for split-off slices, taken from the slices loaded at the first split. */
  private sliceNames: SliceNames | undefined;
  private streams: StreamPlan[] = [];
  private reader!: SecurityHubReader;
  /** The transform map of each format's documents; the scope as each API's filters. */
  private maps!: FormatMaps;
  private scope!: AwsSecurityFindingFilters;
  private scopeV2!: OcsfFindingFilters;
  /** A delegated administrator's organisation scopes for every V2 read; undefined: none. */
  private scopesV2: FindingScopes | undefined;
  private lastProgressAt = 0;
  /** Groups and assets pages touched since they were last brought up to date, and the work under way. */
  private readonly touchedGroups = new Set<string>();
  private readonly touchedAssets = new Set<string>();
  private applying: Promise<void> = Promise.resolve();
  private lastAppliedAt = 0;
  private readonly findingsEnabled: boolean;
  private readonly assetsEnabled: boolean;

  constructor(ctx: TenantContext, run: RunRow, connector: ConnectorModel, deps: RunDependencies) {
    this.ctx = ctx;
    this.run = run;
    this.connector = connector;
    this.deps = deps;
    const dataTypes = settingsOf(connector).scope.dataTypes;
    this.findingsEnabled = dataTypes.includes('FINDINGS');
    this.assetsEnabled = dataTypes.includes('ASSETS');
  }

  /**
   * Pages leave their groups' primaries and their assets' risk to the run: re-scoring an asset
   * reads all its findings, and the pages of a full read touch the same assets and groups again and
   * again. Applied every few seconds while the run goes on, and for everything at stream completion.
   */
  private readonly pageEffects = (effects: PageEffects): void => {
    for (const key of effects.dedupKeys) this.touchedGroups.add(key);
    for (const id of effects.assetIds) this.touchedAssets.add(id);
    if (performance.now() - this.lastAppliedAt >= EFFECTS_INTERVAL_MS) void this.applyTouched();
  };

  private applyTouched(): Promise<void> {
    this.lastAppliedAt = performance.now();
    const effects = { dedupKeys: [...this.touchedGroups], assetIds: [...this.touchedAssets] };
    this.touchedGroups.clear();
    this.touchedAssets.clear();
    this.applying = this.applying
      .then(() => applyPageEffects(this.ctx.db, this.ctx.tenantId, effects))
      .catch((error: unknown) => {
        // The stream's completion redoes everything the run touched.
        this.ctx.log.warn(
          { err: errorSummary(error) },
          'could not update group primaries and asset risk yet',
        );
      });
    return this.applying;
  }

  /** Who reads, as an error message names it. */
  private get principal(): string {
    if (this.connector.roleArn) return `role ${this.connector.roleArn}`;
    return this.connector.authMode === 'ACCESS_KEY'
      ? "the connector's access key"
      : "Hubgraph's own identity (default credential chain)";
  }

  get runRow(): RunRow {
    return this.run;
  }

  /** Reads everything the plan says; resolves once every stream is complete. */
  async execute(): Promise<void> {
    const { app } = this.ctx;
    const settings = settingsOf(this.connector);
    this.scope = scopeFilters(settings.scope);
    const v2 = scopeFiltersV2(settings.scope);
    this.scopeV2 = v2.filters;
    this.scopesV2 = scopesV2(settings.scope);
    const maps = await compiledMapsFor(this.ctx.db, this.ctx.tenantId, this.connector.transformMapKey);
    if (!maps)
      throw new PermanentSyncError(
        `The connector's transform map "${this.connector.transformMapKey}" does not exist (or no longer compiles).`,
        'Point the connector at an existing map with connectorUpdate(transformMapId), e.g. the built-in aws-security-hub-vulnerability.',
      );
    this.maps = maps;
    this.reader = new SecurityHubReader({
      connectorId: this.connector.id,
      target: await this.target(),
      transport: app.aws.transport,
      roleSessions: app.aws.roleSessions,
      limiter: this.deps.limiter,
      maxAttempts: this.deps.settings.sdkMaxAttempts,
      signal: this.deps.signal,
      log: this.ctx.log,
    });
    await this.asPermanent(this.connector.regions[0]!, () => this.reader.account());
    if (!this.run.plan) {
      // Not yet knowing which Security Hub answers, ask for both aggregators while asking which
      // does: the first page comes a round trip sooner (a failed guess is asked again, as usual).
      if (this.connector.api === null)
        for (const api of ['CSPM', 'V2'] as const)
          this.aggregations.set(api, settled(this.readAggregation(api)));
      const apis = await this.asPermanent(this.connector.regions[0]!, () => this.apis());
      if (apis.includes('V2') && v2.problems.length > 0)
        throw new PermanentSyncError(
          `The new Security Hub cannot filter on the connector's scope: ${v2.problems.map((problem) => problem.message).join(' ')}`,
          'Change the scope with connectorUpdate (what V2 cannot filter on), or read Security Hub CSPM instead (connectorUpdate api: CSPM).',
        );
      await this.asPermanent(this.connector.regions[0]!, () => this.plan(apis));
    } else this.streams = (this.run.plan as { streams: StreamPlan[] }).streams;
    for (const row of await slicesOfRun(this.ctx.db, this.run.id))
      this.slices.set(row.slice, { ...row, hasMore: row.nextToken !== null, splitRequested: false });
    if (this.scopesV2 && !this.streams.some((stream) => stream.api === 'V2'))
      this.ctx.log.warn(
        { organizations: this.scopesV2.AwsOrganizations },
        "the connector's organisation scopes apply to the new Security Hub only; this run reads Security Hub CSPM, which reads every account the identity sees",
      );
    await Promise.all(this.streams.map((stream) => this.readStream(stream)));
    await this.crossCheckFindingCounts();
  }

  /** Runs `work`, turning an AWS error no retry will mend into one that says what to change. */
  /** How to reach AWS; a connector its tenant may no longer run (DEFAULT_CHAIN) fails the run for good. */
  private async target() {
    try {
      return await targetOfConnector(this.ctx, this.connector);
    } catch (error) {
      if (error instanceof OwnIdentityNotAllowedError)
        throw new PermanentSyncError(error.message, error.remediation);
      throw error;
    }
  }

  private async asPermanent<T>(region: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw (
        permanentFailure(error, {
          region,
          accountId: this.reader.accountId ?? "the connector's account",
          principal: this.principal,
        }) ?? error
      );
    }
  }

  /**
   * The APIs the run reads: the connector's choice, else what answers in its Regions (kept on the
   * connector, as a connection test would).
   */
  private async apis(): Promise<StreamApi[]> {
    let api = this.connector.api;
    if (api === null) {
      const detections = await Promise.all(
        this.connector.regions.map((region) => this.reader.detectApis(region)),
      );
      api = defaultApi(detections) ?? null;
      if (api === null)
        throw new PermanentSyncError(
          `Neither Security Hub CSPM nor the new Security Hub answers in ${this.connector.regions.join(', ')} for account ${this.reader.accountId ?? "the connector's account"}: ${detections.map((each) => `${each.region}: ${each.cspm.state === 'ENABLED' ? 'CSPM enabled' : each.cspm.message}; ${each.v2.state === 'ENABLED' ? 'V2 enabled' : each.v2.message}`).join(' | ')}`,
          "Enable Security Hub in the connector's Regions (or remove those where it is off), then run the connection test (connectorTest) and run again.",
        );
      await setDetectedApi(this.ctx.db, this.ctx.tenantId, this.connector.id, api);
      this.ctx.log.info({ api }, 'detected which Security Hub answers; the connector keeps it');
    }
    return api === 'BOTH' ? ['CSPM', 'V2'] : [api as StreamApi];
  }

  private readAggregation(api: StreamApi): Promise<FindingAggregation | undefined> {
    const region = this.connector.regions[0]!;
    return api === 'V2' ? this.reader.aggregationV2(region) : this.reader.aggregation(region);
  }

  /** An API's aggregator; without the permission the Regions are read one by one (correct, only slower). */
  private async aggregationOf(api: StreamApi): Promise<FindingAggregation | undefined> {
    const guessed = await this.aggregations.get(api);
    if (guessed?.ok) return guessed.value;
    return this.readAggregation(api).catch((error: unknown) => {
      if (isAccessDenied(error)) {
        this.ctx.log.warn(
          { err: errorSummary(error), api },
          api === 'V2'
            ? 'cannot read the aggregator V2 (allow securityhub:ListAggregatorsV2 and securityhub:GetAggregatorV2); reading each Region on its own'
            : 'cannot read the finding aggregator (allow securityhub:ListFindingAggregators and securityhub:GetFindingAggregator); reading each Region on its own',
        );
        return undefined;
      }
      throw error;
    });
  }

  /** Decides the streams, their modes and windows, and writes the first slices (once per run). */
  private async plan(apis: StreamApi[]): Promise<void> {
    const runStart = this.run.windowEnd!;
    const cursors = new Map(
      (await cursorsOf(this.ctx.db, this.ctx.tenantId, this.connector.id)).map((row) => [row.stream, row]),
    );
    const sweepDue =
      this.connector.lastSweepAt === null ||
      runStart.getTime() - this.connector.lastSweepAt.getTime() >= this.deps.settings.sweepIntervalMs;
    const accountId = await this.reader.account();
    const aggregations: Partial<Record<StreamApi, FindingAggregation | null>> = {};
    this.streams = [];
    const found = await Promise.all(apis.map((api) => this.aggregationOf(api)));
    for (const [index, api] of apis.entries()) {
      const aggregation = found[index];
      aggregations[api] = aggregation ?? null;
      this.streams.push(
        ...planStreams({
          accountId,
          regions: this.connector.regions,
          aggregation,
          api,
          scope: api === 'V2' ? this.scopeV2 : this.scope,
          ...(api === 'V2' && this.scopesV2 ? { scopes: this.scopesV2 } : {}),
          cursors,
          requested: this.run.requestedMode as never,
          sweepDue,
          lookbackMs: this.deps.settings.lookbackMs,
          runStart,
        }),
      );
    }
    // The inventory (ASSETS on V2) is read whole every run, beside the V2 finding streams.
    if (this.assetsEnabled) this.streams.push(...resourceStreams(this.streams));
    const findingStreams = this.streams.filter((stream) => stream.kind !== 'RESOURCES');
    const mode = summaryMode(findingStreams.map((stream) => stream.mode));
    const windowStart = new Date(Math.min(...findingStreams.map((stream) => Date.parse(stream.from))));
    await this.ctx.db.transaction(async (tx) => {
      await assertRunOwned(tx, this.run.id, this.run.attempt);
      await insertSlices(
        tx,
        sliceRows(this.run.id, this.ctx.tenantId, this.streams, runStart, this.deps.settings.fullSlices),
      );
      this.run = (await updateRun(tx, this.run.id, {
        plan: { streams: this.streams, aggregation: aggregations.CSPM ?? null, aggregations },
        mode,
        windowStart,
        updatedAt: this.ctx.clock.now(),
      }))!;
    });
    crashPoint('plan-saved');
  }

  /** Pages a stream's slices, `sliceConcurrency` at a time, then completes the stream. */
  private async readStream(stream: StreamPlan): Promise<void> {
    if (stream.kind === 'RESOURCES') return this.readResources(stream);
    const pending = [...this.slices.values()]
      .filter((slice) => slice.stream === stream.stream && !slice.done)
      .sort((a, b) => a.slice.localeCompare(b.slice));
    const running = new Set<SliceState>();
    const limit = this.deps.settings.sliceConcurrency;
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const pump = () => {
        if (failed) return;
        while (running.size < limit && pending.length > 0) start(pending.shift()!);
        if (running.size === 0) resolve();
        else if (running.size < limit) this.requestSplit(running);
      };
      const start = (slice: SliceState) => {
        running.add(slice);
        // After every page: a split may have added a slice, and idle capacity may want one.
        this.readSlice(stream, slice, (added) => {
          if (added) pending.push(added);
          pump();
        }).then(
          () => {
            running.delete(slice);
            pump();
          },
          (error: unknown) => {
            failed = true;
            reject(error);
          },
        );
      };
      pump();
    });
    await this.completeStream(stream);
  }

  /**
   * Reads the new Security Hub's inventory of a stream's Regions (GetResourcesV2, the whole of it
   * every run: it has no dates to read incrementally by) and upserts each resource as an asset,
   * each page in one transaction with the slice's NextToken. A resumed run continues from that
   * token, or reads from the start if AWS no longer takes it: upserts are idempotent.
   */
  private async readResources(stream: StreamPlan): Promise<void> {
    const slice = [...this.slices.values()].find((each) => each.stream === stream.stream);
    if (slice && !slice.done) {
      if (!slice.startedAt) slice.startedAt = this.ctx.clock.now();
      let token = slice.nextToken ?? undefined;
      for (let restarts = 0; ; ) {
        let fetched: FetchedResources;
        try {
          fetched = await this.fetchResources(stream, token);
        } catch (error) {
          if (this.inventoryDenied(error)) {
            // A role set up before Hubgraph read the inventory lacks the permission: the findings
            // (and their assets) still sync; the inventory waits for the permission.
            this.ctx.log.warn(
              {
                stream: stream.stream,
                err: errorSummary(error),
                remediation: (error as PermanentSyncError).remediation,
              },
              "cannot read the new Security Hub's resource inventory; assets come from findings only until securityhub:GetResourcesV2 is allowed",
            );
            await this.ctx.db.transaction(async (tx) => {
              await assertRunOwned(tx, this.run.id, this.run.attempt);
              await saveSlice(tx, this.run.id, slice.slice, {
                done: true,
                nextToken: null,
                finishedAt: this.ctx.clock.now(),
              });
            });
            Object.assign(slice, { done: true, nextToken: null });
            break;
          }
          if (isInvalidNextToken(error) && restarts < 5) {
            restarts += 1;
            this.ctx.log.info(
              { slice: slice.slice, err: errorSummary(error) },
              'NextToken refused; reading the resource inventory again from its start',
            );
            token = undefined;
            continue;
          }
          throw error;
        }
        await this.commitResources(slice, fetched);
        this.deps.onPageCommitted?.(slice.slice);
        if (slice.done) break;
        token = slice.nextToken ?? undefined;
      }
    }
    // Risk of every asset the inventory touched in this run (those of pages before a crash too).
    const assetIds = await inventoriedSince(
      this.ctx.db,
      this.ctx.tenantId,
      this.connector.id,
      stream.regions,
      this.run.windowEnd!,
    );
    await applyPageEffects(this.ctx.db, this.ctx.tenantId, { dedupKeys: [], assetIds });
  }

  /** GetResourcesV2 refused for want of its own permission (not for Scopes, which fail the run). */
  private inventoryDenied(error: unknown): boolean {
    return (
      error instanceof PermanentSyncError &&
      (error.awsErrorCode === 'AccessDeniedException' || error.awsErrorCode === 'AccessDenied') &&
      this.scopesV2 === undefined
    );
  }

  /** One page of the inventory, waiting out throttling and transient faults beyond the SDK's retries. */
  private async fetchResources(stream: StreamPlan, token: string | undefined): Promise<FetchedResources> {
    const filters = resourceFiltersV2(
      settingsOf(this.connector).scope,
      stream.regionFilter === 'server' ? stream.regions : undefined,
    );
    return this.readWithRetries(
      stream,
      { api: 'V2', operation: 'GetResourcesV2', scoped: this.scopesV2 !== undefined },
      { stream: stream.stream },
      'resource page failed after the SDK retries; waiting to try again',
      (counters) =>
        countRequests(counters, () =>
          this.reader.getResourcesV2(stream.region, filters, token, this.scopesV2),
        ),
    );
  }

  /** A page of resources as assets, with the slice's checkpoint and counts, in one transaction. */
  private async commitResources(slice: SliceState, fetched: FetchedResources): Promise<void> {
    const now = this.ctx.clock.now();
    const { page } = fetched;
    const records = page.resources.map((resource) => assetFromResourceV2(resource, now));
    const counts = structuredClone(slice.counts) as Record<string, ResourceCounts>;
    for (const resource of page.resources) {
      const key = `${resource.AccountId ?? slice.accountId}/${resource.Region ?? slice.region}`;
      counts[key] ??= { resources: 0, findingCountMismatches: 0 };
      counts[key].resources += 1;
    }
    const done = !page.nextToken;
    const checkpoint: Partial<SliceState> = {
      nextToken: page.nextToken ?? null,
      pages: slice.pages + 1,
      throttled: slice.throttled + fetched.throttled,
      retries: slice.retries + Math.max(0, fetched.attempts - 1),
      counts,
      done,
      startedAt: slice.startedAt,
      finishedAt: done ? now : null,
    };
    await ingestAssetsPage(this.ctx.db, this.ctx.tenantId, records, {
      connectorId: this.connector.id,
      withinTransaction: async (tx) => {
        await assertRunOwned(tx, this.run.id, this.run.attempt);
        await tx.execute(sql`set local synchronous_commit = off`);
        await saveSlice(tx, this.run.id, slice.slice, checkpoint);
        const progress = this.progressEvent(now, false, undefined, { ...slice, ...checkpoint });
        return progress ? [progress] : [];
      },
      // The stream's end re-scores everything it inventoried (readResources).
      afterCommit: () => {},
    });
    Object.assign(slice, checkpoint, { hasMore: !done });
    const { metrics } = this.ctx.app;
    const labels = { connector: this.connector.id, region: slice.region };
    metrics.syncPages.inc(labels);
    if (fetched.throttled > 0) metrics.syncThrottled.inc(labels, fetched.throttled);
    if (fetched.attempts > 1) metrics.syncRetries.inc(labels, fetched.attempts - 1);
  }

  /**
   * Once every stream is read: Security Hub's count of each inventoried resource's open findings
   * beside the findings Hubgraph holds on its asset. Where they differ the run counts it (per
   * account and Region, on the resources slice) and the log names the first few, so a gap in what
   * the connector reads shows. Only meaningful when the connector reads every finding: a scope
   * that narrows them (severity, product…) would differ by design, so the check is skipped then.
   */
  private async crossCheckFindingCounts(): Promise<void> {
    const inventories = this.streams.filter((stream) => stream.kind === 'RESOURCES');
    if (inventories.length === 0) return;
    if (!this.findingsEnabled || (this.scopeV2.CompositeFilters?.length ?? 0) > 0) {
      this.ctx.log.info(
        "not comparing Security Hub's per-resource finding counts with ours: the connector does not read every finding (ASSETS only, or a scope that narrows findings)",
      );
      return;
    }
    // All inventories at once: a global resource is listed, and counted, in every Region apart.
    const rows = await findingCountsOfInventoried(
      this.ctx.db,
      this.ctx.tenantId,
      this.connector.id,
      inventories.flatMap((stream) => stream.regions),
      this.run.windowEnd!,
    );
    const differing = rows.filter((row) => row.securityHub !== row.ours);
    for (const stream of inventories) {
      const slice = [...this.slices.values()].find((each) => each.stream === stream.stream);
      if (!slice) continue;
      const counts = structuredClone(slice.counts) as Record<string, ResourceCounts>;
      for (const entry of Object.values(counts)) entry.findingCountMismatches = 0;
      // Each asset is counted on the inventory stream of its own Region.
      for (const row of differing) {
        const home = inventories.find((each) => each.regions.includes(row.region ?? '')) ?? inventories[0]!;
        if (home !== stream) continue;
        const key = `${row.awsAccountId ?? slice.accountId}/${row.region ?? slice.region}`;
        counts[key] ??= { resources: 0, findingCountMismatches: 0 };
        counts[key].findingCountMismatches += 1;
      }
      await this.ctx.db.transaction(async (tx) => {
        await assertRunOwned(tx, this.run.id, this.run.attempt);
        await saveSlice(tx, this.run.id, slice.slice, { counts });
      });
      slice.counts = counts;
    }
    if (differing.length > 0)
      this.ctx.log.warn(
        {
          resources: rows.length,
          differing: differing.length,
          examples: differing.slice(0, 10).map((row) => ({
            resource: row.resourceArn,
            region: row.region,
            securityHub: row.securityHub,
            hubgraph: row.ours,
          })),
        },
        "Security Hub counts some resources' open findings differently from the findings Hubgraph holds on them (findings in Regions or products the connector does not read, or changed since the run read them); Asset.securityHubFindingCount holds AWS's count",
      );
  }

  /** Asks the busiest slice with the most window left to hand half of it over (one request at a time). */
  private requestSplit(running: Set<SliceState>): void {
    const donor = chooseSplitDonor(running);
    if (donor) donor.splitRequested = true;
  }

  private async readSlice(
    stream: StreamPlan,
    slice: SliceState,
    onPage: (added: SliceState | undefined) => void,
  ): Promise<void> {
    if (!slice.startedAt) slice.startedAt = this.ctx.clock.now();
    let restarts = 0;
    let next: Promise<FetchedPage> | undefined = this.fetchPage(stream, slice, slice.nextToken ?? undefined);
    for (;;) {
      let fetched: FetchedPage;
      try {
        fetched = await next!;
      } catch (error) {
        // Security Hub no longer takes the token (it expired, or it is from another emulator or
        // service instance): read the rest of the window again from the last commit.
        if (isInvalidNextToken(error) && restarts < 5) {
          restarts += 1;
          this.ctx.log.info(
            { slice: slice.slice, err: errorSummary(error) },
            'NextToken refused; restarting the slice from its checkpoint',
          );
          Object.assign(slice, restartFromHighWater(slice));
          crashPoint('slice-restarted');
          next = this.fetchPage(stream, slice, undefined);
          continue;
        }
        throw error;
      }
      crashPoint('page-fetched');
      // Fetch the next page while this one is written (unless this page ends the slice).
      const highWater = highWaterAfter(slice.highWater, fetched.page.findings);
      const ends = pageEndsSlice(fetched.page.nextToken, highWater, slice.windowEnd);
      next = ends ? undefined : quiet(this.fetchPage(stream, slice, fetched.page.nextToken));
      await this.commitPage(stream, slice, fetched, highWater);
      if (slice.done) {
        crashPoint('slice-done');
        return;
      }
      let added: SliceState | undefined;
      if (slice.splitRequested) {
        slice.splitRequested = false;
        added = await this.split(slice);
      }
      onPage(added);
      next ??= this.fetchPage(stream, slice, slice.nextToken ?? undefined);
    }
  }

  /** One page, waiting out throttling and transient faults beyond the SDK's own retries. */
  private async fetchPage(
    stream: StreamPlan,
    slice: SliceState,
    token: string | undefined,
  ): Promise<FetchedPage> {
    const window = pageQueryWindow(slice, token);
    const regions = stream.regionFilter === 'server' ? stream.regions : undefined;
    const v2 = stream.api === 'V2';
    const filters = v2
      ? sliceFiltersV2(this.scopeV2, window, regions)
      : sliceFilters(this.scope, window, regions);
    return this.readWithRetries(
      stream,
      { api: stream.api, scoped: v2 && this.scopesV2 !== undefined },
      { slice: slice.slice },
      'page failed after the SDK retries; waiting to try again',
      (counters) =>
        countRequests(counters, async (): Promise<FetchedPage['page']> => {
          if (!v2) return this.reader.getFindings(stream.region, filters as AwsSecurityFindingFilters, token);
          // OCSF documents, each with what the run's bookkeeping reads of it (ocsfEnvelope).
          const read = await this.reader.getFindingsV2(
            stream.region,
            filters as OcsfFindingFilters,
            token,
            this.scopesV2,
          );
          return {
            findings: read.findings.map((document) => ocsfEnvelope(document) as AwsSecurityFinding),
            documents: read.findings,
            nextToken: read.nextToken,
          };
        }),
    );
  }

  /**
   * One read of a page, waiting out throttling and transient faults beyond the SDK's own retries;
   * a fault no retry mends becomes the run's permanent failure, with its remediation.
   */
  private async readWithRetries<Page>(
    stream: StreamPlan,
    failure: Omit<Parameters<typeof permanentFailure>[1], 'region' | 'accountId' | 'principal'>,
    logContext: Record<string, string>,
    message: string,
    read: (counters: RequestCounters) => Promise<Page>,
  ): Promise<{ page: Page; readAt: Date; attempts: number; throttled: number }> {
    const counters: RequestCounters = { requests: 0, attempts: 0, throttled: 0 };
    for (let retry = 0; ; retry++) {
      try {
        const readAt = new Date();
        const page = await read(counters);
        return { page, readAt, attempts: counters.attempts, throttled: counters.throttled };
      } catch (error) {
        if (isAbort(error)) throw error;
        const permanent = permanentFailure(error, {
          region: stream.region,
          accountId: stream.accountId,
          principal: this.principal,
          ...failure,
        });
        if (permanent) throw permanent;
        if (!isTransient(error) || retry >= this.deps.settings.pageRetries) throw error;
        this.ctx.log.warn({ ...logContext, err: errorSummary(error), retry }, message);
        await sleep(Math.min(30_000, 1_000 * 2 ** retry), this.deps.signal);
      }
    }
  }

  /**
   * Maps a page and writes it, its assets, rejects, events and the slice's checkpoint in one
   * transaction. `highWater` is the slice's high-water mark after the page (`highWaterAfter`).
   */
  private async commitPage(
    stream: StreamPlan,
    slice: SliceState,
    fetched: FetchedPage,
    highWater: Date | null,
  ): Promise<void> {
    const now = this.ctx.clock.now();
    const { page } = fetched;
    const mapped = new CountsByOrigin(slice.counts, stream);
    const items: IngestItem[] = [];
    const rejects: { reject: Reject; raw: unknown }[] = [];
    const byIdentity = new Map<string, AwsSecurityFinding>();
    const settings = { defaultSeverity: this.connector.defaultSeverity as SeverityLabel };
    for (const [index, finding] of page.findings.entries()) {
      if (stream.regionFilter === 'client' && !stream.regions.includes(finding?.Region ?? '')) continue;
      mapped.add(finding, 'fetched');
      // A V2 page's findings are envelopes of its OCSF documents: the documents are what map.
      const document = page.documents ? page.documents[index] : finding;
      const outcome = mapDocument(document, page.documents ? 'OCSF' : 'ASFF', this.maps, settings);
      if (!outcome.ok) {
        rejects.push({ reject: outcome.reject, raw: document });
        mapped.add(finding, 'rejected');
        continue;
      }
      byIdentity.set(identityKey(outcome.finding.productArn, outcome.finding.awsId), finding);
      items.push({
        finding: {
          ...outcome.finding,
          lastSyncedAt: now,
          assetIdentityKey: this.assetsEnabled ? outcome.finding.assetIdentityKey : null,
        },
        assets: this.assetsEnabled ? outcome.assets : [],
      });
    }
    crashPoint('page-mapped');
    const pageCheckpoint = checkpointAfterPage(
      slice,
      {
        nextToken: page.nextToken,
        highWater,
        attempts: fetched.attempts,
        throttled: fetched.throttled,
      },
      now,
    );
    const { done } = pageCheckpoint;
    const fullRead = stream.mode !== 'INCREMENTAL';
    let checkpoint: Partial<SliceState> = {};
    // Runs inside the page's transaction, and again if PostgreSQL has to retry it: nothing outside
    // changes until the commit.
    const within = async (tx: Tx, outcomes?: Map<string, IngestOutcome>): Promise<NewEvent[]> => {
      await assertRunOwned(tx, this.run.id, this.run.attempt);
      // The page can always be read again: its commit need not wait for the WAL to reach the disk
      // (a database crash loses the page and its checkpoint together, and the run reads it again).
      await tx.execute(sql`set local synchronous_commit = off`);
      crashPoint('page-upserted');
      await saveRejects(tx, this.ctx.tenantId, this.connector.id, this.run.id, rejects, now);
      const counts = mapped.copy();
      const unchanged: { productArn: string; awsId: string }[] = [];
      for (const [key, finding] of byIdentity) {
        const outcome = outcomes?.get(key) ?? 'unchanged';
        counts.add(finding, outcome);
        if (outcome === 'unchanged') unchanged.push({ productArn: finding.ProductArn!, awsId: finding.Id! });
      }
      if (fullRead && this.findingsEnabled) await markSeen(tx, this.ctx.tenantId, unchanged, now);
      checkpoint = { ...pageCheckpoint, counts: counts.value };
      await saveSlice(tx, this.run.id, slice.slice, checkpoint);
      crashPoint('page-checkpointed');
      const progress = this.progressEvent(now, false, undefined, { ...slice, ...checkpoint });
      return progress ? [progress] : [];
    };
    if (this.findingsEnabled) {
      await ingestFindingsPage(this.ctx.db, this.ctx.tenantId, items, {
        connectorId: this.connector.id,
        withinTransaction: (tx, result) => within(tx, result.outcomes),
        afterCommit: this.pageEffects,
        readAt: fetched.readAt,
      });
    } else {
      await ingestAssetsPage(
        this.ctx.db,
        this.ctx.tenantId,
        items.flatMap((item) => item.assets),
        {
          connectorId: this.connector.id,
          withinTransaction: (tx) => within(tx),
          afterCommit: this.pageEffects,
        },
      );
    }
    const before = totalsOf(slice.counts as unknown as Record<string, FindingCounts>);
    Object.assign(slice, checkpoint, { hasMore: !done });
    crashPoint('page-committed');
    this.deps.onPageCommitted?.(slice.slice);
    this.recordMetrics(
      stream,
      fetched,
      before,
      totalsOf(slice.counts as unknown as Record<string, FindingCounts>),
    );
  }

  private recordMetrics(
    stream: StreamPlan,
    fetched: FetchedPage,
    before: FindingCounts,
    after: FindingCounts,
  ): void {
    const { metrics } = this.ctx.app;
    const labels = { connector: this.connector.id, region: stream.region };
    metrics.syncPages.inc(labels);
    if (fetched.throttled > 0) metrics.syncThrottled.inc(labels, fetched.throttled);
    if (fetched.attempts > 1) metrics.syncRetries.inc(labels, fetched.attempts - 1);
    for (const field of ['created', 'updated', 'unchanged', 'rejected'] as const) {
      const added = after[field] - before[field];
      if (added > 0) metrics.syncFindings.inc({ connector: this.connector.id, outcome: field }, added);
    }
  }

  /**
   * Hands the second half of this slice's remaining window to a new slice, in one transaction. This
   * slice keeps paging its query (its token stays good) and stops once it reads past the middle;
   * the new one reads [middle, end] with a query of its own.
   */
  private async split(slice: SliceState): Promise<SliceState | undefined> {
    const halves = splitWindow(slice);
    if (!halves) return undefined;
    const weights = splitWeights(slice, halves);
    const donor = { ...halves.donor, weight: weights.donor };
    this.sliceNames ??= new SliceNames(this.slices.keys());
    const added: SliceState = {
      ...slice,
      slice: this.sliceNames.take(slice.stream),
      ...halves.taken,
      weight: weights.taken,
      queryEnd: null,
      nextToken: null,
      highWater: null,
      pages: 0,
      throttled: 0,
      retries: 0,
      counts: {},
      done: false,
      startedAt: null,
      finishedAt: null,
      hasMore: true,
      splitRequested: false,
    };
    await this.ctx.db.transaction(async (tx) => {
      await assertRunOwned(tx, this.run.id, this.run.attempt);
      await saveSlice(tx, this.run.id, slice.slice, donor);
      const { hasMore: _hasMore, splitRequested: _split, updatedAt: _updatedAt, ...row } = added;
      await insertSlices(tx, [row]);
    });
    Object.assign(slice, donor);
    this.slices.set(added.slice, added);
    crashPoint('slice-split');
    return added;
  }

  /**
   * Every slice of the stream is committed: its window is read. Moves the stream's cursor to the
   * run's start and, after a full read, marks the connector's findings that the read did not see
   * (they expired or were deleted in Security Hub).
   */
  private async completeStream(stream: StreamPlan): Promise<void> {
    const now = this.ctx.clock.now();
    const vanished = await this.ctx.db.transaction(async (tx) => {
      await assertRunOwned(tx, this.run.id, this.run.attempt);
      await saveCursor(tx, {
        tenantId: this.ctx.tenantId,
        connectorId: this.connector.id,
        stream: stream.stream,
        cursorAt: this.run.windowEnd!,
        scopeHash: stream.api === 'V2' ? scopeHashV2(this.scopeV2, this.scopesV2) : scopeHash(this.scope),
        runId: this.run.id,
      });
      const vanishIn = this.vanishRegions(stream);
      if (vanishIn && this.findingsEnabled) {
        const vanished = await markVanished(
          tx,
          this.ctx.tenantId,
          this.connector.id,
          vanishIn,
          this.run.windowEnd!,
          now,
        );
        if (vanished.length > 0) {
          await appendEvents(
            tx,
            this.ctx.tenantId,
            vanished.map(
              (row): NewEvent => ({
                topic: 'finding',
                type: 'UPDATED',
                entityId: row.id,
                payload: { changedFields: ['vanishedAt'] },
              }),
            ),
          );
          this.ctx.log.info(
            { stream: stream.stream, vanished: vanished.length },
            'findings gone from Security Hub',
          );
        }
        return vanished;
      }
      return [];
    });
    // Every group and asset the stream's findings touched in this run (also those of pages a crash
    // interrupted before their effects were applied), and those of vanished findings.
    await this.applying;
    const touched = await touchedSince(
      this.ctx.db,
      this.ctx.tenantId,
      this.connector.id,
      stream.regions,
      this.run.windowEnd!,
    );
    await applyPageEffects(this.ctx.db, this.ctx.tenantId, {
      dedupKeys: [...touched.dedupKeys, ...vanished.flatMap((row) => (row.dedupKey ? [row.dedupKey] : []))],
      assetIds: [...touched.assetIds, ...vanished.flatMap((row) => (row.assetId ? [row.assetId] : []))],
    });
    crashPoint('stream-completed');
  }

  /**
   * Where a completed stream may mark what it did not see as vanished: its Regions, once every
   * stream reading them has read everything. A connector reading BOTH reads a Region through two
   * streams, one per API; a finding only one of them returns is still in Security Hub, so the
   * last of them to complete marks what neither saw. Undefined: none (yet) this stream's to mark.
   */
  private vanishRegions(stream: StreamPlan): string[] | undefined {
    const complete = (other: StreamPlan) =>
      other === stream ||
      [...this.slices.values()].every((slice) => slice.stream !== other.stream || slice.done);
    const regions = stream.regions.filter((region) =>
      this.streams
        .filter((other) => other.kind !== 'RESOURCES' && other.regions.includes(region))
        .every((other) => other.mode !== 'INCREMENTAL' && complete(other)),
    );
    return regions.length > 0 ? regions : undefined;
  }

  /** Whether the run read everything in scope (so it counts as a sweep). */
  get fullRead(): boolean {
    const findingStreams = this.streams.filter((stream) => stream.kind !== 'RESOURCES');
    return findingStreams.length > 0 && findingStreams.every((stream) => stream.mode !== 'INCREMENTAL');
  }

  /** The run's progress as an event, at most once per progress interval (or always when `force`). */
  progressEvent(now: Date, force: boolean, status?: string, pending?: SliceState): NewEvent | undefined {
    if (!force && now.getTime() - this.lastProgressAt < this.deps.settings.progressIntervalMs)
      return undefined;
    this.lastProgressAt = now.getTime();
    const slices = [...this.slices.values()].map((slice) =>
      pending && slice.slice === pending.slice ? pending : slice,
    );
    return {
      topic: 'run',
      type: 'PROGRESS',
      entityId: this.run.id,
      payload: {
        connectorId: this.connector.id,
        status: status ?? 'RUNNING',
        mode: this.run.mode,
        ...runProgress(this.run, slices, now),
      },
    };
  }
}

/** A slice's counts per `<account>/<region>` of the findings (where they come from). */
class CountsByOrigin {
  readonly value: Record<string, FindingCounts>;
  private readonly stream: StreamPlan;

  constructor(counts: Record<string, unknown>, stream: StreamPlan) {
    this.value = structuredClone(counts) as Record<string, FindingCounts>;
    this.stream = stream;
  }

  add(finding: AwsSecurityFinding, field: keyof FindingCounts): void {
    const key = `${finding?.AwsAccountId ?? this.stream.accountId}/${finding?.Region ?? this.stream.region}`;
    this.value[key] ??= { ...ZERO_COUNTS };
    this.value[key][field] += 1;
  }

  copy(): CountsByOrigin {
    return new CountsByOrigin(this.value, this.stream);
  }
}

interface FetchedResources {
  page: ResourcesPage;
  /** When the request that returned the page was sent (wall clock). */
  readAt: Date;
  attempts: number;
  throttled: number;
}

interface FetchedPage {
  /** A V2 page carries its OCSF `documents`, and their envelopes as `findings` (same order). */
  page: FindingsPage & { documents?: unknown[] };
  /** When the request that returned the page was sent (wall clock): see IngestOptions.readAt. */
  readAt: Date;
  attempts: number;
  throttled: number;
}

function totalsOf(counts: Record<string, FindingCounts>): FindingCounts {
  const totals = { ...ZERO_COUNTS };
  for (const entry of Object.values(counts))
    for (const field of Object.keys(totals) as (keyof FindingCounts)[]) totals[field] += entry[field];
  return totals;
}

function summaryMode(modes: RunMode[]): RunMode {
  if (modes.includes('RECONCILE')) return 'RECONCILE';
  if (modes.length > 0 && modes.every((mode) => mode === 'FULL')) return 'FULL';
  return modes.includes('FULL') ? 'FULL' : 'INCREMENTAL';
}

function isAccessDenied(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'AccessDeniedException' || name === 'AccessDenied';
}

/** A prefetch nobody may await (the slice failed meanwhile) must not become an unhandled rejection. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

type Settled<T> = { ok: true; value: T } | { ok: false };

/** A promise that never rejects: its value, or that it failed (the caller asks again). */
function settled<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    () => ({ ok: false }),
  );
}
