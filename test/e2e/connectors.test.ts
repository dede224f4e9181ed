import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Database } from '../../src/db/client.ts';
import { connectorSecrets } from '../../src/db/schema.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { anAccountOfItsOwn } from '../support/emulator.ts';
import { startTestServer, type TestServer, tokenFor } from '../support/server.ts';

let database: Database;
let emulator: RunningEmulator;
let api: TestServer;
let strict: TestServer;
let tenantId: string;
const MASTER_KEY = randomBytes(32).toString('base64');

beforeAll(async () => {
  database = await openTestDatabase();
  emulator = await startEmulator({
    tls: true,
    findings: 40,
    accounts: 2,
    regions: ['us-east-1', 'eu-west-1'],
    quotas: false,
    seed: 31,
  });
  api = await startTestServer(database, {
    HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS: 'true',
    HUBGRAPH_ENDPOINT_ALLOWLIST: '127.0.0.0/8',
    HUBGRAPH_AWS_CA_BUNDLE: emulator.caPemPath!,
    HUBGRAPH_MASTER_KEY: MASTER_KEY,
  });
  // The same service as deployed by default: AWS endpoints only, no extra CA.
  strict = await startTestServer(database, { HUBGRAPH_MASTER_KEY: MASTER_KEY });
});

// Each test its own tenant: its connectors, counts and events are no other test's.
beforeEach(async () => {
  tenantId = await newTenant(database);
});

afterAll(async () => {
  await api?.close();
  await strict?.close();
  await emulator?.close();
  await database?.close();
});

const CONNECTOR_FIELDS = /* GraphQL */ `
  id name state lastError regions endpointOverride
  auth { mode sourceMode accessKeyId roleArn externalId baseAccountId roleSessionName sessionDurationSeconds }
  scope { dataTypes severityLabels awsFilters }
  schedule { kind intervalMinutes cron startAt endAt }
  nextRunAt
  lastTest { testId passed checks { name status awsErrorCode httpStatus message remediation } regions { region securityHubEnabled findingAggregator } baseAccountId }
`;

interface ConnectorView {
  id: string;
  name: string;
  state: string;
  lastError: string | null;
  auth: {
    mode: string;
    accessKeyId: string | null;
    roleArn: string | null;
    externalId: string;
    baseAccountId: string | null;
    roleSessionName: string | null;
  };
  lastTest: TestResult | null;
  [key: string]: unknown;
}
interface TestResult {
  testId: string;
  passed: boolean;
  checks: {
    name: string;
    status: string;
    awsErrorCode: string | null;
    httpStatus: number | null;
    message: string;
    remediation: string | null;
  }[];
  regions: { region: string; securityHubEnabled: boolean | null; findingAggregator: boolean | null }[];
  baseAccountId: string | null;
}
interface UserError {
  field: string[];
  message: string;
  code: string;
}

function baseInput(overrides: Record<string, unknown> = {}) {
  return {
    name: `prod-${randomUUID().slice(0, 8)}`,
    regions: ['us-east-1'],
    endpointOverride: emulator.endpoint,
    auth: {
      mode: 'ASSUME_ROLE',
      sourceMode: 'ACCESS_KEY',
      accessKeyId: emulator.baseCredentials.accessKeyId,
      secretAccessKey: emulator.baseCredentials.secretAccessKey,
      roleArn: emulator.roles[0]!.arn,
    },
    ...overrides,
  };
}

/** A prepared connector's id: the external ID a draft that assumes a role is tested with. */
async function prepare(regions = ['us-east-1']): Promise<{ id: string; externalId: string }> {
  const response = await api.graphql<{
    connectorPrepare: { preparedConnector: { id: string; externalId: string }; userErrors: UserError[] };
  }>(
    `mutation($input: ConnectorPrepareInput!) { connectorPrepare(input: $input) {
        preparedConnector { id externalId } userErrors { field message code } } }`,
    { input: { regions, endpointOverride: emulator.endpoint } },
    { tenantId },
  );
  expect(response.data!.connectorPrepare.userErrors).toEqual([]);
  return response.data!.connectorPrepare.preparedConnector;
}

