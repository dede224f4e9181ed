import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { connectors, type TransformMapRow, transformMaps } from '../db/schema.ts';
import { nameTaken, rowsByIds } from '../db/tenant-queries.ts';
import type { TransformMapEntryDefinition } from '../mapping/transform-map.ts';

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
  return rowsByIds(db, transformMaps, tenantId, ids);
}

export function transformMapNameTaken(
  db: Executor,
  tenantId: string,
  name: string,
  exceptId?: string,
): Promise<boolean> {
  return nameTaken(
    db,
    {
      table: transformMaps,
      id: transformMaps.id,
      tenantId: transformMaps.tenantId,
      name: transformMaps.name,
    },
    tenantId,
    name,
    exceptId,
  );
}

export async function insertTransformMap(
  db: Executor,
  tenantId: string,
  values: {
    name: string;
    description: string | null;
    baseMapKey: string | null;
    entries: TransformMapEntryDefinition[];
  },
): Promise<TransformMapRow> {
  const [row] = await db
    .insert(transformMaps)
    .values({ tenantId, ...values })
    .returning();
  return row!;
}

export async function updateTransformMapRow(
  db: Executor,
  tenantId: string,
  id: string,
  values: { name: string; description: string | null; entries: TransformMapEntryDefinition[] },
): Promise<TransformMapRow | undefined> {
  const [row] = await db
    .update(transformMaps)
    .set({ ...values, version: sql`${transformMaps.version} + 1`, updatedAt: new Date() })
    .where(and(eq(transformMaps.tenantId, tenantId), eq(transformMaps.id, id)))
    .returning();
  return row;
}

export async function deleteTransformMapRow(db: Executor, tenantId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(transformMaps)
    .where(and(eq(transformMaps.tenantId, tenantId), eq(transformMaps.id, id)))
    .returning({ id: transformMaps.id });
  return rows.length > 0;
}

export async function connectorsUsingMap(db: Executor, tenantId: string, mapId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(connectors)
    .where(and(eq(connectors.tenantId, tenantId), eq(connectors.transformMapKey, mapId)));
  return row?.n ?? 0;
}
