import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsTarget, AwsTransport } from '../../src/aws/clients.ts';
import { runConnectionTest } from '../../src/connectors/connection-test/run.ts';
import {
  READ_ROLE_ACTIONS,
  type RunningEmulator,
  startEmulator,
  V2_READ_ROLE_ACTIONS,
} from '../../src/emulator/index.ts';

// The connection test run directly against the emulator (plain HTTP), for the failures a user meets
// when setting up a connector beyond those the end-to-end tests walk through: each must say what is
// wrong and name the exact fix. Every test sets up its own account, role or user in the emulator.

let emulator: RunningEmulator;
const transport: AwsTransport = { allowCustomEndpoints: true, endpointAllowList: ['127.0.0.0/8'] };
let accountCounter = 0;

beforeAll(async () => {
  emulator = await startEmulator({
    findings: 20,
    accounts: 1,
    regions: ['us-east-1', 'eu-west-1'],
    quotas: false,
    seed: 31,
  });
});

afterAll(async () => {
  await emulator?.close();
});

/** A fresh account of the test's own, with Security Hub enabled in the given Regions. */
async function newAccount(enabledIn: string[]): Promise<string> {
  accountCounter += 1;
  const id = `7000000000${String(accountCounter).padStart(2, '0')}`;
  await emulator.admin('POST', '/_emulator/accounts', { id });
  for (const region of enabledIn)
    await emulator.admin('PUT', '/_emulator/hubs', { accountId: id, region, enabled: true });
  return id;
}

/** A role in the account that trusts Hubgraph's base identity with an external id. */
async function newRole(
  accountId: string,
  options: { actions?: string[]; maxSessionDuration?: number } = {},
): Promise<{ arn: string; externalId: string }> {
  const externalId = `hubgraph-test-${accountId}`;
  const { arn } = (await emulator.admin('POST', '/_emulator/roles', {
    accountId,
    name: `Reader${accountCounter}`,
    trustedPrincipals: [emulator.baseCredentials.arn],
    externalId,
    actions: options.actions ?? READ_ROLE_ACTIONS,
    maxSessionDuration: options.maxSessionDuration ?? 3600,
  })) as { arn: string };
  return { arn, externalId };
}

function roleTarget(
  role: { arn: string; externalId: string },
  overrides: Partial<AwsTarget> = {},
): AwsTarget {
  return {
    authMode: 'ASSUME_ROLE',
    sourceMode: 'ACCESS_KEY',
    accessKeyId: emulator.baseCredentials.accessKeyId,
    secretAccessKey: emulator.baseCredentials.secretAccessKey,
    roleArn: role.arn,
    externalId: role.externalId,
    roleSessionName: 'hubgraph-connection-test',
    sessionDurationSeconds: 3600,
    regions: ['us-east-1', 'eu-west-1'],
    endpointOverride: emulator.endpoint,
    ...overrides,
  };
}

const run = (target: AwsTarget, writeBack = false) =>
  runConnectionTest(target, { testId: 'test-1', transport, writeBack });

const check = (result: Awaited<ReturnType<typeof run>>, name: string) =>
  result.checks.find((c) => c.name === name)!;