/** A draft that assumes a role, with the prepared connector whose external ID it is tested with. */
async function preparedDraft(overrides: Record<string, unknown> = {}) {
  return { ...baseInput(overrides), preparedId: (await prepare()).id };
}

async function create(input: Record<string, unknown>, server = api) {
  const response = await server.graphql<{
    connectorCreate: { connector: ConnectorView | null; userErrors: UserError[] };
  }>(
    `mutation($input: ConnectorInput!) { connectorCreate(input: $input) { connector { ${CONNECTOR_FIELDS} } userErrors { field message code } } }`,
    { input },
    { tenantId },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.connectorCreate;
}

async function test(input: Record<string, unknown>, server = api) {
  const response = await server.graphql<{
    connectorTest: { result: TestResult | null; userErrors: UserError[] };
  }>(
    `mutation($input: ConnectorTestInput!) { connectorTest(input: $input) {
        result { testId passed checks { name status awsErrorCode httpStatus message remediation } regions { region securityHubEnabled findingAggregator } baseAccountId }
        userErrors { field message code } } }`,
    { input },
    { tenantId },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.connectorTest;
}

/** A saved connector whose role (in the emulator) trusts Hubgraph with the connector's external id. */
async function trustedConnector(input: Record<string, unknown> = {}) {
  const { connector } = await create(baseInput(input));
  await emulator.admin('PUT', '/_emulator/roles/trust', {
    roleArn: connector!.auth.roleArn,
    trustedPrincipals: [emulator.baseCredentials.arn],
    externalId: connector!.auth.externalId,
  });
  return connector!;
}

const statuses = (result: TestResult) => result.checks.map((check) => `${check.name}:${check.status}`);

describe('the connection test against the emulator', () => {
  it('passes all five checks for a role that trusts Hubgraph with the shown external id', async () => {
    const connector = await trustedConnector();
    expect(connector.auth.externalId.length).toBeGreaterThanOrEqual(32);
    expect(connector.state).toBe('REGISTERED');
    const { result } = await test({ id: connector.id });
    expect(statuses(result!)).toEqual([
      'NETWORK_REACHABILITY:PASSED',
      'TLS_HANDSHAKE:PASSED',
      'AUTHENTICATION:PASSED',
      'AUTHORIZATION_SCOPE:PASSED',
      'DATA_FETCH:PASSED',
    ]);
    expect(result).toMatchObject({
      passed: true,
      baseAccountId: '100000000001',
      regions: [{ region: 'us-east-1', securityHubEnabled: true, findingAggregator: false }],
    });
    const saved = await api.graphql<{ connector: ConnectorView }>(
      `query($id: ID!) { connector(id: $id) { ${CONNECTOR_FIELDS} } }`,
      { id: connector.id },
      { tenantId },
    );
    expect(saved.data!.connector.lastTest!.testId).toBe(result!.testId);
    expect(saved.data!.connector.auth.baseAccountId).toBe('100000000001');
  });

  it("assumes the role from Hubgraph's own identity (the default credential chain)", async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = emulator.baseCredentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = emulator.baseCredentials.secretAccessKey;
    try {
      const connector = await trustedConnector({
        auth: { mode: 'ASSUME_ROLE', roleArn: emulator.roles[0]!.arn },
      });
      expect(connector.auth).toMatchObject({
        mode: 'ASSUME_ROLE',
        accessKeyId: null,
        roleSessionName: expect.stringMatching(/^hubgraph-prod-/),
      });
      const { result } = await test({ id: connector.id });
      expect(result!.passed).toBe(true);
      expect(result!.baseAccountId).toBe('100000000001');
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });

  it('refuses to test a draft that assumes a role without a prepared connector, naming connectorPrepare', async () => {
    const { result, userErrors } = await test({ draft: baseInput() });
    expect(result).toBeNull();
    expect(userErrors).toEqual([
      {
        field: ['input', 'draft', 'preparedId'],
        message: expect.stringMatching(/connectorPrepare/),
        code: 'REQUIRED',
      },
    ]);
  });

  it('tests a draft before it is saved, without saving anything', async () => {
    const draft = await preparedDraft({ regions: ['us-east-1', 'eu-west-1'] });
    const { result, userErrors } = await test({ draft });
    expect(userErrors).toEqual([]);
    // The prepared external id is one no role trusts yet: the fix says exactly that.
    const authorization = result!.checks.find((check) => check.name === 'AUTHORIZATION_SCOPE')!;
    expect(authorization).toMatchObject({ status: 'FAILED', awsErrorCode: 'AccessDenied', httpStatus: 403 });
    expect(statuses(result!).slice(0, 3)).toEqual([
      'NETWORK_REACHABILITY:PASSED',
      'TLS_HANDSHAKE:PASSED',
      'AUTHENTICATION:PASSED',
    ]);
    const list = await api.graphql<{ connectors: { nodes: { name: string }[] } }>(
      '{ connectors(first: 500) { nodes { name } } }',
      {},
      { tenantId },
    );
    expect(list.data!.connectors.nodes.map((node) => node.name)).not.toContain(draft.name);
  });

  const failures: [
    string,
    () => Promise<{ id?: string; draft?: unknown; server?: TestServer }>,
    string,
    RegExp[],
  ][] = [
    [
      'an endpoint that refuses connections',
      async () => ({
        draft: await preparedDraft({ endpointOverride: `https://127.0.0.1:${await closedPort()}` }),
      }),
      'NETWORK_REACHABILITY',
      [/Nothing accepts connections/, /endpoint override/],
    ],
    [
      'an untrusted TLS certificate',
      async () => ({ draft: await preparedDraft(), server: api, untrustedCa: true }) as never,
      'TLS_HANDSHAKE',
      [/HUBGRAPH_AWS_CA_BUNDLE/],
    ],
    [
      'an unknown access key',
      async () => ({
        draft: baseInput({
          auth: { mode: 'ACCESS_KEY', accessKeyId: 'AKIAUNKNOWNKEY123456', secretAccessKey: 'x'.repeat(40) },
        }),
      }),
      'AUTHENTICATION',
      [/AKIA…3456/, /create a new access key/],
    ],
    [
      'a wrong secret',
      async () => ({
        draft: baseInput({
          auth: {
            mode: 'ACCESS_KEY',
            accessKeyId: emulator.baseCredentials.accessKeyId,
            secretAccessKey: 'y'.repeat(40),
          },
        }),
      }),
      'AUTHENTICATION',
      [/Re-enter the secret access key/],
    ],
  ];
  for (const [name, setup, failing, remediation] of failures) {
    it(`fails at ${failing} for ${name}, naming the fix, and skips what depends on it`, async () => {
      const input = (await setup()) as { draft: unknown; untrustedCa?: boolean };
      // Without the emulator's CA the service does not trust its certificate.
      const server = input.untrustedCa ? await untrustingServer() : api;
      const { result } = await test({ draft: input.draft }, server);
      const order = [
        'NETWORK_REACHABILITY',
        'TLS_HANDSHAKE',
        'AUTHENTICATION',
        'AUTHORIZATION_SCOPE',
        'DATA_FETCH',
      ];
      const index = order.indexOf(failing);
      expect(result!.checks[index]!.status).toBe('FAILED');
      for (const pattern of remediation) expect(result!.checks[index]!.remediation).toMatch(pattern);
      for (const check of result!.checks.slice(0, index)) expect(check.status).not.toBe('FAILED');
      for (const check of result!.checks.slice(index + 1)) expect(check.status).toBe('SKIPPED');
      expect(result!.passed).toBe(false);
      if (input.untrustedCa) await server.close();
    });
  }

  it('fails AUTHORIZATION_SCOPE for a role that does not trust the principal, with a ready-to-paste statement', async () => {
    const { connector } = await create(baseInput());
    await emulator.admin('PUT', '/_emulator/roles/trust', {
      roleArn: connector!.auth.roleArn,
      trustedPrincipals: ['arn:aws:iam::999999999999:user/someone'],
      externalId: connector!.auth.externalId,
    });
    const check = (await test({ id: connector!.id })).result!.checks.find(
      (entry) => entry.name === 'AUTHORIZATION_SCOPE',
    )!;
    expect(check).toMatchObject({ status: 'FAILED', awsErrorCode: 'AccessDenied', httpStatus: 403 });
    const statement = JSON.parse(
      /Add this statement to the role's trust policy: (\{.*?\}\}\})/.exec(check.remediation!)![1]!,
    );
    expect(statement).toEqual({
      Effect: 'Allow',
      Principal: { AWS: emulator.baseCredentials.arn },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': connector!.auth.externalId } },
    });
  });

  it('gives the same exact fix for a wrong external id (AWS answers both with one generic error)', async () => {
    const { connector } = await create(baseInput());
    await emulator.admin('PUT', '/_emulator/roles/trust', {
      roleArn: connector!.auth.roleArn,
      trustedPrincipals: [emulator.baseCredentials.arn],
      externalId: 'hg-an-older-external-id-0000000000000',
    });
    const check = (await test({ id: connector!.id })).result!.checks.find(
      (entry) => entry.name === 'AUTHORIZATION_SCOPE',
    )!;
    expect(check.status).toBe('FAILED');
    expect(check.remediation).toContain(emulator.baseCredentials.arn);
    expect(check.remediation).toContain(`"sts:ExternalId":"${connector!.auth.externalId}"`);
  });

  it('fails AUTHORIZATION_SCOPE for a role without securityhub:GetFindings, naming the action', async () => {
    const role = await anAccountOfItsOwn(emulator, { actions: ['securityhub:DescribeHub'] });
    const connector = await trustedConnector({ auth: { ...baseInput().auth, roleArn: role.arn } });
    const check = (await test({ id: connector.id })).result!.checks.find(
      (entry) => entry.name === 'AUTHORIZATION_SCOPE',
    )!;
    expect(check).toMatchObject({ status: 'FAILED', awsErrorCode: 'AccessDeniedException', httpStatus: 403 });
    expect(check.remediation).toContain('securityhub:GetFindings');
    expect(check.remediation).toContain(role.arn);
  });

  it('fails DATA_FETCH in a Region where Security Hub is not enabled, naming the Region', async () => {
    const connector = await trustedConnector({ regions: ['us-east-1', 'ap-southeast-2'] });
    const { result } = await test({ id: connector.id });
    const check = result!.checks.find((entry) => entry.name === 'DATA_FETCH')!;
    expect(check).toMatchObject({
      status: 'FAILED',
      awsErrorCode: 'InvalidAccessException',
      httpStatus: 401,
    });
    expect(check.remediation).toContain(
      'Enable Security Hub CSPM in ap-southeast-2 for account 111111111111',
    );
    expect(result!.regions).toEqual([
      { region: 'us-east-1', securityHubEnabled: true, findingAggregator: false },
      { region: 'ap-southeast-2', securityHubEnabled: false, findingAggregator: null },
    ]);
    const saved = await api.graphql<{ connector: ConnectorView }>(
      `query($id: ID!) { connector(id: $id) { state lastError } }`,
      { id: connector.id },
      { tenantId },
    );
    expect(saved.data!.connector).toMatchObject({
      state: 'FAILED',
      lastError: expect.stringContaining('DATA_FETCH'),
    });
  });

  it('reports a finding aggregator so users do not count findings twice', async () => {
    // In an account of its own: the other tests expect the shared accounts to have no aggregator.
    const role = await anAccountOfItsOwn(emulator);
    await emulator.admin('POST', '/_emulator/aggregators', {
      accountId: role.accountId,
      region: 'us-east-1',
    });
    const connector = await trustedConnector({
      regions: ['us-east-1', 'eu-west-1'],
      auth: { ...baseInput().auth, roleArn: role.arn },
    });
    const { result } = await test({ id: connector.id });
    expect(result!.regions).toEqual([
      { region: 'us-east-1', securityHubEnabled: true, findingAggregator: true },
      { region: 'eu-west-1', securityHubEnabled: true, findingAggregator: false },
    ]);
  });
});

async function untrustingServer(): Promise<TestServer> {
  return startTestServer(database, {
    HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS: 'true',
    HUBGRAPH_ENDPOINT_ALLOWLIST: '127.0.0.0/8',
    HUBGRAPH_MASTER_KEY: MASTER_KEY,
  });
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('validation', () => {
  const cases: [string, () => Record<string, unknown>, string[], string][] = [
    [
      'a malformed role ARN',
      () => baseInput({ auth: { mode: 'ASSUME_ROLE', roleArn: 'arn:aws:iam::123:role/x' } }),
      ['input', 'auth', 'roleArn'],
      'INVALID',
    ],
    [
      'a role in another partition',
      () => baseInput({ auth: { mode: 'ASSUME_ROLE', roleArn: 'arn:aws-cn:iam::123456789012:role/x' } }),
      ['input', 'auth', 'roleArn'],
      'INVALID',
    ],
    [
      'a session too short',
      () => baseInput({ auth: { ...baseInput().auth, sessionDurationSeconds: 600 } }),
      ['input', 'auth', 'sessionDurationSeconds'],
      'OUT_OF_RANGE',
    ],
    [
      'a session too long',
      () => baseInput({ auth: { ...baseInput().auth, sessionDurationSeconds: 43_201 } }),
      ['input', 'auth', 'sessionDurationSeconds'],
      'OUT_OF_RANGE',
    ],
    [
      'a bad session name',
      () => baseInput({ auth: { ...baseInput().auth, roleSessionName: 'has spaces' } }),
      ['input', 'auth', 'roleSessionName'],
      'INVALID',
    ],
    [
      'an unknown Region',
      () => baseInput({ regions: ['us-east-1', 'mars-north-1'] }),
      ['input', 'regions', '1'],
      'INVALID',
    ],
    [
      'Regions in two partitions',
      () => baseInput({ regions: ['us-east-1', 'cn-north-1'] }),
      ['input', 'regions'],
      'INVALID',
    ],
    [
      'a description over 164 characters',
      () => baseInput({ description: 'd'.repeat(165) }),
      ['input', 'description'],
      'TOO_LONG',
    ],
    [
      'an access key without its secret',
      () => baseInput({ auth: { mode: 'ACCESS_KEY', accessKeyId: 'AKIAIOSFODNN7EXAMPLE' } }),
      ['input', 'auth', 'secretAccessKey'],
      'REQUIRED',
    ],
    [
      'a schedule that ends before it starts',
      () =>
        baseInput({
          schedule: {
            kind: 'RECURRING',
            intervalMinutes: 60,
            startAt: '2030-02-01T00:00:00Z',
            endAt: '2030-01-01T00:00:00Z',
          },
        }),
      ['input', 'schedule', 'endAt'],
      'INVALID',
    ],
    [
      'an interval under 5 minutes',
      () => baseInput({ schedule: { kind: 'RECURRING', intervalMinutes: 4 } }),
      ['input', 'schedule', 'intervalMinutes'],
      'OUT_OF_RANGE',
    ],
    [
      'a cron that fires every minute',
      () => baseInput({ schedule: { kind: 'RECURRING', cron: '* * * * *' } }),
      ['input', 'schedule', 'cron'],
      'OUT_OF_RANGE',
    ],
    [
      'a filter with too many values',
      () =>
        baseInput({
          scope: {
            severityLabels: ['LOW'],
            awsFilters: {
              Title: Array.from({ length: 21 }, (_, i) => ({ Value: `t${i}`, Comparison: 'EQUALS' })),
            },
          },
        }),
      ['input', 'scope', 'awsFilters', 'Title'],
      'OUT_OF_RANGE',
    ],
    [
      'a filter AWS would refuse',
      () =>
        baseInput({
          scope: {
            awsFilters: {
              Title: [
                { Value: 'a', Comparison: 'CONTAINS' },
                { Value: 'b', Comparison: 'EQUALS' },
              ],
            },
          },
        }),
      ['input', 'scope', 'awsFilters', 'Title'],
      'INVALID',
    ],
    [
      'too many scope values',
      () => baseInput({ scope: { productNames: Array.from({ length: 21 }, (_, i) => `p${i}`) } }),
      ['input', 'scope', 'productNames'],
      'OUT_OF_RANGE',
    ],
    [
      'an unknown transform map',
      () => baseInput({ transformMapId: 'no-such-map' }),
      ['input', 'transformMapId'],
      'NOT_FOUND',
    ],
  ];
  for (const [name, input, field, code] of cases) {
    it(`refuses ${name} with the field path, and writes nothing`, async () => {
      const before = await count();
      const { connector, userErrors } = await create(input());
      expect(connector).toBeNull();
      expect(userErrors).toContainEqual({ field, message: expect.any(String), code });
      expect(await count()).toBe(before);
    });
  }

  it('refuses a duplicate name, case-insensitively', async () => {
    const first = await create(baseInput({ name: 'Payments Prod' }));
    expect(first.userErrors).toEqual([]);
    const second = await create(baseInput({ name: 'payments prod' }));
    expect(second.userErrors).toEqual([
      { field: ['input', 'name'], message: expect.stringContaining('exists already'), code: 'DUPLICATE' },
    ]);
  });

  it('refuses a custom endpoint when the service does not allow them', async () => {
    const before = await count();
    const { userErrors } = await create(baseInput(), strict);
    expect(userErrors).toEqual([
      {
        field: ['input', 'endpointOverride'],
        message: expect.stringContaining('HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS'),
        code: 'NOT_ALLOWED',
      },
    ]);
    expect(await count()).toBe(before);
  });

  async function count(): Promise<number> {
    const response = await api.graphql<{ connectors: { totalCount: number } }>(
      '{ connectors { totalCount } }',
      {},
      { tenantId },
    );
    return response.data!.connectors.totalCount;
  }
});

describe('lifecycle', () => {
  it('updates, disables, regenerates the external id and deletes, with or without the findings', async () => {
    const connector = await trustedConnector({
      schedule: { kind: 'RECURRING', intervalMinutes: 60, startAt: '2099-01-01T00:00:00Z' },
    });
    expect(connector.state).toBe('SCHEDULED');
    const update = await api.graphql<{
      connectorUpdate: { connector: ConnectorView; userErrors: UserError[] };
    }>(
      `mutation($input: ConnectorUpdateInput!) { connectorUpdate(input: $input) { connector { ${CONNECTOR_FIELDS} } userErrors { field message code } } }`,
      {
        input: {
          id: connector.id,
          description: 'EU and US',
          regions: ['us-east-1', 'eu-west-1'],
          clearSchedule: true,
        },
      },
      { tenantId },
    );
    expect(update.data!.connectorUpdate.userErrors).toEqual([]);
    expect(update.data!.connectorUpdate.connector).toMatchObject({
      state: 'REGISTERED',
      regions: ['us-east-1', 'eu-west-1'],
      schedule: null,
    });
    const disabled = await api.graphql<{ connectorSetEnabled: { connector: { state: string } } }>(
      'mutation($id: ID!) { connectorSetEnabled(input: { id: $id, enabled: false }) { connector { state } } }',
      { id: connector.id },
      { tenantId },
    );
    expect(disabled.data!.connectorSetEnabled.connector.state).toBe('DISABLED');
    const regenerated = await api.graphql<{
      connectorRegenerateExternalId: { connector: { auth: { externalId: string } } };
    }>(
      'mutation($id: ID!) { connectorRegenerateExternalId(input: { id: $id }) { connector { auth { externalId } } } }',
      { id: connector.id },
      { tenantId },
    );
    const externalId = regenerated.data!.connectorRegenerateExternalId.connector.auth.externalId;
    expect(externalId).not.toBe(connector.auth.externalId);
    expect(externalId.length).toBeGreaterThanOrEqual(32);
    const deleted = await api.graphql<{
      connectorDelete: { deletedId: string; purgedFindings: number; userErrors: UserError[] };
    }>(
      'mutation($id: ID!) { connectorDelete(input: { id: $id, purge: true }) { deletedId purgedFindings purgedAssets userErrors { code } } }',
      { id: connector.id },
      { tenantId },
    );
    expect(deleted.data!.connectorDelete).toMatchObject({
      deletedId: connector.id,
      purgedFindings: 0,
      userErrors: [],
    });
    const gone = await api.graphql<{ connector: null }>(
      'query($id: ID!) { connector(id: $id) { id } }',
      { id: connector.id },
      { tenantId },
    );
    expect(gone.data!.connector).toBeNull();
  });
});

describe('live events over graphql-ws', () => {
  it('streams connectorTestProgress as each check finishes, and connectorStateChanged on every change', async () => {
    const client: Client = createClient({
      url: api.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${await tokenFor(tenantId)}` },
    });
    const testId = randomUUID();
    const progress: { check: { name: string; status: string } | null; result: { passed: boolean } | null }[] =
      [];
    const states: { state: string; previousState: string | null; connector: { id: string } | null }[] = [];
    const progressDone = new Promise<void>((resolve, reject) => {
      client.subscribe<{ connectorTestProgress: (typeof progress)[number] }>(
        {
          query:
            'subscription($testId: ID!) { connectorTestProgress(testId: $testId, after: "0") { cursor testId check { name status } result { passed } } }',
          variables: { testId },
        },
        {
          next: ({ data }) => {
            progress.push(data!.connectorTestProgress);
            if (data!.connectorTestProgress.result) resolve();
          },
          error: reject,
          complete: () => {},
        },
      );
    });
    let connectorId = '';
    const statesDone = new Promise<void>((resolve, reject) => {
      client.subscribe<{ connectorStateChanged: (typeof states)[number] }>(
        {
          query:
            'subscription { connectorStateChanged(after: "0") { cursor state previousState connector { id } } }',
        },
        {
          next: ({ data }) => {
            states.push(data!.connectorStateChanged);
            if (states.length === 3) resolve();
          },
          error: reject,
          complete: () => {},
        },
      );
    });
    // Both replay from the tenant's first event (after: "0"), so whether each subscription is
    // registered before or after the events below, it delivers every one of them, in order.
    const connector = await trustedConnector();
    connectorId = connector.id;
    await api.graphql(
      'mutation($id: ID!) { connectorSetEnabled(input: { id: $id, enabled: false }) { connector { state } } }',
      { id: connectorId },
      { tenantId },
    );
    await api.graphql(
      'mutation($id: ID!) { connectorSetEnabled(input: { id: $id, enabled: true }) { connector { state } } }',
      { id: connectorId },
      { tenantId },
    );
    await test({ id: connectorId, testId });
    await Promise.all([progressDone, statesDone]);
    expect(progress.map((event) => event.check?.name ?? 'RESULT')).toEqual([
      'NETWORK_REACHABILITY',
      'TLS_HANDSHAKE',
      'AUTHENTICATION',
      'AUTHORIZATION_SCOPE',
      'DATA_FETCH',
      'RESULT',
    ]);
    expect(progress.at(-1)!.result).toEqual({ passed: true });
    expect(states.map((event) => [event.previousState, event.state])).toEqual([
      [null, 'REGISTERED'],
      ['REGISTERED', 'DISABLED'],
      ['DISABLED', 'REGISTERED'],
    ]);
    expect(states.every((event) => event.connector?.id === connectorId)).toBe(true);
    await client.dispose();
  });
});

describe('secrets', () => {
  it('never returns or logs a secret key or session token, and stores the secret encrypted', async () => {
    const secret = emulator.baseCredentials.secretAccessKey;
    const connector = await trustedConnector();
    await test({ id: connector.id });
    const response = await api.graphql(
      `query($id: ID!) { connector(id: $id) { ${CONNECTOR_FIELDS} } connectors { nodes { auth { accessKeyId } } } }`,
      { id: connector.id },
      { tenantId },
    );
    const body = JSON.stringify(response);
    expect(body).not.toContain(secret);
    expect(body).toContain(
      `${emulator.baseCredentials.accessKeyId.slice(0, 4)}…${emulator.baseCredentials.accessKeyId.slice(-4)}`,
    );
    expect(body).not.toContain(emulator.baseCredentials.accessKeyId);
    const logs = [...api.logs, ...strict.logs].join('\n');
    expect(logs).not.toContain(secret);
    expect(logs).not.toMatch(/SessionToken|sessionToken"\s*:\s*"[A-Za-z0-9+/=]{20,}/);
    const stored = await database.db.select().from(connectorSecrets);
    expect(stored.length).toBeGreaterThan(0);
    for (const row of stored) expect(row.ciphertext).not.toContain(secret);
  });
});
