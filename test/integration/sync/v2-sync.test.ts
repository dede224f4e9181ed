import { BatchUpdateFindingsV2Command, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { assumeConnectorRole } from '../../../src/aws/clients.ts';
import { targetOfConnector, updateConnector } from '../../../src/connectors/service.ts';
import { connectors, findings } from '../../../src/db/schema.ts';
import type { OcsfDocument } from '../../../src/emulator/generator/ocsf.ts';
import { cspmProductArn } from '../../../src/mapping/ocsf/identity.ts';
import { harnessPerTest, type SyncHarness } from '../../support/sync.ts';

// The new Security Hub on the sync engine, against the emulator with the real SDK: a V2 connector
// stores exactly what GetFindingsV2 holds, finding by finding; a BOTH connector stores each problem
// once; a connector moving between CSPM and V2 keeps its findings (the same rows, ids and history).

const files = harnessPerTest();

async function aHarness(): Promise<SyncHarness> {
  const sync = await files.start({
    emulator: { findings: 400, seed: 23, v2: true },
    settings: { sweepIntervalMs: 365 * 86_400_000 },
  });
  return sync;
}

async function storedRows(harness: SyncHarness) {
  const rows = await files.database.db
    .select({
      id: findings.id,
      productArn: findings.productArn,
      awsId: findings.awsId,
      format: findings.format,
      awsUpdatedAt: findings.awsUpdatedAt,
      raw: findings.raw,
      vanishedAt: findings.vanishedAt,
      workflowStatus: findings.workflowStatus,
    })
    .from(findings)
    .where(eq(findings.tenantId, harness.ctx.tenantId));
  return new Map(rows.map((row) => [`${row.productArn}|${row.awsId}`, row]));
}

describe('a connector on the new Security Hub (api V2)', () => {
  it('stores every OCSF finding GetFindingsV2 holds, finding by finding, as AWS sent it', async () => {
    const harness = await aHarness();
    const connector = await harness.createConnector({ api: 'V2' });
    const { run, slices } = await harness.run(connector.id);
    expect(run.status, run.error ?? '').toBe('SUCCEEDED');
    // Beside the finding streams, the resource inventory (the connector syncs ASSETS too).
    expect(new Set(slices.map((slice) => slice.stream))).toEqual(
      new Set(['v2:us-east-1', 'v2:eu-west-1', 'v2resources:us-east-1', 'v2resources:eu-west-1']),
    );

    const expected = harness.inSecurityHubV2();
    expect(expected.size).toBeGreaterThan(100);
    const stored = await storedRows(harness);
    expect([...stored.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, document] of expected) {
      const row = stored.get(key)!;
      expect(row.format).toBe('OCSF');
      expect(row.raw).toEqual(document);
      expect(row.awsUpdatedAt.toISOString()).toBe(
        new Date(document.finding_info.modified_time_dt).toISOString(),
      );
      expect(row.vanishedAt).toBeNull();
    }
    // The next run reads from the V2 streams' cursors: nothing changed, nothing written.
    const again = await harness.run(connector.id);
    expect(again.run.status).toBe('SUCCEEDED');
    expect(again.run.mode).toBe('INCREMENTAL');
    expect(again.progress.created + again.progress.updated).toBe(0);
  });

  it('detects which Security Hub answers when the connector did not choose, and keeps it', async () => {
    const harness = await aHarness();
    const connector = await harness.createConnector();
    expect(connector.api).toBeNull();
    const { run } = await harness.run(connector.id);
    expect(run.status, run.error ?? '').toBe('SUCCEEDED');
    const [row] = await files.database.db
      .select({ api: connectors.api })
      .from(connectors)
      .where(and(eq(connectors.tenantId, harness.ctx.tenantId), eq(connectors.id, connector.id)));
    // The emulator runs both, in every Region.
    expect(row?.api).toBe('BOTH');
  });
});

describe('the reconciliation sweep on the new Security Hub', () => {
  it('picks up a BatchUpdateFindingsV2 another tool made (modified_time unmoved) and marks a deleted document vanished', async () => {
    const harness = await aHarness();
    const connector = await harness.createConnector({ api: 'V2' });
    expect((await harness.run(connector.id)).run.status).toBe('SUCCEEDED');
    const hub = harness.emulator.emulator.store.hub(harness.emulator.accounts[0]!, 'us-east-1');
    const open = [...hub.ocsf.entries()].filter(([, document]) => document.status_id === 1).slice(0, 3);
    expect(open).toHaveLength(3);
    const [changed, also, deleted] = open;
    const client = new SecurityHubClient({
      region: 'us-east-1',
      endpoint: harness.emulator.endpoint,
      credentials: await assumeConnectorRole(
        await targetOfConnector(harness.ctx, connector),
        harness.app.aws.transport,
      ),
    });
    const result = await client.send(
      new BatchUpdateFindingsV2Command({
        MetadataUids: [changed![1].metadata.uid, also![1].metadata.uid],
        StatusId: 3,
        Comment: 'accepted risk',
      }),
    );
    expect(result.ProcessedFindings).toHaveLength(2);
    hub.ocsf.delete(deleted![0]);
    const keyOf = (document: OcsfDocument) =>
      `${cspmProductArn(document.metadata.product.uid)}|${document.finding_info.uid}`;

    // The change did not move modified_time: an incremental run does not see it.
    const incremental = await harness.run(connector.id);
    expect(incremental.run.mode).toBe('INCREMENTAL');
    let stored = await storedRows(harness);
    expect(stored.get(keyOf(changed![1]))!.raw).toMatchObject({ status_id: 1 });

    const sweep = await harness.run(connector.id, 'RECONCILE');
    expect(sweep.run.status, sweep.run.error ?? '').toBe('SUCCEEDED');
    expect(sweep.progress.updated).toBe(2);
    stored = await storedRows(harness);
    for (const [key, document] of [changed!, also!]) {
      const row = stored.get(keyOf(document))!;
      // The document as the new Security Hub now holds it.
      expect(row.raw).toEqual(hub.ocsf.get(key));
      expect(row.raw).toMatchObject({ status_id: 3, comment: 'accepted risk' });
      expect(row.workflowStatus).toBe('SUPPRESSED');
      expect(row.vanishedAt).toBeNull();
    }
    expect(stored.get(keyOf(deleted![1]))!.vanishedAt).not.toBeNull();
  });
});

describe('a connector reading BOTH', () => {
  it('stores a problem both APIs report once, and every problem either reports', async () => {
    const harness = await aHarness();
    const connector = await harness.createConnector({ api: 'BOTH' });
    const { run, slices } = await harness.run(connector.id);
    expect(run.status, run.error ?? '').toBe('SUCCEEDED');
    expect(new Set(slices.map((slice) => slice.stream))).toEqual(
      new Set([
        'us-east-1',
        'eu-west-1',
        'v2:us-east-1',
        'v2:eu-west-1',
        'v2resources:us-east-1',
        'v2resources:eu-west-1',
      ]),
    );
    const cspm = harness.inSecurityHub();
    const v2 = harness.inSecurityHubV2();
    const union = new Set([...cspm.keys(), ...v2.keys()]);
    // The twins share their identity: far fewer problems than findings in the two stores together.
    expect(union.size).toBeLessThan(cspm.size + v2.size);
    const stored = await storedRows(harness);
    expect([...stored.keys()].sort()).toEqual([...union].sort());
    // Nothing one API returned was taken for gone because the other did not return it.
    expect([...stored.values()].filter((row) => row.vanishedAt !== null)).toEqual([]);
  });
});

describe('moving a connector between CSPM and V2', () => {
  it('keeps every finding: the same rows and ids, nothing duplicated; what only CSPM reported is marked vanished', async () => {
    const harness = await aHarness();
    const connector = await harness.createConnector({ api: 'CSPM' });
    expect((await harness.run(connector.id)).run.status).toBe('SUCCEEDED');
    const before = await storedRows(harness);
    expect([...before.values()].every((row) => row.format === 'ASFF')).toBe(true);
    const cspmOnly = [...before.keys()].filter((key) => !harness.inSecurityHubV2().has(key));

    const moved = await updateConnector(harness.ctx, { id: connector.id, api: 'V2' });
    expect(moved.userErrors).toEqual([]);
    const { run } = await harness.run(connector.id);
    expect(run.status, run.error ?? '').toBe('SUCCEEDED');
    // The V2 streams had no cursor: a full read.
    expect(run.mode).toBe('FULL');
    const after = await storedRows(harness);
    const v2 = harness.inSecurityHubV2();
    for (const [key, row] of before) expect(after.get(key)?.id, key).toBe(row.id);
    expect(after.size).toBe(new Set([...before.keys(), ...v2.keys()]).size);
    // At the same UpdatedAt the OCSF copy is the one kept; a newer one wins whatever its format.
    for (const [key, document] of v2) {
      const row = after.get(key)!;
      if (row.awsUpdatedAt.getTime() === new Date(document.finding_info.modified_time_dt).getTime())
        expect(row.format, key).toBe('OCSF');
    }
    // Findings only CSPM reports are gone from what the connector now reads: marked, never deleted.
    for (const key of cspmOnly) expect(after.get(key)?.vanishedAt).not.toBeNull();

    const back = await updateConnector(harness.ctx, { id: connector.id, api: 'CSPM' });
    expect(back.userErrors).toEqual([]);
    expect((await harness.run(connector.id)).run.status).toBe('SUCCEEDED');
    const again = await storedRows(harness);
    for (const [key, row] of after) expect(again.get(key)?.id, key).toBe(row.id);
    expect(again.size).toBe(after.size);
    // Back on CSPM, the ASFF copy at the same UpdatedAt does not take the OCSF one's place.
    for (const [key, row] of after)
      if (row.format === 'OCSF') expect(again.get(key)?.format, key).toBe('OCSF');
  });
});
