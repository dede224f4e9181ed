import { sql } from 'drizzle-orm';
import type { TransformMapRow } from '../db/schema.ts';
import {
  type ConnectionModel,
  type KeysetOrder,
  type PageArgs,
  paginateArray,
} from '../graphql/connection.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { builtInTransformMaps } from './built-ins.ts';
import type { TransformMapEntryModel, TransformMapModel } from './model.ts';
import { customTransformMaps } from './queries.ts';

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

/** Built-in maps first (by key), then the tenant's own, oldest first. */
const order: KeysetOrder<TransformMapModel> = {
  name: 'BUILT_IN_THEN_CREATED_AT',
  direction: 'ASC',
  keys: [
    { expression: sql`0`, type: 'int', read: (map) => (map.builtIn ? 0 : 1) },
    { expression: sql`''`, type: 'text', read: (map) => map.createdAt?.toISOString() ?? '' },
    { expression: sql`''`, type: 'text', read: (map) => map.id },
  ],
};

/** A tenant has few maps, so the list is paged in memory with the same cursors as SQL lists. */
export async function listTransformMaps(
  ctx: GraphQLContext,
  args: PageArgs,
): Promise<ConnectionModel<TransformMapModel>> {
  const custom = (await customTransformMaps(ctx.db, ctx.tenantId)).map(customTransformMapModel);
  return paginateArray([...builtInTransformMaps(), ...custom], args, order);
}
