import { createServer, type Server, type Socket } from 'node:net';
import { GetFindingsCommand } from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AwsCallDeadlineError,
  type AwsTarget,
  type AwsTransport,
  securityHubClient,
  stsClient,
} from '../../src/aws/clients.ts';
import { allowListOf, EgressNotAllowedError, egressRefusal } from '../../src/aws/egress.ts';
import { runConnectionTest } from '../../src/connectors/connection-test/run.ts';
import { connectorsByIds } from '../../src/connectors/queries.ts';
import { OwnIdentityNotAllowedError, targetOfConnector } from '../../src/connectors/service.ts';
import { tenantContext } from '../../src/context.ts';
import type { Database } from '../../src/db/client.ts';
import { keyOf } from '../../src/global-id.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// Rows 12–14 of issue 12: with custom endpoints allowed, a tenant could point a connector at the
// metadata service, loopback or private ranges (and use draft tests as a port scanner), have the
// service's own identity signed over plain HTTP to its endpoint, read with the service's identity,
// and hold a test open forever on an endpoint that never answers.

/** A TCP server that accepts and never answers, counting the connections it got. */
let silent: Server;
let silentPort: number;
let connections = 0;
const sockets: Socket[] = [];

beforeAll(async () => {
  silent = createServer((socket) => {
    connections += 1;
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

const target = (endpointOverride: string, overrides: Partial<AwsTarget> = {}): AwsTarget => ({
  authMode: 'ACCESS_KEY',
  sourceMode: null,
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  roleArn: null,
  externalId: 'hg-test',
  roleSessionName: 'hubgraph-test',
  sessionDurationSeconds: 3600,
  regions: ['us-east-1'],
  endpointOverride,
  ...overrides,
});

const open: AwsTransport = { allowCustomEndpoints: true };

describe('internal addresses (row 12)', () => {
  it('refuses metadata, loopback, private, link-local and mapped addresses unless listed', () => {
    const none = { allowed: allowListOf([]), onlyListed: false };
    for (const address of [
      '169.254.169.254',
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00:ec2::254',
      '::ffff:127.0.0.1',
    ])
      expect(egressRefusal(address, none), address).toBe('EgressNotAllowed');
    for (const address of ['52.94.0.1', '8.8.8.8', '2600:1f18::1'])
      expect(egressRefusal(address, none), address).toBeUndefined();
    const listed = { allowed: allowListOf(['127.0.0.1/32', '10.20.0.0/16']), onlyListed: false };
    expect(egressRefusal('127.0.0.1', listed)).toBeUndefined();
    expect(egressRefusal('10.20.3.4', listed)).toBeUndefined();
    expect(egressRefusal('10.21.3.4', listed)).toBe('EgressNotAllowed');
  });

  it('a draft test fails at reachability, naming the fix, and never opens a socket there', async () => {
    const before = connections;
    for (const endpoint of [
      `http://127.0.0.1:${silentPort}`,
      `http://localhost:${silentPort}`,
      'http://169.254.169.254',
    ]) {
      const result = await runConnectionTest(target(endpoint), {
        testId: 't',
        transport: open,
        writeBack: false,
      });
      const reachability = result.checks.find((check) => check.name === 'NETWORK_REACHABILITY')!;
      expect(reachability, endpoint).toMatchObject({ status: 'FAILED', awsErrorCode: 'EgressNotAllowed' });
      expect(reachability.message).toMatch(/HUBGRAPH_ENDPOINT_ALLOWLIST/);
      expect(result.checks.slice(1).every((check) => check.status === 'SKIPPED')).toBe(true);
    }
    expect(connections).toBe(before);
  });

  it('clients refuse an internal literal before sending, and names that resolve inside at connect time', async () => {
    expect(() =>
      securityHubClient(
        target('http://169.254.169.254'),
        open,
        async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
        'us-east-1',
      ),
    ).toThrow(EgressNotAllowedError);
    const before = connections;
    const client = stsClient(
      target(`http://localhost:${silentPort}`),
      open,
      async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
      'us-east-1',
      1,
    );
    const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    await expect(client.send(new GetCallerIdentityCommand({}))).rejects.toThrow(
      /HUBGRAPH_ENDPOINT_ALLOWLIST/,
    );
    expect(connections).toBe(before);
  });
});

describe("the service's own identity (rows 12 and 14)", () => {
  it('is never signed over plain HTTP to an address the operator did not list', () => {
    const own = target('http://52.94.0.1:8080', {
      authMode: 'DEFAULT_CHAIN',
      accessKeyId: null,
      secretAccessKey: null,
    });
    const credentials = async () => ({ accessKeyId: 'a', secretAccessKey: 'b' });
    expect(() => stsClient(own, open, credentials)).toThrow(/plain HTTP.*Hubgraph's own AWS identity/);
    expect(() =>
      stsClient({ ...own, authMode: 'ASSUME_ROLE', sourceMode: 'DEFAULT_CHAIN' }, open, credentials),
    ).toThrow(EgressNotAllowedError);
    expect(() =>
      stsClient({ ...own, endpointOverride: 'https://52.94.0.1' }, open, credentials),
    ).not.toThrow();
    expect(() => stsClient(target('http://52.94.0.1:8080'), open, credentials)).not.toThrow(); // a tenant's own key
    expect(() => stsClient(own, { ...open, endpointAllowList: ['52.94.0.1/32'] }, credentials)).not.toThrow();
  });

  describe('DEFAULT_CHAIN for tenants', () => {
    let database: Database;
    let api: TestServer;
    beforeAll(async () => {
      database = await openTestDatabase();
      api = await startTestServer(database, { HUBGRAPH_DEFAULT_CHAIN_TENANTS: 'trusted-ops' });
    });
    afterAll(async () => {
      await api?.close();
      await database?.close();
    });

    const create = (tenantId: string, name: string) =>
      api.graphql<{
        connectorCreate: {
          connector: { id: string } | null;
          userErrors: { field: string[]; message: string; code: string }[];
        };
      }>(
        'mutation ($input: ConnectorInput!) { connectorCreate(input: $input) { connector { id } userErrors { field message code } } }',
        { input: { name, auth: { mode: 'DEFAULT_CHAIN' }, regions: ['us-east-1'] } },
        { tenantId },
      );

    it('is refused to a tenant the operator did not name, saying what to use instead', async () => {
      const response = await create(await newTenant(database), 'own identity');
      expect(response.data?.connectorCreate.connector).toBeNull();
      expect(response.data?.connectorCreate.userErrors).toEqual([
        expect.objectContaining({
          field: ['input', 'auth', 'mode'],
          code: 'NOT_ALLOWED',
          message: expect.stringMatching(/ASSUME_ROLE.*HUBGRAPH_DEFAULT_CHAIN_TENANTS/),
        }),
      ]);
    });

    it('is accepted for a named tenant', async () => {
      const response = await create('trusted-ops', `own identity ${Date.now()}`);
      expect(response.data?.connectorCreate.userErrors).toEqual([]);
    });

    it('stops for a connector saved while its tenant was named, once the operator no longer names it', async () => {
      const saved = await create('trusted-ops', `saved earlier ${Date.now()}`);
      const id = saved.data!.connectorCreate.connector!.id;
      const later = await startTestServer(database, { HUBGRAPH_DEFAULT_CHAIN_TENANTS: 'someone-else' });
      try {
        const tested = await later.graphql<{
          connectorTest: {
            result: unknown;
            userErrors: { field: string[]; code: string; message: string }[];
          };
        }>(
          'mutation ($id: ID!) { connectorTest(input: { id: $id }) { result { passed } userErrors { field code message } } }',
          { id },
          { tenantId: 'trusted-ops' },
        );
        expect(tested.data?.connectorTest).toEqual({
          result: null,
          userErrors: [
            {
              field: ['input', 'id'],
              code: 'NOT_ALLOWED',
              message: expect.stringContaining('HUBGRAPH_DEFAULT_CHAIN_TENANTS'),
            },
          ],
        });
        // What sync, write-back and awsSetup reach AWS through refuses it the same way.
        const connector = (
          await connectorsByIds(database.db, 'trusted-ops', [keyOf('Connector', id, ['id'])])
        )[0]!;
        await expect(
          targetOfConnector(tenantContext(later.app, 'trusted-ops'), connector),
        ).rejects.toBeInstanceOf(OwnIdentityNotAllowedError);
        await expect(
          targetOfConnector(tenantContext(api.app, 'trusted-ops'), connector),
        ).resolves.toMatchObject({
          authMode: 'DEFAULT_CHAIN',
        });
      } finally {
        await later.close();
      }
    });
  });
});

describe('tests that never end (row 13)', () => {
  it('a check against an endpoint that accepts and never answers fails at its deadline', async () => {
    const started = Date.now();
    const result = await runConnectionTest(target(`http://127.0.0.1:${silentPort}`), {
      testId: 't',
      transport: { ...open, endpointAllowList: ['127.0.0.1/32'] },
      writeBack: false,
      checkDeadlineMs: 1_000,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.checks.find((check) => check.name === 'AUTHENTICATION')).toMatchObject({
      status: 'FAILED',
      awsErrorCode: 'Timeout',
      message: 'No answer within 1 s.',
    });
  });

  it('ends every call to AWS (sync, write-back) at its overall deadline, retries included; a caller can still cancel', async () => {
    const transport = { ...open, endpointAllowList: ['127.0.0.1/32'], callDeadlineMs: 1_000 };
    const client = securityHubClient(
      target(`http://127.0.0.1:${silentPort}`),
      transport,
      async () => ({
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      }),
      'us-east-1',
      5,
    );
    const started = Date.now();
    const failure = await client
      .send(new GetFindingsCommand({ MaxResults: 100 }))
      .catch((error: unknown) => error);
    // Each attempt alone would wait 30 s for an answer, five of them 150 s.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(failure).toBeInstanceOf(AwsCallDeadlineError);
    expect((failure as Error).message).toMatch(
      /^AWS did not complete GetFindings within 1 s \(retries included\)\..*HUBGRAPH_AWS_CALL_DEADLINE_SECONDS/,
    );

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const cancelled = await client
      .send(new GetFindingsCommand({ MaxResults: 100 }), { abortSignal: controller.signal })
      .catch((error: unknown) => error);
    expect((cancelled as Error).name).toBe('AbortError');
  });

  it("bounds a tenant's concurrent tests, saying how many run", async () => {
    const database = await openTestDatabase();
    const api = await startTestServer(database, {
      HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS: 'true',
      HUBGRAPH_ENDPOINT_ALLOWLIST: '127.0.0.1/32',
      HUBGRAPH_CONNECTION_TEST_DEADLINE_SECONDS: '2',
    });
    try {
      const tenantId = await newTenant(database);
      const draft = {
        name: 'silent',
        auth: {
          mode: 'ACCESS_KEY',
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        },
        regions: ['us-east-1'],
        endpointOverride: `http://127.0.0.1:${silentPort}`,
      };
      const responses = await Promise.all(
        Array.from({ length: 6 }, () =>
          api.graphql<{
            connectorTest: { result: unknown; userErrors: { message: string; code: string }[] };
          }>(
            'mutation ($input: ConnectorTestInput!) { connectorTest(input: $input) { result { testId } userErrors { message code } } }',
            { input: { draft } },
            { tenantId },
          ),
        ),
      );
      const refused = responses.filter((response) => response.data?.connectorTest.userErrors.length);
      expect(refused).toHaveLength(1);
      expect(refused[0]!.data!.connectorTest.userErrors[0]).toMatchObject({
        code: 'IN_PROGRESS',
        message: expect.stringMatching(
          /^5 connection tests of this tenant are running; at most 5 run at once/,
        ),
      });
    } finally {
      await api.close();
      await database.close();
    }
  });
});
