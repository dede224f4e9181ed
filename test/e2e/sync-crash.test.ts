import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { SecurityHubApi } from '../../src/generated/graphql.ts';
import { cspmProductArn } from '../../src/mapping/ocsf/identity.ts';
import type { CrashPoint } from '../../src/sync/crash-points.ts';
import {
  killAll,
  type ServiceProcess,
  startServiceProcess,
  storageForProcesses,
} from '../support/service-process.ts';
import { createConnectorOverApi, expectedFrom, hashJson, type StoredFindingView } from '../support/sync.ts';
import { until } from '../support/wait.ts';

// A worker killed with SIGKILL — nothing gets to clean up — at each of a dozen points of a run,
// then started again, ends with exactly the data of an uninterrupted run: no finding lost, none
// twice. On PostgreSQL and on the embedded PGlite (whose data directory must survive the kill);
// reading Security Hub CSPM (GetFindings) and the new Security Hub (GetFindingsV2).

let emulator: RunningEmulator | undefined;
const storage = storageForProcesses();
const queue = `connector-run-${randomUUID().slice(0, 8)}`;
const running: ServiceProcess[] = [];

afterEach(async () => {
  await killAll(running);
  await emulator?.close();
  emulator = undefined;
});

afterAll(() => {
  if (storage.dataDir) rmSync(storage.dataDir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}): Promise<ServiceProcess> {
  const service = await startServiceProcess(storage, {
    HUBGRAPH_JOB_QUEUE: queue,
    HUBGRAPH_JOB_RETRY_LIMIT: '20',
    // A killed worker's run is handed on once its heartbeat lapses: the shortest the engine allows,
    // so a loaded machine still hands it on well within the 45 s each restart is given.
    HUBGRAPH_JOB_HEARTBEAT_SECONDS: '10',
    // One sub-window per Region to begin with, so that idle workers split it (a crash point too).
    HUBGRAPH_SYNC_FULL_SLICES: '1',
    ...env,
  });
  running.push(service);
  return service;
}

function createConnector(
  service: ServiceProcess,
  tenantId: string,
  hub: RunningEmulator,
  api: SecurityHubApi,
): Promise<string> {
  return createConnectorOverApi(
    (query, variables) => service.graphql(tenantId, query, variables),
    hub,
    hub.roles[0]!.arn,
    { name: 'crash-test', api },
  );
}

async function runStatus(service: ServiceProcess, tenantId: string, runId: string) {
  return (
    await service.graphql<{ run: { status: string; attempt: number; totals: { created: number } } }>(
      tenantId,
      `query($id: ID!) { run(id: $id) { status attempt totals { created } } }`,
      { id: runId },
    )
  ).run;
}

interface FindingsPage {
  nodes: {
    productArn: string;
    awsId: string;
    updatedAt: string;
    recordState: string;
    workflowStatus: string;
    raw: unknown;
  }[];
  pageInfo: { hasNextPage: boolean; endCursor: string };
}

/** Every finding the tenant holds, as the API serves it. */
async function storedOver(
  service: ServiceProcess,
  tenantId: string,
): Promise<Map<string, StoredFindingView>> {
  const stored = new Map<string, StoredFindingView>();
  let after: string | null = null;
  for (;;) {
    const { findings }: { findings: FindingsPage } = await service.graphql<{ findings: FindingsPage }>(
      tenantId,
      `query($after: String) { findings(first: 500, after: $after) {
        nodes { productArn awsId updatedAt recordState workflowStatus raw }
        pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    for (const node of findings.nodes) {
      const key = `${node.productArn}|${node.awsId}`;
      expect(stored.has(key), `${key} twice`).toBe(false);
      stored.set(key, {
        updatedAt: new Date(node.updatedAt).toISOString(),
        recordState: node.recordState,
        workflowStatus: node.workflowStatus,
        rawHash: hashJson(node.raw),
      });
    }
    if (!findings.pageInfo.hasNextPage) return stored;
    after = findings.pageInfo.endCursor;
  }
}

/** What a correct CSPM sync ends with: every ASFF finding, as Security Hub holds it. */
function cspmExpected(hub: RunningEmulator): Map<string, StoredFindingView> {
  const all = new Map();
  for (const account of hub.emulator.store.allHubs())
    for (const finding of account.findings.values()) all.set(`${finding.ProductArn}|${finding.Id}`, finding);
  return expectedFrom(all);
}

/**
 * What a correct V2 sync ends with: every OCSF document, as AWS sent it, at its modified time (its
 * status and record state are the mapping's, checked by the mapping's own tests).
 */
function v2Expected(hub: RunningEmulator): Map<string, Pick<StoredFindingView, 'updatedAt' | 'rawHash'>> {
  const all = new Map<string, Pick<StoredFindingView, 'updatedAt' | 'rawHash'>>();
  for (const account of hub.emulator.store.allHubs())
    for (const document of account.ocsf.values())
      all.set(`${cspmProductArn(document.metadata.product.uid)}|${document.finding_info.uid}`, {
        updatedAt: new Date(document.finding_info.modified_time_dt).toISOString(),
        rawHash: hashJson(document),
      });
  return all;
}

/**
 * Where the worker is killed, in the order one run passes them: each restarted worker resumes the
 * run (a new attempt) and is killed at the next point, until a last one finishes it.
 */
const KILLS: `${CrashPoint}${'' | `:${number}`}`[] = [
  'run-claimed',
  'plan-saved',
  'page-upserted:1',
  'page-fetched:3',
  'page-mapped:2',
  'page-upserted:2',
  'page-checkpointed:2',
  'page-committed:2',
  'slice-split',
  'slice-done:2',
  'stream-completed',
  'run-finished',
];

/** The V2 read shares the engine: fewer points, one of each kind. */
const KILLS_V2: typeof KILLS = [
  'plan-saved',
  'page-fetched:2',
  'page-upserted:1',
  'page-committed:2',
  'slice-split',
  'stream-completed',
  'run-finished',
];

interface CrashCase {
  api: SecurityHubApi;
  emulator: EmulatorOptions;
  kills: typeof KILLS;
  expected(hub: RunningEmulator): Map<string, Partial<StoredFindingView>>;
}

const CASES: CrashCase[] = [
  { api: 'CSPM', emulator: {}, kills: KILLS, expected: cspmExpected },
  { api: 'V2', emulator: { v2: true }, kills: KILLS_V2, expected: v2Expected },
];

describe.each(CASES)(
  'a worker killed with SIGKILL (api $api)',
  ({ api, emulator: options, kills, expected }) => {
    it(`at ${kills.length} points of one run, restarted each time, ends with the data of an uninterrupted run`, async () => {
      const hub = await startEmulator({ findings: 3000, accounts: 1, quotas: false, seed: 71, ...options });
      emulator = hub;
      const tenantId = `crash-${randomUUID().slice(0, 8)}`;
      let service = await start({ HUBGRAPH_TEST_CRASH_AT: kills[0]! });
      const connectorId = await createConnector(service, tenantId, hub, api);
      const { connectorRunNow } = await service.graphql<{ connectorRunNow: { run: { id: string } } }>(
        tenantId,
        `mutation($id: ID!) { connectorRunNow(input: { id: $id }) { run { id } } }`,
        { id: connectorId },
      );
      const runId = connectorRunNow.run.id;
      for (const [index, point] of kills.entries()) {
        const death = await Promise.race([
          service.exited,
          // A killed worker's run is handed on after its heartbeat lapses; a loaded CI machine is slow.
          new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 90_000)),
        ]);
        expect(death?.signal, `the run never reached ${point}:\n${service.output().slice(-3000)}`).toBe(
          'SIGKILL',
        );
        expect(service.output()).toContain(`killing pid ${service.child.pid} at ${point.split(':')[0]}`);
        const next = kills[index + 1];
        service = await start(next ? { HUBGRAPH_TEST_CRASH_AT: next } : {});
      }
      const status = await until('the last worker to finish the run', async () => {
        const current = await runStatus(service, tenantId, runId);
        return ['QUEUED', 'RUNNING'].includes(current.status) ? undefined : current;
      }).catch((error: Error) => {
        throw new Error(`${error.message}:\n${service.output().slice(-3000)}`);
      });
      expect(status.status, service.output().slice(-3000)).toBe('SUCCEEDED');
      // Attempt n was killed at KILLS[n]; the last one, killed after the run had ended, finished it.
      expect(status.attempt).toBe(kills.length - 1);
      const want = expected(hub);
      expect(want.size).toBeGreaterThan(500);
      const stored = await storedOver(service, tenantId);
      // Only the fields the case states are compared.
      const fields = Object.keys(want.values().next().value!) as (keyof StoredFindingView)[];
      const comparable = new Map(
        [...stored].map(([key, view]) => [
          key,
          Object.fromEntries(fields.map((field) => [field, view[field]])),
        ]),
      );
      expect(comparable).toEqual(want);
      await service.stop();
    }, 1_200_000);
  },
);
