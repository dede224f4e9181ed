import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { DescribeHubCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterEach, describe, expect, it } from 'vitest';

// `npm run emulator -- …` as a person runs it: one JSON line on stdout, then serving.

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
});

function startCli(args: string[]): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, ['src/emulator/cli.ts', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (chunk) => (err += chunk));
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve(JSON.parse(line!) as Record<string, unknown>);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${err}`)));
  });
}

describe('npm run emulator', () => {
  it('prints one JSON line with the endpoint, base credentials, accounts and roles', async () => {
    const info = await startCli([
      '--findings',
      '10000',
      '--accounts',
      '3',
      '--regions',
      'us-east-1,eu-central-1',
    ]);
    expect(info).toEqual({
      endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      baseCredentials: {
        accessKeyId: expect.stringMatching(/^AKIA/),
        secretAccessKey: expect.any(String),
        accountId: '100000000001',
        arn: 'arn:aws:iam::100000000001:user/hubgraph',
      },
      accounts: ['111111111111', '222222222222', '333333333333'],
      roles: expect.arrayContaining([
        expect.objectContaining({
          arn: 'arn:aws:iam::111111111111:role/HubgraphSecurityHubReadOnly',
          accountId: '111111111111',
          externalId: expect.any(String),
        }),
      ]),
    });
    const state = (await (await fetch(`${info.endpoint}/_emulator/state`)).json()) as {
      hubs: { findings: number }[];
    };
    expect(state.hubs.reduce((sum, hub) => sum + hub.findings, 0)).toBe(10_000);
  });

  it('adds a Security Hub administrator of every member account (--administrator)', async () => {
    const info = (await startCli(['--findings', '10', '--administrator'])) as {
      endpoint: string;
      administrator: unknown;
    };
    expect(info.administrator).toEqual({
      arn: 'arn:aws:iam::999999999999:role/HubgraphSecurityHubReadOnly',
      accountId: '999999999999',
      externalId: expect.stringMatching(/^hubgraph-/),
    });
    const state = (await (await fetch(`${info.endpoint}/_emulator/state`)).json()) as {
      administrators: Record<string, string[]>;
    };
    expect(state.administrators).toEqual({ '999999999999': ['111111111111', '222222222222'] });
  });

  it('makes every role require the external ID it is given (--trust-external-id)', async () => {
    const externalId = 'hg-prepared-by-hubgraph-000000000000000';
    const info = (await startCli(['--findings', '0', '--trust-external-id', externalId])) as {
      endpoint: string;
      baseCredentials: { accessKeyId: string; secretAccessKey: string };
      roles: { arn: string; externalId: string }[];
    };
    expect(info.roles.map((role) => role.externalId)).toEqual([externalId, externalId]);
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: info.endpoint,
      credentials: info.baseCredentials,
    });
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: info.roles[1]!.arn,
        RoleSessionName: 'prepared',
        ExternalId: externalId,
      }),
    );
    expect(assumed.Credentials).toBeDefined();
  });

  it('refuses an external ID AWS would refuse (--trust-external-id)', async () => {
    await expect(startCli(['--trust-external-id', 'has spaces'])).rejects.toThrow(
      /--trust-external-id must be 2–1224 letters/,
    );
  });

  it('serves HTTPS with a generated CA when asked (--tls)', async () => {
    const info = (await startCli(['--findings', '10', '--tls'])) as {
      endpoint: string;
      caPemPath: string;
      baseCredentials: { accessKeyId: string; secretAccessKey: string };
      roles: { arn: string; externalId: string }[];
    };
    expect(info.endpoint).toMatch(/^https:\/\/localhost:\d+$/);
    const ca = readFileSync(info.caPemPath, 'utf8');
    expect(ca).toContain('BEGIN CERTIFICATE');
    const requestHandler = new NodeHttpHandler({ httpsAgent: new Agent({ ca }) });
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: info.endpoint,
      credentials: info.baseCredentials,
      requestHandler,
    });
    const role = info.roles[0]!;
    const assumed = await sts.send(
      new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'tls', ExternalId: role.externalId }),
    );
    const hub = new SecurityHubClient({
      region: 'us-east-1',
      endpoint: info.endpoint,
      requestHandler,
      credentials: {
        accessKeyId: assumed.Credentials!.AccessKeyId!,
        secretAccessKey: assumed.Credentials!.SecretAccessKey!,
        sessionToken: assumed.Credentials!.SessionToken!,
      },
    });
    expect((await hub.send(new DescribeHubCommand({}))).HubArn).toContain('111111111111');
    // Without the CA the certificate is not trusted.
    const untrusted = new STSClient({
      region: 'us-east-1',
      endpoint: info.endpoint,
      credentials: info.baseCredentials,
      maxAttempts: 1,
    });
    await expect(
      untrusted.send(
        new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'tls', ExternalId: role.externalId }),
      ),
    ).rejects.toThrow(/certificate/);
  });
});
