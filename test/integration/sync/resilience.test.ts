import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/client.ts';
import { slicesOfRun } from '../../../src/sync/queries.ts';
import { openTestDatabase } from '../../support/database.ts';
import { expectedFrom, type SyncHarness, startSyncHarness, viewOf } from '../../support/sync.ts';
import { until } from '../../support/wait.ts';

// AWS as it is on a bad day: throttling, 5xx, dropped connections, a role session that expires in
// the middle of the run, and AWS's real quota. Nothing may be lost, and the run's counters say what
// happened. Each test has its own harness: faults, quotas and the clock of its own Security Hub.

let database: Database;
let sync: SyncHarness;

beforeAll(async () => {
  database = await openTestDatabase();
});

beforeEach(async () => {
  sync = await startSyncHarness(database, {
    emulator: { findings: 900, seed: 31, latencyMs: 20 },
    settings: { sdkMaxAttempts: 4, pageRetries: 8 },
  });
});

afterEach(async () => {
  await sync?.close();
});

afterAll(async () => {
  await database?.close();
});

const counters = async () =>
  (await sync.emulator.admin('GET', '/_emulator/counters')) as Record<string, Record<string, number>>;

/** Role sessions of 900 s, AWS's shortest, assumed with the emulator's base credentials. */
function shortSession() {
  return {
    mode: 'ASSUME_ROLE' as const,
    sourceMode: 'ACCESS_KEY' as const,
    accessKeyId: sync.emulator.baseCredentials.accessKeyId,
    secretAccessKey: sync.emulator.baseCredentials.secretAccessKey,
    roleArn: sync.emulator.roles[0]!.arn,
    sessionDurationSeconds: 900,
  };
}

/** Once a few pages of the run are in, the role session expires (the emulator's clock jumps past it). */
async function expireSessionAfterThreePages(runId: string): Promise<void> {
  await until(
    'three pages of the run',
    async () => {
      const slices = await slicesOfRun(sync.ctx.db, runId);
      return slices.reduce((sum, slice) => sum + slice.pages, 0) >= 3 ? true : undefined;
    },
    { intervalMs: 50 },
  );
  await sync.emulator.admin('POST', '/_emulator/clock/advance', { seconds: 901, evolve: false });
}

