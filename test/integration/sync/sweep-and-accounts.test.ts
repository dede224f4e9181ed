import { BatchUpdateFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { and, eq, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assumeConnectorRole } from '../../../src/aws/clients.ts';
import { targetOfConnector } from '../../../src/connectors/service.ts';
import type { Database } from '../../../src/db/client.ts';
import { findings } from '../../../src/db/schema.ts';
import { ADMINISTRATOR_ACCOUNT_ID } from '../../../src/emulator/index.ts';
import { searchFindings } from '../../../src/findings/service.ts';
import { scopeHash } from '../../../src/sync/filters.ts';
import { planStreams } from '../../../src/sync/plan.ts';
import { openTestDatabase } from '../../support/database.ts';
import { expectedFrom, type SyncHarness, startSyncHarness, viewOf } from '../../support/sync.ts';

let database: Database;
const harnesses: SyncHarness[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
});

afterAll(async () => {
  for (const harness of harnesses) await harness.close();
  await database?.close();
});

async function harness(options: Parameters<typeof startSyncHarness>[1]) {
  const started = await startSyncHarness(database, options);
  harnesses.push(started);
  return started;
}

describe('the reconciliation sweep', () => {
  it('picks up changes that do not move UpdatedAt (made with BatchUpdateFindings) and marks vanished findings', async () => {
    const sync = await harness({ emulator: { findings: 300, seed: 41, regions: ['us-east-1'] } });
    const connector = await sync.createConnector();
    await sync.emulator.admin('POST', '/_emulator/clock/advance', { seconds: 3 * 3600, evolve: false });
    await sync.run(connector.id);
    const hub = sync.emulator.emulator.store.hub(sync.emulator.accounts[0]!, 'us-east-1');
    const old = [...hub.findings.values()]
      .filter((finding) => finding.RecordState === 'ACTIVE' && finding.Workflow?.Status === 'NEW')
      .slice(0, 5);
    // In the console (or by another tool): suppressed, with a note. UpdatedAt does not move.
    const target = await targetOfConnector(sync.ctx, connector);
    const client = new SecurityHubClient({
      region: 'us-east-1',
      endpoint: sync.emulator.endpoint,
      credentials: await assumeConnectorRole(target, sync.app.aws.transport),
    });
    const result = await client.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: old
          .slice(0, 3)
          .map((finding) => ({ Id: finding.Id!, ProductArn: finding.ProductArn! })),
        Workflow: { Status: 'SUPPRESSED' },
        Note: { Text: 'accepted risk', UpdatedBy: 'alice' },
      }),
    );
    expect(result.ProcessedFindings).toHaveLength(3);
    // Two expire (90 days without an update) and disappear from Security Hub.
    for (const finding of old.slice(3)) hub.findings.delete(`${finding.ProductArn}\u0000${finding.Id}`);
    await sync.emulator.admin('POST', '/_emulator/clock/advance', { seconds: 600, evolve: false });

    const incremental = await sync.run(connector.id);
    expect(incremental.run.mode).toBe('INCREMENTAL');
    let stored = await sync.stored();
    for (const finding of old.slice(0, 3))
      expect(stored.get(`${finding.ProductArn}|${finding.Id}`)!.workflowStatus).toBe('NEW');

    const sweep = await sync.run(connector.id, 'RECONCILE');
    expect(sweep.run.mode).toBe('RECONCILE');
    expect(sweep.progress.updated).toBe(3);
    stored = await sync.stored();
    for (const finding of old.slice(0, 3)) {
      const after = stored.get(`${finding.ProductArn}|${finding.Id}`)!;
      expect(after.workflowStatus).toBe('SUPPRESSED');
      expect(after.vanished).toBe(false);
    }
    for (const finding of old.slice(3))
      expect(stored.get(`${finding.ProductArn}|${finding.Id}`)!.vanished).toBe(true);
    const vanished = await sync.ctx.db
      .select({ counted: findings.counted })
      .from(findings)
      .where(and(eq(findings.tenantId, sync.ctx.tenantId), isNotNull(findings.vanishedAt)));
    expect(vanished.map((row) => row.counted)).toEqual([false, false]);
    const gone = await searchFindings(sync.ctx, { filter: { vanished: true }, first: 10 });
    expect(gone.nodes.map((finding) => finding.awsId).sort()).toEqual(
      old
        .slice(3)
        .map((finding) => finding.Id)
        .sort(),
    );
    // Everything still in Security Hub matches it exactly.
    const present = new Map([...stored].filter(([, finding]) => !finding.vanished));
    expect(viewOf(present)).toEqual(expectedFrom(sync.inSecurityHub()));
  });

  it('is due by itself: AUTO runs a reconciliation once the sweep interval has passed', () => {
    const plan = (sweepDue: boolean) =>
      planStreams({
        accountId: '111111111111',
        regions: ['us-east-1'],
        aggregation: undefined,
        scope: {},
        cursors: new Map([['us-east-1', { cursorAt: new Date(), scopeHash: scopeHash({}) }]]),
        requested: 'AUTO',
        sweepDue,
        lookbackMs: 0,
        runStart: new Date(),
      })[0]!.mode;
    expect(plan(false)).toBe('INCREMENTAL');
    expect(plan(true)).toBe('RECONCILE');
  });
});