describe('runConnectionTest', () => {
  it('passes over plain HTTP, where there is no certificate to check', async () => {
    const accountId = await newAccount(['us-east-1', 'eu-west-1']);
    const result = await run(roleTarget(await newRole(accountId)));
    expect(result.checks.map((c) => [c.name, c.status])).toEqual([
      ['NETWORK_REACHABILITY', 'PASSED'],
      ['TLS_HANDSHAKE', 'SKIPPED'],
      ['AUTHENTICATION', 'PASSED'],
      ['AUTHORIZATION_SCOPE', 'PASSED'],
      ['DATA_FETCH', 'PASSED'],
    ]);
    expect(check(result, 'TLS_HANDSHAKE').message).toBe(
      'The endpoint uses plain HTTP: there is no TLS certificate to check.',
    );
    expect(result.passed).toBe(true);
    expect(result.baseAccountId).toBe('100000000001');
    expect(result.regions).toEqual([
      {
        region: 'us-east-1',
        securityHubEnabled: true,
        // Not knowable: the emulator's read roles may not call the new Security Hub unless it runs --v2.
        securityHubV2Enabled: null,
        findingAggregator: false,
        message: 'Security Hub CSPM is enabled.',
      },
      {
        region: 'eu-west-1',
        securityHubEnabled: true,
        // Not knowable: the emulator's read roles may not call the new Security Hub unless it runs --v2.
        securityHubV2Enabled: null,
        findingAggregator: false,
        message: 'Security Hub CSPM is enabled.',
      },
    ]);
  });

  it('fails NETWORK_REACHABILITY for an endpoint override whose host does not resolve', async () => {
    const result = await run(
      roleTarget(
        { arn: 'arn:aws:iam::700000000000:role/none', externalId: 'x' },
        {
          endpointOverride: 'http://hubgraph-no-such-host.invalid:4566',
        },
      ),
    );
    const network = check(result, 'NETWORK_REACHABILITY');
    expect(network.status).toBe('FAILED');
    expect(network.message).toMatch(
      /^DNS cannot resolve hubgraph-no-such-host\.invalid \((ENOTFOUND|EAI_AGAIN)\)\.$/,
    );
    expect(network.remediation).toBe(
      'Check the endpoint override http://hubgraph-no-such-host.invalid:4566: its host name does not resolve from Hubgraph.',
    );
    expect(result.checks.slice(1).map((c) => c.status)).toEqual(['SKIPPED', 'SKIPPED', 'SKIPPED', 'SKIPPED']);
    expect(result.passed).toBe(false);
  });

  it("names the role's MaxSessionDuration when the connector asks for a longer session", async () => {
    const accountId = await newAccount(['us-east-1']);
    const role = await newRole(accountId, { maxSessionDuration: 3600 });
    const scope = check(await run(roleTarget(role, { sessionDurationSeconds: 7200 })), 'AUTHORIZATION_SCOPE');
    expect(scope).toMatchObject({
      status: 'FAILED',
      awsErrorCode: 'ValidationError',
      httpStatus: 400,
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      remediation: `Lower the connector's session duration (7200 s), or raise the MaxSessionDuration of ${role.arn}.`,
    });
  });

  it('with write-back, fails AUTHORIZATION_SCOPE for a role without BatchUpdateFindings, with the statement to add', async () => {
    const accountId = await newAccount(['us-east-1', 'eu-west-1']);
    const role = await newRole(accountId, {
      actions: READ_ROLE_ACTIONS.filter((action) => action !== 'securityhub:BatchUpdateFindings'),
    });
    const readOnly = await run(roleTarget(role), false);
    expect(check(readOnly, 'AUTHORIZATION_SCOPE').status).toBe('PASSED');

    const scope = check(await run(roleTarget(role), true), 'AUTHORIZATION_SCOPE');
    expect(scope).toMatchObject({
      status: 'FAILED',
      region: 'us-east-1',
      awsErrorCode: 'AccessDeniedException',
      httpStatus: 403,
      remediation: `Allow securityhub:BatchUpdateFindings for role ${role.arn}: add this statement to its permissions policy: {"Effect":"Allow","Action":["securityhub:BatchUpdateFindings"],"Resource":"*"}`,
    });
    expect(scope.message).toMatch(
      new RegExp(`^role ${role.arn} may not call securityhub:BatchUpdateFindings: `),
    );
  });

  it('verifies write-back without changing any finding', async () => {
    const accountId = await newAccount(['us-east-1']);
    const scope = check(
      await run(roleTarget(await newRole(accountId), { regions: ['us-east-1'] }), true),
      'AUTHORIZATION_SCOPE',
    );
    expect(scope.status).toBe('PASSED');
    expect(scope.message).toMatch(
      /securityhub:GetFindings in us-east-1; securityhub:BatchUpdateFindings in us-east-1\.$/,
    );
  });

  it('with export, verifies the import actions without importing anything, and names the one missing', async () => {
    const accountId = await newAccount(['us-east-1']);
    const full = await newRole(accountId);
    const exportTest = (role: { arn: string; externalId: string }) =>
      runConnectionTest(roleTarget(role, { regions: ['us-east-1'] }), {
        testId: 'test-export',
        transport,
        writeBack: false,
        exportFindings: true,
      });
    const scope = check(await exportTest(full), 'AUTHORIZATION_SCOPE');
    expect(scope.status).toBe('PASSED');
    expect(scope.message).toMatch(
      /securityhub:BatchImportFindings in us-east-1; securityhub:ListEnabledProductsForImport in us-east-1\.$/,
    );
    expect(emulator.emulator.store.hub(accountId, 'us-east-1').findings.size).toBe(0);

    const withoutImport = await newRole(accountId, {
      actions: READ_ROLE_ACTIONS.filter((action) => action !== 'securityhub:BatchImportFindings'),
    });
    expect(check(await exportTest(withoutImport), 'AUTHORIZATION_SCOPE')).toMatchObject({
      status: 'FAILED',
      awsErrorCode: 'AccessDeniedException',
      remediation: `Allow securityhub:BatchImportFindings for role ${withoutImport.arn}: add this statement to its permissions policy: {"Effect":"Allow","Action":["securityhub:BatchImportFindings"],"Resource":"*"}`,
    });
  });

  it('verifies permissions in the next Region when Security Hub is off in the first, and names the Region and account to enable', async () => {
    const accountId = await newAccount(['eu-west-1']);
    const role = await newRole(accountId);
    const result = await run(roleTarget(role));
    expect(check(result, 'AUTHORIZATION_SCOPE')).toMatchObject({
      status: 'PASSED',
      message: `Verified: sts:AssumeRole on ${role.arn}; securityhub:GetFindings in eu-west-1.`,
    });
    const data = check(result, 'DATA_FETCH');
    expect(data).toMatchObject({
      status: 'FAILED',
      region: 'us-east-1',
      awsErrorCode: 'InvalidAccessException',
      httpStatus: 401,
      remediation: `Enable Security Hub CSPM in us-east-1 for account ${accountId} (console → Security Hub CSPM → Enable), or remove us-east-1 from the connector's Regions.`,
    });
    expect(data.message).toMatch(
      /^Security Hub did not answer in 1 of 2 Region\(s\): us-east-1: InvalidAccessException — /,
    );
    expect(result.regions.map((r) => [r.region, r.securityHubEnabled])).toEqual([
      ['us-east-1', false],
      ['eu-west-1', true],
    ]);
  });

  it('says nothing could be verified when Security Hub answers in none of the Regions', async () => {
    const accountId = await newAccount([]);
    const role = await newRole(accountId);
    const result = await run(roleTarget(role));
    expect(check(result, 'AUTHORIZATION_SCOPE').message).toBe(`Verified: sts:AssumeRole on ${role.arn}.`);
    expect(check(result, 'DATA_FETCH').message).toMatch(/^Security Hub did not answer in 2 of 2 Region\(s\)/);
    expect(result.passed).toBe(false);
  });

  it('passes DATA_FETCH without ListFindingAggregators, saying which permission would show aggregators', async () => {
    const accountId = await newAccount(['us-east-1']);
    const role = await newRole(accountId, {
      actions: READ_ROLE_ACTIONS.filter((action) => action !== 'securityhub:ListFindingAggregators'),
    });
    const result = await run(roleTarget(role, { regions: ['us-east-1'] }));
    expect(check(result, 'DATA_FETCH')).toMatchObject({
      status: 'PASSED',
      message: 'Security Hub answers in us-east-1. Detected: CSPM.',
    });
    expect(result.regions).toEqual([
      {
        region: 'us-east-1',
        securityHubEnabled: true,
        securityHubV2Enabled: null,
        findingAggregator: null,
        message:
          'Security Hub CSPM is enabled (its aggregators could not be listed: allow securityhub:ListFindingAggregators to see them).',
      },
    ]);
  });

  it('names the IAM user (not a role) that lacks GetFindings when the connector uses its access key', async () => {
    const accountId = await newAccount(['us-east-1']);
    const user = (await emulator.admin('POST', '/_emulator/users', {
      accountId,
      name: 'limited',
      actions: ['securityhub:DescribeHub'],
    })) as { arn: string; accessKeyId: string; secretAccessKey: string };
    const result = await run({
      authMode: 'ACCESS_KEY',
      sourceMode: null,
      accessKeyId: user.accessKeyId,
      secretAccessKey: user.secretAccessKey,
      roleArn: null,
      externalId: 'unused',
      roleSessionName: 'hubgraph',
      sessionDurationSeconds: 3600,
      regions: ['us-east-1'],
      endpointOverride: emulator.endpoint,
    });
    expect(check(result, 'AUTHENTICATION').message).toBe(
      `Authenticated as ${user.arn} (account ${accountId}).`,
    );
    expect(check(result, 'AUTHORIZATION_SCOPE')).toMatchObject({
      status: 'FAILED',
      remediation: `Allow securityhub:GetFindings for ${user.arn}: add this statement to its permissions policy: {"Effect":"Allow","Action":["securityhub:GetFindings"],"Resource":"*"}`,
    });
  });

  it('fails NETWORK_REACHABILITY when nothing listens at the endpoint override', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const network = check(
      await run(
        roleTarget(
          { arn: 'arn:aws:iam::700000000000:role/none', externalId: 'x' },
          { endpointOverride: endpoint },
        ),
      ),
      'NETWORK_REACHABILITY',
    );
    expect(network).toMatchObject({
      status: 'FAILED',
      awsErrorCode: 'ECONNREFUSED',
      message: `Cannot open a TCP connection to 127.0.0.1:${new URL(endpoint).port} (ECONNREFUSED).`,
      remediation: `Nothing accepts connections at ${endpoint}: start the endpoint, or fix the host and port in the connector's endpoint override.`,
    });
  });

  it.each([
    [
      'an unknown access key',
      { accessKeyId: 'AKIAUNKNOWNKEY123456', secretAccessKey: 'x'.repeat(40) },
      'InvalidClientTokenId',
      /^AWS does not know the access key AKIA…3456: /,
      'Check the access key id AKIA…3456, or create a new access key for the IAM user and enter both parts again.',
    ],
    [
      'a wrong secret',
      { secretAccessKey: 'y'.repeat(40) },
      'SignatureDoesNotMatch',
      /^The secret access key does not match the access key AKIA…/,
      /^Re-enter the secret access key that belongs to AKIA…/,
    ],
  ])(
    'fails AUTHENTICATION for %s, naming the key but never its secret',
    async (_, keys, code, message, remediation) => {
      const accountId = await newAccount(['us-east-1']);
      const authentication = check(await run(roleTarget(await newRole(accountId), keys)), 'AUTHENTICATION');
      expect(authentication).toMatchObject({ status: 'FAILED', awsErrorCode: code, httpStatus: 403 });
      expect(authentication.message).toMatch(message);
      expect(authentication.remediation).toMatch(remediation);
      expect(JSON.stringify(authentication)).not.toContain(emulator.baseCredentials.accessKeyId);
    },
  );

  it('fails AUTHORIZATION_SCOPE for a wrong external id with the trust statement naming the caller and the right id', async () => {
    const accountId = await newAccount(['us-east-1']);
    const role = await newRole(accountId);
    const scope = check(
      await run(roleTarget(role, { externalId: 'hubgraph-someone-else' })),
      'AUTHORIZATION_SCOPE',
    );
    const statement = {
      Effect: 'Allow',
      Principal: { AWS: emulator.baseCredentials.arn },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': 'hubgraph-someone-else' } },
    };
    expect(scope).toMatchObject({
      status: 'FAILED',
      awsErrorCode: 'AccessDenied',
      httpStatus: 403,
      remediation: `The trust policy of ${role.arn} must trust ${emulator.baseCredentials.arn} with the external id hubgraph-someone-else. Add this statement to the role's trust policy: ${JSON.stringify(statement)} — and allow sts:AssumeRole on ${role.arn} in the permissions of ${emulator.baseCredentials.arn}.`,
    });
    expect(scope.message).toMatch(new RegExp(`^${emulator.baseCredentials.arn} cannot assume ${role.arn}: `));
  });

  it('reports an aggregation Region so users sync only that one', async () => {
    const accountId = await newAccount(['us-east-1', 'eu-west-1']);
    const role = await newRole(accountId);
    await emulator.admin('POST', '/_emulator/aggregators', { accountId, region: 'eu-west-1' });
    const result = await run(roleTarget(role));
    expect(check(result, 'DATA_FETCH').message).toBe(
      'Security Hub answers in us-east-1, eu-west-1. Aggregation Region(s): eu-west-1. Detected: CSPM.',
    );
    expect(result.regions.map((r) => [r.region, r.findingAggregator])).toEqual([
      ['us-east-1', false],
      ['eu-west-1', true],
    ]);
    expect(result.regions[1]!.message).toBe(
      'Security Hub CSPM is enabled and aggregates findings from linked Regions here: sync only this Region to avoid counting findings twice.',
    );
  });
});

