import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import {
  connectorById,
  createConnector,
  deleteConnector,
  regenerateExternalId,
  setConnectorEnabled,
  testConnector,
  updateConnector,
} from '../../src/connectors/service.ts';
import { type TenantContext, tenantContext } from '../../src/context.ts';
import type { Database } from '../../src/db/client.ts';
import { events } from '../../src/db/schema.ts';
import { connectorInputFor, trustHubgraph } from '../../src/emulator/connector.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { ConnectorInput } from '../../src/generated/graphql.ts';
import { prepareConnector } from '../../src/onboarding/service.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';

// The connector service called in process, as a resolver, a script or the worker calls it: the
// lifecycle rules users meet (what is validated, what state a connector is left in, what is kept).
// Each test works in a tenant of its own.

let database: Database;
let emulator: RunningEmulator;
let app: App;

beforeAll(async () => {
  database = await openTestDatabase();
  emulator = await startEmulator({
    findings: 10,
    accounts: 1,
    regions: ['us-east-1'],
    quotas: false,
    seed: 41,
  });
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS: 'true',
    HUBGRAPH_ENDPOINT_ALLOWLIST: '127.0.0.0/8',
  });
  app = await createApp(config, {
    database,
    clock: { now: () => emulator.emulator.clock.now() },
    jobs: false,
  });
});

afterAll(async () => {
  await app?.close();
  await emulator?.close();
  await database?.close();
});

async function newContext(): Promise<TenantContext> {
  return tenantContext(app, await newTenant(database, 'connectors'));
}

const role = () => emulator.roles[0]!;

/** An hour from the service's now: a schedule starting then makes the connector SCHEDULED, not due. */
const inAnHour = () => new Date(emulator.emulator.clock.now().getTime() + 3_600_000);

async function created(ctx: TenantContext, overrides: Partial<ConnectorInput> = {}) {
  const payload = await createConnector(ctx, connectorInputFor(emulator, role().arn, overrides));
  expect(payload.userErrors).toEqual([]);
  return payload.connector!;
}

async function connectorEvents(ctx: TenantContext, connectorId: string) {
  const rows = await database.db
    .select()
    .from(events)
    .where(
      and(eq(events.tenantId, ctx.tenantId), eq(events.topic, 'connector'), eq(events.entityId, connectorId)),
    )
    .orderBy(asc(events.id));
  return rows.map((row) => [row.type, row.payload.previousState, row.payload.state]);
}

describe('testConnector input', () => {
  it('needs exactly one of a saved connector id and a draft', async () => {
    const ctx = await newContext();
    const expected = {
      result: null,
      userErrors: [
        {
          field: ['input'],
          message: 'Give either `id` (a saved connector) or `draft` (one not saved yet).',
          code: 'INVALID',
        },
      ],
    };
    expect(await testConnector(ctx, {})).toEqual(expected);
    const connector = await created(ctx);
    expect(
      await testConnector(ctx, { id: connector.id, draft: connectorInputFor(emulator, role().arn) }),
    ).toEqual(expected);
  });

  it('refuses a test id that is not a UUID', async () => {
    const ctx = await newContext();
    const connector = await created(ctx);
    expect(await testConnector(ctx, { id: connector.id, testId: 'test-1' })).toEqual({
      result: null,
      userErrors: [
        {
          field: ['input', 'testId'],
          message: 'A test id is a UUID you choose, e.g. from crypto.randomUUID().',
          code: 'INVALID',
        },
      ],
    });
  });

  it("reports a draft's errors under input.draft, and an unknown connector id as NOT_FOUND", async () => {
    const ctx = await newContext();
    const { preparedConnector } = await prepareConnector(ctx, { regions: ['us-east-1'] });
    const draft = await testConnector(ctx, {
      draft: connectorInputFor(emulator, role().arn, {
        transformMapId: 'no-such-map',
        preparedId: preparedConnector!.id,
      }),
    });
    expect(draft.result).toBeNull();
    expect(draft.userErrors).toEqual([
      {
        field: ['input', 'draft', 'transformMapId'],
        message: 'No transform map has the id "no-such-map"; list them with the transformMaps query.',
        code: 'NOT_FOUND',
      },
    ]);
    const id = randomUUID();
    expect(await testConnector(ctx, { id })).toEqual({
      result: null,
      userErrors: [
        { field: ['input', 'id'], message: `No connector has the id "${id}".`, code: 'NOT_FOUND' },
      ],
    });
  });
});

