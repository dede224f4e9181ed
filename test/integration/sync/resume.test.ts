import { randomUUID } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorModel } from '../../../src/connectors/model.ts';
import { type TenantContext, tenantContext } from '../../../src/context.ts';
import type { Database } from '../../../src/db/client.ts';
import { assets } from '../../../src/db/schema.ts';
import { DEFAULT_SYNC_SETTINGS, RunExecution } from '../../../src/sync/engine.ts';
import { runProgress } from '../../../src/sync/progress.ts';
import { claimRun, insertRun, slicesOfRun } from '../../../src/sync/queries.ts';
import { RateLimiter, UNLIMITED } from '../../../src/sync/rate-limiter.ts';
import { newTenant, openTestDatabase } from '../../support/database.ts';
import { expectedFrom, type SyncHarness, startSyncHarness, viewOf } from '../../support/sync.ts';

// A run stopped after any page — its transaction committed, the rest of the run not — and then
// resumed by a new attempt ends with exactly the data of an uninterrupted run (Airbyte's
// "read from every intermediate state", with our checkpoints).

let database: Database;
let sync: SyncHarness;
const settings = { ...DEFAULT_SYNC_SETTINGS, fullSlices: 2, sliceConcurrency: 2 };

beforeAll(async () => {
  database = await openTestDatabase();
  // The new Security Hub runs beside CSPM: a V2 connector resumes the same way.
  sync = await startSyncHarness(database, { emulator: { findings: 700, seed: 23, v2: true } });
});

afterAll(async () => {
  await sync?.close();
  await database?.close();
});

/** A tenant with a connector like the harness's (on CSPM, or another API), to run the engine in directly. */
async function freshTenant(
  api: 'CSPM' | 'V2' | 'BOTH' = 'CSPM',
): Promise<{ ctx: TenantContext; connector: ConnectorModel }> {
  const ctx = tenantContext(sync.app, await newTenant(database, 'resume'));
  return { ctx, connector: await sync.createConnector({ api }, 0, ctx) };
}

/** Runs attempt `attempt` of a run; with `stopAfter`, aborts it once that many pages have committed. */
async function attempt(
  ctx: TenantContext,
  connector: ConnectorModel,
  runId: string,
  number: number,
  stopAfter?: number,
  settingsOfRun = settings,
): Promise<number> {
  const run = (await ctx.db.transaction((tx) =>
    claimRun(tx, runId, number, `test:${number}`, ctx.clock.now()),
  ))!;
  const controller = new AbortController();
  let commits = 0;
  const execution = new RunExecution(ctx, run, connector, {
    limiter: new RateLimiter({ quotas: UNLIMITED }),
    signal: controller.signal,
    settings: settingsOfRun,
    onPageCommitted: () => {
      commits += 1;
      if (commits === stopAfter) controller.abort(new Error('stopped by the test'));
    },
  });
  await execution.execute().catch((error: unknown) => {
    if (stopAfter === undefined) throw error;
  });
  return commits;
}

async function newRun(ctx: TenantContext, connector: ConnectorModel): Promise<string> {
  const run = await insertRun(ctx.db, {
    tenantId: ctx.tenantId,
    connectorId: connector.id,
    trigger: 'MANUAL',
    status: 'QUEUED',
    jobId: randomUUID(),
    queue: 'test-direct',
  });
  return run.id;
}

async function storedIn(ctx: TenantContext) {
  return viewOf(await sync.stored(ctx));
}

/** The assets as a run leaves them (findings' and the inventory's), without what names the moment. */
async function assetsIn(ctx: TenantContext) {
  const rows = await ctx.db
    .select({
      identityKey: assets.identityKey,
      name: assets.name,
      resourceType: assets.resourceType,
      category: assets.category,
      securityHubFindingCounts: assets.securityHubFindingCounts,
      riskScore: assets.riskScore,
    })
    .from(assets)
    .where(eq(assets.tenantId, ctx.tenantId));
  return new Map(rows.map((row) => [row.identityKey, row]));
}

