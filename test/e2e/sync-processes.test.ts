import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { killAll, type ServiceProcess, startServiceProcess } from '../support/service-process.ts';
import { createConnectorOverApi, expectedFrom } from '../support/sync.ts';
import { until } from '../support/wait.ts';

// Several service processes: on one PostgreSQL the job engine places each run on exactly one of
// them and hands a dead one's run to another; on the embedded database a second process is refused.

const databaseUrl = inject('databaseUrl');
let emulator: RunningEmulator;
let queue: string;
const running: ServiceProcess[] = [];

// Each test its own Security Hub and its own job queue: no run, schedule or latency of one test
// reaches another.
beforeEach(async () => {
  emulator = await startEmulator({ findings: 1500, accounts: 3, quotas: false, seed: 81 });
  queue = `connector-run-${randomUUID().slice(0, 8)}`;
});

afterEach(async () => {
  await killAll(running);
  await emulator?.close();
});

async function start(storage: { databaseUrl?: string; dataDir?: string }, env: Record<string, string> = {}) {
  const service = await startServiceProcess(storage, {
    HUBGRAPH_JOB_QUEUE: queue,
    HUBGRAPH_JOB_HEARTBEAT_SECONDS: '10',
    ...env,
  });
  running.push(service);
  return service;
}

/** A connector on the role of account `account` (each role trusts one external id: one connector each). */
function createConnector(
  service: ServiceProcess,
  tenantId: string,
  extra: Record<string, unknown> = {},
  account = 0,
): Promise<string> {
  return createConnectorOverApi(
    (query, variables) => service.graphql(tenantId, query, variables),
    emulator,
    emulator.roles[account]!.arn,
    extra,
  );
}

interface RunView {
  id: string;
  status: string;
  error: string | null;
  trigger: string;
  attempt: number;
  totals: { created: number };
}

async function runsOf(service: ServiceProcess, tenantId: string, connectorId: string): Promise<RunView[]> {
  const { connector } = await service.graphql<{ connector: { runs: { nodes: RunView[] } } }>(
    tenantId,
    `query($id: ID!) { connector(id: $id) { runs(first: 20) { nodes { id status error trigger attempt totals { created } } } } }`,
    { id: connectorId },
  );
  return connector.runs.nodes;
}

/** Polls a condition of the running processes (they take a while: a run, a handover). */
function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  return until(what, probe, { timeoutMs: 90_000, intervalMs: 250 });
}

/**
 * Resolves once the job engine has had its chance to fire a schedule again: two schedule passes
 * begun after now (a pass, whichever process claims it, considers every schedule in the database;
 * the second begins after the first has sent what it found), then nothing of this queue left to
 * send or to run.
 */
