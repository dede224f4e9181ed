import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startEmulator } from '../src/emulator/index.ts';

/**
 * emulator.findings_per_s: how fast the emulator serves GetFindings pages (100 findings each, quotas
 * off) to the real SDK client over HTTP, so that it is never the bottleneck of another benchmark.
 * Target: ≥ 2,000 findings/s. Also reports emulator.startup_ms for a 10,000-finding emulator.
 */
export async function run(): Promise<Record<string, number>> {
  const started = performance.now();
  const emulator = await startEmulator({
    findings: 10_000,
    accounts: 1,
    regions: ['us-east-1'],
    quotas: false,
    seed: 99,
  });
  const startupMs = Math.round(performance.now() - started);
  try {
    const role = emulator.roles[0]!;
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: emulator.baseCredentials,
    });
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'bench', ExternalId: role.externalId }),
    );
    const hub = new SecurityHubClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: {
        accessKeyId: Credentials!.AccessKeyId!,
        secretAccessKey: Credentials!.SecretAccessKey!,
        sessionToken: Credentials!.SessionToken!,
      },
    });
    let best = 0;
    for (let pass = 0; pass < 3; pass++) {
      const passStarted = performance.now();
      let fetched = 0;
      let token: string | undefined;
      do {
        const page = await hub.send(new GetFindingsCommand({ MaxResults: 100, NextToken: token }));
        fetched += page.Findings!.length;
        token = page.NextToken;
      } while (token);
      if (fetched !== 10_000) throw new Error(`paged ${fetched} findings, expected 10000`);
      best = Math.max(best, fetched / ((performance.now() - passStarted) / 1000));
    }
    return { 'emulator.findings_per_s': Math.round(best), 'emulator.startup_ms': startupMs };
  } finally {
    await emulator.close();
  }
}
