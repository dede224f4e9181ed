import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createConnector, regenerateExternalId, testConnector } from '../../src/connectors/service.ts';
import { type TenantContext, tenantContext } from '../../src/context.ts';
import type { Database } from '../../src/db/client.ts';
import { applyPermissionsPolicy, applyTrustPolicy, connectorInputFor } from '../../src/emulator/connector.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { ConnectorInput } from '../../src/generated/graphql.ts';
import { PREPARED_CONNECTOR_TTL_DAYS } from '../../src/onboarding/prepared.ts';
import {
  awsSetupOfConnector,
  awsSetupOfPrepared,
  MAX_PREPARED_CONNECTORS,
  prepareConnector,
  preparedConnectorById,
  regeneratePreparedExternalId,
} from '../../src/onboarding/service.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { anAccountOfItsOwn } from '../support/emulator.ts';

// The external ID's life: issued once by connectorPrepare, the same in every draft test and in the
// connector created from it, changed only when asked — and the IAM set-up generated from it is what
// the emulator's IAM accepts. Hubgraph's own identity (the default chain) is the emulator's base user.

let database: Database;
let emulator: RunningEmulator;
let app: App;
const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  database = await openTestDatabase();
  emulator = await startEmulator({
    findings: 10,
    accounts: 1,
    regions: ['us-east-1'],
    quotas: false,
    seed: 53,
  });
  process.env.AWS_ACCESS_KEY_ID = emulator.baseCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = emulator.baseCredentials.secretAccessKey;
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
  for (const [key, value] of [
    ['AWS_ACCESS_KEY_ID', savedEnv.id],
    ['AWS_SECRET_ACCESS_KEY', savedEnv.secret],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

async function newContext(): Promise<TenantContext> {
  return tenantContext(app, await newTenant(database, 'onboarding'));
}

/** The same tenant, some time later. */
const later = (ctx: TenantContext, days: number): TenantContext => ({
  ...ctx,
  clock: { now: () => new Date(emulator.emulator.clock.now().getTime() + days * 86_400_000) },
});

async function prepared(ctx: TenantContext, writeBackEnabled = false) {
  const payload = await prepareConnector(ctx, {
    regions: ['us-east-1'],
    endpointOverride: emulator.endpoint,
    writeBackEnabled,
  });
  expect(payload.userErrors).toEqual([]);
  return payload.preparedConnector!;
}

/** A connector-to-be that assumes the role with Hubgraph's own identity, as awsSetup assumes. */
const draftFor = (
  roleArn: string,
  preparedId: string,
  overrides: Partial<ConnectorInput> = {},
): ConnectorInput =>
  connectorInputFor(emulator, roleArn, {
    auth: { mode: 'ASSUME_ROLE', roleArn },
    preparedId,
    ...overrides,
  });

const authorization = (result: Awaited<ReturnType<typeof testConnector>>['result']) =>
  result!.checks.find((check) => check.name === 'AUTHORIZATION_SCOPE')!;

describe('a prepared connector', () => {
  it("issues an external ID once and names Hubgraph's principal from STS in its IAM set-up", async () => {
    const ctx = await newContext();
    const connector = await prepared(ctx);
    expect(connector.externalId).toMatch(/^hg-[A-Za-z0-9_-]{32,}$/);
    expect(connector.expiresAt.getTime() - connector.createdAt.getTime()).toBe(
      PREPARED_CONNECTOR_TTL_DAYS * 86_400_000,
    );
    const setup = await awsSetupOfPrepared(ctx, connector);
    expect(setup).toMatchObject({
      principal: emulator.baseCredentials.arn,
      principalProblem: null,
      externalId: connector.externalId,
      roleName: 'HubgraphSecurityHub',
      partition: 'aws',
    });
    expect(await preparedConnectorById(ctx, connector.id)).toEqual(connector);
  });

  it('is tested as a draft with the same external ID every time, and the emulator configured from awsSetup lets it in', async () => {
    const ctx = await newContext();
    const connector = await prepared(ctx);
    const role = await anAccountOfItsOwn(emulator);
    const setup = await awsSetupOfPrepared(ctx, connector);
    // Before the account owner applies the set-up, the fix names the prepared external ID.
    const before = await testConnector(ctx, { draft: draftFor(role.arn, connector.id) });
    expect(authorization(before.result).status).toBe('FAILED');
    expect(authorization(before.result).remediation).toContain(`"sts:ExternalId":"${connector.externalId}"`);

    await applyTrustPolicy(emulator, role.arn, setup.trustPolicy);
    await applyPermissionsPolicy(emulator, role.arn, setup.permissionsPolicy);
    for (let attempt = 0; attempt < 2; attempt++) {
      const { result, userErrors } = await testConnector(ctx, { draft: draftFor(role.arn, connector.id) });
      expect(userErrors).toEqual([]);
      expect(result!.passed).toBe(true);
    }
    expect((await preparedConnectorById(ctx, connector.id))!.externalId).toBe(connector.externalId);
  });

  it("with containment, its awsSetup lets in exactly what a containment connector's test checks", async () => {
    const ctx = await newContext();
    const payload = await prepareConnector(ctx, {
      regions: ['us-east-1'],
      endpointOverride: emulator.endpoint,
      containmentEnabled: true,
    });
    const connector = payload.preparedConnector!;
    expect(connector.containmentEnabled).toBe(true);
    const setup = await awsSetupOfPrepared(ctx, connector);
    expect(setup.actions.filter((use) => use.containment).map((use) => use.action)).toContain(
      'ec2:CreateNetworkAclEntry',
    );
    const role = await anAccountOfItsOwn(emulator);
    await applyTrustPolicy(emulator, role.arn, setup.trustPolicy);
    const draft = draftFor(role.arn, connector.id, { containmentEnabled: true });
    // The read-only policy leaves out EC2: the test names what is missing.
    await applyPermissionsPolicy(
      emulator,
      role.arn,
      (await awsSetupOfPrepared(ctx, { ...connector, containmentEnabled: false })).permissionsPolicy,
    );
    const missing = authorization((await testConnector(ctx, { draft })).result);
    expect(missing.status).toBe('FAILED');
    expect(missing.message).toContain('ec2:DescribeVpcs');
    await applyPermissionsPolicy(emulator, role.arn, setup.permissionsPolicy);
    const { result } = await testConnector(ctx, { draft });
    expect(result!.passed).toBe(true);
    expect(authorization(result).message).toContain('the EC2 actions of containment');
  });

  it('gives the connector created from it its external ID, once', async () => {
    const ctx = await newContext();
    const connector = await prepared(ctx);
    const role = await anAccountOfItsOwn(emulator);
    await applyTrustPolicy(emulator, role.arn, (await awsSetupOfPrepared(ctx, connector)).trustPolicy);

    const created = await createConnector(ctx, draftFor(role.arn, connector.id));
    expect(created.userErrors).toEqual([]);
    expect(created.connector!.externalId).toBe(connector.externalId);
    expect((await testConnector(ctx, { id: created.connector!.id })).result!.passed).toBe(true);
    expect((await awsSetupOfConnector(ctx, created.connector!)).trustPolicy).toEqual(
      (await awsSetupOfPrepared(ctx, connector)).trustPolicy,
    );

    // Consumed: no second connector shares it, and a draft can no longer use it.
    expect(await preparedConnectorById(ctx, connector.id)).toBeNull();
    const again = await createConnector(ctx, draftFor(role.arn, connector.id, { name: 'another' }));
    expect(again.connector).toBeNull();
    expect(again.userErrors).toEqual([
      {
        field: ['input', 'preparedId'],
        message: expect.stringMatching(/connectorPrepare/),
        code: 'NOT_FOUND',
      },
    ]);
  });

  it('regenerates its external ID only when asked, saying the trust policy must change', async () => {
    const ctx = await newContext();
    const connector = await prepared(ctx);
    const role = await anAccountOfItsOwn(emulator);
    await applyTrustPolicy(emulator, role.arn, (await awsSetupOfPrepared(ctx, connector)).trustPolicy);

    const { preparedConnector, externalIdChange, userErrors } = await regeneratePreparedExternalId(ctx, {
      id: connector.id,
    });
    expect(userErrors).toEqual([]);
    expect(preparedConnector!.externalId).not.toBe(connector.externalId);
    expect(externalIdChange).toEqual({
      previousExternalId: connector.externalId,
      externalId: preparedConnector!.externalId,
      message: expect.stringMatching(/trust policy requires sts:ExternalId/),
    });
    const stale = await testConnector(ctx, { draft: draftFor(role.arn, connector.id) });
    expect(authorization(stale.result).status).toBe('FAILED');
    await applyTrustPolicy(
      emulator,
      role.arn,
      (await awsSetupOfPrepared(ctx, preparedConnector!)).trustPolicy,
    );
    expect((await testConnector(ctx, { draft: draftFor(role.arn, connector.id) })).result!.passed).toBe(true);
  });

  it("answers no other tenant's use of its id", async () => {
    const owner = await newContext();
    const connector = await prepared(owner);
    const stranger = await newContext();
    const field = (path: string[]) => [
      { field: path, message: expect.stringMatching(/No prepared connector/), code: 'NOT_FOUND' },
    ];
    expect(await preparedConnectorById(stranger, connector.id)).toBeNull();
    expect(
      (await testConnector(stranger, { draft: draftFor(emulator.roles[0]!.arn, connector.id) })).userErrors,
    ).toEqual(field(['input', 'draft', 'preparedId']));
    expect(
      (await createConnector(stranger, draftFor(emulator.roles[0]!.arn, connector.id))).userErrors,
    ).toEqual(field(['input', 'preparedId']));
    expect((await regeneratePreparedExternalId(stranger, { id: connector.id })).userErrors).toEqual(
      field(['input', 'id']),
    );
    expect(await preparedConnectorById(owner, connector.id)).toEqual(connector);
  });

  it('expires when unused, and each draft test extends it', async () => {
    const ctx = await newContext();
    const connector = await prepared(ctx);
    const role = emulator.roles[0]!.arn;
    const days = PREPARED_CONNECTOR_TTL_DAYS;
    // Used on the last day: alive for another full period from then.
    expect(
      (await testConnector(later(ctx, days - 1), { draft: draftFor(role, connector.id) })).userErrors,
    ).toEqual([]);
    expect(await preparedConnectorById(later(ctx, 2 * days - 2), connector.id)).not.toBeNull();
    expect(await preparedConnectorById(later(ctx, 2 * days), connector.id)).toBeNull();
    const expired = await createConnector(later(ctx, 2 * days), draftFor(role, connector.id));
    expect(expired.userErrors[0]).toMatchObject({ field: ['input', 'preparedId'], code: 'NOT_FOUND' });
    // A later prepare clears what expired.
    await prepared(later(ctx, 2 * days));
    const rows = await database.db.query.preparedConnectors.findMany({
      where: (table, { eq }) => eq(table.tenantId, ctx.tenantId),
    });
    expect(rows.map((row) => row.id)).not.toContain(connector.id);
  });

  it('reports every invalid setting at once, and bounds how many a tenant keeps', async () => {
    const ctx = await newContext();
    const { userErrors } = await prepareConnector(ctx, {
      regions: ['us-east-1', 'cn-north-1', 'mars-1'],
      endpointOverride: 'ftp://example.com/path',
      roleName: 'no spaces allowed',
      sessionDurationSeconds: 60,
    });
    expect(userErrors.map((error) => [error.field.join('.'), error.code])).toEqual([
      ['input.regions.2', 'INVALID'],
      ['input.regions', 'INVALID'],
      ['input.endpointOverride', 'INVALID'],
      ['input.roleName', 'INVALID'],
      ['input.sessionDurationSeconds', 'OUT_OF_RANGE'],
    ]);
    for (let i = 0; i < MAX_PREPARED_CONNECTORS; i++) await prepared(ctx);
    const over = await prepareConnector(ctx, { regions: ['us-east-1'] });
    expect(over.userErrors).toEqual([
      {
        field: ['input'],
        message: expect.stringMatching(/connectorCreate with preparedId/),
        code: 'OUT_OF_RANGE',
      },
    ]);
  });

  it('refuses a draft that assumes a role without one, and lets a draft that does not go without', async () => {
    const ctx = await newContext();
    const role = emulator.roles[0]!.arn;
    const refused = await testConnector(ctx, { draft: connectorInputFor(emulator, role) });
    expect(refused).toEqual({
      result: null,
      userErrors: [
        {
          field: ['input', 'draft', 'preparedId'],
          message: expect.stringMatching(/connectorPrepare/),
          code: 'REQUIRED',
        },
      ],
    });
    const keys = await testConnector(ctx, {
      draft: connectorInputFor(emulator, role, {
        auth: {
          mode: 'ACCESS_KEY',
          accessKeyId: emulator.baseCredentials.accessKeyId,
          secretAccessKey: emulator.baseCredentials.secretAccessKey,
        },
      }),
    });
    expect(keys.userErrors).toEqual([]);
  });
});

describe("a saved connector's AWS set-up", () => {
  it("names the access key's identity when the role is assumed with one, and write-back when it is on", async () => {
    const ctx = await newContext();
    const { connector } = await createConnector(
      ctx,
      connectorInputFor(emulator, emulator.roles[0]!.arn, { writeBackEnabled: true }),
    );
    const setup = await awsSetupOfConnector(ctx, connector!);
    expect(setup).toMatchObject({
      principal: emulator.baseCredentials.arn,
      roleName: 'HubgraphSecurityHubReadOnly',
      roleArn: emulator.roles[0]!.arn,
      externalId: connector!.externalId,
    });
    expect(setup.actions.map((use) => use.action)).toContain('securityhub:BatchUpdateFindings');
  });

  it('lists the import actions when export is on, for the saved and the prepared connector alike', async () => {
    const ctx = await newContext();
    const importActions = ['securityhub:BatchImportFindings', 'securityhub:ListEnabledProductsForImport'];
    const exportActions = (setup: Awaited<ReturnType<typeof awsSetupOfConnector>>) =>
      setup.actions.filter((use) => use.export).map((use) => use.action);
    const { connector } = await createConnector(
      ctx,
      connectorInputFor(emulator, emulator.roles[0]!.arn, { exportEnabled: true }),
    );
    expect(exportActions(await awsSetupOfConnector(ctx, connector!))).toEqual(importActions);
    const { connector: without } = await createConnector(
      ctx,
      connectorInputFor(emulator, emulator.roles[0]!.arn),
    );
    expect(exportActions(await awsSetupOfConnector(ctx, without!))).toEqual([]);
    const draft = await prepareConnector(ctx, {
      regions: ['us-east-1'],
      endpointOverride: emulator.endpoint,
      exportEnabled: true,
    });
    expect(draft.preparedConnector!.exportEnabled).toBe(true);
    expect(exportActions(await awsSetupOfPrepared(ctx, draft.preparedConnector!))).toEqual(importActions);
  });

  it('says why the principal is unknown when STS refuses the credentials, and still gives the templates', async () => {
    const ctx = await newContext();
    const { connector } = await createConnector(
      ctx,
      connectorInputFor(emulator, emulator.roles[0]!.arn, {
        auth: {
          mode: 'ASSUME_ROLE',
          sourceMode: 'ACCESS_KEY',
          accessKeyId: 'AKIAUNKNOWNKEY123456',
          secretAccessKey: 'x'.repeat(40),
          roleArn: emulator.roles[0]!.arn,
        },
      }),
    );
    const setup = await awsSetupOfConnector(ctx, connector!);
    expect(setup).toMatchObject({ principal: null, trustPolicy: null, cliCommands: null });
    expect(setup.principalProblem).toMatch(/GetCallerIdentity: InvalidClientTokenId/);
    expect(setup.principalProblem).not.toContain('x'.repeat(40));
    expect(setup.cloudFormationTemplate).toHaveProperty('Parameters.HubgraphPrincipal');
  });

  it('regenerating its external ID says the trust policy must change', async () => {
    const ctx = await newContext();
    const { connector } = await createConnector(ctx, connectorInputFor(emulator, emulator.roles[0]!.arn));
    const { externalIdChange } = await regenerateExternalId(ctx, { id: connector!.id });
    expect(externalIdChange).toMatchObject({ previousExternalId: connector!.externalId });
    expect(externalIdChange!.message).toContain(emulator.roles[0]!.arn);
    expect(externalIdChange!.message).toContain(externalIdChange!.externalId);
  });

  it('is unknown for an unknown id', async () => {
    expect(await preparedConnectorById(await newContext(), randomUUID())).toBeNull();
  });
});
