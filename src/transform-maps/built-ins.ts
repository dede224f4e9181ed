import { BUILT_IN_TRANSFORM_MAPS } from '../mapping/built-in-maps.ts';
import type { TransformMapDefinition } from '../mapping/transform-map.ts';
import type { TransformMapModel } from './model.ts';

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
