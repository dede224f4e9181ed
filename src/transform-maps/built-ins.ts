import type { TransformMapModel } from './model.ts';

/** The built-in maps, read-only, the same for every tenant. Defined by the mapping module. */
export function builtInTransformMaps(): TransformMapModel[] {
  return [];
}
