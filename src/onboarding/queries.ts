import { and, count, eq, gt, lte } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { isUuid } from '../db/keyset.ts';
import { preparedConnectors } from '../db/schema.ts';
import type { PreparedConnectorModel } from './model.ts';

// Every SQL statement about prepared connectors. Each one is scoped to a tenant, and an expired row
// answers to nothing, whether or not it has been deleted yet.

const live = (tenantId: string, id: string, now: Date) =>
  and(
    eq(preparedConnectors.tenantId, tenantId),
    eq(preparedConnectors.id, id),
    gt(preparedConnectors.expiresAt, now),
  );

export async function insertPreparedConnector(
  db: Executor,
  values: typeof preparedConnectors.$inferInsert,
): Promise<PreparedConnectorModel> {
  const [row] = await db.insert(preparedConnectors).values(values).returning();
  return row!;
}

export async function livePreparedConnector(
  db: Executor,
  tenantId: string,
  id: string,
  now: Date,
): Promise<PreparedConnectorModel | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db
    .select()
    .from(preparedConnectors)
    .where(live(tenantId, id, now));
  return row;
}

/** Sets columns of a live prepared connector (a use extends its expiry); undefined when there is none. */
export async function updatePreparedConnector(
  db: Executor,
  tenantId: string,
  id: string,
  now: Date,
  values: Partial<typeof preparedConnectors.$inferInsert>,
): Promise<PreparedConnectorModel | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db
    .update(preparedConnectors)
    .set(values)
    .where(live(tenantId, id, now))
    .returning();
  return row;
}

/** Deletes and returns a live prepared connector: connectorCreate takes its external ID once. */
export async function takePreparedConnector(
  db: Executor,
  tenantId: string,
  id: string,
  now: Date,
): Promise<PreparedConnectorModel | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db
    .delete(preparedConnectors)
    .where(live(tenantId, id, now))
    .returning();
  return row;
}

export async function deleteExpiredPreparedConnectors(
  db: Executor,
  tenantId: string,
  now: Date,
): Promise<void> {
  await db
    .delete(preparedConnectors)
    .where(and(eq(preparedConnectors.tenantId, tenantId), lte(preparedConnectors.expiresAt, now)));
}

export async function countPreparedConnectors(db: Executor, tenantId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(preparedConnectors)
    .where(eq(preparedConnectors.tenantId, tenantId));
  return row?.n ?? 0;
}
