import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { type TransformMapRow, transformMaps } from '../db/schema.ts';
import { isUuid } from '../graphql/connection.ts';

// Every SQL statement about custom transform maps lives here. Each one is scoped to a tenant.

export function customTransformMaps(db: Executor, tenantId: string): Promise<TransformMapRow[]> {
  return db
    .select()
    .from(transformMaps)
    .where(eq(transformMaps.tenantId, tenantId))
    .orderBy(asc(transformMaps.createdAt), asc(transformMaps.id));
}

export function transformMapsByIds(
  db: Executor,
  tenantId: string,
  ids: readonly string[],
): Promise<TransformMapRow[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(transformMaps)
    .where(and(eq(transformMaps.tenantId, tenantId), inArray(transformMaps.id, valid)));
}
