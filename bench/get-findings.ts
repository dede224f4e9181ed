import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { generateFindingChunks } from '../src/emulator/generator/index.ts';
import { ADMINISTRATOR_ACCOUNT_ID, startEmulator } from '../src/emulator/index.ts';
import type { SeedOptions } from './support.ts';

/**
 * Milliseconds of `runs` GetFindings calls (after a warm-up) for the first 100 findings by
 * severity, through the real SDK, from the project's emulator holding the findings `npm run seed`
 * loaded with `seeds` (the same generator chunks, imported as a provider imports them). The caller
 * is a Security Hub administrator of every account with a finding aggregator over every Region:
 * Security Hub's view of all of a tenant's findings, as Hubgraph's first page is. Calls are paced at
 * AWS's GetFindings quota, so none waits on throttling.
 */
export async function getFindingsLatencies(
  seeds: SeedOptions[],
  options: {
    accountIds: string[];
    regions: string[];
    estate: { seed: number; workloadsPerSite: number };
    runs: number;
  },
): Promise<number[]> {
  const now = seeds[0]!.now!;
  const running = await startEmulator({
    accounts: 1,
    regions: options.regions,
    administrator: true,
    now,
  });
  try {
    const { emulator } = running;
    let held = 0;
    for (const { seed, findings: count } of seeds)
      for (const chunk of generateFindingChunks({ ...options, seed, count, now }))
        for (const finding of chunk) {
          emulator.importAsProvider(finding, 'V1');
          held += 1;
        }
    emulator.store.members.set(ADMINISTRATOR_ACCOUNT_ID, options.accountIds);
    const home = options.regions[0]!;
    emulator.store.aggregators.set(ADMINISTRATOR_ACCOUNT_ID, {
      arn: `arn:aws:securityhub:${home}:${ADMINISTRATOR_ACCOUNT_ID}:finding-aggregator/bench`,
      region: home,
      regionLinkingMode: 'ALL_REGIONS',
      regions: [],
    });

    const role = running.administrator!;
    const sts = new STSClient({
      region: home,
      endpoint: running.endpoint,
      credentials: running.baseCredentials,
    });
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'bench', ExternalId: role.externalId }),
    );
    const hub = new SecurityHubClient({
      region: home,
      endpoint: running.endpoint,
      credentials: {
        accessKeyId: Credentials!.AccessKeyId!,
        secretAccessKey: Credentials!.SecretAccessKey!,
        sessionToken: Credentials!.SessionToken!,
      },
    });
    const intervalMs = 1000 / emulator.limiter.quotaOf('GetFindings').rate;
    const times: number[] = [];
    let next = performance.now();
    for (let i = 0; i < Math.min(5, options.runs) + options.runs; i++) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
      next += intervalMs;
      const started = performance.now();
      const page = await hub.send(
        new GetFindingsCommand({
          MaxResults: 100,
          SortCriteria: [{ Field: 'SeverityNormalized', SortOrder: 'desc' }],
        }),
      );
      const elapsed = performance.now() - started;
      if (page.Findings?.length !== Math.min(100, held))
        throw new Error(`GetFindings returned ${page.Findings?.length} findings of ${held}`);
      if (i >= Math.min(5, options.runs)) times.push(elapsed);
    }
    return times;
  } finally {
    await running.close();
  }
}
