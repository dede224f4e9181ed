import { openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';

/** On PostgreSQL, migrate once before the workers start (each PGlite test database migrates itself). */
export default async function setup(): Promise<void> {
  if (!process.env.DATABASE_URL) return;
  const database = await openDatabase({ url: process.env.DATABASE_URL, poolMax: 1 });
  try {
    await migrateDatabase(database);
  } finally {
    await database.close();
  }
}
