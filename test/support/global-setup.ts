import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string | undefined;
  }
}

/**
 * On PostgreSQL, every run gets a database of its own, created from the DATABASE_URL server and
 * migrated once before the workers start, then dropped: the suite never depends on what an earlier
 * run (or a developer) left in the configured database. PGlite test databases are in memory.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const base = process.env.DATABASE_URL;
  printReplayCommand(project.config.sequence.seed, base);
  if (!base) {
    project.provide('databaseUrl', undefined);
    return undefined;
  }
  const name = `hubgraph_test_${Date.now()}_${process.pid}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolMax: 1 });
  try {
    await migrateDatabase(database);
  } finally {
    await database.close();
  }
  project.provide('databaseUrl', url.toString());
  return async () => {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end({ timeout: 5 });
  };
}

/**
 * Files and tests run shuffled (vitest.config.ts). The seed, the files asked for and the database
 * are what it takes to run them in this order again, so a red CI run can be replayed exactly.
 */
function printReplayCommand(seed: number, databaseUrl: string | undefined): void {
  // `npm test -- a b` is `vitest run a b`: what follows "run" (or the bare `vitest` of test:watch).
  const args = process.argv
    .slice(2)
    .filter((arg, index) => index > 0 || !['run', 'watch', 'dev'].includes(arg));
  const database = databaseUrl ? '' : 'DATABASE_URL= ';
  const files = args.length > 0 ? ` -- ${args.join(' ')}` : '';
  console.log(`test order seed ${seed}; replay with TEST_SEED=${seed} ${database}npm test${files}`);
}
