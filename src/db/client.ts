import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { ExtractTablesWithRelations } from 'drizzle-orm/relations';
import postgres from 'postgres';
import { lockDataDir } from './data-dir-lock.ts';
import { schema } from './schema.ts';
import { statementLogger } from './statements.ts';

// One code path for both engines: PostgreSQL through postgres.js when DATABASE_URL is set, an
// embedded PGlite (the same Postgres, compiled to WASM) persisted in DATA_DIR otherwise.

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything that runs queries: the database or a transaction on it. */
export type Executor = Db | Tx;

export interface Database {
  db: Db;
  driver: 'postgres' | 'pglite';
  /** The postgres:// URL (PostgreSQL only): migrations open their own single connection with it. */
  url?: string;
  /** Connections the pool may open (1 for PGlite, which is single-connection). */
  poolMax: number;
  /** The embedded database itself (PGlite only): the job engine runs on the same instance. */
  pglite?: PGlite;
  /** Subscribes to a NOTIFY channel; resolves once listening. Returns the unsubscribe. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; undefined selects PGlite. */
  url?: string;
  /** PGlite data directory; `memory://` keeps it in memory (tests). */
  dataDir?: string;
  poolMax?: number;
  /**
   * PostgreSQL cancels any statement of this pool that runs longer (0: never), so one expensive
   * query cannot hold a connection others wait for. PGlite runs one statement at a time anyway.
   */
  statementTimeoutMs?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url
    ? openPostgres(options.url, options.poolMax ?? 10, options.statementTimeoutMs ?? 0)
    : openPglite(options.dataDir ?? '.data');
}

function openPostgres(url: string, poolMax: number, statementTimeoutMs: number): Database {
  const sql = postgres(url, {
    max: poolMax,
    onnotice: () => {},
    // Postgres' own types for timestamps: drizzle maps them; keep bigint ids exact.
    types: { bigint: postgres.BigInt },
    connection: { application_name: 'hubgraph', statement_timeout: statementTimeoutMs },
  });
  const db = drizzlePostgres({ client: sql, schema, logger: statementLogger }) as unknown as Db;
  return {
    db,
    driver: 'postgres',
    url,
    poolMax,
    async listen(channel, onPayload) {
      const { unlisten } = await sql.listen(channel, onPayload);
      return unlisten;
    },
    async ping() {
      await sql`select 1`;
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  // Before PGlite touches the directory: a second process would corrupt it.
  const lock = await lockDataDir(dataDir);
  let client: PGlite;
  try {
    client = await PGlite.create(dataDir);
  } catch (error) {
    lock.release();
    throw error;
  }
  const db = drizzlePglite({ client, schema, logger: statementLogger }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    poolMax: 1,
    pglite: client,
    async listen(channel, onPayload) {
      const unlisten = await client.listen(channel, onPayload);
      return () => unlisten();
    },
    async ping() {
      await client.query('select 1');
    },
    async close() {
      if (!client.closed) await client.close();
      lock.release();
    },
  };
}
