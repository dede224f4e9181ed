import { DescribeHubCommand, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../../src/emulator/index.ts';
import { assumeReadRole, failure, stsClient } from '../../support/emulator.ts';

// A fresh emulator for each test: a clock one test moves on (to expire a session) or a user it adds
// is no other test's.
let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({ findings: 50, accounts: 2, quotas: false, seed: 11 });
});

afterEach(async () => {
  await emulator?.close();
});

describe('STS', () => {
  it('tells the caller who it is', async () => {
    const identity = await stsClient(emulator).send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({
      Account: '100000000001',
      Arn: 'arn:aws:iam::100000000001:user/hubgraph',
      UserId: expect.stringMatching(/^AIDA/),
    });
  });

  it('assumes a role that trusts the caller with the right external id', async () => {
    const role = emulator.roles[0]!;
    const result = await stsClient(emulator).send(
      new AssumeRoleCommand({
        RoleArn: role.arn,
        RoleSessionName: 'hubgraph-sync',
        ExternalId: role.externalId,
        DurationSeconds: 900,
      }),
    );
    expect(result.AssumedRoleUser).toEqual({
      Arn: `arn:aws:sts::${role.accountId}:assumed-role/HubgraphSecurityHubReadOnly/hubgraph-sync`,
      AssumedRoleId: expect.stringMatching(/^AROA.*:hubgraph-sync$/),
    });
    expect(result.Credentials).toMatchObject({
      AccessKeyId: expect.stringMatching(/^ASIA/),
      SessionToken: expect.any(String),
    });
    expect(
      result.Credentials!.Expiration!.getTime() - emulator.emulator.clock.now().getTime(),
    ).toBeGreaterThan(890_000);
    const session = sessionClient(result.Credentials!);
    expect((await session.send(new GetCallerIdentityCommand({}))).Arn).toBe(result.AssumedRoleUser!.Arn);
  });

  function sessionClient(credentials: {
    AccessKeyId?: string;
    SecretAccessKey?: string;
    SessionToken?: string;
  }) {
    return stsClient(emulator, {
      accessKeyId: credentials.AccessKeyId!,
      secretAccessKey: credentials.SecretAccessKey!,
      sessionToken: credentials.SessionToken!,
    } as never);
  }

  it('answers a wrong external id and an untrusted principal with the same AccessDenied 403', async () => {
    const role = emulator.roles[0]!;
    const wrongId = await failure(
      stsClient(emulator).send(
        new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 's1', ExternalId: 'someone-elses-id' }),
      ),
    );
    const noId = await failure(
      stsClient(emulator).send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 's1' })),
    );
    const stranger = (await emulator.admin('POST', '/_emulator/users', {
      accountId: '100000000001',
      name: 'intruder',
      actions: ['sts:AssumeRole'],
    })) as { accessKeyId: string; secretAccessKey: string };
    const untrusted = await failure(
      stsClient(emulator, stranger as never).send(
        new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 's1', ExternalId: role.externalId }),
      ),
    );
    const expected = (caller: string) => ({
      name: 'AccessDenied',
      status: 403,
      message: `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${role.arn}`,
    });
    expect(wrongId).toEqual(expected('arn:aws:iam::100000000001:user/hubgraph'));
    expect(noId).toEqual(expected('arn:aws:iam::100000000001:user/hubgraph'));
    expect(untrusted).toEqual(expected('arn:aws:iam::100000000001:user/intruder'));
  });

  it('validates duration and session name as AWS does', async () => {
    const role = emulator.roles[0]!;
    const assume = (input: Record<string, unknown>) =>
      failure(
        stsClient(emulator).send(
          new AssumeRoleCommand({
            RoleArn: role.arn,
            RoleSessionName: 'ok',
            ExternalId: role.externalId,
            ...input,
          }),
        ),
      );
    expect(await assume({ DurationSeconds: 899 })).toMatchObject({
      name: 'ValidationError',
      status: 400,
      message: expect.stringMatching(/durationSeconds/),
    });
    await emulator.admin('POST', '/_emulator/roles', {
      accountId: role.accountId,
      name: 'ShortRole',
      trustedPrincipals: ['arn:aws:iam::100000000001:user/hubgraph'],
      actions: [],
      maxSessionDuration: 3600,
    });
    expect(
      await failure(
        stsClient(emulator).send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${role.accountId}:role/ShortRole`,
            RoleSessionName: 'ok',
            DurationSeconds: 7200,
          }),
        ),
      ),
    ).toEqual({
      name: 'ValidationError',
      status: 400,
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    });
    expect(await assume({ RoleSessionName: 'has spaces' })).toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/roleSessionName/),
    });
    expect(await assume({ RoleSessionName: 'x' })).toMatchObject({ name: 'ValidationError' });
  });
});

describe('SigV4 verification', () => {
  it('refuses an unknown access key (UnrecognizedClientException / InvalidClientTokenId, 403)', async () => {
    const fake = { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'x'.repeat(40) };
    const hub = new SecurityHubClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: fake,
    });
    expect(await failure(hub.send(new DescribeHubCommand({})))).toEqual({
      name: 'UnrecognizedClientException',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
    expect(
      await failure(stsClient(emulator, fake as never).send(new GetCallerIdentityCommand({}))),
    ).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
  });

  it('refuses a wrong secret (InvalidSignatureException / SignatureDoesNotMatch, 403)', async () => {
    const wrong = {
      accessKeyId: emulator.baseCredentials.accessKeyId,
      secretAccessKey: 'not-the-secret-not-the-secret-not-the-se',
    };
    expect(
      await failure(stsClient(emulator, wrong as never).send(new GetCallerIdentityCommand({}))),
    ).toMatchObject({
      name: 'SignatureDoesNotMatch',
      status: 403,
      message: expect.stringMatching(/signature we calculated does not match/),
    });
    const session = await assumeReadRole(emulator);
    const hub = new SecurityHubClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { ...session, secretAccessKey: `${session.secretAccessKey}x` },
    });
    expect(await failure(hub.send(new DescribeHubCommand({})))).toMatchObject({
      name: 'InvalidSignatureException',
      status: 403,
    });
  });

  it('refuses a body changed after signing', async () => {
    const hub = new SecurityHubClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: await assumeReadRole(emulator),
    });
    hub.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body?: string; headers: Record<string, string> };
        request.body = JSON.stringify({ MaxResults: 100 });
        request.headers['content-length'] = String(Buffer.byteLength(request.body));
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'tamper-after-signing' },
    );
    expect(await failure(hub.send(new GetFindingsCommand({ MaxResults: 1 })))).toMatchObject({
      name: 'InvalidSignatureException',
      status: 403,
    });
  });

  it('refuses a request signed with a skewed clock', async () => {
    const hub = new SecurityHubClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: await assumeReadRole(emulator),
      systemClockOffset: -60 * 60 * 1000,
      maxAttempts: 1,
    });
    expect(await failure(hub.send(new DescribeHubCommand({})))).toMatchObject({
      name: 'InvalidSignatureException',
      status: 403,
      message: expect.stringMatching(/^Signature expired/),
    });
  });

  it('refuses temporary credentials once they expire (ExpiredTokenException)', async () => {
    const session = await assumeReadRole(emulator, 1, 900);
    const hub = new SecurityHubClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: session,
    });
    expect((await hub.send(new DescribeHubCommand({}))).HubArn).toBeDefined();
    await emulator.admin('POST', '/_emulator/clock/advance', { seconds: 901, evolve: false });
    expect(await failure(hub.send(new DescribeHubCommand({})))).toEqual({
      name: 'ExpiredTokenException',
      status: 403,
      message: 'The security token included in the request is expired',
    });
    const sts = stsClient(emulator, session as never);
    expect(await failure(sts.send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: 'ExpiredTokenException',
      status: 400,
    });
  });

  it("refuses a session token that is missing or not the session's", async () => {
    const session = await assumeReadRole(emulator);
    const hub = new SecurityHubClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey },
    });
    expect(await failure(hub.send(new DescribeHubCommand({})))).toMatchObject({
      name: 'UnrecognizedClientException',
      status: 403,
    });
  });

  it('refuses a request without any signature', async () => {
    const response = await fetch(`${emulator.endpoint}/findings`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });
});
