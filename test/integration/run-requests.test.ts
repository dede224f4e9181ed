import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createConnector, setConnectorEnabled } from '../../src/connectors/service.ts';
import { type TenantContext, tenantContext } from '../../src/context.ts';
import type { Database } from '../../src/db/client.ts';
import { events } from '../../src/db/schema.ts';
import { connectorInputFor, type EmulatorAddress } from '../../src/emulator/connector.ts';
import { toGlobalId } from '../../src/global-id.ts';
import { cancelConnectorRun, runConnectorNow } from '../../src/sync/service.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { FAST_JOBS } from '../support/sync.ts';

// Asking for a run and cancelling it, as a tenant does through connectorRunNow/connectorRunCancel.
// The job engine runs as on an API replica (it queues, no worker takes the jobs), so a queued run
// stays queued and the rules around it can be checked. Each test works in a tenant of its own.

let database: Database;
let app: App;

beforeAll(async () => {
  database = await openTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS: 'true',
    HUBGRAPH_ENDPOINT_ALLOWLIST: '127.0.0.0/8',
  });
  app = await createApp(config, {
    database,
    jobs: 'api',
    jobSettings: { ...FAST_JOBS, queue: `connector-run-${randomUUID().slice(0, 8)}` },
  });
});

afterAll(async () => {
  await app?.close();
  await database?.close();
});

// A connector needs an address; nothing is ever sent to it here.
const emulatorAddress: EmulatorAddress = {
  endpoint: 'http://127.0.0.1:9',
  regions: ['us-east-1'],
  baseCredentials: {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    arn: 'arn:aws:iam::100000000001:user/hubgraph',
  },
};

async function tenantWithConnector(name = 'Production') {
  const ctx = tenantContext(app, await newTenant(database, 'runs'));
  const payload = await createConnector(
    ctx,
    connectorInputFor(emulatorAddress, 'arn:aws:iam::111122223333:role/HubgraphReader', { name }),
  );
  expect(payload.userErrors).toEqual([]);
  return { ctx, connector: payload.connector! };
}

async function runEvents(ctx: TenantContext, runId: string) {
  const rows = await database.db
    .select()
    .from(events)
    .where(and(eq(events.tenantId, ctx.tenantId), eq(events.topic, 'run'), eq(events.entityId, runId)))
    .orderBy(asc(events.id));
  return rows.map((row) => row.payload.status);
}

describe('runConnectorNow', () => {
  it('queues one run, and answers a second request with the run already queued', async () => {
    const { ctx, connector } = await tenantWithConnector();
    const first = await runConnectorNow(ctx, { id: connector.id, mode: 'FULL' });
    expect(first.userErrors).toEqual([]);
    expect(first.run).toMatchObject({ status: 'QUEUED', trigger: 'MANUAL', requestedMode: 'FULL' });

    const second = await runConnectorNow(ctx, { id: connector.id });
    expect(second.run!.id).toBe(first.run!.id);
    expect(second.userErrors).toEqual([
      {
        field: ['input', 'id'],
        message: `Connector "Production" has a run queued (${toGlobalId('ConnectorRun', first.run!.id)}); follow it with connectorRunProgress, or cancel it with connectorRunCancel.`,
        code: 'IN_PROGRESS',
      },
    ]);
    expect(await runEvents(ctx, first.run!.id)).toEqual(['QUEUED']);
  });

  it('refuses an unknown connector and a disabled one', async () => {
    const { ctx, connector } = await tenantWithConnector('Staging');
    const id = randomUUID();
    expect(await runConnectorNow(ctx, { id })).toEqual({
      run: null,
      userErrors: [
        { field: ['input', 'id'], message: `No connector has the id "${id}".`, code: 'NOT_FOUND' },
      ],
    });
    await setConnectorEnabled(ctx, { id: connector.id, enabled: false });
    expect(await runConnectorNow(ctx, { id: connector.id })).toEqual({
      run: null,
      userErrors: [
        {
          field: ['input', 'id'],
          message: 'Connector "Staging" is disabled; enable it with connectorSetEnabled first.',
          code: 'NOT_ALLOWED',
        },
      ],
    });
  });
});

describe('cancelConnectorRun', () => {
  it('needs exactly one of a run id and a connector id', async () => {
    const { ctx, connector } = await tenantWithConnector();
    const invalid = {
      run: null,
      userErrors: [{ field: ['input'], message: 'Give either `runId` or `connectorId`.', code: 'INVALID' }],
    };
    expect(await cancelConnectorRun(ctx, {})).toEqual(invalid);
    expect(await cancelConnectorRun(ctx, { runId: randomUUID(), connectorId: connector.id })).toEqual(
      invalid,
    );
  });

  it('says when there is nothing to cancel', async () => {
    const { ctx, connector } = await tenantWithConnector();
    const runId = randomUUID();
    expect(await cancelConnectorRun(ctx, { runId })).toEqual({
      run: null,
      userErrors: [
        { field: ['input', 'runId'], message: `No run has the id "${runId}".`, code: 'NOT_FOUND' },
      ],
    });
    expect(await cancelConnectorRun(ctx, { connectorId: connector.id })).toEqual({
      run: null,
      userErrors: [
        {
          field: ['input', 'connectorId'],
          message: `Connector "${connector.id}" has no run queued or in progress.`,
          code: 'NOT_FOUND',
        },
      ],
    });
  });

  it('ends a run that never started at once, and refuses to cancel it twice', async () => {
    const { ctx, connector } = await tenantWithConnector();
    const { run } = await runConnectorNow(ctx, { id: connector.id });
    const cancelled = await cancelConnectorRun(ctx, { connectorId: connector.id });
    expect(cancelled.userErrors).toEqual([]);
    expect(cancelled.run).toMatchObject({ id: run!.id, status: 'CANCELLED' });
    expect(cancelled.run!.finishedAt).toBeInstanceOf(Date);
    expect(await runEvents(ctx, run!.id)).toEqual(['QUEUED', 'CANCELLED']);

    expect(await cancelConnectorRun(ctx, { runId: run!.id })).toEqual({
      run: expect.objectContaining({ id: run!.id, status: 'CANCELLED' }),
      userErrors: [
        { field: ['input', 'runId'], message: 'The run already ended (CANCELLED).', code: 'NOT_ALLOWED' },
      ],
    });
    // With the run ended, a new one may be queued.
    expect((await runConnectorNow(ctx, { id: connector.id })).userErrors).toEqual([]);
  });

  it('cancels the queued run of a connector that is disabled', async () => {
    const { ctx, connector } = await tenantWithConnector();
    const { run } = await runConnectorNow(ctx, { id: connector.id });
    await setConnectorEnabled(ctx, { id: connector.id, enabled: false });
    expect(await runEvents(ctx, run!.id)).toEqual(['QUEUED', 'CANCELLED']);
  });

  it("does not find another tenant's run", async () => {
    const owner = await tenantWithConnector();
    const { run } = await runConnectorNow(owner.ctx, { id: owner.connector.id });
    const stranger = await tenantWithConnector();
    expect((await cancelConnectorRun(stranger.ctx, { runId: run!.id })).userErrors[0]!.code).toBe(
      'NOT_FOUND',
    );
  });
});