describe('testing a saved connector', () => {
  it('puts a failing connector in FAILED with the fix in lastError, and takes it out once the test passes', async () => {
    const ctx = await newContext();
    const connector = await created(ctx);
    expect(connector.state).toBe('REGISTERED');

    // The role does not trust this connector's external id yet.
    const failing = await testConnector(ctx, { id: connector.id, testId: randomUUID() });
    expect(failing.result!.passed).toBe(false);
    const afterFailure = await connectorById(ctx, connector.id);
    expect(afterFailure!.state).toBe('FAILED');
    expect(afterFailure!.lastError).toMatch(
      new RegExp(
        `^AUTHORIZATION_SCOPE: .+ cannot assume ${role().arn}: .+ Fix: The trust policy of ${role().arn} must trust `,
      ),
    );

    await trustHubgraph(emulator, role().arn, connector.externalId);
    const passing = await testConnector(ctx, { id: connector.id });
    expect(passing.result!.passed).toBe(true);
    const afterPass = await connectorById(ctx, connector.id);
    expect(afterPass).toMatchObject({ state: 'REGISTERED', lastError: null, baseAccountId: '100000000001' });
    expect(await connectorEvents(ctx, connector.id)).toEqual([
      ['STATE_CHANGED', null, 'REGISTERED'],
      ['STATE_CHANGED', 'REGISTERED', 'FAILED'],
      ['STATE_CHANGED', 'FAILED', 'REGISTERED'],
    ]);
  });
});

describe('updateConnector', () => {
  it('keeps the stored secret when the key id stays, and asks for the secret when the key id changes', async () => {
    const ctx = await newContext();
    const connector = await created(ctx);
    const sameKey = await updateConnector(ctx, {
      id: connector.id,
      auth: {
        mode: 'ASSUME_ROLE',
        sourceMode: 'ACCESS_KEY',
        accessKeyId: emulator.baseCredentials.accessKeyId,
        roleArn: role().arn,
      },
    });
    expect(sameKey.userErrors).toEqual([]);

    const newKey = await updateConnector(ctx, {
      id: connector.id,
      auth: {
        mode: 'ASSUME_ROLE',
        sourceMode: 'ACCESS_KEY',
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        roleArn: role().arn,
      },
    });
    expect(newKey.connector).toBeNull();
    expect(newKey.userErrors).toEqual([
      expect.objectContaining({
        field: ['input', 'auth', 'secretAccessKey'],
        message: 'The secret access key is required with an access key.',
        code: 'REQUIRED',
      }),
    ]);
  });

  it('moves a connector between SCHEDULED and REGISTERED as its schedule is set and cleared', async () => {
    const ctx = await newContext();
    const connector = await created(ctx);
    const scheduled = await updateConnector(ctx, {
      id: connector.id,
      schedule: { kind: 'RECURRING', intervalMinutes: 60, startAt: inAnHour() },
    });
    expect(scheduled.connector!.state).toBe('SCHEDULED');
    expect(scheduled.connector!.nextRunAt!.getTime()).toBeGreaterThan(
      emulator.emulator.clock.now().getTime(),
    );
    const cleared = await updateConnector(ctx, { id: connector.id, clearSchedule: true });
    expect(cleared.connector).toMatchObject({ state: 'REGISTERED', nextRunAt: null, schedule: null });
    expect(await connectorEvents(ctx, connector.id)).toEqual([
      ['STATE_CHANGED', null, 'REGISTERED'],
      ['STATE_CHANGED', 'REGISTERED', 'SCHEDULED'],
      ['STATE_CHANGED', 'SCHEDULED', 'REGISTERED'],
    ]);
  });

  it('keeps a disabled connector DISABLED whatever else changes', async () => {
    const ctx = await newContext();
    const connector = await created(ctx);
    await setConnectorEnabled(ctx, { id: connector.id, enabled: false });
    const updated = await updateConnector(ctx, {
      id: connector.id,
      description: 'paused for the audit',
      schedule: { kind: 'RECURRING', intervalMinutes: 30 },
    });
    expect(updated.connector).toMatchObject({
      state: 'DISABLED',
      enabled: false,
      description: 'paused for the audit',
    });
  });

  it('refuses a name another connector of the tenant has', async () => {
    const ctx = await newContext();
    await created(ctx, { name: 'Production' });
    const other = await created(ctx, { name: 'Staging' });
    const renamed = await updateConnector(ctx, { id: other.id, name: 'production' });
    expect(renamed.userErrors).toEqual([
      {
        field: ['input', 'name'],
        message: 'A connector named "production" exists already; choose another name.',
        code: 'DUPLICATE',
      },
    ]);
    // Its own name is not a clash.
    expect((await updateConnector(ctx, { id: other.id, name: 'Staging' })).userErrors).toEqual([]);
  });
});

