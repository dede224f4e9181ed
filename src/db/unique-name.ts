import { type AnyColumn, and, eq, ne, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './client.ts';

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