async function afterTheNextSchedulePasses(): Promise<void> {
  const sql = postgres(databaseUrl!, { max: 1, onnotice: () => {} });
  try {
    const [start] = await sql<{ now: Date }[]>`select now()`;
    let passes = 0;
    let last = start!.now;
    await until(
      'two schedule passes of the job engine',
      async () => {
        const [row] = await sql<{ cronOn: Date | null }[]>`select cron_on as "cronOn" from pgboss.version`;
        if (row?.cronOn && row.cronOn > last) {
          last = row.cronOn;
          passes += 1;
        }
        return passes >= 2 ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    await eventually('the jobs of the queue to be sent and run', async () => {
      const [row] = await sql<{ pending: number }[]>`
        select count(*)::int as pending from pgboss.job
        where state < 'completed'
          and (name = ${queue} or (name = '__pgboss__send-it' and data->>'name' = ${queue}))`;
      return row!.pending === 0 ? true : undefined;
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** What Security Hub holds for one account. */
function inSecurityHub(accountId: string) {
  const all = new Map();
  for (const hub of emulator.emulator.store.allHubs())
    if (hub.accountId === accountId)
      for (const finding of hub.findings.values()) all.set(`${finding.ProductArn}|${finding.Id}`, finding);
  return all;
}

describe.skipIf(!databaseUrl)('two service processes on one PostgreSQL', () => {
  it('run each scheduled run exactly once (a schedule that starts now, and one-off schedules)', async () => {
    const storage = { databaseUrl };
    const [a, b] = [await start(storage), await start(storage)];
    const tenantId = `procs-${randomUUID().slice(0, 8)}`;
    const soon = new Date(Date.now() + 3_000).toISOString();
    const recurring = await createConnector(a, tenantId, {
      regions: ['us-east-1'],
      schedule: { kind: 'RECURRING', intervalMinutes: 60, startAt: soon },
    });
    const once = [
      await createConnector(
        b,
        tenantId,
        { regions: ['eu-west-1'], schedule: { kind: 'ONCE', startAt: soon } },
        1,
      ),
      await createConnector(
        a,
        tenantId,
        { regions: ['eu-west-1'], schedule: { kind: 'ONCE', startAt: soon } },
        2,
      ),
    ];
    for (const connectorId of [recurring, ...once]) {
      const runs = await eventually(`the scheduled run of ${connectorId}`, async () => {
        const found = await runsOf(a, tenantId, connectorId);
        return found.some((run) => !['QUEUED', 'RUNNING'].includes(run.status)) ? found : undefined;
      });
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ trigger: 'SCHEDULE', status: 'SUCCEEDED', attempt: 0 });
    }
    // Nothing else fires: the schedules' next occurrences are an hour away, the one-offs are spent.
    await afterTheNextSchedulePasses();
    for (const connectorId of [recurring, ...once])
      expect(await runsOf(b, tenantId, connectorId)).toHaveLength(1);
  }, 150_000);

  it('hand the run of a process killed mid-run to the other, which finishes it from its checkpoint', async () => {
    const storage = { databaseUrl };
    const [a, b] = [await start(storage), await start(storage)];
    const tenantId = `procs-${randomUUID().slice(0, 8)}`;
    const connectorId = await createConnector(a, tenantId);
    await emulator.admin('PUT', '/_emulator/latency', { ms: 250 });
    const { connectorRunNow } = await a.graphql<{ connectorRunNow: { run: { id: string } } }>(
      tenantId,
      `mutation($id: ID!) { connectorRunNow(input: { id: $id }) { run { id } } }`,
      { id: connectorId },
    );
    const runId = connectorRunNow.run.id;
    // Once pages are in, the process named as the run's worker is killed.
    await eventually('pages of the run', async () => {
      const runs = await runsOf(a, tenantId, connectorId);
      return runs[0]?.status === 'RUNNING' && runs[0].totals.created > 0 ? true : undefined;
    });
    const victim = await ownerByWorker(a, tenantId, runId, [a, b]);
    const other = victim === a ? b : a;
    victim.child.kill('SIGKILL');
    await victim.exited;
    const finished = await eventually('the other process to finish the run', async () => {
      const runs = await runsOf(other, tenantId, connectorId);
      return runs[0] && !['QUEUED', 'RUNNING'].includes(runs[0].status) ? runs[0] : undefined;
    });
    expect(finished.status).toBe('SUCCEEDED');
    expect(finished.attempt).toBeGreaterThanOrEqual(1);
    const { findings } = await other.graphql<{ findings: { totalCount: number } }>(
      tenantId,
      `{ findings(first: 1) { totalCount } }`,
    );
    expect(findings.totalCount).toBe(expectedFrom(inSecurityHub(emulator.roles[0]!.accountId)).size);
  }, 150_000);
});

/** The process running a run, from the run's worker (host:pid:nonce). */
async function ownerByWorker(
  service: ServiceProcess,
  tenantId: string,
  runId: string,
  candidates: ServiceProcess[],
): Promise<ServiceProcess> {
  return eventually('the run to name its worker', async () => {
    const { run } = await service.graphql<{ run: { worker: string | null } }>(
      tenantId,
      `query($id: ID!) { run(id: $id) { worker } }`,
      { id: runId },
    );
    const pid = Number(run.worker?.split(':')[1]);
    return candidates.find((candidate) => candidate.child.pid === pid);
  });
}

describe('the embedded database', () => {
  it('refuses a second process on the same DATA_DIR at once, naming the first, which keeps working', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hubgraph-lock-'));
    try {
      const first = await start({ dataDir });
      const second = await startServiceProcess(
        { dataDir },
        { HUBGRAPH_JOB_QUEUE: queue },
        { waitReady: false },
      );
      running.push(second);
      const { code } = await second.exited;
      expect(code).toBe(3);
      expect(second.output()).toContain(`pid ${first.child.pid}`);
      expect(second.output()).toMatch(/give this one its own DATA_DIR/);
      const tenantId = 'lock-test';
      const connectorId = await createConnector(first, tenantId, { regions: ['us-east-1'] });
      const { connectorRunNow } = await first.graphql<{ connectorRunNow: { run: { id: string } } }>(
        tenantId,
        `mutation($id: ID!) { connectorRunNow(input: { id: $id }) { run { id } } }`,
        { id: connectorId },
      );
      const run = await eventually('the run', async () => {
        const runs = await runsOf(first, tenantId, connectorId);
        return runs.find((found) => found.id === connectorRunNow.run.id && found.status === 'SUCCEEDED');
      });
      expect(run.totals.created).toBeGreaterThan(0);
    } finally {
      for (const service of running.splice(0)) await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
