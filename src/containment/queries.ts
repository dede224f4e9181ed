import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { type ConnectionModel, dateKey, type KeysetOrder, type PageArgs, paginate } from '../db/keyset.ts';
import {
  type ContainmentActionRow,
  type ContainmentBlockRow,
  containmentActions,
  containmentBlocks,
  findings,
} from '../db/schema.ts';
import { rowsByIds, tablePageSource } from '../db/tenant-queries.ts';

// Every SQL statement about containment: the audit log and the blocks Hubgraph holds. Each one is
// scoped to a tenant.

export interface ContainedFinding {
  id: string;
  connectorId: string | null;
  awsAccountId: string;
  region: string;
  raw: Record<string, unknown>;
}

export async function findingForContainment(
  db: Executor,
  tenantId: string,
  id: string,
): Promise<ContainedFinding | undefined> {
  const [row] = await rowsByIds<ContainedFinding>(db, findings, tenantId, [id], {
    id: findings.id,
    connectorId: findings.connectorId,
    awsAccountId: findings.awsAccountId,
    region: findings.region,
    raw: findings.raw,
  });
  return row;
}

const newestFirst: KeysetOrder<ContainmentActionRow> = {
  name: 'CREATED_AT_DESC',
  direction: 'DESC',
  keys: [
    dateKey(sql`${containmentActions.createdAt}`, (row) => row.createdAt),
    { expression: sql`${containmentActions.id}`, type: 'uuid', read: (row) => row.id },
  ],
};

export function listContainmentActions(
  db: Executor,
  tenantId: string,
  args: PageArgs,
  findingId: string | undefined,
): Promise<ConnectionModel<ContainmentActionRow>> {
  const where = and(
    eq(containmentActions.tenantId, tenantId),
    findingId ? eq(containmentActions.findingId, findingId) : undefined,
  );
  return paginate(args, newestFirst, tablePageSource(db, containmentActions, where));
}

export async function insertAction(
  db: Executor,
  values: typeof containmentActions.$inferInsert,
): Promise<ContainmentActionRow> {
  const [row] = await db.insert(containmentActions).values(values).returning();
  return row!;
}

export async function updateAction(
  db: Executor,
  tenantId: string,
  id: string,
  values: Partial<typeof containmentActions.$inferInsert>,
): Promise<ContainmentActionRow> {
  const [row] = await db
    .update(containmentActions)
    .set(values)
    .where(and(eq(containmentActions.tenantId, tenantId), eq(containmentActions.id, id)))
    .returning();
  return row!;
}

export async function insertBlocks(
  db: Executor,
  values: (typeof containmentBlocks.$inferInsert)[],
): Promise<void> {
  if (values.length > 0) await db.insert(containmentBlocks).values(values);
}

/** The blocks Hubgraph holds for this range in an account-Region (optionally one VPC or resource). */
export function activeBlocks(
  db: Executor,
  tenantId: string,
  where: { awsAccountId: string; region: string; cidr: string; vpcId?: string; resourceId?: string },
): Promise<ContainmentBlockRow[]> {
  return db
    .select()
    .from(containmentBlocks)
    .where(
      and(
        eq(containmentBlocks.tenantId, tenantId),
        eq(containmentBlocks.status, 'ACTIVE'),
        eq(containmentBlocks.awsAccountId, where.awsAccountId),
        eq(containmentBlocks.region, where.region),
        eq(containmentBlocks.cidr, where.cidr),
        where.vpcId ? eq(containmentBlocks.vpcId, where.vpcId) : undefined,
        where.resourceId ? eq(containmentBlocks.resourceId, where.resourceId) : undefined,
      ),
    )
    .orderBy(containmentBlocks.createdAt);
}

export async function markLifted(
  db: Executor,
  tenantId: string,
  blockIds: string[],
  liftActionId: string,
  at: Date,
): Promise<void> {
  for (const id of blockIds)
    await db
      .update(containmentBlocks)
      .set({ status: 'LIFTED', liftActionId, liftedAt: at })
      .where(and(eq(containmentBlocks.tenantId, tenantId), eq(containmentBlocks.id, id)));
}
