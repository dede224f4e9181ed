import { createHash, randomUUID } from 'node:crypto';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { ConnectorModel } from '../../src/connectors/model.ts';
import { createConnector } from '../../src/connectors/service.ts';
import { type TenantContext, tenantContext } from '../../src/context.ts';
import type { Database } from '../../src/db/client.ts';
import { findings, type RunRow, type RunSliceRow } from '../../src/db/schema.ts';
import { connectorInputFor, trustHubgraph } from '../../src/emulator/connector.ts';
import type { OcsfDocument } from '../../src/emulator/generator/ocsf.ts';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { ConnectorInput } from '../../src/generated/graphql.ts';
import { cspmProductArn } from '../../src/mapping/ocsf/identity.ts';
import { DEFAULT_SYNC_SETTINGS, type SyncSettings } from '../../src/sync/engine.ts';
import type { RequestedMode } from '../../src/sync/model.ts';
import { type RunProgress, runProgress } from '../../src/sync/progress.ts';
import { runsByIds, slicesOfRun } from '../../src/sync/queries.ts';
import { runConnectorNow } from '../../src/sync/service.ts';
import { SyncWorker } from '../../src/sync/worker.ts';
import { newTenant, openTestDatabase } from './database.ts';
import { startTestServer, type TestServer } from './server.ts';
import { until } from './wait.ts';

// The sync engine as tests drive it: an emulator whose clock is the service's, the real job engine
// (a queue of the harness's own, so parallel test files never take each other's jobs), a worker,
// and a tenant of its own.

export interface SyncHarness {
  emulator: RunningEmulator;
  app: App;
  worker: SyncWorker;
  ctx: TenantContext;
  createConnector(
    overrides?: Partial<ConnectorInput>,
    roleIndex?: number,
    tenant?: TenantContext,
  ): Promise<ConnectorModel>;
  /** Queues a run and waits until it ends. */
  run(connectorId: string, mode?: RequestedMode): Promise<FinishedRun>;
  queue(connectorId: string, mode?: RequestedMode): Promise<string>;
  waitForRun(runId: string, timeoutMs?: number): Promise<FinishedRun>;
  /** What the database holds for the tenant (the harness's, or another), by identity. */
  stored(tenant?: TenantContext): Promise<Map<string, StoredFinding>>;
  /** What Security Hub (the emulator) holds for these accounts, by identity. */
  inSecurityHub(accountIds?: string[]): Map<string, AwsSecurityFinding>;
  /** What the new Security Hub holds for these accounts: OCSF documents by stored identity. */
  inSecurityHubV2(accountIds?: string[]): Map<string, OcsfDocument>;
  close(): Promise<void>;
}

export interface FinishedRun {
  run: RunRow;
  slices: RunSliceRow[];
  progress: RunProgress;
}

export interface StoredFinding {
  updatedAt: string;
  recordState: string;
  workflowStatus: string;
  rawHash: string;
  vanished: boolean;
  detectionScore: number;
}

export const FAST_JOBS = { pollingIntervalSeconds: 0.5, retryDelaySeconds: 0, monitorIntervalSeconds: 1 };

/** An in-process API server with a sync worker on a job queue of its own (stop the worker first). */
export async function startApiWithWorker(
  database: Database,
): Promise<{ api: TestServer; worker: SyncWorker }> {
  const api = await startTestServer(
    database,
    { HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS: 'true', HUBGRAPH_ENDPOINT_ALLOWLIST: '127.0.0.0/8' },
    { jobs: 'worker', jobSettings: { ...FAST_JOBS, queue: `connector-run-${randomUUID().slice(0, 8)}` } },
  );
  const worker = new SyncWorker(api.app, api.app.jobs!, { maintenanceIntervalMs: 1_000 });
  await worker.start();
  return { api, worker };
}

/**
 * A test file whose tests each start a harness of their own: one database for the file, and each
 * test's harness closed after the test, whatever it ended with.
 */
export function harnessPerTest(): {
  readonly database: Database;
  start(options?: Parameters<typeof startSyncHarness>[1]): Promise<SyncHarness>;
} {
  let database: Database | undefined;
  let current: SyncHarness | undefined;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  afterAll(async () => {
    await database?.close();
  });
  return {
    get database() {
      if (!database) throw new Error('the test database opens in beforeAll');
      return database;
    },
    async start(options) {
      current = await startSyncHarness(this.database, options);
      return current;
    },
  };
}

