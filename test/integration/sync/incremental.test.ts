import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/client.ts';
import { connectorCursors, connectors, events, findingRejects } from '../../../src/db/schema.ts';
import { generateFindings } from '../../../src/emulator/generator/index.ts';
import { openTestDatabase } from '../../support/database.ts';
import { expectedFrom, type SyncHarness, startSyncHarness, viewOf } from '../../support/sync.ts';

// Full, then incremental: every finding in scope arrives once, later runs bring exactly what changed,
// and the edge cases peers get wrong (ties across pages, duplicated pages, late and future updates).
// Each test has a harness of its own: its own Security Hub (and its clock), tenant and worker.

let database: Database;
let sync: SyncHarness;
const ACCOUNT = '111111111111';
const LOOKBACK_MS = 60_000;

beforeAll(async () => {
  database = await openTestDatabase();
});

beforeEach(async () => {
  sync = await startSyncHarness(database, {
    emulator: { findings: 600, seed: 11 },
    settings: { lookbackMs: LOOKBACK_MS, sweepIntervalMs: 365 * 86_400_000 },
  });
});

afterEach(async () => {
  await sync?.close();
});

afterAll(async () => {
  await database?.close();
});

/** Findings of one account and Region, all updated at `updatedAt`, as a provider imports them. */
function importAt(count: number, updatedAt: Date, seed: number, region = 'us-east-1'): AwsSecurityFinding[] {
  const imported = generateFindings({
    seed,
    count,
    accountIds: [ACCOUNT],
    regions: [region],
    now: updatedAt,
  }).map((finding) => ({
    ...finding,
    RecordState: 'ACTIVE' as const,
    CreatedAt: updatedAt.toISOString(),
    FirstObservedAt: updatedAt.toISOString(),
    UpdatedAt: updatedAt.toISOString(),
    LastObservedAt: updatedAt.toISOString(),
  }));
  for (const finding of imported) sync.emulator.emulator.importAsProvider(finding);
  return imported;
}

const advance = (seconds: number, evolve = false) =>
  sync.emulator.admin('POST', '/_emulator/clock/advance', { seconds, evolve }) as Promise<{
    updated: number;
    created: number;
  }>;

/** What Security Hub holds in one Region (a connector of that Region alone stores just those). */
const inRegion = (region: string) =>
  new Map([...sync.inSecurityHub()].filter(([, finding]) => finding.Region === region));

/** A connector of every Region, an hour after Security Hub's findings, and its first (full) run. */
async function aFirstRun() {
  const connectorId = (await sync.createConnector()).id;
  await advance(3600);
  return { connectorId, first: await sync.run(connectorId) };
}

