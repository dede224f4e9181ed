import DataLoader from 'dataloader';
import type { Executor } from '../db/client.ts';
import { builtInTransformMaps } from './built-ins.ts';
import type { TransformMapModel } from './model.ts';
import { transformMapsByIds } from './queries.ts';
import { customTransformMapModel } from './service.ts';

export type TransformMapLoaders = ReturnType<typeof createTransformMapLoaders>;

/** By id: a built-in map's id is its key; a custom map's is a UUID. */
export function createTransformMapLoaders(db: Executor, tenantId: string) {
  return {
    byId: new DataLoader<string, TransformMapModel | null>(async (ids) => {
      const builtIns = new Map(builtInTransformMaps().map((map) => [map.id, map]));
      const custom = new Map(
        (await transformMapsByIds(db, tenantId, ids)).map((row) => [row.id, customTransformMapModel(row)]),
      );
      return ids.map((id) => builtIns.get(id) ?? custom.get(id) ?? null);
    }),
  };
}
