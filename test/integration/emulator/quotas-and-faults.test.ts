import { DescribeHubCommand, GetFindingsCommand } from '@aws-sdk/client-securityhub';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../../src/emulator/index.ts';
import { failure, securityHubClient } from '../../support/emulator.ts';

// A fresh emulator for each test: its token buckets, counters and seeded fault sequence start where
// the test expects them, whatever ran before.
let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({ findings: 100, accounts: 1, seed: 21 });
});

afterEach(async () => {
  await emulator?.close();
});

const counters = async () =>
  (await emulator.admin('GET', '/_emulator/counters')) as Record<string, Record<string, number>>;

describe('quotas', () => {
  it("throttles a burst of GetFindings at 3/s with burst 6, and the SDK's retries get through", async () => {
    const hub = await securityHubClient(emulator, { maxAttempts: 5 });
    const results = await Promise.all(
      Array.from({ length: 10 }, () => hub.send(new GetFindingsCommand({ MaxResults: 1 }))),
    );
    expect(results.every((result) => result.Findings!.length === 1)).toBe(true);
    const getFindings = (await counters()).GetFindings!;
    expect(getFindings['429']).toBeGreaterThan(0);
    expect(getFindings['200']).toBe(10);
  });

  it('surfaces TooManyRequestsException 429 when the retries run out', async () => {
    const hub = await securityHubClient(emulator, { maxAttempts: 1 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => hub.send(new GetFindingsCommand({ MaxResults: 1 }))),
    );
    const rejected = outcomes.filter((outcome) => outcome.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected.length).toBe(2);
    expect((rejected[0]!.reason as Error).name).toBe('TooManyRequestsException');
    expect((rejected[0]!.reason as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(
      429,
    );
  });

  it('keeps other operations on their own bucket (10/s, burst 30) and can be switched off', async () => {
    const hub = await securityHubClient(emulator, { maxAttempts: 1 });
    const describe = await Promise.allSettled(
      Array.from({ length: 12 }, () => hub.send(new DescribeHubCommand({}))),
    );
    expect(describe.every((outcome) => outcome.status === 'fulfilled')).toBe(true);
    await emulator.admin('PUT', '/_emulator/quotas', { enabled: false });
    const unthrottled = await Promise.allSettled(
      Array.from({ length: 20 }, () => hub.send(new GetFindingsCommand({ MaxResults: 1 }))),
    );
    expect(unthrottled.every((outcome) => outcome.status === 'fulfilled')).toBe(true);
  });
});

describe('injected faults', () => {
  it('answers 500 and 503 that the SDK retries as transient', async () => {
    const hub = await securityHubClient(emulator, { maxAttempts: 10 });
    await emulator.admin('PUT', '/_emulator/faults', { rate: 0.5, kinds: ['500', '503'] });
    for (let i = 0; i < 5; i++) expect((await hub.send(new DescribeHubCommand({}))).HubArn).toBeDefined();
    const statuses = (await counters()).DescribeHub!;
    expect((statuses['500'] ?? 0) + (statuses['503'] ?? 0)).toBeGreaterThan(0);
  });

  it('fails with the service error when every attempt faults', async () => {
    const hub = await securityHubClient(emulator, { maxAttempts: 2 });
    await emulator.admin('PUT', '/_emulator/faults', { rate: 1, kinds: ['503'] });
    expect(await failure(hub.send(new DescribeHubCommand({})))).toMatchObject({
      name: 'ServiceUnavailableException',
      status: 503,
    });
  });

  it('resets connections, which the SDK retries', async () => {
    const hub = await securityHubClient(emulator, { maxAttempts: 10 });
    await emulator.admin('PUT', '/_emulator/faults', { rate: 0.4, kinds: ['reset'] });
    for (let i = 0; i < 4; i++) expect((await hub.send(new DescribeHubCommand({}))).HubArn).toBeDefined();
    expect((await counters()).DescribeHub!['0']).toBeGreaterThan(0);
  });

  it('delivers a slow body whole', async () => {
    const hub = await securityHubClient(emulator);
    await emulator.admin('PUT', '/_emulator/faults', { rate: 1, kinds: ['slow'] });
    const page = await hub.send(new GetFindingsCommand({ MaxResults: 5 }));
    expect(page.Findings).toHaveLength(5);
  });
});
