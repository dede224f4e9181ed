import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { setCriticality } from '../../src/assets/service.ts';
import { loadConfig } from '../../src/config.ts';
import { deleteConnector } from '../../src/connectors/service.ts';
import { type TenantContext, tenantContext } from '../../src/context.ts';
import type { Database } from '../../src/db/client.ts';
import { events, findings } from '../../src/db/schema.ts';
import { ingestFindingsPage } from '../../src/findings/ingest.ts';
import { aConnectorRow, newTenant, openTestDatabase } from '../support/database.ts';
import { anEc2Instance, anInspectorEc2Finding } from '../support/factories.ts';

// Mutations other than a sync that change what a finding shows tell its subscribers: an UPDATED
// event per finding, naming what changed, in the mutation's own transaction.

let database: Database;
let app: App;

beforeAll(async () => {
  database = await openTestDatabase();
  app = await createApp(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }), { database, jobs: false });
});

afterAll(async () => {
  await app?.close();
  await database?.close();
});

async function updatedEvents(ctx: TenantContext) {
  const rows = await database.db
    .select()
    .from(events)
    .where(and(eq(events.tenantId, ctx.tenantId), eq(events.topic, 'finding'), eq(events.type, 'UPDATED')));
  return rows.map((row) => ({ findingId: row.entityId, changedFields: row.payload.changedFields }));
}

async function aTenantWithFindings() {
  const ctx = tenantContext(app, await newTenant(database, 'finding-events'));
  const connectorId = await aConnectorRow(database, ctx.tenantId);
  const instance = anEc2Instance();
  const onInstance = [anInspectorEc2Finding({ asset: instance }), anInspectorEc2Finding({ asset: instance })];
  const elsewhere = anInspectorEc2Finding({ severity: 'CRITICAL' });
  await ingestFindingsPage(ctx.db, ctx.tenantId, [...onInstance, elsewhere], { connectorId });
  const rows = await database.db
    .select({ id: findings.id, awsId: findings.awsId, assetId: findings.assetId })
    .from(findings)
    .where(eq(findings.tenantId, ctx.tenantId));
  const ids = (items: typeof onInstance) =>
    items.map((item) => rows.find((row) => row.awsId === item.finding.awsId)!.id).sort();
  const assetId = rows.find((row) => row.awsId === onInstance[0]!.finding.awsId)!.assetId!;
  return { ctx, connectorId, assetId, onInstance: ids(onInstance), elsewhere: ids([elsewhere]) };
}

describe('finding events of other mutations', () => {
  it('assetSetCriticality: UPDATED for every finding of the asset, naming asset.criticality and asset.riskScore', async () => {
    const { ctx, assetId, onInstance } = await aTenantWithFindings();
    const payload = await setCriticality(ctx, { id: assetId, criticality: 5 });
    expect(payload.userErrors).toEqual([]);
    const updated = await updatedEvents(ctx);
    expect(updated.map((event) => event.findingId).sort()).toEqual(onInstance);
    for (const event of updated)
      expect(event.changedFields).toEqual(['asset.criticality', 'asset.riskScore']);

    // The same value again changes nothing a finding shows: no events.
    await setCriticality(ctx, { id: assetId, criticality: 5 });
    expect(await updatedEvents(ctx)).toHaveLength(2);
  });

  it('connectorDelete without purge: UPDATED naming connector for the findings it leaves behind', async () => {
    const { ctx, connectorId, onInstance, elsewhere } = await aTenantWithFindings();
    const payload = await deleteConnector(ctx, { id: connectorId, purge: false });
    expect(payload.userErrors).toEqual([]);
    const updated = await updatedEvents(ctx);
    expect(updated.map((event) => event.findingId).sort()).toEqual([...onInstance, ...elsewhere].sort());
    for (const event of updated) expect(event.changedFields).toEqual(['connector']);
  });
});
