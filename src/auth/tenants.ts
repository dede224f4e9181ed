import type { Executor } from '../db/client.ts';
import { tenants } from '../db/schema.ts';

// Tenants are created on first sight of a verified tenant id: the identity provider is the
// registry of tenants, Hubgraph only keeps their rows. Known ids are remembered per process.
const known = new Set<string>();

export async function ensureTenant(db: Executor, tenantId: string): Promise<void> {
  if (known.has(tenantId)) return;
  await db.insert(tenants).values({ id: tenantId }).onConflictDoNothing();
  known.add(tenantId);
}

/** For tests that drop and recreate data under the same tenant id. */
export function forgetKnownTenants(): void {
  known.clear();
}
