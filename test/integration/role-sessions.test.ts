import { afterAll, describe, expect, it } from 'vitest';
import { type AwsTarget, RoleSessionCache } from '../../src/aws/clients.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';

const emulators: RunningEmulator[] = [];
afterAll(async () => {
  await Promise.all(emulators.map((emulator) => emulator.close()));
});

async function setup(now?: Date) {
  const emulator = await startEmulator({ accounts: 1, quotas: false, seed: 41, now });
  emulators.push(emulator);
  const role = emulator.roles[0]!;
  const target: AwsTarget = {
    authMode: 'ASSUME_ROLE',
    sourceMode: 'ACCESS_KEY',
    accessKeyId: emulator.baseCredentials.accessKeyId,
    secretAccessKey: emulator.baseCredentials.secretAccessKey,
    roleArn: role.arn,
    externalId: role.externalId,
    roleSessionName: 'hubgraph-cache-test',
    sessionDurationSeconds: 900,
    regions: ['us-east-1'],
    endpointOverride: emulator.endpoint,
  };
  const assumed = async () =>
    ((await emulator.admin('GET', '/_emulator/counters')) as Record<string, Record<string, number>>)
      .AssumeRole?.['200'] ?? 0;
  return { emulator, target, assumed };
}

const transport = { allowCustomEndpoints: true, endpointAllowList: ['127.0.0.0/8'] };

describe('role sessions', () => {
  it('assumes the role once per connector while the session is fresh', async () => {
    const { target, assumed } = await setup();
    const cache = new RoleSessionCache();
    const provider = cache.credentials('connector-1', target, transport);
    const first = await provider();
    const second = await provider();
    expect(second.accessKeyId).toBe(first.accessKeyId);
    expect(await assumed()).toBe(1);
    // Another configuration (a new external id) is another session.
    await cache.credentials('connector-1', { ...target, roleSessionName: 'other' }, transport)();
    expect(await assumed()).toBe(2);
  });

  it('refreshes a session that expires within five minutes', async () => {
    // The emulator's clock runs 12 minutes behind: its 15-minute sessions expire 3 minutes from now.
    const { target, assumed } = await setup(new Date(Date.now() - 12 * 60_000));
    const provider = new RoleSessionCache().credentials('connector-2', target, transport);
    const first = await provider();
    const second = await provider();
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(await assumed()).toBe(2);
  });

  it('refuses to send credentials to a custom endpoint the operator did not allow', async () => {
    const { target } = await setup();
    const provider = new RoleSessionCache().credentials('connector-3', target, {
      allowCustomEndpoints: false,
    });
    await expect(provider()).rejects.toThrow(/HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS/);
  });
});
