import { isIP } from 'node:net';
import * as securityHub from '@aws-sdk/client-securityhub';

// AwsSecurityFindingFilters as AWS accepts them (research/aws-api.md §2): every attribute the SDK
// knows, at most 10 attributes and 20 values each, the comparison rules per kind. Connectors check
// their filters here before they are saved; the emulator refuses the same filters with the same words.

export type FilterKind = 'string' | 'number' | 'date' | 'boolean' | 'map' | 'ip' | 'keyword';

export interface FilterProblem {
  path: (string | number)[];
  message: string;
}

/** Every filter attribute of the installed SDK, with its kind, read from the SDK's schema. */
export const FILTER_KINDS: ReadonlyMap<string, FilterKind> = (() => {
  const schema = (securityHub as unknown as Record<string, unknown[]>).AwsSecurityFindingFilters$!;
  const names = schema[4] as string[];
  const lists = schema[5] as (() => unknown[])[];
  const kinds: Record<string, FilterKind> = {
    StringFilterList: 'string',
    NumberFilterList: 'number',
    DateFilterList: 'date',
    BooleanFilterList: 'boolean',
    MapFilterList: 'map',
    IpFilterList: 'ip',
    KeywordFilterList: 'keyword',
  };
  return new Map(
    names.map((name, index) => {
      const kind = kinds[String(lists[index]!()[2])];
      if (!kind) throw new Error(`unknown filter list type for ${name}`);
      return [name, kind] as const;
    }),
  );
})();

export const MAX_FILTER_ATTRIBUTES = 10;
export const MAX_FILTER_VALUES = 20;
export const STRING_COMPARISONS = [
  'EQUALS',
  'PREFIX',
  'NOT_EQUALS',
  'PREFIX_NOT_EQUALS',
  'CONTAINS',
  'NOT_CONTAINS',
] as const;
export const MAP_COMPARISONS = ['EQUALS', 'NOT_EQUALS', 'CONTAINS', 'NOT_CONTAINS'] as const;
const ASFF_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;

/** Every problem AWS would refuse the filters for (empty: valid). */
export function validateFindingFilters(filters: unknown, path: (string | number)[] = []): FilterProblem[] {
  const problems: FilterProblem[] = [];
  const fail = (at: (string | number)[], message: string) =>
    problems.push({ path: [...path, ...at], message });
  if (filters === undefined || filters === null) return problems;
  if (typeof filters !== 'object' || Array.isArray(filters)) {
    fail([], 'Filters must be an object.');
    return problems;
  }
  const used = Object.entries(filters).filter(([, value]) => value !== undefined && value !== null);
  for (const [name] of used)
    if (!FILTER_KINDS.has(name)) fail([name], `Filters.${name} is not a valid filter attribute.`);
  const active = used.filter(([, value]) => !(Array.isArray(value) && value.length === 0));
  if (active.length > MAX_FILTER_ATTRIBUTES) {
    fail(
      [],
      `The number of filter attributes (${active.length}) exceeds the limit of ${MAX_FILTER_ATTRIBUTES}.`,
    );
  }
  for (const [name, value] of active) {
    const kind = FILTER_KINDS.get(name);
    if (!kind) continue;
    if (!Array.isArray(value)) {
      fail([name], `Filters.${name} must be a list of filters.`);
      continue;
    }
    if (value.length > MAX_FILTER_VALUES) {
      fail(
        [name],
        `The number of values (${value.length}) for filter attribute ${name} exceeds the limit of ${MAX_FILTER_VALUES}.`,
      );
      continue;
    }
    const message = checkConditions(name, kind, value as Record<string, unknown>[]);
    if (message) fail([name], message);
  }
  return problems;
}