describe('resuming', () => {
  it('from every intermediate checkpoint gives the same final state as an uninterrupted run', async () => {
    const reference = await freshTenant();
    const pages = await attempt(
      reference.ctx,
      reference.connector,
      await newRun(reference.ctx, reference.connector),
      0,
    );
    const expected = await storedIn(reference.ctx);
    expect(expected).toEqual(expectedFrom(sync.inSecurityHub()));
    expect(pages).toBeGreaterThanOrEqual(8);

    for (let stop = 1; stop < pages; stop++) {
      const { ctx, connector } = await freshTenant();
      const runId = await newRun(ctx, connector);
      await attempt(ctx, connector, runId, 0, stop);
      await attempt(ctx, connector, runId, 1);
      expect(await storedIn(ctx), `stopped after page ${stop}`).toEqual(expected);
    }
    // A dozen syncs in one test: ≈ 10 s on an idle machine, several times that on a busy one.
  }, 180_000);

  it('a connector reading BOTH APIs, from every other intermediate checkpoint, gives the same final state too', async () => {
    const reference = await freshTenant('BOTH');
    const pages = await attempt(
      reference.ctx,
      reference.connector,
      await newRun(reference.ctx, reference.connector),
      0,
    );
    const expected = await storedIn(reference.ctx);
    // With ASSETS, the run reads the new Security Hub's inventory too: its pages are stopping points.
    const expectedAssets = await assetsIn(reference.ctx);
    expect([...expectedAssets.values()].some((asset) => asset.category !== null)).toBe(true);
    // Every problem either API reports, once (the twins share their identity).
    expect(expected.size).toBeGreaterThanOrEqual(sync.inSecurityHub().size);
    expect(pages).toBeGreaterThanOrEqual(8);
    for (let stop = 1; stop < pages; stop += 2) {
      const { ctx, connector } = await freshTenant('BOTH');
      const runId = await newRun(ctx, connector);
      await attempt(ctx, connector, runId, 0, stop);
      await attempt(ctx, connector, runId, 1);
      expect(await storedIn(ctx), `stopped after page ${stop}`).toEqual(expected);
      expect(await assetsIn(ctx), `assets, stopped after page ${stop}`).toEqual(expectedAssets);
    }
  }, 240_000);

  it('fences off an older attempt: once a newer one claims the run, the old one cannot commit a page', async () => {
    const { ctx, connector } = await freshTenant();
    const runId = await newRun(ctx, connector);
    const run = (await ctx.db.transaction((tx) => claimRun(tx, runId, 0, 'old', ctx.clock.now())))!;
    // The newer attempt claims the run before the old one writes anything.
    await ctx.db.transaction((tx) => claimRun(tx, runId, 1, 'new', ctx.clock.now()));
    const stale = new RunExecution(ctx, run, connector, {
      limiter: new RateLimiter({ quotas: UNLIMITED }),
      signal: new AbortController().signal,
      settings,
    });
    await expect(stale.execute()).rejects.toThrow(/no longer owned by attempt 0/);
    expect((await storedIn(ctx)).size).toBe(0);
  });
});

describe('progress', () => {
  it('never steps back while idle slices take over half of busy ones', async () => {
    const { ctx, connector } = await freshTenant();
    const runId = await newRun(ctx, connector);
    // Read back to back while the run goes on: each read sees what the one before saw, or more.
    const fractions: number[] = [];
    let running = true;
    const watching = (async () => {
      while (running) {
        const slices = await slicesOfRun(ctx.db, runId);
        const { fraction } = runProgress({ startedAt: null, finishedAt: null }, slices, ctx.clock.now());
        if (fraction !== null) fractions.push(fraction);
        await setTimeout(5);
      }
    })();
    // One sub-window per Region to begin with, and room for four: the idle ones split the busy.
    await attempt(ctx, connector, runId, 0, undefined, { ...settings, fullSlices: 1, sliceConcurrency: 4 });
    running = false;
    await watching;
    const slices = await slicesOfRun(ctx.db, runId);
    expect(slices.filter((slice) => slice.weight < 1).length).toBeGreaterThanOrEqual(2);
    expect(runProgress({ startedAt: null, finishedAt: null }, slices, ctx.clock.now()).fraction).toBe(1);
    expect(fractions.length).toBeGreaterThan(3);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  });
});