describe('Regions with a finding aggregator', () => {
  it('reads linked Regions once, in the aggregation Region, and counts each finding in its own Region', async () => {
    const sync = await harness({
      emulator: { findings: 400, seed: 43, regions: ['us-east-1', 'eu-west-1'] },
    });
    await sync.emulator.admin('POST', '/_emulator/aggregators', {
      accountId: sync.emulator.accounts[0],
      region: 'us-east-1',
    });
    const connector = await sync.createConnector({ regions: ['us-east-1', 'eu-west-1'] });
    const { run, slices, progress } = await sync.run(connector.id);
    expect(run.status).toBe('SUCCEEDED');
    expect(new Set(slices.map((slice) => slice.region))).toEqual(new Set(['us-east-1']));
    expect(new Set(slices.map((slice) => slice.stream))).toEqual(new Set(['us-east-1+eu-west-1']));
    expect(viewOf(await sync.stored())).toEqual(expectedFrom(sync.inSecurityHub()));
    const created = Object.fromEntries(progress.regions.map((row) => [row.region, row.created]));
    const inHub = Object.fromEntries(
      sync.emulator.emulator.store.allHubs().map((hub) => [hub.region, hub.findings.size]),
    );
    expect(created).toEqual(inHub);
    expect(progress.created).toBe(400);
  });

  it('keeps to the configured Regions when the aggregation Region also serves others', async () => {
    const sync = await harness({
      emulator: { findings: 450, seed: 47, regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'] },
    });
    await sync.emulator.admin('POST', '/_emulator/aggregators', {
      accountId: sync.emulator.accounts[0],
      region: 'us-east-1',
      regionLinkingMode: 'SPECIFIED_REGIONS',
      regions: ['eu-west-1'],
    });
    const connector = await sync.createConnector({ regions: ['us-east-1', 'ap-southeast-2'] });
    const { slices } = await sync.run(connector.id);
    expect(new Set(slices.map((slice) => slice.stream))).toEqual(new Set(['us-east-1', 'ap-southeast-2']));
    const expected = new Map(
      [...sync.inSecurityHub()].filter(([, finding]) => finding.Region !== 'eu-west-1'),
    );
    expect(viewOf(await sync.stored())).toEqual(expectedFrom(expected));
  });
});

describe('a Security Hub administrator account', () => {
  it("brings its member accounts' findings, counted per account", async () => {
    const sync = await harness({
      emulator: { findings: 400, seed: 53, accounts: 2, regions: ['us-east-1'], administrator: true },
    });
    const connector = await sync.createConnector({ regions: ['us-east-1'] }, 99);
    const { run, progress } = await sync.run(connector.id);
    expect(run.status).toBe('SUCCEEDED');
    expect(viewOf(await sync.stored())).toEqual(expectedFrom(sync.inSecurityHub()));
    const perAccount = Object.fromEntries(progress.regions.map((row) => [row.accountId, row.created]));
    for (const account of sync.emulator.accounts)
      expect(perAccount[account]).toBe(sync.emulator.emulator.store.hub(account, 'us-east-1').findings.size);
    // The requests went to the administrator's Security Hub (and spent its quota).
    const requests = progress.regions.find((row) => row.accountId === ADMINISTRATOR_ACCOUNT_ID)!;
    expect(requests.pages).toBeGreaterThan(0);
  });
});