export async function startSyncHarness(
  database: Database,
  options: { emulator?: EmulatorOptions; settings?: Partial<SyncSettings>; concurrency?: number } = {},
): Promise<SyncHarness> {
  const emulator = await startEmulator({
    accounts: 1,
    regions: ['us-east-1', 'eu-west-1'],
    quotas: false,
    seed: 7,
    ...options.emulator,
  });
  const clock = { now: () => emulator.emulator.clock.now() };
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS: 'true',
    HUBGRAPH_ENDPOINT_ALLOWLIST: '127.0.0.0/8',
  });
  const app = await createApp(config, {
    database,
    clock,
    jobs: 'worker',
    jobSettings: { ...FAST_JOBS, queue: `connector-run-${randomUUID().slice(0, 8)}` },
  });
  const worker = new SyncWorker(app, app.jobs!, {
    concurrency: options.concurrency ?? 2,
    settings: { ...DEFAULT_SYNC_SETTINGS, ...options.settings },
    maintenanceIntervalMs: 1_000,
  });
  await worker.start();
  const ctx = tenantContext(app, await newTenant(database, 'sync'));

  const waitForRun = async (runId: string, timeoutMs = 60_000): Promise<FinishedRun> => {
    const run = await until(
      `run ${runId} to finish`,
      async () => {
        const [found] = await runsByIds(ctx.db, ctx.tenantId, [runId]);
        return found && found.status !== 'QUEUED' && found.status !== 'RUNNING' ? found : undefined;
      },
      { timeoutMs },
    );
    const slices = await slicesOfRun(ctx.db, run.id);
    return { run, slices, progress: runProgress(run, slices, clock.now()) };
  };
  const queue = async (connectorId: string, mode: RequestedMode = 'AUTO') => {
    const payload = await runConnectorNow(ctx, { id: connectorId, mode });
    if (!payload.run || payload.userErrors.length > 0) throw new Error(JSON.stringify(payload.userErrors));
    return payload.run.id;
  };

  return {
    emulator,
    app,
    worker,
    ctx,
    async createConnector(overrides = {}, roleIndex = 0, tenant = ctx) {
      const role = emulator.roles[roleIndex] ?? emulator.administrator!;
      const payload = await createConnector(
        tenant,
        connectorInputFor(emulator, role.arn, { regions: emulator.regions, ...overrides }),
      );
      if (!payload.connector) throw new Error(JSON.stringify(payload.userErrors));
      // As a user would: put Hubgraph's external id into the role's trust policy.
      await trustHubgraph(emulator, role.arn, payload.connector.externalId);
      return payload.connector;
    },
    queue,
    waitForRun,
    async run(connectorId, mode = 'AUTO') {
      return waitForRun(await queue(connectorId, mode));
    },
    async stored(tenant = ctx) {
      const rows = await tenant.db
        .select({
          productArn: findings.productArn,
          awsId: findings.awsId,
          awsUpdatedAt: findings.awsUpdatedAt,
          recordState: findings.recordState,
          workflowStatus: findings.workflowStatus,
          raw: findings.raw,
          vanishedAt: findings.vanishedAt,
          detectionScore: findings.detectionScore,
        })
        .from(findings)
        .where(eq(findings.tenantId, tenant.tenantId));
      return new Map(
        rows.map((row) => [
          `${row.productArn}|${row.awsId}`,
          {
            updatedAt: row.awsUpdatedAt.toISOString(),
            recordState: row.recordState,
            workflowStatus: row.workflowStatus,
            rawHash: hashJson(row.raw),
            vanished: row.vanishedAt !== null,
            detectionScore: row.detectionScore,
          },
        ]),
      );
    },
    inSecurityHub(accountIds = emulator.accounts) {
      const all = new Map<string, AwsSecurityFinding>();
      for (const hub of emulator.emulator.store.allHubs())
        if (hub.enabledAt && accountIds.includes(hub.accountId))
          for (const finding of hub.findings.values())
            all.set(`${finding.ProductArn}|${finding.Id}`, finding);
      return all;
    },
    inSecurityHubV2(accountIds = emulator.accounts) {
      const all = new Map<string, OcsfDocument>();
      for (const hub of emulator.emulator.store.allHubs())
        if (hub.v2EnabledAt && accountIds.includes(hub.accountId))
          for (const document of hub.ocsf.values())
            all.set(
              `${cspmProductArn(document.metadata.product.uid)}|${document.finding_info.uid}`,
              document,
            );
      return all;
    },
    async close() {
      await worker.stop(5_000);
      await app.close();
      await emulator.close();
    },
  };
}

/**
 * A connector created as a user creates one over the API (`connectorCreate`), with Hubgraph's
 * external id then put into the role's trust policy. Returns its id.
 */
export async function createConnectorOverApi(
  graphql: <T>(query: string, variables?: Record<string, unknown>) => Promise<T>,
  emulator: RunningEmulator,
  roleArn: string,
  overrides: Partial<ConnectorInput> = {},
): Promise<string> {
  const { connectorCreate } = await graphql<{
    connectorCreate: {
      connector: { id: string; auth: { externalId: string } } | null;
      userErrors: unknown[];
    };
  }>(
    `mutation($input: ConnectorInput!) { connectorCreate(input: $input) {
      connector { id auth { externalId } } userErrors { field message code } } }`,
    { input: connectorInputFor(emulator, roleArn, { regions: emulator.regions, ...overrides }) },
  );
  if (!connectorCreate.connector) throw new Error(JSON.stringify(connectorCreate.userErrors));
  await trustHubgraph(emulator, roleArn, connectorCreate.connector.auth.externalId);
  return connectorCreate.connector.id;
}

/** Security Hub's findings as the database should hold them (what a correct sync ends with). */
export function expectedFrom(findingsInHub: Map<string, AwsSecurityFinding>): Map<string, StoredFindingView> {
  return new Map(
    [...findingsInHub].map(([key, finding]) => [
      key,
      {
        updatedAt: new Date(finding.UpdatedAt!).toISOString(),
        recordState: finding.RecordState ?? 'ACTIVE',
        workflowStatus: finding.Workflow?.Status ?? 'NEW',
        // As AWS sent it: fields the SDK's model lacks (the generator's AwsEc2Instance.Platform,
        // which Inspector sends) included.
        rawHash: hashJson(finding),
      },
    ]),
  );
}

export type StoredFindingView = Pick<
  StoredFinding,
  'updatedAt' | 'recordState' | 'workflowStatus' | 'rawHash'
>;

/** The comparable part of what is stored. */
export function viewOf(stored: Map<string, StoredFinding>): Map<string, StoredFindingView> {
  return new Map(
    [...stored].map(([key, { updatedAt, recordState, workflowStatus, rawHash }]) => [
      key,
      { updatedAt, recordState, workflowStatus, rawHash },
    ]),
  );
}

/** JSON with sorted keys, hashed: jsonb does not keep key order. */
export function hashJson(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
