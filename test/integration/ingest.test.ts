import { and, asc, eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { rowsOf } from '../../src/db/json-rows.ts';
import { events, findings } from '../../src/db/schema.ts';
import {
  type IngestItem,
  identityKey,
  ingestFindingsPage,
  storedVersions,
} from '../../src/findings/ingest.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { anInspectorEc2Finding } from '../support/factories.ts';

// How one page of findings is applied: which version of a finding wins, and when a version with
// the same UpdatedAt still replaces the stored one.

let database: Database;

beforeAll(async () => {
  database = await openTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

/** The same finding (identity and assets) as another version: new fields, raw ASFF and UpdatedAt. */
function versionOf(
  item: IngestItem,
  changes: { title?: string; workflowStatus?: string; awsUpdatedAt?: Date; raw?: Record<string, unknown> },
): IngestItem {
  return {
    assets: item.assets,
    finding: {
      ...item.finding,
      ...changes,
      raw: {
        ...item.finding.raw,
        ...changes.raw,
        ...(changes.title ? { Title: changes.title } : {}),
        ...(changes.awsUpdatedAt ? { UpdatedAt: changes.awsUpdatedAt.toISOString() } : {}),
      },
    },
  };
}

async function stored(tenantId: string) {
  return database.db
    .select({
      awsId: findings.awsId,
      title: findings.title,
      workflowStatus: findings.workflowStatus,
      awsUpdatedAt: findings.awsUpdatedAt,
      raw: findings.raw,
    })
    .from(findings)
    .where(eq(findings.tenantId, tenantId));
}

async function findingEvents(tenantId: string) {
  return database.db
    .select({ type: events.type, payload: events.payload })
    .from(events)
    .where(and(eq(events.tenantId, tenantId), eq(events.topic, 'finding')))
    .orderBy(asc(events.id));
}

describe('a finding stored again with the same UpdatedAt', () => {
  // BatchUpdateFindings (a workflow status, a note) changes a finding without moving UpdatedAt.
  it('replaces the stored version when its content changed, and announces what changed', async () => {
    const tenantId = await newTenant(database);
    const first = anInspectorEc2Finding();
    first.finding.raw = { ...first.finding.raw, Workflow: { Status: 'NEW' } };
    await ingestFindingsPage(database.db, tenantId, [first]);
    const notified = versionOf(first, {
      workflowStatus: 'NOTIFIED',
      raw: { Workflow: { Status: 'NOTIFIED' } },
    });
    expect(notified.finding.awsUpdatedAt).toEqual(first.finding.awsUpdatedAt);

    const result = await ingestFindingsPage(database.db, tenantId, [notified]);

    expect(result).toMatchObject({ created: 0, updated: 1, unchanged: 0 });
    const key = identityKey(first.finding.productArn, first.finding.awsId);
    expect(result.outcomes.get(key)).toBe('updated');
    const [row] = await stored(tenantId);
    expect(row).toMatchObject({ workflowStatus: 'NOTIFIED', raw: { Workflow: { Status: 'NOTIFIED' } } });
    expect(await findingEvents(tenantId)).toEqual([
      { type: 'CREATED', payload: { changedFields: [] } },
      { type: 'UPDATED', payload: { changedFields: ['Workflow'] } },
    ]);
  });

  it('leaves it unchanged when the content is the same, whatever the key order of the raw ASFF', async () => {
    const tenantId = await newTenant(database);
    const first = anInspectorEc2Finding();
    first.finding.raw = { ...first.finding.raw, Workflow: { Status: 'NEW' }, Note: { Text: 'n' } };
    await ingestFindingsPage(database.db, tenantId, [first]);
    const reordered = { ...first, finding: { ...first.finding, raw: { ...first.finding.raw } } };
    reordered.finding.raw = Object.fromEntries(Object.entries(first.finding.raw).reverse());

    const result = await ingestFindingsPage(database.db, tenantId, [reordered]);

    expect(result).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    expect((await findingEvents(tenantId)).map((event) => event.type)).toEqual(['CREATED']);
  });

  it('never lets an older version replace a newer one', async () => {
    const tenantId = await newTenant(database);
    const current = anInspectorEc2Finding({ title: 'current' });
    await ingestFindingsPage(database.db, tenantId, [current]);
    const older = versionOf(current, {
      title: 'older',
      awsUpdatedAt: new Date(current.finding.awsUpdatedAt.getTime() - 60_000),
    });

    const result = await ingestFindingsPage(database.db, tenantId, [older]);

    expect(result).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    expect((await stored(tenantId)).map((row) => row.title)).toEqual(['current']);
  });
});

describe('two versions of one finding in the same page', () => {
  for (const order of ['earlier first', 'later first'] as const) {
    it(`keeps the later version (${order})`, async () => {
      const tenantId = await newTenant(database);
      const earlier = anInspectorEc2Finding({ title: 'earlier' });
      const later = versionOf(earlier, {
        title: 'later',
        awsUpdatedAt: new Date(earlier.finding.awsUpdatedAt.getTime() + 3_600_000),
      });
      const page = order === 'earlier first' ? [earlier, later] : [later, earlier];

      const result = await ingestFindingsPage(database.db, tenantId, page);

      expect(result).toMatchObject({ created: 1, updated: 0, unchanged: 0 });
      const rows = await stored(tenantId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        title: 'later',
        awsUpdatedAt: later.finding.awsUpdatedAt,
        raw: { Title: 'later' },
      });
    });
  }
});

describe("a tenant's first import", () => {
  it("keeps the planner's statistics current, so a page's lookups stay index probes", async () => {
    const tenantId = await newTenant(database);
    // Statistics from before the tenant had any finding, and no autovacuum to renew them: planned
    // from them, a page's lookup of its stored versions read every finding of the tenant.
    await database.db.execute(sql`analyze ${findings}`);
    const items = Array.from({ length: 1_200 }, () => anInspectorEc2Finding({ asset: null }));
    for (let i = 0; i < items.length; i += 100)
      await ingestFindingsPage(database.db, tenantId, items.slice(i, i + 100));
    const identities = items.slice(0, 100).map(({ finding }) => finding);
    const lookup = storedVersions(database.db, tenantId, identities);

    const found = await lookup;
    const plan = await explained(sql`explain (format json) ${lookup.getSQL()}`);
    const tenantRows = await explained(
      sql`explain (format json) select 1 from ${findings} where tenant_id = ${tenantId}`,
    );

    expect(found).toHaveLength(100);
    const nodes = nodesOf(plan);
    expect(nodes.flatMap((node) => node.index ?? []).sort()).toEqual([
      'findings_pkey',
      'findings_tenant_identity_key',
    ]);
    expect(nodes.map((node) => node.type)).not.toContain('Seq Scan');
    expect(tenantRows[0]!.Plan['Plan Rows']).toBeGreaterThan(500);
  });
  it.skipIf(!process.env.DATABASE_URL)(
    'never waits behind autovacuum: with the table locked, pages go on and the ANALYZE comes later',
    async () => {
      const tenantId = await newTenant(database);
      const page = () => Array.from({ length: 100 }, () => anInspectorEc2Finding({ asset: null }));
      const tenantRows = async () =>
        (
          await explained(sql`explain (format json) select 1 from ${findings} where tenant_id = ${tenantId}`)
        )[0]!.Plan['Plan Rows'];
      const holder = postgres(database.url!, { max: 1, onnotice: () => {} });
      let release = () => {};
      let released = false;
      try {
        // The lock autovacuum holds while it works on the table, held until we let go.
        const held = new Promise<void>((resolve) => {
          void holder
            .begin(async (tx) => {
              await tx`lock table findings in share update exclusive mode`;
              resolve();
              await new Promise<void>((letGo) => {
                release = letGo;
              });
            })
            .finally(() => {
              released = true;
            });
        });
        await held;
        for (let i = 0; i < 10; i++) await ingestFindingsPage(database.db, tenantId, page());

        // The 1,000th finding's ANALYZE gave up instead of waiting: the lock is still held.
        expect(released).toBe(false);
        expect(await tenantRows()).toBeLessThan(500);
      } finally {
        release();
        await holder.end({ timeout: 5 });
      }
      // Tried again a thousand findings later.
      for (let i = 0; i < 10; i++) await ingestFindingsPage(database.db, tenantId, page());
      expect(await tenantRows()).toBeGreaterThan(1_500);
    },
  );
});

type Plan = { Plan: Record<string, unknown> & { 'Plan Rows': number } }[];

async function explained(statement: ReturnType<typeof sql>): Promise<Plan> {
  const [row] = rowsOf<Record<string, unknown>>(await database.db.execute(statement));
  const value = Object.values(row!)[0];
  return (typeof value === 'string' ? JSON.parse(value) : value) as Plan;
}

/** Every node of an EXPLAIN (FORMAT JSON) plan: its type and the index it reads, if any. */
function nodesOf(plan: Plan): { type: string; index?: string }[] {
  const nodes: { type: string; index?: string }[] = [];
  const visit = (node: Record<string, unknown>) => {
    nodes.push({ type: node['Node Type'] as string, index: node['Index Name'] as string | undefined });
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) visit(child);
  };
  visit(plan[0]!.Plan);
  return nodes;
}
