import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';

// Many rows as ONE jsonb parameter, unpacked by PostgreSQL (`jsonb_to_recordset`), instead of one
// parameter per column per row. A page of 100 findings has 6,000 values: building and binding them
// one by one cost more than writing them; parsing one JSON document in the server costs little.

/**
 * `(columns) select columns from jsonb_to_recordset($rows) as r(column type, ...)` for the given
 * table keys, to follow `insert into <table>`. Rows carry values as drizzle would store them
 * (Dates become ISO strings, jsonb values stay JSON, arrays JSON arrays).
 */
export function jsonRowsInsert(
  table: PgTable,
  keys: readonly string[],
  rows: readonly Record<string, unknown>[],
): SQL {
  const { columns, recordset } = jsonRecordset(table, keys, rows);
  return sql`(${columns}) select ${columns} from ${recordset}`;
}

/** The pieces of `jsonRowsInsert`, for a statement that adds to the select (a join, a lock). */
export function jsonRecordset(
  table: PgTable,
  keys: readonly string[],
  rows: readonly Record<string, unknown>[],
): { columns: SQL; recordset: SQL } {
  const all = getTableColumns(table) as Record<string, PgColumn>;
  const used = keys.map((key) => {
    const column = all[key];
    if (!column) throw new Error(`${key} is not a column of this table`);
    return column;
  });
  const names = sql.raw(used.map((column) => `"${column.name}"`).join(', '));
  const definitions = sql.raw(used.map((column) => `"${column.name}" ${column.getSQLType()}`).join(', '));
  const document = rows.map((row) => {
    const record: Record<string, unknown> = {};
    keys.forEach((key, index) => {
      const value = row[key];
      record[used[index]!.name] = value instanceof Date ? value.toISOString() : (value ?? null);
    });
    return record;
  });
  return {
    columns: names,
    recordset: sql`jsonb_to_recordset(${JSON.stringify(document)}::jsonb) as r(${definitions})`,
  };
}

/** The rows a raw statement returned: postgres.js answers with an array, PGlite with `{ rows }`. */
export function rowsOf<Row>(result: unknown): Row[] {
  return (Array.isArray(result) ? result : ((result as { rows?: Row[] }).rows ?? [])) as Row[];
}
