import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';

// Row 4 of issue 12 (fairness): every statement of the service's pool has a deadline, so one
// expensive query cannot hold a connection another tenant's request waits for.

const url = inject('databaseUrl');

describe.skipIf(!url)('statement timeout (PostgreSQL)', () => {
  it('cancels a statement that runs past DATABASE_STATEMENT_TIMEOUT_MS, and the pool goes on', async () => {
    const database = await openDatabase({ url, poolMax: 1, statementTimeoutMs: 200 });
    try {
      const started = Date.now();
      const failure = await database.db.execute(sql`select pg_sleep(5)`).then(
        () => undefined,
        (error: unknown) => error as { cause?: { code?: string } },
      );
      expect(failure?.cause?.code).toBe('57014'); // query_canceled
      expect(Date.now() - started).toBeLessThan(4_000);
      await expect(database.db.execute(sql`select 1 as one`)).resolves.toBeDefined();
    } finally {
      await database.close();
    }
  });

  it('is off at 0', async () => {
    const database = await openDatabase({ url, poolMax: 1, statementTimeoutMs: 0 });
    try {
      const rows = await database.db.execute(sql`select current_setting('statement_timeout') as value`);
      expect((rows as unknown as { value: string }[])[0]!.value).toBe('0');
    } finally {
      await database.close();
    }
  });
});
