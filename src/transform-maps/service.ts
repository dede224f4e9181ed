import { sql } from 'drizzle-orm';
import type { TenantContext } from '../context.ts';
import type { Executor } from '../db/client.ts';
import { type ConnectionModel, type KeysetOrder, type PageArgs, paginateArray } from '../db/keyset.ts';
import { NotFoundError, quoteInput } from '../errors.ts';
import type {
  TransformMapCloneInput,
  TransformMapDeleteInput,
  TransformMapUpdateInput,
  TransformPreviewSettings,
} from '../generated/graphql.ts';
import { BUILT_IN_TRANSFORM_MAPS, VULNERABILITY_MAP_KEY } from '../mapping/built-in-maps.ts';
import type { FormatMaps } from '../mapping/map-document.ts';
import { OCSF_VULNERABILITY_MAP } from '../mapping/ocsf/built-in-map.ts';
import { type PreviewModel, previewFinding } from '../mapping/preview.ts';
import {
  type CompiledTransformMap,
  compileTransformMap,
  type TransformMapDefinition,
  type TransformMapEntryDefinition,
} from '../mapping/transform-map.ts';
import { type UserErrorModel, userError } from '../user-errors.ts';
import { builtInTransformMaps, transformMapsById } from './built-ins.ts';
import { customTransformMapModel, type TransformMapModel } from './model.ts';
import {
  connectorsUsingMap,
  customTransformMaps,
  deleteTransformMapRow,
  insertTransformMap,
  transformMapNameTaken,
  transformMapsByIds,
  updateTransformMapRow,
} from './queries.ts';

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
  ctx: TenantContext,
  args: PageArgs,
): Promise<ConnectionModel<TransformMapModel>> {
  const custom = (await customTransformMaps(ctx.db, ctx.tenantId)).map(customTransformMapModel);
  return paginateArray([...builtInTransformMaps(), ...custom], args, order);
}

export interface TransformMapPayloadModel {
  transformMap: TransformMapModel | null;
  userErrors: UserErrorModel[];
}

export async function cloneTransformMap(
  ctx: TenantContext,
  input: TransformMapCloneInput,
): Promise<TransformMapPayloadModel> {
  const source = await transformMapById(ctx, input.id);
  if (!source)
    return failed(
      userError(['input', 'id'], `No transform map has the id ${quoteInput(input.id)}.`, 'NOT_FOUND'),
    );
  const definition: TransformMapDefinition = {
    name: input.name.trim(),
    description: input.description ?? source.description,
    entries: source.entries.map(toDefinition),
  };
  const problems = await checkDefinition(ctx, definition);
  if (problems.length > 0) return failed(...problems);
  const row = await insertTransformMap(ctx.db, ctx.tenantId, {
    name: definition.name,
    description: definition.description ?? null,
    baseMapKey: source.key ?? source.id,
    entries: definition.entries,
  });
  return { transformMap: customTransformMapModel(row), userErrors: [] };
}

export async function updateTransformMap(
  ctx: TenantContext,
  input: TransformMapUpdateInput,
): Promise<TransformMapPayloadModel> {
  const current = await transformMapById(ctx, input.id);
  if (!current)
    return failed(
      userError(['input', 'id'], `No transform map has the id ${quoteInput(input.id)}.`, 'NOT_FOUND'),
    );
  if (current.builtIn) {
    return failed(
      userError(
        ['input', 'id'],
        `"${current.name}" is built in and read-only; clone it with transformMapClone and edit the copy.`,
        'NOT_ALLOWED',
      ),
    );
  }
  const definition: TransformMapDefinition = {
    name: input.name?.trim() ?? current.name,
    description: input.description !== undefined ? input.description : current.description,
    entries: input.entries ? input.entries.map(toDefinition) : current.entries.map(toDefinition),
  };
  const problems = await checkDefinition(ctx, definition, current.id);
  if (problems.length > 0) return failed(...problems);
  const row = await updateTransformMapRow(ctx.db, ctx.tenantId, current.id, {
    name: definition.name,
    description: definition.description ?? null,
    entries: definition.entries,
  });
  if (!row)
    return failed(
      userError(['input', 'id'], `No transform map has the id ${quoteInput(input.id)}.`, 'NOT_FOUND'),
    );
  return { transformMap: customTransformMapModel(row), userErrors: [] };
}

export async function deleteTransformMap(
  ctx: TenantContext,
  input: TransformMapDeleteInput,
): Promise<{ deletedId: string | null; userErrors: UserErrorModel[] }> {
  const current = await transformMapById(ctx, input.id);
  if (!current)
    return {
      deletedId: null,
      userErrors: [
        userError(['input', 'id'], `No transform map has the id ${quoteInput(input.id)}.`, 'NOT_FOUND'),
      ],
    };
  if (current.builtIn) {
    return {
      deletedId: null,
      userErrors: [
        userError(['input', 'id'], `"${current.name}" is built in and cannot be deleted.`, 'NOT_ALLOWED'),
      ],
    };
  }
  const users = await connectorsUsingMap(ctx.db, ctx.tenantId, current.id);
  if (users > 0) {
    return {
      deletedId: null,
      userErrors: [
        userError(
          ['input', 'id'],
          `"${current.name}" is used by ${users} connector(s); point them at another map first.`,
          'IN_USE',
        ),
      ],
    };
  }
  await deleteTransformMapRow(ctx.db, ctx.tenantId, current.id);
  return { deletedId: current.id, userErrors: [] };
}

