import { type AnyColumn, and, count, eq, inArray, ne, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable, SelectedFields } from 'drizzle-orm/pg-core';
import type { Executor } from './client.ts';
import { isUuid, type PageSource } from './keyset.ts';

// Queries every tenant-scoped table needs, written once: a keyset page source, rows by id, name
// uniqueness. Each is scoped to the tenant it is given.

/** The three queries a keyset connection needs, over one table and a (tenant-scoped) condition. */
export function tablePageSource<Row>(
  db: Executor,
  table: PgTable,
  where: SQL | undefined,
  columns?: SelectedFields,
  /** With the table's id column: each page's ids are found first, then their rows. */
  options: { idsFirst?: PgColumn } = {},
): PageSource<Row> {
  const select = () => (columns ? db.select(columns) : db.select());
  return {
    fetch: (page) =>
      options.idsFirst
        ? // The page's ids first, then their rows: a sort of many rows then carries ids and keys,
          // not every column (at 1,000,000 findings, 22,000 search matches: 140 → 80 ms).
          (select()
            .from(table)
            .where(
              inArray(
                options.idsFirst,
                db
                  .select({ id: options.idsFirst })
                  .from(table)
                  .where(and(where, page.where))
                  .orderBy(...page.orderBy)
                  .limit(page.limit),
              ),
            )
            .orderBy(...page.orderBy) as unknown as Promise<Row[]>)
        : (select()
            .from(table)
            .where(and(where, page.where))
            .orderBy(...page.orderBy)
            .limit(page.limit) as unknown as Promise<Row[]>),
    exists: async (bound) =>
      (await db.select({ one: sql`1` }).from(table).where(and(where, bound)).limit(1)).length > 0,
    count: async () => (await db.select({ n: count() }).from(table).where(where))[0]?.n ?? 0,
  };
}

/** The rows of a tenant with these ids (malformed ids match nothing), in one statement. */
export function rowsByIds<Row>(
  db: Executor,
  table: PgTable & { id: AnyColumn; tenantId: AnyColumn },
  tenantId: string,
  ids: readonly string[],
  columns?: SelectedFields,
): Promise<Row[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return Promise.resolve([]);
  const select = columns ? db.select(columns) : db.select();
  return select
    .from(table)
    .where(and(eq(table.tenantId, tenantId), inArray(table.id, valid))) as unknown as Promise<Row[]>;
}

/** Whether a tenant already has a row with this name (case-insensitive), other than `exceptId`. */
export async function nameTaken(
  db: Executor,
  columns: { table: PgTable; id: AnyColumn; tenantId: AnyColumn; name: AnyColumn },
  tenantId: string,
  name: string,
  exceptId?: string,
): Promise<boolean> {
  const rows = await db
    .select({ one: sql`1` })
    .from(columns.table)
    .where(
      and(
        eq(columns.tenantId, tenantId),
        sql`lower(${columns.name}) = lower(${name})`,
        exceptId ? ne(columns.id, exceptId) : undefined,
      ),
    )
    .limit(1);
  return rows.length > 0;
}

/**
 * Serializes one kind of write within a tenant until the transaction ends. Writers that touch the
 * same rows in different orders (pages sharing assets or de-duplication groups) would otherwise
 * deadlock; these sections are short, so waiting in line costs less than PostgreSQL's deadlock
 * detection (a second) and a retry.
 */
export async function lockTenantSection(tx: Executor, tenantId: string, section: 'dedup'): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`${section}:${tenantId}`}, 0))`);
}
