import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMasterKey } from '../../src/connectors/crypto.ts';
import type { AppServices } from '../../src/context.ts';
import type { Database } from '../../src/db/client.ts';
import { eventCursor, replayCursor } from '../../src/events/cursor.ts';
import { ingestFindingsPage } from '../../src/findings/ingest.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { anInspectorEc2Finding } from '../support/factories.ts';

// Issue 12, row 11: event ids come from one sequence for every tenant; the cursors a tenant is
// given must not let it count anyone else's activity, nor be usable by another tenant.

let database: Database;
const app = { masterKey: parseMasterKey(randomBytes(32).toString('hex')) } as AppServices;

beforeAll(async () => {
  database = await openTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

const of = (tenantId: string) => ({ tenantId, app, db: database.db });

describe('event cursors', () => {
  it('give back the event id to the tenant they were issued to, for any id', async () => {
    await ingestFindingsPage(database.db, await newTenant(database), [anInspectorEc2Finding()]);
    const tenantId = await newTenant(database);
    // Ids the log holds (any at or below its head) come back exactly.
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }), async (id) => {
        const cursor = eventCursor(of(tenantId), id);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]{22}$/);
        // The id does not show through (a short one may appear by chance among 22 characters).
        if (id > 99_999n) expect(cursor).not.toContain(id.toString());
        const decoded = await replayCursor(of(tenantId), cursor).catch((error: Error) => error);
        if (decoded instanceof Error) expect(decoded.message).toContain('beyond the head of the event log');
        else expect(decoded).toBe(id);
      }),
      { numRuns: 50 },
    );
    expect(await replayCursor(of(tenantId), eventCursor(of(tenantId), 1n))).toBe(1n);
    expect(await replayCursor(of(tenantId), '0')).toBe(0n);
    expect(await replayCursor(of(tenantId), undefined)).toBeUndefined();
  });

  it("reveal nothing about the distance between events: neighbouring ids' cursors share no structure", () => {
    const a = Buffer.from(eventCursor(of('tenant-a'), 1000n), 'base64url');
    const b = Buffer.from(eventCursor(of('tenant-a'), 1001n), 'base64url');
    // One AES block: a one-bit change in the id changes about half of the bits.
    let differing = 0;
    for (let i = 0; i < 16; i += 1) differing += popcount(a[i]! ^ b[i]!);
    expect(differing).toBeGreaterThan(32);
    expect(differing).toBeLessThan(96);
  });

  it('are refused from another tenant, tampered with, under another master key, or as raw ids, alike', async () => {
    const [mine, theirs] = [await newTenant(database), await newTenant(database)];
    const cursor = eventCursor(of(theirs), 1n);
    const tampered = Buffer.from(eventCursor(of(mine), 1n), 'base64url');
    tampered[3]! ^= 1;
    const otherKey = eventCursor(
      { tenantId: mine, app: { masterKey: parseMasterKey(randomBytes(32).toString('hex')) } as AppServices },
      1n,
    );
    for (const after of [
      cursor,
      tampered.toString('base64url'),
      otherKey,
      '1',
      '99999999999',
      'x'.repeat(10_000),
    ]) {
      await expect(replayCursor(of(mine), after)).rejects.toMatchObject({
        message:
          '`after` must be the `cursor` of an event this API delivered to you, or "0" to replay every stored event.',
        extensions: { code: 'BAD_USER_INPUT', argumentPath: ['after'] },
      });
    }
  });
});

function popcount(byte: number): number {
  let count = 0;
  for (let bits = byte; bits; bits >>= 1) count += bits & 1;
  return count;
}