function checkConditions(
  name: string,
  kind: FilterKind,
  conditions: Record<string, unknown>[],
): string | undefined {
  switch (kind) {
    case 'string':
      return checkStrings(name, conditions, STRING_COMPARISONS);
    case 'map': {
      if (conditions.some((condition) => typeof condition?.Key !== 'string' || condition.Key === ''))
        return `Filters.${name}: every map filter needs a Key.`;
      const keys = new Set(conditions.map((condition) => condition.Key as string));
      for (const key of keys) {
        const message = checkStrings(
          `${name}[${key}]`,
          conditions.filter((condition) => condition.Key === key),
          MAP_COMPARISONS,
        );
        if (message) return message;
      }
      return undefined;
    }
    case 'number':
      for (const condition of conditions) {
        const bounds = ['Gte', 'Lte', 'Eq', 'Gt', 'Lt'].filter(
          (key) => condition?.[key] !== undefined && condition[key] !== null,
        );
        if (bounds.length === 0) return `Filters.${name}: a number filter needs Gte, Lte, Eq, Gt or Lt.`;
        for (const bound of bounds) {
          if (typeof condition[bound] !== 'number' || !Number.isFinite(condition[bound]))
            return `Filters.${name}.${bound} must be a number.`;
        }
        if (bounds.includes('Eq') && bounds.length > 1)
          return `Filters.${name}: Eq cannot be combined with other bounds.`;
      }
      return undefined;
    case 'date':
      for (const condition of conditions) {
        const message = checkDate(name, condition);
        if (message) return message;
      }
      return undefined;
    case 'boolean':
      return conditions.every((condition) => typeof condition?.Value === 'boolean')
        ? undefined
        : `Filters.${name}.Value must be true or false.`;
    case 'ip':
      for (const condition of conditions) {
        const cidr = condition?.Cidr;
        const match = typeof cidr === 'string' ? /^([^/]+)\/(\d{1,3})$/.exec(cidr) : null;
        const family = match ? isIP(match[1]!) : 0;
        if (!match || family === 0 || Number(match[2]) > (family === 4 ? 32 : 128))
          return `Filters.${name}.Cidr is not a valid CIDR block: ${String(cidr)}`;
      }
      return undefined;
    case 'keyword':
      return conditions.every((condition) => typeof condition?.Value === 'string' && condition.Value !== '')
        ? undefined
        : `Filters.${name}.Value must be a non-empty string.`;
  }
}

function checkStrings(
  name: string,
  conditions: Record<string, unknown>[],
  allowed: readonly string[],
): string | undefined {
  for (const condition of conditions) {
    if (typeof condition?.Value !== 'string') return `Filters.${name}: every filter needs a string Value.`;
    if (condition.Comparison === 'CONTAINS_WORD')
      return `Filters.${name}: CONTAINS_WORD is supported only by the V2 APIs (GetFindingsV2).`;
    if (typeof condition.Comparison !== 'string' || !allowed.includes(condition.Comparison)) {
      return `Filters.${name}: Comparison must be one of ${allowed.join(', ')}.`;
    }
  }
  const comparisons = new Set(conditions.map((condition) => condition.Comparison as string));
  if (comparisons.has('CONTAINS') && comparisons.size > 1)
    return `Filters.${name}: CONTAINS can only be combined with other CONTAINS filters.`;
  if (comparisons.has('NOT_CONTAINS') && comparisons.size > 1)
    return `Filters.${name}: NOT_CONTAINS can only be combined with other NOT_CONTAINS filters.`;
  if (comparisons.has('EQUALS') && (comparisons.has('NOT_EQUALS') || comparisons.has('PREFIX_NOT_EQUALS'))) {
    return `Filters.${name}: EQUALS cannot be combined with NOT_EQUALS or PREFIX_NOT_EQUALS.`;
  }
  return undefined;
}

function checkDate(name: string, condition: Record<string, unknown>): string | undefined {
  const range = condition?.DateRange as { Value?: unknown; Unit?: unknown; Comparison?: unknown } | undefined;
  const hasStart = condition?.Start !== undefined && condition.Start !== null;
  const hasEnd = condition?.End !== undefined && condition.End !== null;
  if (range) {
    if (hasStart || hasEnd) return `Filters.${name}: use either Start and End, or DateRange, not both.`;
    if (!Number.isInteger(range.Value) || (range.Value as number) < 1)
      return `Filters.${name}.DateRange.Value must be a positive whole number.`;
    if (range.Unit !== 'DAYS') return `Filters.${name}.DateRange.Unit must be DAYS.`;
    const comparison = range.Comparison ?? 'WITHIN';
    if (comparison !== 'WITHIN' && comparison !== 'OLDER_THAN')
      return `Filters.${name}.DateRange.Comparison must be WITHIN or OLDER_THAN.`;
    return undefined;
  }
  if (!hasStart || !hasEnd)
    return `Filters.${name}: a date filter needs both Start and End (or a DateRange).`;
  for (const field of ['Start', 'End'] as const) {
    const value = condition[field];
    if (typeof value !== 'string' || !ASFF_DATE.test(value) || Number.isNaN(Date.parse(value))) {
      return `Filters.${name}.${field} is not a valid date-time (expected e.g. 2026-01-31T12:00:00.000Z): ${String(value)}`;
    }
  }
  if (Date.parse(condition.Start as string) > Date.parse(condition.End as string))
    return `Filters.${name}: Start must not be after End.`;
  return undefined;
}
