import type { Executor } from '../db/client.ts';
import { BUILT_IN_TRANSFORM_MAPS } from '../mapping/built-in-maps.ts';
import type { TransformMapDefinition } from '../mapping/transform-map.ts';
import { customTransformMapModel, type TransformMapModel } from './model.ts';
import { transformMapsByIds } from './queries.ts';

/** The built-in maps, read-only, the same for every tenant. A built-in map's id is its key. */
export function builtInTransformMaps(): TransformMapModel[] {
  return BUILT_IN_TRANSFORM_MAPS.map(builtInModel);
}

function builtInModel(definition: TransformMapDefinition): TransformMapModel {
  return {
    id: definition.key!,
    key: definition.key!,
    name: definition.name,
    description: definition.description ?? null,
    builtIn: true,
    version: 1,
    entries: definition.entries.map((entry) => ({ ...entry, required: entry.required === true })),
    createdAt: null,
    updatedAt: null,
  };
}

/** Maps by id, built-in or the tenant's own, in the order asked (null where none has the id). */
export async function transformMapsById(
  db: Executor,
  tenantId: string,
  ids: readonly string[],
): Promise<(TransformMapModel | null)[]> {
  const builtIns = new Map(builtInTransformMaps().map((map) => [map.id, map]));
  const wanted = ids.filter((id) => !builtIns.has(id));
  const custom = new Map(
    (wanted.length > 0 ? await transformMapsByIds(db, tenantId, wanted) : []).map((row) => [
      row.id,
      customTransformMapModel(row),
    ]),
  );
  return ids.map((id) => builtIns.get(id) ?? custom.get(id) ?? null);
}