describe('the other lifecycle calls', () => {
  it('answers an unknown id with NOT_FOUND on every call', async () => {
    const ctx = await newContext();
    const id = randomUUID();
    const notFound = [
      { field: ['input', 'id'], message: `No connector has the id "${id}".`, code: 'NOT_FOUND' },
    ];
    expect(await updateConnector(ctx, { id, description: 'x' })).toEqual({
      connector: null,
      userErrors: notFound,
    });
    expect(await setConnectorEnabled(ctx, { id, enabled: false })).toEqual({
      connector: null,
      userErrors: notFound,
    });
    expect(await regenerateExternalId(ctx, { id })).toEqual({
      connector: null,
      externalIdChange: null,
      userErrors: notFound,
    });
    expect(await deleteConnector(ctx, { id, purge: true })).toEqual({
      deletedId: null,
      purgedFindings: 0,
      purgedAssets: 0,
      userErrors: notFound,
    });
  });

  it("does not let another tenant's connector be found", async () => {
    const owner = await newContext();
    const connector = await created(owner);
    const stranger = await newContext();
    expect((await regenerateExternalId(stranger, { id: connector.id })).userErrors[0]!.code).toBe(
      'NOT_FOUND',
    );
  });

  it('regenerates a fresh external id of at least 32 characters', async () => {
    const ctx = await newContext();
    const connector = await created(ctx);
    const { connector: regenerated } = await regenerateExternalId(ctx, { id: connector.id });
    expect(regenerated!.externalId).not.toBe(connector.externalId);
    expect(regenerated!.externalId).toMatch(/^hg-[A-Za-z0-9_-]{32,}$/);
  });

  it('disables and re-enables a connector, back to the state its schedule implies', async () => {
    const ctx = await newContext();
    const connector = await created(ctx, {
      schedule: { kind: 'RECURRING', intervalMinutes: 15, startAt: inAnHour() },
    });
    expect(connector.state).toBe('SCHEDULED');
    const disabled = await setConnectorEnabled(ctx, { id: connector.id, enabled: false });
    expect(disabled.connector).toMatchObject({ enabled: false, state: 'DISABLED' });
    const enabled = await setConnectorEnabled(ctx, { id: connector.id, enabled: true });
    expect(enabled.connector).toMatchObject({ enabled: true, state: 'SCHEDULED' });
  });

  it('deletes a connector and records a DELETED event', async () => {
    const ctx = await newContext();
    const connector = await created(ctx);
    expect(await deleteConnector(ctx, { id: connector.id, purge: false })).toEqual({
      deletedId: connector.id,
      purgedFindings: 0,
      purgedAssets: 0,
      userErrors: [],
    });
    expect((await connectorEvents(ctx, connector.id)).at(-1)).toEqual([
      'DELETED',
      'REGISTERED',
      'REGISTERED',
    ]);
    expect((await setConnectorEnabled(ctx, { id: connector.id, enabled: true })).userErrors[0]!.code).toBe(
      'NOT_FOUND',
    );
  });
});
