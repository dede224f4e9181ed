import {
  type AwsSecurityFinding,
  DescribeHubCommand,
  GetFindingsCommand,
  ListFindingAggregatorsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BASE_ACCOUNT_ID,
  type EmulatorOptions,
  READ_ROLE_ACTIONS,
  type RunningEmulator,
  startEmulator,
} from '../../../src/emulator/index.ts';
import { trustPolicy } from '../../../src/onboarding/aws-setup.ts';
import { failure, securityHubClient, stsClient } from '../../support/emulator.ts';

// The emulator's admin API (/_emulator/…) as tests, the demo and the benchmarks call it: over HTTP,
// JSON in and out. Each test starts an emulator of its own; each endpoint is checked for what it
// changes in the emulated AWS (seen through the real SDK) and for the bad input it refuses with 4xx.

const START = new Date('2026-11-02T12:00:00.000Z');
const running: RunningEmulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
});

async function anEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = await startEmulator({
    accounts: 1,
    regions: ['us-east-1', 'eu-west-1'],
    seed: 5,
    now: START,
    ...options,
  });
  running.push(emulator);
  return emulator;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** One admin request over HTTP; `body` is sent as JSON, or as is when it is a string. */
async function call(
  emulator: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const response = await fetch(`${emulator.endpoint}${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  expect(response.headers.get('content-type')).toBe('application/json');
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Expects a refusal with this status and an error message matching `message`. */
async function refused(answer: Promise<Answer>, status: number, message: RegExp): Promise<void> {
  const { status: actual, body } = await answer;
  expect({ status: actual, error: body.error }).toEqual({ status, error: expect.stringMatching(message) });
}

const hubClient = (emulator: RunningEmulator, region = 'us-east-1') =>
  securityHubClient(emulator, { region, maxAttempts: 1 });

describe('GET /_emulator/state', () => {
  it('describes the accounts, roles, hubs, quotas, latency and faults the emulator started with', async () => {
    const emulator = await anEmulator({ quotas: true });
    const role = emulator.roles[0]!;
    const answer = await call(emulator, 'GET', '/_emulator/state');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      now: '2026-11-02T12:00:00.000Z',
      accounts: [
        { id: BASE_ACCOUNT_ID, name: 'hubgraph' },
        { id: '111111111111', name: 'account-111111111111' },
      ],
      roles: [
        {
          arn: 'arn:aws:iam::111111111111:role/HubgraphSecurityHubReadOnly',
          accountId: '111111111111',
          trust: {
            principals: [`arn:aws:iam::${BASE_ACCOUNT_ID}:user/hubgraph`],
            externalId: role.externalId,
          },
          actions: READ_ROLE_ACTIONS,
        },
      ],
      hubs: [
        {
          accountId: '111111111111',
          region: 'us-east-1',
          enabled: true,
          findings: 0,
          v2Enabled: false,
          ocsfFindings: 0,
        },
        {
          accountId: '111111111111',
          region: 'eu-west-1',
          enabled: true,
          findings: 0,
          v2Enabled: false,
          ocsfFindings: 0,
        },
      ],
      aggregators: {},
      administrators: {},
      aggregatorsV2: {},
      organizations: {},
      v2: { presence: 'BOTH', mirrorTriage: false },
      quotas: { enabled: true },
      latencyMs: 0,
      faults: { rate: 0, kinds: ['500', '503', 'reset', 'slow'] },
    });
  });

  it('ignores a query string', async () => {
    const emulator = await anEmulator();
    expect((await call(emulator, 'GET', '/_emulator/state?pretty=1')).status).toBe(200);
  });
});

describe('POST /_emulator/accounts', () => {
  it('adds an account', async () => {
    const emulator = await anEmulator();
    expect(
      await call(emulator, 'POST', '/_emulator/accounts', { id: '222233334444', name: 'audit' }),
    ).toEqual({
      status: 200,
      body: { id: '222233334444', name: 'audit' },
    });
    const state = (await call(emulator, 'GET', '/_emulator/state')).body;
    expect(state.accounts).toContainEqual({ id: '222233334444', name: 'audit' });
  });

  it('refuses an account without an id, or with one that is not 12 digits', async () => {
    const emulator = await anEmulator();
    await refused(call(emulator, 'POST', '/_emulator/accounts', {}), 400, /"id" is required/);
    await refused(
      call(emulator, 'POST', '/_emulator/accounts', { id: 222233334444 }),
      400,
      /"id" must be a string/,
    );
    await refused(call(emulator, 'POST', '/_emulator/accounts', { id: 'audit' }), 400, /12-digit/);
    expect((await call(emulator, 'GET', '/_emulator/state')).body.accounts).toHaveLength(2);
  });
});

describe('POST /_emulator/users', () => {
  it('creates an IAM user whose access key signs requests as that user', async () => {
    const emulator = await anEmulator();
    const answer = await call(emulator, 'POST', '/_emulator/users', {
      accountId: '111111111111',
      name: 'auditor',
      actions: ['sts:GetCallerIdentity'],
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      arn: 'arn:aws:iam::111111111111:user/auditor',
      accessKeyId: expect.stringMatching(/^AKIA[A-Z2-7]{16}$/),
      secretAccessKey: expect.stringMatching(/^[A-Za-z0-9+/]{40}$/),
    });
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: {
        accessKeyId: answer.body.accessKeyId as string,
        secretAccessKey: answer.body.secretAccessKey as string,
      },
    });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({
      Account: '111111111111',
      Arn: 'arn:aws:iam::111111111111:user/auditor',
    });
  });

  it('refuses a user of an unknown account, without a name, or with actions that are not a list', async () => {
    const emulator = await anEmulator();
    await refused(
      call(emulator, 'POST', '/_emulator/users', { accountId: '999988887777', name: 'x' }),
      404,
      /999988887777 does not exist/,
    );
    await refused(
      call(emulator, 'POST', '/_emulator/users', { accountId: '111111111111' }),
      400,
      /"name" is required/,
    );
    await refused(
      call(emulator, 'POST', '/_emulator/users', { accountId: '111111111111', name: 'x', actions: '*' }),
      400,
      /"actions" must be a list of strings/,
    );
  });
});

describe('POST /_emulator/roles', () => {
  it('creates a role that the principals it trusts may assume with its external id, and only so', async () => {
    const emulator = await anEmulator();
    const answer = await call(emulator, 'POST', '/_emulator/roles', {
      accountId: '111111111111',
      name: 'Reader',
      trustedPrincipals: [emulator.baseCredentials.arn],
      externalId: 'ext-0123456789abcdef0123456789abcdef',
      actions: ['securityhub:DescribeHub'],
      maxSessionDuration: 7200,
    });
    expect(answer).toEqual({
      status: 200,
      body: { arn: 'arn:aws:iam::111111111111:role/Reader', accountId: '111111111111' },
    });
    const assume = (ExternalId?: string, DurationSeconds = 3600) =>
      stsClient(emulator).send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::111111111111:role/Reader',
          RoleSessionName: 'hubgraph-test',
          ExternalId,
          DurationSeconds,
        }),
      );
    const session = await assume('ext-0123456789abcdef0123456789abcdef', 7200);
    expect(session.AssumedRoleUser?.Arn).toBe('arn:aws:sts::111111111111:assumed-role/Reader/hubgraph-test');
    expect((await failure(assume(undefined))).name).toBe('AccessDenied');
    expect((await failure(assume('ext-0123456789abcdef0123456789abcdef', 7201))).name).toBe(
      'ValidationError',
    );
  });

  it('refuses a role of an unknown account, a session limit outside 1–12 hours, principals that are not a list', async () => {
    const emulator = await anEmulator();
    const role = { accountId: '111111111111', name: 'Reader' };
    await refused(
      call(emulator, 'POST', '/_emulator/roles', { ...role, accountId: '999988887777' }),
      404,
      /999988887777 does not exist/,
    );
    await refused(
      call(emulator, 'POST', '/_emulator/roles', { ...role, maxSessionDuration: 60 }),
      400,
      /"maxSessionDuration" must be .*3600.*43200/,
    );
    await refused(
      call(emulator, 'POST', '/_emulator/roles', { ...role, maxSessionDuration: '2h' }),
      400,
      /"maxSessionDuration" must be/,
    );
    await refused(
      call(emulator, 'POST', '/_emulator/roles', {
        ...role,
        trustedPrincipals: emulator.baseCredentials.arn,
      }),
      400,
      /"trustedPrincipals" must be a list of strings/,
    );
  });
});

describe('PUT /_emulator/roles/trust', () => {
  it('replaces the trust policy: a new external id, or none', async () => {
    const emulator = await anEmulator();
    const role = emulator.roles[0]!;
    const assume = (ExternalId?: string) =>
      stsClient(emulator).send(
        new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'hubgraph-test', ExternalId }),
      );

    const answer = await call(emulator, 'PUT', '/_emulator/roles/trust', {
      roleArn: role.arn,
      externalId: 'ext-rotated-000000000000000000000000',
    });
    expect(answer).toEqual({
      status: 200,
      body: {
        arn: role.arn,
        trust: {
          principals: [emulator.baseCredentials.arn],
          externalId: 'ext-rotated-000000000000000000000000',
        },
      },
    });
    expect((await failure(assume(role.externalId))).name).toBe('AccessDenied');
    expect((await assume('ext-rotated-000000000000000000000000')).Credentials).toBeDefined();

    await call(emulator, 'PUT', '/_emulator/roles/trust', {
      roleArn: role.arn,
      trustedPrincipals: ['222233334444'],
    });
    expect((await failure(assume())).name).toBe('AccessDenied');
  });

  it('refuses an unknown role and a missing role ARN', async () => {
    const emulator = await anEmulator();
    await refused(
      call(emulator, 'PUT', '/_emulator/roles/trust', { roleArn: 'arn:aws:iam::111111111111:role/Nobody' }),
      404,
      /no role arn:aws:iam::111111111111:role\/Nobody/,
    );
    await refused(call(emulator, 'PUT', '/_emulator/roles/trust', {}), 400, /"roleArn" is required/);
  });
});

describe('PUT /_emulator/roles/trust-policy', () => {
  it('takes a trust policy document as-is, as Hubgraph generates it, and enforces its principal and external id', async () => {
    const emulator = await anEmulator();
    const role = emulator.roles[0]!;
    const assume = (ExternalId?: string) =>
      stsClient(emulator).send(
        new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'hubgraph-test', ExternalId }),
      );
    const document = trustPolicy(emulator.baseCredentials.arn, 'hg-from-the-generated-policy-0000000000');

    // As IAM takes it: the document itself, or its JSON text.
    for (const policyDocument of [document, JSON.stringify(document)]) {
      const answer = await call(emulator, 'PUT', '/_emulator/roles/trust-policy', {
        roleArn: role.arn,
        policyDocument,
      });
      expect(answer).toEqual({
        status: 200,
        body: {
          arn: role.arn,
          trust: {
            principals: [emulator.baseCredentials.arn],
            externalId: 'hg-from-the-generated-policy-0000000000',
          },
        },
      });
    }
    expect((await assume('hg-from-the-generated-policy-0000000000')).Credentials).toBeDefined();
    expect((await failure(assume(role.externalId))).name).toBe('AccessDenied');
    expect((await failure(assume())).name).toBe('AccessDenied');

    await call(emulator, 'PUT', '/_emulator/roles/trust-policy', {
      roleArn: role.arn,
      policyDocument: trustPolicy(
        'arn:aws:iam::222233334444:user/someone-else',
        'hg-from-the-generated-policy-0000000000',
      ),
    });
    expect((await failure(assume('hg-from-the-generated-policy-0000000000'))).name).toBe('AccessDenied');
  });

  it('trusts a role session through its role, as AWS does', async () => {
    const emulator = await anEmulator({ accounts: 2 });
    const [first, second] = emulator.roles;
    const session = await stsClient(emulator).send(
      new AssumeRoleCommand({ RoleArn: first!.arn, RoleSessionName: 'hop', ExternalId: first!.externalId }),
    );
    await call(emulator, 'PUT', '/_emulator/roles/trust-policy', {
      roleArn: second!.arn,
      policyDocument: trustPolicy(first!.arn, 'hg-chained-0000000000000000000000000000'),
    });
    await call(emulator, 'PUT', '/_emulator/roles/actions', {
      roleArn: first!.arn,
      actions: ['sts:AssumeRole'],
    });
    const chained = stsClient(emulator, {
      accessKeyId: session.Credentials!.AccessKeyId!,
      secretAccessKey: session.Credentials!.SecretAccessKey!,
      sessionToken: session.Credentials!.SessionToken!,
    } as never);
    const answer = await chained.send(
      new AssumeRoleCommand({
        RoleArn: second!.arn,
        RoleSessionName: 'hop2',
        ExternalId: 'hg-chained-0000000000000000000000000000',
      }),
    );
    expect(answer.AssumedRoleUser!.Arn).toBe(
      `arn:aws:sts::${second!.accountId}:assumed-role/HubgraphSecurityHubReadOnly/hop2`,
    );
  });

  it('refuses what the emulator cannot enforce, naming it, and leaves the trust as it was', async () => {
    const emulator = await anEmulator();
    const role = emulator.roles[0]!;
    const statement = trustPolicy(emulator.baseCredentials.arn, 'hg-x0000000000').Statement[0]!;
    const put = (policyDocument: unknown) =>
      call(emulator, 'PUT', '/_emulator/roles/trust-policy', { roleArn: role.arn, policyDocument });
    await refused(put('{not json'), 400, /not JSON/);
    await refused(put({ Statement: [{ ...statement, Effect: 'Deny' }] }), 400, /Effect "Allow" only/);
    await refused(put({ Statement: [{ ...statement, Principal: { AWS: '*' } }] }), 400, /principal "\*"/);
    await refused(
      put({ Statement: [{ ...statement, Principal: { Service: 'ec2.amazonaws.com' } }] }),
      400,
      /AWS principals only/,
    );
    await refused(
      put({ Statement: [{ ...statement, Condition: { StringLike: { 'sts:ExternalId': 'hg-*' } } }] }),
      400,
      /StringEquals/,
    );
    await refused(
      put({ Statement: [{ ...statement, Action: 'sts:TagSession' }] }),
      400,
      /No statement allows sts:AssumeRole/,
    );
    await refused(
      call(emulator, 'PUT', '/_emulator/roles/trust-policy', { roleArn: role.arn }),
      400,
      /"policyDocument" is required/,
    );
    const state = (await call(emulator, 'GET', '/_emulator/state')).body as { roles: { trust: unknown }[] };
    expect(state.roles[0]!.trust).toEqual({
      principals: [emulator.baseCredentials.arn],
      externalId: role.externalId,
    });
  });
});

describe('PUT /_emulator/roles/policy', () => {
  it("takes a permissions policy document as-is: its actions become what the role's sessions may do", async () => {
    const emulator = await anEmulator();
    const role = emulator.roles[0]!;
    const client = await hubClient(emulator);
    const answer = await call(emulator, 'PUT', '/_emulator/roles/policy', {
      roleArn: role.arn,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Sid: 'Read', Effect: 'Allow', Action: ['securityhub:DescribeHub'], Resource: '*' }],
      },
    });
    expect(answer).toEqual({ status: 200, body: { arn: role.arn, actions: ['securityhub:DescribeHub'] } });
    expect((await client.send(new DescribeHubCommand({}))).HubArn).toContain('111111111111');
    expect(await failure(client.send(new GetFindingsCommand({})))).toMatchObject({
      name: 'AccessDeniedException',
    });
  });

  it('refuses resource-level grants and conditions, which it cannot enforce', async () => {
    const emulator = await anEmulator();
    const put = (statement: Record<string, unknown>) =>
      call(emulator, 'PUT', '/_emulator/roles/policy', {
        roleArn: emulator.roles[0]!.arn,
        policyDocument: {
          Statement: [{ Effect: 'Allow', Action: 'securityhub:GetFindings', Resource: '*', ...statement }],
        },
      });
    await refused(
      put({ Resource: 'arn:aws:securityhub:us-east-1:111111111111:hub/default' }),
      400,
      /Resource must be "\*"/,
    );
    await refused(put({ Condition: { Bool: { 'aws:SecureTransport': 'true' } } }), 400, /conditions/);
  });
});

describe('POST /_emulator/roles with policy documents', () => {
  it('creates a role from a trust policy and a permissions policy', async () => {
    const emulator = await anEmulator();
    const { arn } = (
      await call(emulator, 'POST', '/_emulator/roles', {
        accountId: emulator.accounts[0],
        name: 'FromDocuments',
        assumeRolePolicyDocument: trustPolicy(emulator.baseCredentials.arn, 'hg-documents-000000000000'),
        policyDocument: {
          Statement: [{ Effect: 'Allow', Action: 'securityhub:DescribeHub', Resource: '*' }],
        },
      })
    ).body as { arn: string };
    const assumed = await stsClient(emulator).send(
      new AssumeRoleCommand({
        RoleArn: arn,
        RoleSessionName: 'docs',
        ExternalId: 'hg-documents-000000000000',
      }),
    );
    expect(assumed.AssumedRoleUser!.Arn).toContain('FromDocuments');
    const state = (await call(emulator, 'GET', '/_emulator/state')).body as {
      roles: { arn: string; actions: string[] }[];
    };
    expect(state.roles.find((role) => role.arn === arn)!.actions).toEqual(['securityhub:DescribeHub']);
  });
});

describe('PUT /_emulator/roles/actions', () => {
  it("replaces what the role's sessions may do", async () => {
    const emulator = await anEmulator();
    const role = emulator.roles[0]!;
    const client = await hubClient(emulator);
    const answer = await call(emulator, 'PUT', '/_emulator/roles/actions', {
      roleArn: role.arn,
      actions: ['securityhub:DescribeHub'],
    });
    expect(answer).toEqual({ status: 200, body: { arn: role.arn, actions: ['securityhub:DescribeHub'] } });
    expect((await client.send(new DescribeHubCommand({}))).HubArn).toBe(
      'arn:aws:securityhub:us-east-1:111111111111:hub/default',
    );
    const denied = await failure(client.send(new GetFindingsCommand({})));
    expect(denied).toMatchObject({ name: 'AccessDeniedException', status: 403 });
  });

  it('refuses an unknown role and actions that are not a list', async () => {
    const emulator = await anEmulator();
    await refused(
      call(emulator, 'PUT', '/_emulator/roles/actions', { roleArn: 'arn:aws:iam::111111111111:role/Nobody' }),
      404,
      /no role/,
    );
    await refused(
      call(emulator, 'PUT', '/_emulator/roles/actions', { roleArn: emulator.roles[0]!.arn, actions: [1] }),
      400,
      /"actions" must be a list of strings/,
    );
  });
});

describe('PUT /_emulator/hubs', () => {
  it('disables and enables Security Hub in an account and Region', async () => {
    const emulator = await anEmulator();
    const client = await hubClient(emulator, 'eu-west-1');
    const hub = { accountId: '111111111111', region: 'eu-west-1' };
    expect(await call(emulator, 'PUT', '/_emulator/hubs', { ...hub, enabled: false })).toEqual({
      status: 200,
      body: { ...hub, enabled: false, v2Enabled: false },
    });
    expect(await failure(client.send(new DescribeHubCommand({})))).toMatchObject({
      name: 'InvalidAccessException',
      status: 401,
    });
    expect(await call(emulator, 'PUT', '/_emulator/hubs', hub)).toEqual({
      status: 200,
      body: { ...hub, enabled: true, v2Enabled: false },
    });
    expect((await client.send(new DescribeHubCommand({}))).SubscribedAt).toBe(START.toISOString());
  });

  it('refuses a hub without account or Region, and an `enabled` that is not true or false', async () => {
    const emulator = await anEmulator();
    await refused(
      call(emulator, 'PUT', '/_emulator/hubs', { region: 'us-east-1' }),
      400,
      /"accountId" is required/,
    );
    await refused(
      call(emulator, 'PUT', '/_emulator/hubs', { accountId: '111111111111' }),
      400,
      /"region" is required/,
    );
    await refused(
      call(emulator, 'PUT', '/_emulator/hubs', {
        accountId: '111111111111',
        region: 'us-east-1',
        enabled: 'no',
      }),
      400,
      /"enabled" must be true or false/,
    );
    const hubs = (await call(emulator, 'GET', '/_emulator/state')).body.hubs;
    expect(hubs).toContainEqual({
      accountId: '111111111111',
      region: 'us-east-1',
      enabled: true,
      findings: 0,
      v2Enabled: false,
      ocsfFindings: 0,
    });
  });
});

describe('POST and DELETE /_emulator/aggregators', () => {
  it('creates a finding aggregator that ListFindingAggregators returns, and removes it', async () => {
    const emulator = await anEmulator();
    const created = await call(emulator, 'POST', '/_emulator/aggregators', {
      accountId: '111111111111',
      region: 'us-east-1',
      regionLinkingMode: 'SPECIFIED_REGIONS',
      regions: ['eu-west-1'],
    });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      arn: expect.stringMatching(
        /^arn:aws:securityhub:us-east-1:111111111111:finding-aggregator\/[0-9a-f-]{36}$/,
      ),
      region: 'us-east-1',
      regionLinkingMode: 'SPECIFIED_REGIONS',
      regions: ['eu-west-1'],
    });
    const client = await hubClient(emulator);
    expect((await client.send(new ListFindingAggregatorsCommand({}))).FindingAggregators).toEqual([
      { FindingAggregatorArn: created.body.arn },
    ]);
    expect(await call(emulator, 'DELETE', '/_emulator/aggregators', { accountId: '111111111111' })).toEqual({
      status: 200,
      body: { arn: created.body.arn },
    });
    expect((await client.send(new ListFindingAggregatorsCommand({}))).FindingAggregators).toEqual([]);
  });

  it('refuses an unknown mode, a Regions list the mode does not take, a second aggregator, and deleting none', async () => {
    const emulator = await anEmulator();
    const aggregator = { accountId: '111111111111', region: 'us-east-1' };
    await refused(
      call(emulator, 'POST', '/_emulator/aggregators', { ...aggregator, regionLinkingMode: 'SOME_REGIONS' }),
      400,
      /"regionLinkingMode" must be one of ALL_REGIONS/,
    );
    await refused(
      call(emulator, 'POST', '/_emulator/aggregators', {
        ...aggregator,
        regionLinkingMode: 'SPECIFIED_REGIONS',
      }),
      400,
      /"regions" is required with SPECIFIED_REGIONS/,
    );
    await refused(
      call(emulator, 'POST', '/_emulator/aggregators', { ...aggregator, regions: ['eu-west-1'] }),
      400,
      /"regions" is not allowed with ALL_REGIONS/,
    );
    expect((await call(emulator, 'POST', '/_emulator/aggregators', aggregator)).status).toBe(200);
    await refused(
      call(emulator, 'POST', '/_emulator/aggregators', aggregator),
      409,
      /already has a finding aggregator/,
    );
    await refused(
      call(emulator, 'DELETE', '/_emulator/aggregators', { accountId: '222233334444' }),
      404,
      /222233334444 has no finding aggregator/,
    );
  });
});

describe('PUT and DELETE /_emulator/administrator', () => {
  it('makes an account the Security Hub administrator of members, and removes it', async () => {
    const emulator = await anEmulator();
    expect(
      await call(emulator, 'PUT', '/_emulator/administrator', {
        administratorAccountId: '999999999999',
        memberAccountIds: ['111111111111', '111111111111'],
      }),
    ).toEqual({
      status: 200,
      body: { administratorAccountId: '999999999999', memberAccountIds: ['111111111111'] },
    });
    const state = (await call(emulator, 'GET', '/_emulator/state')).body;
    expect(state.administrators).toEqual({ '999999999999': ['111111111111'] });
    expect(state.accounts).toContainEqual({ id: '999999999999', name: 'account-999999999999' });
    expect(
      await call(emulator, 'DELETE', '/_emulator/administrator', { administratorAccountId: '999999999999' }),
    ).toEqual({
      status: 200,
      body: { administratorAccountId: '999999999999', memberAccountIds: ['111111111111'] },
    });
    expect((await call(emulator, 'GET', '/_emulator/state')).body.administrators).toEqual({});
  });

  it('refuses ids that are not 12 digits, an account as its own member, and removing a non-administrator', async () => {
    const emulator = await anEmulator();
    await refused(
      call(emulator, 'PUT', '/_emulator/administrator', { administratorAccountId: '9999' }),
      400,
      /"administratorAccountId" must be a 12-digit account id/,
    );
    await refused(
      call(emulator, 'PUT', '/_emulator/administrator', {
        administratorAccountId: '999999999999',
        memberAccountIds: ['member-1'],
      }),
      400,
      /"memberAccountIds" holds "member-1"/,
    );
    await refused(
      call(emulator, 'PUT', '/_emulator/administrator', {
        administratorAccountId: '111111111111',
        memberAccountIds: ['111111111111'],
      }),
      400,
      /cannot be its own member/,
    );
    await refused(
      call(emulator, 'DELETE', '/_emulator/administrator', { administratorAccountId: '111111111111' }),
      404,
      /111111111111 is no administrator/,
    );
  });
});

describe('POST /_emulator/seed', () => {
  it('generates findings into the accounts and Regions it is given', async () => {
    const emulator = await anEmulator();
    const answer = await call(emulator, 'POST', '/_emulator/seed', {
      findings: 25,
      seed: 9,
      accountIds: ['111111111111'],
      regions: ['eu-west-1'],
    });
    expect(answer).toEqual({ status: 200, body: { imported: 25 } });
    const hubs = (await call(emulator, 'GET', '/_emulator/state')).body.hubs;
    expect(hubs).toEqual([
      {
        accountId: '111111111111',
        region: 'us-east-1',
        enabled: true,
        findings: 0,
        v2Enabled: false,
        ocsfFindings: 0,
      },
      // The AWS products' findings also get their OCSF twins (the new Security Hub's store).
      {
        accountId: '111111111111',
        region: 'eu-west-1',
        enabled: true,
        findings: 25,
        v2Enabled: false,
        ocsfFindings: expect.any(Number),
      },
    ]);
    const page = await (await hubClient(emulator, 'eu-west-1')).send(
      new GetFindingsCommand({ MaxResults: 100 }),
    );
    expect(page.Findings).toHaveLength(25);
    expect(new Set(page.Findings!.map((finding) => finding.AwsAccountId))).toEqual(new Set(['111111111111']));
  });

  it('refuses a count that is not a whole number ≥ 0, accounts that are not account ids, Regions that are not a list', async () => {
    const emulator = await anEmulator();
    await refused(call(emulator, 'POST', '/_emulator/seed', { findings: 'ten' }), 400, /"findings" must be/);
    await refused(call(emulator, 'POST', '/_emulator/seed', { findings: -1 }), 400, /"findings" must be/);
    await refused(call(emulator, 'POST', '/_emulator/seed', { findings: 2.5 }), 400, /"findings" must be/);
    await refused(
      call(emulator, 'POST', '/_emulator/seed', { findings: 1, accountIds: ['prod'] }),
      400,
      /"accountIds" holds "prod"/,
    );
    await refused(
      call(emulator, 'POST', '/_emulator/seed', { findings: 1, regions: 'us-east-1' }),
      400,
      /"regions" must be a list of strings/,
    );
    const hubs = (await call(emulator, 'GET', '/_emulator/state')).body.hubs as { findings: number }[];
    expect(hubs.map((hub) => hub.findings)).toEqual([0, 0]);
  });
});

/** A finding as its provider (Inspector) would import it, written out by hand. */
function aProviderFinding(overrides: Partial<AwsSecurityFinding> = {}): AwsSecurityFinding {
  return {
    SchemaVersion: '2018-10-08',
    Id: 'arn:aws:inspector2:us-east-1:111111111111:finding/0123456789abcdef0123456789abcdef',
    ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector',
    GeneratorId: 'AWSInspector',
    AwsAccountId: '111111111111',
    Region: 'us-east-1',
    Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
    CreatedAt: '2026-11-01T09:00:00.000Z',
    UpdatedAt: '2026-11-01T09:00:00.000Z',
    Severity: { Label: 'HIGH', Normalized: 70 },
    Title: 'CVE-2024-3094 - xz',
    Description: 'Malicious code in xz-utils 5.6.0 and 5.6.1.',
    Resources: [{ Type: 'AwsEc2Instance', Id: 'arn:aws:ec2:us-east-1:111111111111:instance/i-0abc' }],
    ...overrides,
  };
}

describe('POST /_emulator/findings', () => {
  it('imports findings as their provider does, with what Security Hub adds', async () => {
    const emulator = await anEmulator();
    expect(await call(emulator, 'POST', '/_emulator/findings', { findings: [aProviderFinding()] })).toEqual({
      status: 200,
      body: { imported: 1 },
    });
    const { Findings } = await (await hubClient(emulator)).send(new GetFindingsCommand({}));
    expect(Findings).toHaveLength(1);
    expect(Findings![0]).toMatchObject({
      Id: aProviderFinding().Id,
      Title: 'CVE-2024-3094 - xz',
      ProductName: 'Inspector',
      CompanyName: 'Amazon',
      ProcessedAt: START.toISOString(),
      RecordState: 'ACTIVE',
      Workflow: { Status: 'NEW' },
      ProductFields: {
        'aws/securityhub/FindingId': `${aProviderFinding().ProductArn}/${aProviderFinding().Id}`,
        'aws/securityhub/ProductName': 'Inspector',
        'aws/securityhub/CompanyName': 'Amazon',
      },
    });
  });

  it('refuses a body without a list of findings, and a finding without its identity, importing none', async () => {
    const emulator = await anEmulator();
    await refused(call(emulator, 'POST', '/_emulator/findings', {}), 400, /"findings" must be a list/);
    await refused(
      call(emulator, 'POST', '/_emulator/findings', { findings: aProviderFinding() }),
      400,
      /"findings" must be a list/,
    );
    await refused(
      call(emulator, 'POST', '/_emulator/findings', {
        findings: [aProviderFinding(), aProviderFinding({ Id: undefined }), 'not a finding'],
      }),
      400,
      /findings\[1\].*Id/,
    );
    const hubs = (await call(emulator, 'GET', '/_emulator/state')).body.hubs as { findings: number }[];
    expect(hubs.map((hub) => hub.findings)).toEqual([0, 0]);
  });
});

describe('PUT /_emulator/quotas', () => {
  it('throttles an operation at the rate and burst it is given, until reset; off, nothing is throttled', async () => {
    const emulator = await anEmulator({ quotas: true });
    const client = await hubClient(emulator);
    expect(
      await call(emulator, 'PUT', '/_emulator/quotas', { operation: 'GetFindings', rate: 0.01, burst: 1 }),
    ).toEqual({ status: 200, body: { enabled: true, overrides: { GetFindings: { rate: 0.01, burst: 1 } } } });
    await client.send(new GetFindingsCommand({}));
    expect(await failure(client.send(new GetFindingsCommand({})))).toMatchObject({
      name: 'TooManyRequestsException',
      status: 429,
    });
    // Other operations keep AWS's quotas.
    await client.send(new DescribeHubCommand({}));

    expect(await call(emulator, 'PUT', '/_emulator/quotas', { reset: true })).toEqual({
      status: 200,
      body: { enabled: true, overrides: {} },
    });
    await client.send(new GetFindingsCommand({}));

    await call(emulator, 'PUT', '/_emulator/quotas', {
      enabled: false,
      operation: 'GetFindings',
      rate: 0.01,
      burst: 1,
    });
    for (let i = 0; i < 5; i++) await client.send(new GetFindingsCommand({}));
    expect((await call(emulator, 'GET', '/_emulator/state')).body.quotas).toEqual({ enabled: false });
  });

  it('refuses a rate or burst that is not a positive number, and an `enabled` that is not true or false', async () => {
    const emulator = await anEmulator();
    await refused(call(emulator, 'PUT', '/_emulator/quotas', { rate: 'fast' }), 400, /"rate" must be/);
    await refused(call(emulator, 'PUT', '/_emulator/quotas', { rate: 0 }), 400, /"rate" must be/);
    await refused(call(emulator, 'PUT', '/_emulator/quotas', { rate: 3, burst: -1 }), 400, /"burst" must be/);
    await refused(
      call(emulator, 'PUT', '/_emulator/quotas', { enabled: 'yes' }),
      400,
      /"enabled" must be true or false/,
    );
    expect(emulator.emulator.limiter.overrides).toEqual({});
  });
});

describe('PUT /_emulator/latency', () => {
  it('delays every AWS request, and never the admin API', async () => {
    const emulator = await anEmulator();
    const client = await hubClient(emulator);
    expect(await call(emulator, 'PUT', '/_emulator/latency', { ms: 400 })).toEqual({
      status: 200,
      body: { latencyMs: 400 },
    });
    const started = performance.now();
    await client.send(new DescribeHubCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(400);

    await call(emulator, 'PUT', '/_emulator/latency', { ms: 20_000 });
    const adminStarted = performance.now();
    expect((await call(emulator, 'GET', '/_emulator/state')).body.latencyMs).toBe(20_000);
    expect(performance.now() - adminStarted).toBeLessThan(10_000);
  });

  it('refuses a latency that is not a number ≥ 0', async () => {
    const emulator = await anEmulator();
    await refused(
      call(emulator, 'PUT', '/_emulator/latency', { ms: -1 }),
      400,
      /"ms" must be a non-negative number/,
    );
    await refused(
      call(emulator, 'PUT', '/_emulator/latency', { ms: '1s' }),
      400,
      /"ms" must be a non-negative number/,
    );
    await refused(call(emulator, 'PUT', '/_emulator/latency', {}), 400, /"ms" must be a non-negative number/);
  });
});

describe('PUT /_emulator/faults', () => {
  it('answers AWS requests with the injected faults at the given rate, and the admin API never', async () => {
    const emulator = await anEmulator();
    const client: SecurityHubClient = await hubClient(emulator);
    expect(await call(emulator, 'PUT', '/_emulator/faults', { rate: 1, kinds: ['503'] })).toEqual({
      status: 200,
      body: { rate: 1, kinds: ['503'], duplicatePages: 0 },
    });
    expect(await failure(client.send(new DescribeHubCommand({})))).toMatchObject({
      name: 'ServiceUnavailableException',
      status: 503,
    });
    expect((await call(emulator, 'GET', '/_emulator/state')).body.faults).toEqual({
      rate: 1,
      kinds: ['503'],
    });
    await call(emulator, 'PUT', '/_emulator/faults', { rate: 0 });
    expect((await client.send(new DescribeHubCommand({}))).HubArn).toBeDefined();
  });

  it('serves a GetFindings page twice when asked (its NextToken leads back to it)', async () => {
    const emulator = await anEmulator();
    await call(emulator, 'POST', '/_emulator/seed', {
      findings: 30,
      accountIds: ['111111111111'],
      regions: ['us-east-1'],
    });
    expect(await call(emulator, 'PUT', '/_emulator/faults', { duplicatePages: 1 })).toEqual({
      status: 200,
      body: { duplicatePages: 1 },
    });
    const client = await hubClient(emulator);
    const first = await client.send(new GetFindingsCommand({ MaxResults: 10 }));
    const again = await client.send(new GetFindingsCommand({ MaxResults: 10, NextToken: first.NextToken }));
    const ids = (page: typeof first) => page.Findings!.map((finding) => finding.Id);
    expect(ids(again)).toEqual(ids(first));
    const next = await client.send(new GetFindingsCommand({ MaxResults: 10, NextToken: again.NextToken }));
    expect(ids(next).some((id) => ids(first).includes(id))).toBe(false);
  });

  it('refuses a rate outside 0–1, unknown kinds, and a duplicatePages that is not a whole number ≥ 0', async () => {
    const emulator = await anEmulator();
    await refused(
      call(emulator, 'PUT', '/_emulator/faults', { rate: 2 }),
      400,
      /"rate" must be between 0 and 1/,
    );
    await refused(call(emulator, 'PUT', '/_emulator/faults', {}), 400, /"rate" must be between 0 and 1/);
    await refused(
      call(emulator, 'PUT', '/_emulator/faults', { rate: 0.5, kinds: ['418'] }),
      400,
      /fault kinds are 429, 500, 503, reset, slow/,
    );
    await refused(
      call(emulator, 'PUT', '/_emulator/faults', { duplicatePages: 1.5 }),
      400,
      /"duplicatePages" must be a non-negative integer/,
    );
    expect((await call(emulator, 'GET', '/_emulator/state')).body.faults).toEqual({
      rate: 0,
      kinds: ['500', '503', 'reset', 'slow'],
    });
  });
});

describe('POST /_emulator/clock/advance', () => {
  it("moves Security Hub's clock", async () => {
    const emulator = await anEmulator();
    expect(
      await call(emulator, 'POST', '/_emulator/clock/advance', { seconds: 5400, evolve: false }),
    ).toEqual({
      status: 200,
      body: { now: '2026-11-02T13:30:00.000Z', updated: 0, created: 0 },
    });
    expect((await call(emulator, 'GET', '/_emulator/state')).body.now).toBe('2026-11-02T13:30:00.000Z');
  });

  it('refuses a time that is not a number ≥ 0, and an `evolve` that is not true or false', async () => {
    const emulator = await anEmulator();
    await refused(
      call(emulator, 'POST', '/_emulator/clock/advance', { seconds: -60 }),
      400,
      /"seconds" must be a non-negative number/,
    );
    await refused(
      call(emulator, 'POST', '/_emulator/clock/advance', { seconds: '1h' }),
      400,
      /"seconds" must be a non-negative number/,
    );
    await refused(
      call(emulator, 'POST', '/_emulator/clock/advance', { seconds: 60, evolve: 'no' }),
      400,
      /"evolve" must be true or false/,
    );
    expect((await call(emulator, 'GET', '/_emulator/state')).body.now).toBe(START.toISOString());
  });
});

describe('GET and DELETE /_emulator/counters', () => {
  it('counts AWS requests by operation and status, and starts again when cleared', async () => {
    const emulator = await anEmulator();
    const client = await hubClient(emulator); // one AssumeRole
    await client.send(new DescribeHubCommand({}));
    await client.send(new DescribeHubCommand({}));
    await call(emulator, 'PUT', '/_emulator/roles/actions', { roleArn: emulator.roles[0]!.arn, actions: [] });
    await failure(client.send(new DescribeHubCommand({})));
    expect(await call(emulator, 'GET', '/_emulator/counters')).toEqual({
      status: 200,
      body: {
        AssumeRole: { '200': 1, total: 1 },
        DescribeHub: { '200': 2, '403': 1, total: 3 },
      },
    });
    expect(await call(emulator, 'DELETE', '/_emulator/counters')).toEqual({ status: 200, body: {} });
    expect(await call(emulator, 'GET', '/_emulator/counters')).toEqual({ status: 200, body: {} });
  });
});

describe('requests the admin API does not understand', () => {
  it('answers an unknown route with 404 and the routes it has', async () => {
    const emulator = await anEmulator();
    for (const [method, path] of [
      ['GET', '/_emulator/nothing'],
      ['DELETE', '/_emulator/state'],
      ['GET', '/_emulator/seed'],
    ] as const) {
      const answer = await call(emulator, method, path);
      expect(answer.status).toBe(404);
      expect(answer.body.error).toBe(`no admin route ${method} ${path}`);
      expect(answer.body.routes).toContain('GET /_emulator/state');
      expect(answer.body.routes).toContain('POST /_emulator/seed');
    }
  });

  it('refuses a body that is not JSON, or not a JSON object', async () => {
    const emulator = await anEmulator();
    await refused(call(emulator, 'PUT', '/_emulator/latency', '{"ms": '), 400, /JSON/);
    for (const body of ['null', '[]', '"fast"', '3']) {
      await refused(call(emulator, 'PUT', '/_emulator/latency', body), 400, /must be a JSON object/);
    }
  });
});