describe('runConnectionTest over TLS', () => {
  let secure: RunningEmulator;
  beforeAll(async () => {
    secure = await startEmulator({
      findings: 5,
      accounts: 1,
      regions: ['us-east-1'],
      quotas: false,
      seed: 32,
      tls: true,
    });
  });
  afterAll(async () => {
    await secure?.close();
  });

  const target = (): AwsTarget => ({
    authMode: 'ASSUME_ROLE',
    sourceMode: 'ACCESS_KEY',
    accessKeyId: secure.baseCredentials.accessKeyId,
    secretAccessKey: secure.baseCredentials.secretAccessKey,
    roleArn: secure.roles[0]!.arn,
    externalId: secure.roles[0]!.externalId,
    roleSessionName: 'hubgraph-connection-test',
    sessionDurationSeconds: 3600,
    regions: ['us-east-1'],
    endpointOverride: secure.endpoint,
  });

  it("refuses a certificate signed by a CA Hubgraph does not trust, and passes with that CA's bundle", async () => {
    const untrusted = await runConnectionTest(target(), { testId: 't', transport, writeBack: false });
    const tls = check(untrusted, 'TLS_HANDSHAKE');
    expect(tls.status).toBe('FAILED');
    expect(tls.message).toMatch(/^The certificate of localhost is not trusted: .+ \([A-Z_]+\)\.$/);
    expect(tls.remediation).toBe(
      'If a TLS-inspecting proxy or a private endpoint presents its own certificate, give Hubgraph its CA in HUBGRAPH_AWS_CA_BUNDLE; otherwise the connection to localhost is being intercepted — do not send credentials to it.',
    );
    expect(untrusted.checks.slice(2).every((c) => c.status === 'SKIPPED')).toBe(true);

    const caBundlePem = readFileSync(secure.caPemPath!, 'utf8');
    const trusted = await runConnectionTest(target(), {
      testId: 't',
      transport: { allowCustomEndpoints: true, endpointAllowList: ['127.0.0.0/8'], caBundlePem },
      writeBack: false,
    });
    expect(check(trusted, 'TLS_HANDSHAKE')).toMatchObject({
      status: 'PASSED',
      message: 'Certificates of localhost are valid for their hosts.',
    });
    expect(trusted.passed).toBe(true);
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('which Security Hub answers (CSPM, the new one, or both)', () => {
  const v2Role = (accountId: string) =>
    newRole(accountId, { actions: [...READ_ROLE_ACTIONS, ...V2_READ_ROLE_ACTIONS] });
  const hubs = async (accountId: string, region: string, enabled: boolean, v2Enabled: boolean) =>
    emulator.admin('PUT', '/_emulator/hubs', { accountId, region, enabled, v2Enabled });

  it('detects the API that answers in every Region when the connector did not choose, and passes with it', async () => {
    const accountId = await newAccount([]);
    await hubs(accountId, 'us-east-1', true, true);
    await hubs(accountId, 'eu-west-1', false, true);
    const result = await run(roleTarget(await v2Role(accountId)));
    expect(result.detectedApi).toBe('V2');
    expect(result.regions.map((r) => [r.region, r.securityHubEnabled, r.securityHubV2Enabled])).toEqual([
      ['us-east-1', true, true],
      ['eu-west-1', false, true],
    ]);
    expect(check(result, 'DATA_FETCH')).toMatchObject({
      status: 'PASSED',
      message: 'The new Security Hub answers in us-east-1, eu-west-1. Detected: V2.',
    });
  });

  it('fails a connector that reads BOTH where one is off, naming the Region, the API and the fix', async () => {
    const accountId = await newAccount([]);
    await hubs(accountId, 'us-east-1', true, true);
    await hubs(accountId, 'eu-west-1', true, false);
    const result = await runConnectionTest(roleTarget(await v2Role(accountId)), {
      testId: 'test-both',
      transport,
      writeBack: false,
      api: 'BOTH',
    });
    expect(result.detectedApi).toBe('CSPM');
    expect(check(result, 'DATA_FETCH')).toMatchObject({
      status: 'FAILED',
      region: 'eu-west-1',
      awsErrorCode: 'ResourceNotFoundException',
      remediation: `Enable the new Security Hub in eu-west-1 for account ${accountId} (console → Security Hub → Enable), or remove eu-west-1 from the connector's Regions.`,
    });
  });

  it('verifies read and write-back permissions through the new Security Hub where CSPM is off', async () => {
    const accountId = await newAccount([]);
    await hubs(accountId, 'us-east-1', false, true);
    const target = roleTarget(await v2Role(accountId), { regions: ['us-east-1'] });
    const result = await runConnectionTest(target, { testId: 'test-v2-write', transport, writeBack: true });
    expect(check(result, 'AUTHORIZATION_SCOPE')).toMatchObject({
      status: 'PASSED',
      message: expect.stringMatching(
        /securityhub:GetFindings in us-east-1 \(through GetFindingsV2\); securityhub:BatchUpdateFindings in us-east-1 \(through BatchUpdateFindingsV2\)\.$/,
      ),
    });
    // Nothing was changed: the probe's finding does not exist, and is not created.
    expect(emulator.emulator.store.hub(accountId, 'us-east-1').ocsf.size).toBe(0);

    const readOnly = await newRole(accountId, {
      actions: [...READ_ROLE_ACTIONS, ...V2_READ_ROLE_ACTIONS].filter(
        (action) => !action.includes('BatchUpdate'),
      ),
    });
    const denied = await runConnectionTest(roleTarget(readOnly, { regions: ['us-east-1'] }), {
      testId: 'test-v2-denied',
      transport,
      writeBack: true,
    });
    expect(check(denied, 'AUTHORIZATION_SCOPE')).toMatchObject({
      status: 'FAILED',
      region: 'us-east-1',
      awsErrorCode: 'AccessDeniedException',
      remediation: expect.stringContaining('"Action":["securityhub:BatchUpdateFindings"]'),
    });
  });

  it('suggests the API that does answer when the chosen one is off', async () => {
    const accountId = await newAccount([]);
    await hubs(accountId, 'us-east-1', false, true);
    const result = await runConnectionTest(roleTarget(await v2Role(accountId), { regions: ['us-east-1'] }), {
      testId: 'test-cspm',
      transport,
      writeBack: false,
      api: 'CSPM',
    });
    expect(check(result, 'DATA_FETCH').remediation).toMatch(
      /^Enable Security Hub CSPM in us-east-1 .*, or set the connector's api to V2 \(which answers there\)\.$/,
    );
  });
});
