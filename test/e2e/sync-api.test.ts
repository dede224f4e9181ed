import { randomUUID } from 'node:crypto';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Database } from '../../src/db/client.ts';
import { READ_ROLE_ACTIONS, type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { SyncWorker } from '../../src/sync/worker.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { type TestServer, tokenFor } from '../support/server.ts';
import { createConnectorOverApi, startApiWithWorker } from '../support/sync.ts';
import { until } from '../support/wait.ts';

// The sync as a frontend or an integrator sees it: runs queued and cancelled over GraphQL, their
// history with per-Region counters, progress and state changes streamed over graphql-ws, metrics.

let database: Database;
let emulator: RunningEmulator;
let api: TestServer;
let worker: SyncWorker;
let tenantId: string;
const clients: Client[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
  ({ api, worker } = await startApiWithWorker(database));
});

// Each test its own tenant (its findings, runs and events) and its own Security Hub (latency,
// role permissions): nothing one test sets up or leaves behind reaches another.
beforeEach(async () => {
  emulator = await startEmulator({ findings: 400, accounts: 1, quotas: false, seed: 61 });
  tenantId = await newTenant(database, 'sync-api');
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
  await emulator?.close();
});

afterAll(async () => {
  await worker?.stop(5_000);
  await api?.close();
  await database?.close();
});

const gql = <T>(query: string, variables?: Record<string, unknown>) =>
  api.graphql<T>(query, variables, { tenantId });

const RUN_FIELDS = `id status mode requestedMode trigger attempt error remediation windowStart windowEnd
  totals { pages fetched created updated unchanged rejected throttled retries }
  progress { accountId region pages fetched created throttled retries durationMs done }
  findingsPerSecond etaSeconds startedAt finishedAt durationMs`;

interface RunView {
  id: string;
  status: string;
  mode: string | null;
  error: string | null;
  remediation: string | null;
  totals: Record<string, number>;
  progress: { region: string; created: number; done: boolean }[];
}

/** A connector made over the API (it starts REGISTERED: no schedule, never run). */
async function createConnector(overrides: Record<string, unknown> = {}): Promise<{ id: string }> {
  const id = await createConnectorOverApi(
    async <T>(query: string, variables?: Record<string, unknown>) => (await gql<T>(query, variables)).data!,
    emulator,
    emulator.roles[0]!.arn,
    overrides,
  );
  const state = await gql<{ connector: { state: string } }>(
    `query($id: ID!) { connector(id: $id) { state } }`,
    { id },
  );
  expect(state.data!.connector.state).toBe('REGISTERED');
  return { id };
}

async function runNow(id: string, mode = 'AUTO') {
  const response = await gql<{
    connectorRunNow: {
      run: RunView | null;
      userErrors: { field: string[]; code: string; message: string }[];
    };
  }>(
    `mutation($input: ConnectorRunNowInput!) { connectorRunNow(input: $input) { run { ${RUN_FIELDS} } userErrors { field message code } } }`,
    { input: { id, mode } },
  );
  return response.data!.connectorRunNow;
}

async function runById(id: string): Promise<RunView> {
  return (await gql<{ run: RunView }>(`query($id: ID!) { run(id: $id) { ${RUN_FIELDS} } }`, { id })).data!
    .run;
}

function waitUntilEnded(id: string): Promise<RunView> {
  return until(`run ${id} to end`, async () => {
    const run = await runById(id);
    return ['QUEUED', 'RUNNING'].includes(run.status) ? undefined : run;
  });
}

