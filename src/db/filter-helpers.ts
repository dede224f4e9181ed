import { type AnyColumn, gte, inArray, lt, type SQL, sql } from 'drizzle-orm';
import { quoteInput, UserInputError } from '../errors.ts';
import { article, keyOf, type NodeType } from '../global-id.ts';
import { isUuid } from './keyset.ts';

// Building blocks shared by every domain's filter compiler: bounded lists, id lists, ranges.
// An omitted field does not filter; an empty list matches nothing (OR over no values).

export type ArgumentPath = readonly (string | number)[];

export const MAX_FILTER_VALUES = 100;

/** A text[] of these values, each its own parameter. */
export function textArray(values: readonly string[]): SQL {
  return sql`array[${sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  )}]::text[]`;
}

export function checkList<T>(
  values: readonly T[] | null | undefined,
  path: ArgumentPath,
): readonly T[] | undefined {
  if (values == null) return undefined;
  if (values.length > MAX_FILTER_VALUES) {
    throw new UserInputError(
      `At most ${MAX_FILTER_VALUES} values are allowed here; got ${values.length}. Split the request or use a broader filter.`,
      path,
    );
  }
  return values;
}

export function listCondition<T>(
  column: AnyColumn,
  values: readonly T[] | null | undefined,
  path: ArgumentPath,
): SQL | undefined {
  const checked = checkList(values, path);
  if (checked === undefined) return undefined;
  return checked.length === 0 ? sql`false` : inArray(column, [...checked]);
}

/**
 * Ids of `type` (global ids, or the bare UUIDs they hold); anything else is a client mistake worth
 * naming rather than an empty result.
 */
export function idListCondition(
  column: AnyColumn,
  type: NodeType,
  ids: readonly string[] | null | undefined,
  path: ArgumentPath,
): SQL | undefined {
  const checked = checkList(ids, path)?.map((id, index) => {
    const key = keyOf(type, id, [...path, index]);
    if (!isUuid(key))
      throw new UserInputError(`${quoteInput(id)} is not ${article(type)} id.`, [...path, index]);
    return key;
  });
  return listCondition(column, checked, path);
}

export function intRange(
  range: { min?: number | null; max?: number | null } | null | undefined,
  path: ArgumentPath,
  lowest: number,
  highest: number,
): { min: number | null; max: number | null } | undefined {
  if (!range) return undefined;
  const min = range.min ?? null;
  const max = range.max ?? null;
  for (const [name, value] of [
    ['min', min],
    ['max', max],
  ] as const) {
    if (value != null && (value < lowest || value > highest)) {
      throw new UserInputError(`\`${name}\` must be between ${lowest} and ${highest}; got ${value}.`, [
        ...path,
        name,
      ]);
    }
  }
  if (min != null && max != null && min > max) {
    throw new UserInputError(`\`min\` (${min}) must not be greater than \`max\` (${max}).`, path);
  }
  return { min, max };
}

export function intRangeCondition(
  column: AnyColumn,
  range: { min?: number | null; max?: number | null } | null | undefined,
  path: ArgumentPath,
  lowest: number,
  highest: number,
): SQL | undefined {
  const bounds = intRange(range, path, lowest, highest);
  if (!bounds) return undefined;
  const parts = [
    bounds.min != null ? gte(column, bounds.min) : undefined,
    bounds.max != null ? sql`${column} <= ${bounds.max}` : undefined,
  ].filter((part): part is SQL => part !== undefined);
  return parts.length ? sql.join(parts, sql` and `) : undefined;
}

/** `from` inclusive, `to` exclusive, so consecutive ranges never count a row twice. */
export function dateRangeCondition(
  column: AnyColumn,
  range: { from?: Date | null; to?: Date | null } | null | undefined,
  path: ArgumentPath,
): SQL | undefined {
  if (!range) return undefined;
  const { from, to } = range;
  if (from && to && from.getTime() > to.getTime()) {
    throw new UserInputError('`from` must not be later than `to`.', path);
  }
  const parts = [from ? gte(column, from) : undefined, to ? lt(column, to) : undefined].filter(
    (part): part is SQL => part !== undefined,
  );
  return parts.length ? sql.join(parts, sql` and `) : undefined;
}