describe('a run against a faulty Security Hub', () => {
  it('completes with nothing lost through 10% throttling, 5% 5xx, connection resets and an expiring session', async () => {
    const connector = await sync.createConnector({
      auth: shortSession(),
    });
    await sync.emulator.admin('DELETE', '/_emulator/counters');
    await sync.emulator.admin('PUT', '/_emulator/faults', {
      rate: 0.2,
      kinds: ['429', '429', '500', 'reset'],
    });
    const runId = await sync.queue(connector.id);
    await expireSessionAfterThreePages(runId);
    const { run, progress } = await sync.waitForRun(runId, 120_000);

    expect(run.status).toBe('SUCCEEDED');
    expect(viewOf(await sync.stored())).toEqual(expectedFrom(sync.inSecurityHub()));
    const seen = await counters();
    // The seeded faults strike requests in the order they arrive, whichever operation that is: with
    // concurrent slices and the re-assumed sessions, a kind may land on AssumeRole rather than on
    // GetFindings. Every kind struck the run somewhere; the run's own counters match GetFindings'.
    const struck = (status: string) =>
      Object.values(seen).reduce((sum, statuses) => sum + (statuses[status] ?? 0), 0);
    expect(struck('429')).toBeGreaterThan(0);
    expect(struck('500')).toBeGreaterThan(0);
    expect(struck('0')).toBeGreaterThan(0); // connections reset
    expect(seen.AssumeRole?.['200']).toBeGreaterThanOrEqual(2); // the expired session was replaced
    expect(progress.retries).toBeGreaterThan(0);
    expect(progress.throttled).toBeLessThanOrEqual(seen.GetFindings?.['429'] ?? 0);
    expect(progress.retries).toBeGreaterThanOrEqual(progress.throttled);
  });

  it('reading the new Security Hub, completes with nothing lost through throttling, 5xx and connection resets', async () => {
    // A Security Hub of its own that runs the new Security Hub beside CSPM.
    await sync.close();
    sync = await startSyncHarness(database, {
      emulator: { findings: 900, seed: 31, latencyMs: 20, v2: true },
      settings: { sdkMaxAttempts: 4, pageRetries: 8 },
    });
    const connector = await sync.createConnector({ api: 'V2' });
    await sync.emulator.admin('DELETE', '/_emulator/counters');
    await sync.emulator.admin('PUT', '/_emulator/faults', { rate: 0.2, kinds: ['429', '500', 'reset'] });
    const { run, progress } = await sync.run(connector.id);
    expect(run.status, run.error ?? '').toBe('SUCCEEDED');
    const expected = sync.inSecurityHubV2();
    const stored = await sync.stored();
    expect([...stored.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, document] of expected)
      expect(stored.get(key)?.updatedAt, key).toBe(
        new Date(document.finding_info.modified_time_dt).toISOString(),
      );
    const seen = await counters();
    expect(seen.GetFindingsV2?.['429'] ?? 0).toBeGreaterThan(0);
    expect(progress.retries).toBeGreaterThan(0);
  });

  it("stays within AWS's GetFindings quota (3/s, burst 6): no request is throttled", async () => {
    const connector = await sync.createConnector({ regions: ['us-east-1'] });
    await expectRunWithinQuota(connector.id, 'GetFindings');
  });

  it('reading the new Security Hub, stays within the quota assumed for GetFindingsV2 (3/s, burst 6)', async () => {
    await sync.close();
    sync = await startSyncHarness(database, {
      emulator: { findings: 900, seed: 31, latencyMs: 20, v2: true },
    });
    const connector = await sync.createConnector({ api: 'V2', regions: ['us-east-1'] });
    const requests = await expectRunWithinQuota(connector.id, 'GetFindingsV2');
    expect(requests).toBeGreaterThan(6);
  });

  it('reading the new Security Hub, replaces a role session that expires mid-run and loses nothing', async () => {
    await sync.close();
    sync = await startSyncHarness(database, {
      emulator: { findings: 900, seed: 31, latencyMs: 150, v2: true },
      settings: { sdkMaxAttempts: 4, pageRetries: 8 },
    });
    const connector = await sync.createConnector({
      api: 'V2',
      auth: shortSession(),
    });
    await sync.emulator.admin('DELETE', '/_emulator/counters');
    const runId = await sync.queue(connector.id);
    await expireSessionAfterThreePages(runId);
    const { run } = await sync.waitForRun(runId, 120_000);

    expect(run.status, run.error ?? '').toBe('SUCCEEDED');
    const expected = sync.inSecurityHubV2();
    expect([...(await sync.stored()).keys()].sort()).toEqual([...expected.keys()].sort());
    expect((await counters()).AssumeRole?.['200']).toBeGreaterThanOrEqual(2); // the expired session was replaced
  });
});

/**
 * A full run with the emulator at AWS's quota for `operation` (3/s, burst 6): it succeeds, draws no
 * 429 and counts no throttling, and takes at least as long as the quota allows for the requests it
 * sent (3 a second after the burst). Returns how many it sent.
 */
async function expectRunWithinQuota(connectorId: string, operation: 'GetFindings' | 'GetFindingsV2') {
  await sync.emulator.admin('PUT', '/_emulator/quotas', { enabled: true, reset: true });
  await sync.emulator.admin('DELETE', '/_emulator/counters');
  const { run, progress } = await sync.run(connectorId, 'FULL');
  expect(run.status, run.error ?? '').toBe('SUCCEEDED');
  const seen = await counters();
  expect(seen[operation]?.['429'] ?? 0).toBe(0);
  expect(progress.throttled).toBe(0);
  const requests = seen[operation]!['200']!;
  const seconds = (run.finishedAt!.getTime() - run.startedAt!.getTime()) / 1000;
  expect(seconds).toBeGreaterThanOrEqual((requests - 6) / 3 - 1);
  return requests;
}