async function subscribe<T>(query: string, variables: Record<string, unknown>) {
  const client = createClient({
    url: api.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${await tokenFor(tenantId)}` },
  });
  clients.push(client);
  const received: T[] = [];
  let failure: unknown;
  client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) failure = result.errors;
        else received.push(result.data as T);
      },
      error: (error) => {
        failure = error;
      },
      complete: () => {},
    },
  );
  return {
    received,
    until(predicate: (events: T[]) => boolean) {
      return until(
        'the subscription to deliver',
        () => {
          if (failure) throw new Error(JSON.stringify(failure));
          return predicate(received) ? received : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 50 },
      );
    },
  };
}

describe('runs over GraphQL', () => {
  it('connectorRunNow queues a run; progress and state changes stream while it runs; the run keeps its counters', async () => {
    const connector = await createConnector();
    const states = await subscribe<{
      connectorStateChanged: { state: string; previousState: string | null };
    }>(
      `subscription($id: ID) { connectorStateChanged(connectorId: $id, after: "0") { state previousState } }`,
      { id: connector.id },
    );
    const progress = await subscribe<{
      connectorRunProgress: {
        runId: string;
        status: string;
        totals: { fetched: number; created: number };
        regions: { region: string }[];
        fraction: number | null;
        run: { id: string; connector: { id: string } } | null;
      };
    }>(
      `subscription($id: ID) { connectorRunProgress(connectorId: $id, after: "0") {
        cursor runId status mode fraction etaSeconds elapsedMs findingsPerSecond
        totals { fetched created updated } regions { accountId region fetched created done }
        run { id connector { id } } } }`,
      { id: connector.id },
    );
    // Both replay from the tenant's first event (after: "0"): registered before the run starts or
    // during it, each delivers the whole story, in order.
    const queued = await runNow(connector.id);
    expect(queued.userErrors).toEqual([]);
    expect(queued.run!.status).toBe('QUEUED');
    const run = await waitUntilEnded(queued.run!.id);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.mode).toBe('FULL');
    expect(run.totals.created).toBe(400);
    expect(run.progress.map((row) => row.region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(run.progress.every((row) => row.done)).toBe(true);

    const events = await progress.until((all) =>
      all.some((event) => event.connectorRunProgress.status === 'SUCCEEDED'),
    );
    expect(events[0]!.connectorRunProgress.status).toBe('QUEUED');
    const last = events.at(-1)!.connectorRunProgress;
    expect(last.status).toBe('SUCCEEDED');
    expect(last.totals.created).toBe(400);
    expect(last.fraction).toBe(1);
    expect(last.run?.connector.id).toBe(connector.id);
    expect(events.every((event) => event.connectorRunProgress.runId === queued.run!.id)).toBe(true);

    const seen = await states.until((all) =>
      all.some((event) => event.connectorStateChanged.state === 'PROCESSED'),
    );
    expect(
      seen.map((event) => [event.connectorStateChanged.previousState, event.connectorStateChanged.state]),
    ).toEqual([
      [null, 'REGISTERED'],
      ['REGISTERED', 'PROCESSING'],
      ['PROCESSING', 'PROCESSED'],
    ]);

    const history = await gql<{
      connector: {
        state: string;
        lastSweepAt: string | null;
        activeRun: unknown;
        runs: { totalCount: number; nodes: RunView[] };
      };
    }>(
      `query($id: ID!) { connector(id: $id) { state lastSweepAt activeRun { id } runs(first: 5) { totalCount nodes { ${RUN_FIELDS} } } } }`,
      { id: connector.id },
    );
    const view = history.data!.connector;
    expect(view.state).toBe('PROCESSED');
    expect(view.lastSweepAt).not.toBeNull();
    expect(view.activeRun).toBeNull();
    expect(view.runs.totalCount).toBe(1);
    expect(view.runs.nodes[0]!.totals.created).toBe(400);

    // An incremental run next: nothing new.
    const second = await waitUntilEnded((await runNow(connector.id)).run!.id);
    expect(second.mode).toBe('INCREMENTAL');
    expect(second.totals.created).toBe(0);

    const metrics = await api.metrics();
    expect(metrics).toMatch(/hubgraph_sync_runs_total\{status="SUCCEEDED"\} [1-9]/);
    expect(metrics).toMatch(/hubgraph_sync_findings_total\{connector="[^"]+",outcome="created"\} 400/);
  });

  it('refuses a second run while one is queued or running, and says which', async () => {
    const connector = await createConnector();
    await emulator.admin('PUT', '/_emulator/latency', { ms: 150 });
    const first = await runNow(connector.id);
    const second = await runNow(connector.id);
    expect(second.userErrors[0]).toMatchObject({ field: ['input', 'id'], code: 'IN_PROGRESS' });
    expect(second.userErrors[0]!.message).toContain(first.run!.id);
    expect(second.run!.id).toBe(first.run!.id);
    await waitUntilEnded(first.run!.id);
  });

  it('connectorRunCancel stops a running run, keeps what it committed, and returns the connector to its state', async () => {
    const connector = await createConnector();
    await emulator.admin('PUT', '/_emulator/latency', { ms: 300 });
    const queued = await runNow(connector.id);
    await until('the run to start', async () =>
      (await runById(queued.run!.id)).status === 'RUNNING' ? true : undefined,
    );
    const cancelled = await gql<{
      connectorRunCancel: { run: { id: string } | null; userErrors: unknown[] };
    }>(
      `mutation($input: ConnectorRunCancelInput!) { connectorRunCancel(input: $input) { run { id status cancelRequestedAt } userErrors { field message code } } }`,
      { input: { connectorId: connector.id } },
    );
    expect(cancelled.data!.connectorRunCancel.userErrors).toEqual([]);
    const run = await waitUntilEnded(queued.run!.id);
    expect(run.status).toBe('CANCELLED');
    const state = await gql<{ connector: { state: string } }>(
      `query($id: ID!) { connector(id: $id) { state } }`,
      {
        id: connector.id,
      },
    );
    expect(state.data!.connector.state).toBe('REGISTERED');
    // The next run picks up where nothing was lost: a full read again (no cursor yet).
    const next = await waitUntilEnded((await runNow(connector.id)).run!.id);
    expect(next.status).toBe('SUCCEEDED');
    expect(next.mode).toBe('FULL');
  });

  it('a run that AWS refuses fails with the error and what to do, and puts the connector in FAILED', async () => {
    const connector = await createConnector({ regions: ['us-east-1'] });
    const role = emulator.roles[0]!;
    await emulator.admin('PUT', '/_emulator/roles/actions', {
      roleArn: role.arn,
      actions: READ_ROLE_ACTIONS.filter((action) => action !== 'securityhub:GetFindings'),
    });
    const run = await waitUntilEnded((await runNow(connector.id)).run!.id);
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatch(/AccessDeniedException/);
    expect(run.remediation).toMatch(/securityhub:GetFindings/);
    const view = await gql<{ connector: { state: string; lastError: string } }>(
      `query($id: ID!) { connector(id: $id) { state lastError } }`,
      { id: connector.id },
    );
    expect(view.data!.connector.state).toBe('FAILED');
    expect(view.data!.connector.lastError).toMatch(/Fix: Allow/);
  });

  it('answers bad input with userErrors that say what to do', async () => {
    const missing = await runNow(randomUUID());
    expect(missing.userErrors[0]).toMatchObject({ code: 'NOT_FOUND', field: ['input', 'id'] });
    const connector = await createConnector();
    await gql(
      `mutation($input: ConnectorSetEnabledInput!) { connectorSetEnabled(input: $input) { connector { id } } }`,
      {
        input: { id: connector.id, enabled: false },
      },
    );
    const disabled = await runNow(connector.id);
    expect(disabled.userErrors[0]).toMatchObject({ code: 'NOT_ALLOWED' });
    expect(disabled.userErrors[0]!.message).toMatch(/connectorSetEnabled/);
    const neither = await gql<{ connectorRunCancel: { userErrors: { code: string }[] } }>(
      `mutation { connectorRunCancel(input: {}) { userErrors { field message code } } }`,
    );
    expect(neither.data!.connectorRunCancel.userErrors[0]!.code).toBe('INVALID');
    const idle = await gql<{ connectorRunCancel: { userErrors: { code: string }[] } }>(
      `mutation($id: ID!) { connectorRunCancel(input: { connectorId: $id }) { userErrors { field message code } } }`,
      { id: connector.id },
    );
    expect(idle.data!.connectorRunCancel.userErrors[0]!.code).toBe('NOT_FOUND');
  });
});