describe('full, then incremental', () => {
  it('reads every finding in scope from every Region on the first run, once', async () => {
    const { connectorId, first } = await aFirstRun();
    expect(first.run.status).toBe('SUCCEEDED');
    expect(first.run.mode).toBe('FULL');
    const inHub = sync.inSecurityHub();
    expect(inHub.size).toBe(600);
    expect(viewOf(await sync.stored())).toEqual(expectedFrom(inHub));
    expect(first.progress.created).toBe(600);
    expect(first.progress.updated).toBe(0);
    expect(first.progress.rejected).toBe(0);
    // Per Region, counted where the findings come from.
    const perRegion = Object.fromEntries(first.progress.regions.map((row) => [row.region, row.created]));
    const hubSizes = Object.fromEntries(
      sync.emulator.emulator.store.allHubs().map((hub) => [hub.region, hub.findings.size]),
    );
    expect(perRegion).toEqual(hubSizes);
    expect(first.progress.regions.every((row) => row.done && row.pages > 0)).toBe(true);
    const [connector] = await sync.ctx.db.select().from(connectors).where(eq(connectors.id, connectorId));
    expect(connector!.state).toBe('PROCESSED');
    expect(connector!.lastSweepAt?.getTime()).toBe(first.run.windowEnd!.getTime());
    const cursors = await sync.ctx.db
      .select()
      .from(connectorCursors)
      .where(eq(connectorCursors.connectorId, connectorId));
    expect(cursors.map((cursor) => cursor.stream).sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(cursors.every((cursor) => cursor.cursorAt.getTime() === first.run.windowEnd!.getTime())).toBe(
      true,
    );
  });

  it('then reads only what changed since the cursor (less the lookback): nothing new, nothing written', async () => {
    const { connectorId } = await aFirstRun();
    await advance(2 * 3600);
    const before = await sync.stored();
    const second = await sync.run(connectorId);
    expect(second.run.mode).toBe('INCREMENTAL');
    const windowStart = second.run.windowStart!.getTime();
    // Exactly the findings updated inside the window were read: none older.
    const inWindow = [...sync.inSecurityHub().values()].filter(
      (finding) => Date.parse(finding.UpdatedAt!) >= windowStart,
    ).length;
    expect(second.progress.fetched).toBe(inWindow);
    expect(second.progress.created + second.progress.updated).toBe(0);
    expect(await sync.stored()).toEqual(before);
  });

  it('after Security Hub moves on (updated, new, archived, resolved findings), brings exactly those changes', async () => {
    const { connectorId } = await aFirstRun();
    const changes = await advance(6 * 3600, true);
    expect(changes.updated + changes.created).toBeGreaterThan(0);
    const third = await sync.run(connectorId);
    expect(third.run.mode).toBe('INCREMENTAL');
    expect(third.progress.created).toBe(changes.created);
    expect(third.progress.updated).toBe(changes.updated);
    const stored = await sync.stored();
    expect(viewOf(stored)).toEqual(expectedFrom(sync.inSecurityHub()));
    const archived = [...stored.values()].filter((finding) => finding.recordState === 'ARCHIVED');
    expect(archived.length).toBeGreaterThan(0);
  });

  it('announces every created and updated finding on the event log, once', async () => {
    const { connectorId } = await aFirstRun();
    // A second run that brings updated and new findings: updates must not be announced as created.
    const changes = await advance(6 * 3600, true);
    expect(changes.updated + changes.created).toBeGreaterThan(0);
    await sync.run(connectorId);
    const log = await sync.ctx.db
      .select({ type: events.type, entityId: events.entityId })
      .from(events)
      .where(and(eq(events.tenantId, sync.ctx.tenantId), eq(events.topic, 'finding')));
    const created = log.filter((event) => event.type === 'CREATED');
    expect(created.length).toBe(new Set(created.map((event) => event.entityId)).size);
    expect(created.length).toBe((await sync.stored()).size);
  });
});

describe('edge cases', () => {
  it('equal UpdatedAt split across a page boundary: every finding of the tie arrives', async () => {
    const connector = await sync.createConnector({ regions: ['us-east-1'] });
    await sync.run(connector.id);
    const tie = new Date(sync.emulator.emulator.clock.now().getTime() + 1_000);
    importAt(250, tie, 501);
    await advance(60);
    const run = await sync.run(connector.id);
    expect(run.progress.created).toBe(250);
    expect(viewOf(await sync.stored())).toEqual(expectedFrom(inRegion('us-east-1')));
  });

  it('a duplicated page is written once: the second copy changes nothing', async () => {
    const connector = await sync.createConnector({ regions: ['us-east-1'] });
    await sync.emulator.admin('PUT', '/_emulator/faults', { duplicatePages: 2 });
    const run = await sync.run(connector.id, 'FULL');
    expect(sync.emulator.emulator.duplicatePages).toBe(0);
    const usEast = inRegion('us-east-1');
    expect(run.progress.fetched).toBeGreaterThan(usEast.size);
    expect(run.progress.created + run.progress.updated + run.progress.unchanged).toBe(run.progress.fetched);
    expect(viewOf(await sync.stored())).toEqual(expectedFrom(usEast));
  });

  it('an older update arriving late never replaces the newer one stored', async () => {
    const connector = await sync.createConnector({ regions: ['us-east-1'] });
    await sync.run(connector.id);
    const hub = sync.emulator.emulator.store.hub(ACCOUNT, 'us-east-1');
    const [key, current] = [...hub.findings].find(([, finding]) => finding.RecordState === 'ACTIVE')!;
    // A stale copy (an hour older, different title) is what Security Hub now answers with.
    const stale = {
      ...structuredClone(current),
      Title: 'stale copy',
      UpdatedAt: new Date(Date.parse(current.UpdatedAt!) - 3_600_000).toISOString(),
    };
    hub.findings.set(key, stale);
    const run = await sync.run(connector.id, 'FULL');
    expect(run.run.status).toBe('SUCCEEDED');
    const stored = (await sync.stored()).get(`${current.ProductArn}|${current.Id}`)!;
    expect(stored.updatedAt).toBe(new Date(current.UpdatedAt!).toISOString());
  });

  it('a finding that becomes visible late (UpdatedAt before the cursor) arrives through the lookback', async () => {
    const connector = await sync.createConnector({ regions: ['eu-west-1'] });
    const first = await sync.run(connector.id);
    // Imported after the run, dated half the lookback before the run's start.
    const late = importAt(3, new Date(first.run.windowEnd!.getTime() - LOOKBACK_MS / 2), 502, 'eu-west-1');
    await advance(30);
    const second = await sync.run(connector.id);
    expect(second.run.mode).toBe('INCREMENTAL');
    expect(second.progress.created).toBe(3);
    const stored = await sync.stored();
    for (const finding of late) expect(stored.has(`${finding.ProductArn}|${finding.Id}`)).toBe(true);
  });

  it('a future-dated UpdatedAt is stored at once and does not move the cursor past the run', async () => {
    const connector = await sync.createConnector({ regions: ['us-east-1'] });
    await sync.run(connector.id);
    const now = sync.emulator.emulator.clock.now().getTime();
    const future = importAt(2, new Date(now + 2 * 86_400_000), 503);
    const run = await sync.run(connector.id);
    expect(run.progress.created).toBe(2);
    const [cursor] = await sync.ctx.db
      .select()
      .from(connectorCursors)
      .where(eq(connectorCursors.connectorId, connector.id));
    expect(cursor!.cursorAt.getTime()).toBe(run.run.windowEnd!.getTime());
    expect(cursor!.cursorAt.getTime()).toBeLessThan(now + 86_400_000);
    // A normal update after it is still read by the next run.
    const normal = importAt(1, new Date(now + 1_000), 504);
    await advance(60);
    const next = await sync.run(connector.id);
    expect(next.progress.created).toBe(1);
    const stored = await sync.stored();
    for (const finding of [...future, ...normal])
      expect(stored.has(`${finding.ProductArn}|${finding.Id}`)).toBe(true);
  });

  it('a malformed finding is kept as a reject with its reason and does not stop the run or its neighbours', async () => {
    const connector = await sync.createConnector({ regions: ['us-east-1'] });
    await sync.run(connector.id);
    const at = new Date(sync.emulator.emulator.clock.now().getTime() + 1_000);
    const [good, bad] = importAt(2, at, 505);
    // Security Hub answers with what it stored; a provider's broken Severity reaches us as is.
    const hub = sync.emulator.emulator.store.hub(ACCOUNT, 'us-east-1');
    const key = [...hub.findings.keys()].find((k) => k.endsWith(bad!.Id!))!;
    hub.findings.set(key, { ...hub.findings.get(key)!, Severity: { Label: 'SEVERE' as never } });
    await advance(60);
    const run = await sync.run(connector.id);
    expect(run.run.status).toBe('SUCCEEDED');
    expect(run.progress.rejected).toBe(1);
    expect(run.progress.created).toBe(1);
    expect((await sync.stored()).has(`${good!.ProductArn}|${good!.Id}`)).toBe(true);
    const rejects = await sync.ctx.db
      .select()
      .from(findingRejects)
      .where(eq(findingRejects.tenantId, sync.ctx.tenantId));
    const reject = rejects.find((row) => row.awsId === bad!.Id)!;
    expect(reject.reason).toMatch(/Severity/);
    expect(reject.runId).toBe(run.run.id);
    // Read again by a full run: still one reject, seen again.
    await sync.run(connector.id, 'FULL');
    const again = await sync.ctx.db
      .select()
      .from(findingRejects)
      .where(and(eq(findingRejects.tenantId, sync.ctx.tenantId), eq(findingRejects.awsId, bad!.Id!)));
    expect(again.length).toBe(1);
    expect(again[0]!.seenCount).toBeGreaterThan(reject.seenCount);
  });
});
