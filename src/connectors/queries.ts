import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { type ConnectionModel, dateKey, type KeysetOrder, type PageArgs, paginate } from '../db/keyset.ts';
import { assets, connectorSecrets, connectors, findings } from '../db/schema.ts';
import { nameTaken, rowsByIds, tablePageSource } from '../db/tenant-queries.ts';
import type { ConnectorModel } from './model.ts';

// Every SQL statement about connectors lives here (their runs: src/sync/queries.ts). Each one is scoped to a tenant.

const connectorOrder: KeysetOrder<ConnectorModel> = {
  name: 'CREATED_AT',
  direction: 'ASC',
  keys: [
    dateKey(sql`${connectors.createdAt}`, (row) => row.createdAt),
    { expression: sql`${connectors.id}`, type: 'uuid', read: (row) => row.id },
  ],
};

export function listConnectors(
  db: Executor,
  tenantId: string,
  args: PageArgs,
): Promise<ConnectionModel<ConnectorModel>> {
  return paginate(args, connectorOrder, tablePageSource(db, connectors, eq(connectors.tenantId, tenantId)));
}

export function connectorsByIds(
  db: Executor,
  tenantId: string,
  ids: readonly string[],
): Promise<ConnectorModel[]> {
  return rowsByIds(db, connectors, tenantId, ids);
}

/** The connector's row, locked for the rest of the transaction (state changes are read-modify-write). */
export function lockConnector(tx: Executor, tenantId: string, id: string): Promise<ConnectorModel[]> {
  return tx
    .select()
    .from(connectors)
    .where(and(eq(connectors.tenantId, tenantId), eq(connectors.id, id)))
    .for('update');
}

export function connectorNameTaken(
  db: Executor,
  tenantId: string,
  name: string,
  exceptId?: string,
): Promise<boolean> {
  return nameTaken(
    db,
    { table: connectors, id: connectors.id, tenantId: connectors.tenantId, name: connectors.name },
    tenantId,
    name,
    exceptId,
  );
}

export async function insertConnector(
  db: Executor,
  values: typeof connectors.$inferInsert,
): Promise<ConnectorModel> {
  const [row] = await db.insert(connectors).values(values).returning();
  return row!;
}

export async function updateConnectorRow(
  db: Executor,
  tenantId: string,
  id: string,
  values: Partial<typeof connectors.$inferInsert>,
): Promise<ConnectorModel | undefined> {
  const [row] = await db
    .update(connectors)
    .set({ ...values, updatedAt: new Date() })
    .where(and(eq(connectors.tenantId, tenantId), eq(connectors.id, id)))
    .returning();
  return row;
}

/** Keeps the API a run detected for a connector that had not chosen one (a choice made since wins). */
export async function setDetectedApi(db: Executor, tenantId: string, id: string, api: string): Promise<void> {
  await db
    .update(connectors)
    .set({ api })
    .where(and(eq(connectors.tenantId, tenantId), eq(connectors.id, id), sql`${connectors.api} is null`));
}

export async function deleteConnectorRow(db: Executor, tenantId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(connectors)
    .where(and(eq(connectors.tenantId, tenantId), eq(connectors.id, id)))
    .returning({ id: connectors.id });
  return rows.length > 0;
}

export async function storeSecret(
  db: Executor,
  tenantId: string,
  connectorId: string,
  kind: string,
  sealed: { ciphertext: string; keyId: string },
) {
  await db
    .insert(connectorSecrets)
    .values({ tenantId, connectorId, kind, ...sealed })
    .onConflictDoUpdate({
      target: [connectorSecrets.connectorId, connectorSecrets.kind],
      set: { ...sealed, updatedAt: new Date() },
    });
}

export async function deleteSecrets(db: Executor, tenantId: string, connectorId: string): Promise<void> {
  await db
    .delete(connectorSecrets)
    .where(and(eq(connectorSecrets.tenantId, tenantId), eq(connectorSecrets.connectorId, connectorId)));
}

export async function secretOf(db: Executor, tenantId: string, connectorId: string, kind: string) {
  const [row] = await db
    .select({ ciphertext: connectorSecrets.ciphertext, keyId: connectorSecrets.keyId })
    .from(connectorSecrets)
    .where(
      and(
        eq(connectorSecrets.tenantId, tenantId),
        eq(connectorSecrets.connectorId, connectorId),
        eq(connectorSecrets.kind, kind),
      ),
    );
  return row;
}

/** Deletes a connector's findings, and its assets that no other connector's findings point at. */
export async function purgeConnectorData(
  db: Executor,
  tenantId: string,
  connectorId: string,
): Promise<{ findingIds: string[]; assets: number }> {
  const deleted = await db
    .delete(findings)
    .where(and(eq(findings.tenantId, tenantId), eq(findings.connectorId, connectorId)))
    .returning({ id: findings.id });
  const orphans = await db
    .delete(assets)
    .where(
      and(
        eq(assets.tenantId, tenantId),
        eq(assets.connectorId, connectorId),
        sql`not exists (select 1 from ${findings} where ${findings.assetId} = ${assets.id})`,
      ),
    )
    .returning({ id: assets.id });
  return { findingIds: deleted.map((row) => row.id), assets: orphans.length };
}
