import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { ensureTenant } from '../../src/auth/tenants.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { connectors } from '../../src/db/schema.ts';

/**
 * The database the suite runs on: PostgreSQL when DATABASE_URL is set (a fresh database of the run, shared by all test files;
 * each test works in its own tenant, which is also how isolation is meant to work in production),
 * else a fresh in-memory PGlite per test file.
 */
export async function openTestDatabase(): Promise<Database> {
  const url = inject('databaseUrl');
  const database = url
    ? await openDatabase({ url, poolMax: 4 })
    : await openDatabase({ dataDir: 'memory://' });
  await migrateDatabase(database);
  return database;
}

/** A tenant of its own for one test: its rows are invisible to every other test. */
export async function newTenant(database: Database, prefix = 't'): Promise<string> {
  const tenantId = `${prefix}-${randomUUID()}`;
  await ensureTenant(database.db, tenantId);
  return tenantId;
}

/** A connector row of a tenant, as stored (for tests of what links to connectors, not of connectors). */
export async function aConnectorRow(
  database: Database,
  tenantId: string,
  values: Partial<typeof connectors.$inferInsert> = {},
): Promise<string> {
  const [row] = await database.db
    .insert(connectors)
    .values({
      tenantId,
      name: 'prod',
      authMode: 'DEFAULT_CHAIN',
      externalId: 'x'.repeat(40),
      regions: ['us-east-1'],
      scope: {},
      ...values,
    })
    .returning({ id: connectors.id });
  return row!.id;
}
