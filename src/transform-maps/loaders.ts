import DataLoader from 'dataloader';
import type { Executor } from '../db/client.ts';
import { transformMapsById } from './built-ins.ts';
import type { TransformMapModel } from './model.ts';

export type TransformMapLoaders = ReturnType<typeof createTransformMapLoaders>;

/** By id: a built-in map's id is its key; a custom map's is a UUID. */
export function createTransformMapLoaders(db: Executor, tenantId: string) {
  return {
    byId: new DataLoader<string, TransformMapModel | null>((ids) => transformMapsById(db, tenantId, ids)),
  };
}
