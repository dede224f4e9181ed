import { beforeEach, describe, expect, it } from 'vitest';
import { ensureTenant, forgetKnownTenants } from '../../src/auth/tenants.ts';
import type { Executor } from '../../src/db/client.ts';
import { tenants } from '../../src/db/schema.ts';

// A tenant's row is created on first sight of its verified id, and a process remembers the ids it
// has seen so that a request costs no extra statement. The statement itself tolerates a row another
// process created (test/integration/tenants.test.ts runs it on a database).

function recordingDatabase() {
  const statements: { table: unknown; values: unknown; onConflict: string }[] = [];
  const db = {
    insert: (table: unknown) => ({
      values: (values: unknown) => ({
        onConflictDoNothing: async () => {
          statements.push({ table, values, onConflict: 'do nothing' });
        },
      }),
    }),
  };
  return { db: db as unknown as Executor, statements };
}

describe('ensuring a tenant', () => {
  beforeEach(() => forgetKnownTenants());

  it('inserts the tenant row, doing nothing if it exists', async () => {
    const { db, statements } = recordingDatabase();
    await ensureTenant(db, 'acme');
    expect(statements).toEqual([{ table: tenants, values: { id: 'acme' }, onConflict: 'do nothing' }]);
  });

  it('inserts each tenant once per process', async () => {
    const { db, statements } = recordingDatabase();
    await ensureTenant(db, 'acme');
    await ensureTenant(db, 'acme');
    await ensureTenant(db, 'globex');
    await ensureTenant(db, 'acme');
    expect(statements.map((statement) => statement.values)).toEqual([{ id: 'acme' }, { id: 'globex' }]);
  });

  it('inserts again after the known tenants are forgotten', async () => {
    const { db, statements } = recordingDatabase();
    await ensureTenant(db, 'acme');
    forgetKnownTenants();
    await ensureTenant(db, 'acme');
    expect(statements).toHaveLength(2);
  });

  it('does not remember a tenant whose insert failed', async () => {
    let attempts = 0;
    const failing = {
      insert: () => ({
        values: () => ({
          onConflictDoNothing: async () => {
            attempts += 1;
            if (attempts === 1) throw new Error('connection lost');
          },
        }),
      }),
    } as unknown as Executor;
    await expect(ensureTenant(failing, 'acme')).rejects.toThrow('connection lost');
    await ensureTenant(failing, 'acme');
    expect(attempts).toBe(2);
  });
});
