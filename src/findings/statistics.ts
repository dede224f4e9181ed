import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { findings } from '../db/schema.ts';

// The planner's statistics on findings, kept current while a sync or a seed inserts a tenant's
// findings. Autovacuum analyzes a table once a tenth of it has changed: a new tenant's first sync
// into a large table may never get there (and where autovacuum is off it never does), and until
// then the planner believes the tenant has the few findings it had at the last ANALYZE. Plans for
// "a few" then read all of them — a page's lookups, group elections, the run's completion — which
// grows with every page. So after 1,000 inserted findings of a tenant, then each time that count
// doubles, this process analyzes the columns those plans depend on (half a second at 100,000
// findings; a full ANALYZE computes text-search statistics too and takes five times as long).

const FIRST_AFTER = 1_000;

interface TenantInserts {
  inserted: number;
  nextAt: number;
}

const inserts = new WeakMap<Db, Map<string, TenantInserts>>();
const analyzing = new WeakSet<Db>();

/** Counts a tenant's newly inserted findings, and analyzes when their number has doubled. */
export async function noteInsertedFindings(db: Db, tenantId: string, count: number): Promise<void> {
  if (count === 0) return;
  const tenants = inserts.get(db) ?? new Map<string, TenantInserts>();
  inserts.set(db, tenants);
  const state = tenants.get(tenantId) ?? { inserted: 0, nextAt: FIRST_AFTER };
  tenants.set(tenantId, state);
  state.inserted += count;
  // One ANALYZE at a time per database; a writer that finds one running goes on with its pages.
  if (state.inserted < state.nextAt || analyzing.has(db)) return;
  analyzing.add(db);
  try {
    await db.transaction(async (tx) => {
      // Never wait behind autovacuum (which holds the same lock for as long as it takes): try
      // again a thousand findings later.
      await tx.execute(sql`set local lock_timeout = '200ms'`);
      await tx.execute(sql`analyze ${findings} (tenant_id, connector_id, asset_id, dedup_key)`);
    });
    state.nextAt = state.inserted * 2;
  } catch {
    // Statistics only speed plans up: the page is committed, and a failed ANALYZE must not fail it.
    state.nextAt = state.inserted + FIRST_AFTER;
  } finally {
    analyzing.delete(db);
  }
}
