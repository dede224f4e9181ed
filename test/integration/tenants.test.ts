import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTenant, forgetKnownTenants } from '../../src/auth/tenants.ts';
import type { Database } from '../../src/db/client.ts';
import { tenants } from '../../src/db/schema.ts';
import { openTestDatabase } from '../support/database.ts';

// The tenant row of a verified tenant id, on a real database: created on first sight, and no error
// when it exists already (another process, or this one after forgetting what it knew).

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

const rowsOf = (id: string) => database.db.select().from(tenants).where(eq(tenants.id, id));

describe('ensuring a tenant on a database', () => {
  it('creates the row once and accepts an existing one', async () => {
    const id = `t-${randomUUID()}`;
    await ensureTenant(database.db, id);
    expect(await rowsOf(id)).toHaveLength(1);
    forgetKnownTenants();
    await ensureTenant(database.db, id);
    expect(await rowsOf(id)).toHaveLength(1);
  });
});