export async function previewTransform(
  ctx: TenantContext,
  mapId: string,
  finding: unknown,
  settings: TransformPreviewSettings | null | undefined,
): Promise<PreviewModel> {
  const map = await compiledMapFor(ctx.db, ctx.tenantId, mapId);
  if (!map)
    throw new NotFoundError(
      `No transform map has the id "${mapId}". List them with the transformMaps query.`,
    );
  return previewFinding(finding, map, {
    defaultSeverity: settings?.defaultSeverity ?? 'MEDIUM',
    criticalityTag: settings?.criticalityTag ?? undefined,
  });
}

const compiledCache = new Map<string, CompiledTransformMap>();

/** The compiled map for an id (a built-in key or a custom map's id), compiled once per version. */
export async function compiledMapFor(
  db: Executor,
  tenantId: string,
  mapId: string,
): Promise<CompiledTransformMap | undefined> {
  const builtIn = BUILT_IN_TRANSFORM_MAPS.find((definition) => definition.key === mapId);
  const row = builtIn ? undefined : (await transformMapsByIds(db, tenantId, [mapId]))[0];
  if (!builtIn && !row) return undefined;
  const cacheKey = builtIn ? `builtin:${mapId}` : `${tenantId}:${row!.id}:${row!.version}`;
  let compiled = compiledCache.get(cacheKey);
  if (!compiled) {
    const definition = builtIn ?? {
      name: row!.name,
      description: row!.description,
      entries: row!.entries as TransformMapEntryDefinition[],
    };
    const result = compileTransformMap(definition);
    // Saved maps were validated; one that no longer compiles (the ASFF schema moved) is not usable.
    if (!result.ok) return undefined;
    compiled = result.map;
    compiledCache.set(cacheKey, compiled);
  }
  return compiled;
}

/** The built-in OCSF map, compiled once (it is not listed among the tenant's maps). */
let builtInOcsf: CompiledTransformMap | undefined;

/**
 * The maps a connector's documents go through, per format: its own map for the format that map
 * reads, the built-in map for the other (a connector reading BOTH gets ASFF and OCSF pages).
 * Undefined when its map does not exist or no longer compiles.
 */
export async function compiledMapsFor(
  db: Executor,
  tenantId: string,
  mapId: string,
): Promise<FormatMaps | undefined> {
  const own = await compiledMapFor(db, tenantId, mapId);
  if (!own) return undefined;
  if (!builtInOcsf) {
    const compiled = compileTransformMap(OCSF_VULNERABILITY_MAP);
    if (!compiled.ok)
      throw new Error(`the built-in OCSF map does not compile: ${JSON.stringify(compiled.errors)}`);
    builtInOcsf = compiled.map;
  }
  return own.definition.format === 'OCSF'
    ? { ASFF: (await compiledMapFor(db, tenantId, VULNERABILITY_MAP_KEY))!, OCSF: own }
    : { ASFF: own, OCSF: builtInOcsf };
}

async function checkDefinition(
  ctx: TenantContext,
  definition: TransformMapDefinition,
  exceptId?: string,
): Promise<UserErrorModel[]> {
  const compiled = compileTransformMap(definition);
  const problems = compiled.ok
    ? []
    : compiled.errors.map((error) =>
        userError(['input', ...error.field.map(String)], error.message, error.code),
      );
  if ((definition.description?.length ?? 0) > 1000) {
    problems.push(
      userError(['input', 'description'], 'A description has at most 1000 characters.', 'TOO_LONG'),
    );
  }
  if (definition.name && (await transformMapNameTaken(ctx.db, ctx.tenantId, definition.name, exceptId))) {
    problems.push(
      userError(
        ['input', 'name'],
        `A transform map named "${definition.name}" exists already; choose another name.`,
        'DUPLICATE',
      ),
    );
  }
  return problems;
}

function toDefinition(entry: {
  target: string;
  source: string;
  transform?: string | null;
  args?: unknown;
  required?: boolean | null;
  description?: string | null;
}): TransformMapEntryDefinition {
  return {
    target: entry.target,
    source: entry.source,
    ...(entry.transform ? { transform: entry.transform } : {}),
    ...(entry.args !== undefined && entry.args !== null
      ? { args: entry.args as Record<string, unknown> }
      : {}),
    required: entry.required === true,
    ...(entry.description ? { description: entry.description } : {}),
  };
}

function failed(...userErrors: UserErrorModel[]): TransformMapPayloadModel {
  return { transformMap: null, userErrors };
}

async function transformMapById(ctx: TenantContext, id: string): Promise<TransformMapModel | null> {
  return (await transformMapsById(ctx.db, ctx.tenantId, [id]))[0] ?? null;
}
