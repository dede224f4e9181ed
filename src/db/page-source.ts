import { and, count, type SQL, sql } from 'drizzle-orm';
import type { PgTable, SelectedFields } from 'drizzle-orm/pg-core';
import type { PageSource } from '../graphql/connection.ts';
import type { Executor } from './client.ts';

/** The three queries a keyset connection needs, over one table and a (tenant-scoped) condition. */
export function tablePageSource<Row>(
  db: Executor,
  table: PgTable,
  where: SQL | undefined,
  columns?: SelectedFields,
): PageSource<Row> {
  const select = () => (columns ? db.select(columns) : db.select());
  return {
    fetch: (page) =>
      select()
        .from(table)
        .where(and(where, page.where))
        .orderBy(...page.orderBy)
        .limit(page.limit) as unknown as Promise<Row[]>,
    exists: async (bound) =>
      (await db.select({ one: sql`1` }).from(table).where(and(where, bound)).limit(1)).length > 0,
    count: async () => (await db.select({ n: count() }).from(table).where(where))[0]?.n ?? 0,
  };
}
