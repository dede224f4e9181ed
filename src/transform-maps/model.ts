import type { TransformMapRow } from '../db/schema.ts';

export interface TransformMapEntryModel {
  target: string;
  source: string;
  transform?: string | null;
  args?: unknown;
  required: boolean;
  description?: string | null;
}

/** A built-in map (defined in code, read-only) or a tenant's custom map (a row). */
export interface TransformMapModel {
  id: string;
  key: string | null;
  name: string;
  description: string | null;
  builtIn: boolean;
  version: number;
  entries: TransformMapEntryModel[];
  createdAt: Date | null;
  updatedAt: Date | null;
}

export function customTransformMapModel(row: TransformMapRow): TransformMapModel {
  return {
    id: row.id,
    key: null,
    name: row.name,
    description: row.description,
    builtIn: false,
    version: row.version,
    entries: row.entries as TransformMapEntryModel[],
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
