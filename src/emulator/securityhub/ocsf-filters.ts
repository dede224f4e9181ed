import { BlockList, isIP } from 'node:net';
import {
  AllowedOperators,
  DateRangeComparison,
  DateRangeUnit,
  MapFilterComparison,
  OcsfBooleanField,
  OcsfDateField,
  OcsfIpField,
  OcsfMapField,
  OcsfNumberField,
  OcsfStringField,
  ResourcesDateField,
  ResourcesMapField,
  ResourcesNumberField,
  ResourcesStringField,
  SortOrder,
  StringFilterComparison,
} from '@aws-sdk/client-securityhub';

// The new Security Hub's filters (GetFindingsV2's OcsfFindingFilters, GetResourcesV2's
// ResourcesFilters): composite filters of typed filters, each {FieldName, Filter}, joined by the
// composite's Operator (default AND), the composites joined by CompositeOperator (default AND);
// research/ocsf-v2.md §1. Validation answers as AWS does, a ValidationException naming the member
// (`filters.compositeFilters.1.member.stringFilters`, 1-based), with the limits AWS documents: at
// most 10 composite filters, at most 20 filters of each type in a composite. Field names and
// comparisons are the SDK's enums, so the emulator accepts exactly what the real API does.

export class V2ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'V2ValidationError';
  }
}

export const MAX_COMPOSITE_FILTERS = 10;
export const MAX_FILTERS_PER_TYPE = 20;

type Values = (document: unknown) => unknown[];
type Predicate = (document: unknown) => boolean;

/** The filter types a composite may hold, each with its allowed field names and how a field reads. */
export interface FilterSchema {
  string: Record<string, Values>;
  date: Record<string, Values>;
  number: Record<string, Values>;
  boolean: Record<string, Values>;
  map: Record<string, Values>;
  ip: Record<string, Values>;
}

const MEMBERS = {
  string: 'StringFilters',
  date: 'DateFilters',
  number: 'NumberFilters',
  boolean: 'BooleanFilters',
  map: 'MapFilters',
  ip: 'IpFilters',
} as const;

/** Reads an OCSF path (`resources.uid`), every array on the way flattened. */
export function ocsfPath(path: string): Values {
  const steps = path.split('.');
  return (document) => {
    let current: unknown[] = [document];
    for (const step of steps) {
      const next: unknown[] = [];
      for (const value of current) {
        const child = (value as Record<string, unknown> | null)?.[step];
        if (child === undefined || child === null) continue;
        if (Array.isArray(child)) next.push(...child);
        else next.push(child);
      }
      current = next;
    }
    return current;
  };
}

const fieldsOf = (values: Record<string, string>, read: (field: string) => Values) =>
  Object.fromEntries(Object.values(values).map((field) => [field, read(field)]));

export const FINDING_FILTER_SCHEMA: FilterSchema = {
  string: fieldsOf(OcsfStringField, ocsfPath),
  date: fieldsOf(OcsfDateField, ocsfPath),
  number: fieldsOf(OcsfNumberField, ocsfPath),
  boolean: fieldsOf(OcsfBooleanField, ocsfPath),
  map: fieldsOf(OcsfMapField, ocsfPath),
  ip: fieldsOf(OcsfIpField, ocsfPath),
};

/** GetResourcesV2's fields name members of its ResourceResult (`FindingsSummary.TotalFindings`). */
const resourceField = (field: string): Values => {
  const path = field.endsWith('Time') ? `${field}Dt` : field;
  return ocsfPath(path);
};

export const RESOURCE_FILTER_SCHEMA: FilterSchema = {
  string: fieldsOf(ResourcesStringField, resourceField),
  date: fieldsOf(ResourcesDateField, resourceField),
  number: fieldsOf(ResourcesNumberField, resourceField),
  boolean: {},
  map: fieldsOf(ResourcesMapField, resourceField),
  ip: {},
};

/** AWS's message for a member that breaks a constraint. */
function invalid(value: unknown, at: string, constraint: string): V2ValidationError {
  const shown = value === undefined || value === null ? 'null' : `'${String(value)}'`;
  return new V2ValidationError(
    `1 validation error detected: Value ${shown} at '${at}' failed to satisfy constraint: ${constraint}`,
  );
}

const enumConstraint = (values: readonly string[]) =>
  `Member must satisfy enum value set: [${values.join(', ')}]`;

function checkEnum(value: unknown, at: string, values: readonly string[], required = true): void {
  if ((value === undefined || value === null) && !required) return;
  if (typeof value !== 'string' || !values.includes(value)) throw invalid(value, at, enumConstraint(values));
}

function checkList(value: unknown, at: string, max: number): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(value, at, 'Member must be a list');
  if (value.length > max)
    throw invalid(undefined, at, `Member must have length less than or equal to ${max}`);
  return value;
}

/**
 * Compiles OcsfFindingFilters or ResourcesFilters to a predicate; throws V2ValidationError for
 * anything the real API refuses. `now` is the emulator's clock, for DateRange.
 */
export function compileV2Filters(filters: unknown, schema: FilterSchema, now: Date): Predicate {
  if (filters === undefined || filters === null) return () => true;
  if (typeof filters !== 'object' || Array.isArray(filters))
    throw invalid(filters, 'filters', 'Member must be a structure');
  const { CompositeFilters, CompositeOperator } = filters as Record<string, unknown>;
  checkEnum(CompositeOperator, 'filters.compositeOperator', Object.values(AllowedOperators), false);
  const composites = checkList(CompositeFilters, 'filters.compositeFilters', MAX_COMPOSITE_FILTERS).map(
    (composite, index) =>
      compileComposite(composite, `filters.compositeFilters.${index + 1}.member`, schema, now, 1),
  );
  return join(composites, CompositeOperator === 'OR' ? 'OR' : 'AND');
}

function join(predicates: Predicate[], operator: 'AND' | 'OR'): Predicate {
  if (predicates.length === 0) return () => true;
  return operator === 'OR'
    ? (document) => predicates.some((predicate) => predicate(document))
    : (document) => predicates.every((predicate) => predicate(document));
}

/** A composite, and its nested composites: three layers in all (Filters, composite, nested) — our reading of the API reference. */
function compileComposite(
  composite: unknown,
  at: string,
  schema: FilterSchema,
  now: Date,
  depth: number,
): Predicate {
  if (typeof composite !== 'object' || composite === null || Array.isArray(composite))
    throw invalid(composite, at, 'Member must be a structure');
  const body = composite as Record<string, unknown>;
  checkEnum(body.Operator, `${at}.operator`, Object.values(AllowedOperators), false);
  const predicates: Predicate[] = [];
  for (const [kind, member] of Object.entries(MEMBERS) as [keyof FilterSchema, string][]) {
    const memberAt = `${at}.${member[0]!.toLowerCase()}${member.slice(1)}`;
    const entries = checkList(body[member], memberAt, MAX_FILTERS_PER_TYPE);
    if (entries.length > 0 && Object.keys(schema[kind]).length === 0)
      throw new V2ValidationError(`${member} are not supported by this operation.`);
    for (const [index, entry] of entries.entries())
      predicates.push(compileFilter(kind, entry, `${memberAt}.${index + 1}.member`, schema, now));
  }
  const nested = checkList(
    body.NestedCompositeFilters,
    `${at}.nestedCompositeFilters`,
    MAX_COMPOSITE_FILTERS,
  );
  if (nested.length > 0 && depth >= 2)
    throw new V2ValidationError(
      `${at}.nestedCompositeFilters: nested composite filters cannot themselves hold nested composite filters.`,
    );
  for (const [index, entry] of nested.entries())
    predicates.push(
      compileComposite(entry, `${at}.nestedCompositeFilters.${index + 1}.member`, schema, now, depth + 1),
    );
  return join(predicates, body.Operator === 'OR' ? 'OR' : 'AND');
}

function compileFilter(
  kind: keyof FilterSchema,
  entry: unknown,
  at: string,
  schema: FilterSchema,
  now: Date,
): Predicate {
  if (typeof entry !== 'object' || entry === null) throw invalid(entry, at, 'Member must be a structure');
  const { FieldName, Filter } = entry as { FieldName?: unknown; Filter?: unknown };
  const fields = schema[kind];
  checkEnum(FieldName, `${at}.fieldName`, Object.keys(fields));
  if (typeof Filter !== 'object' || Filter === null)
    throw invalid(undefined, `${at}.filter`, 'Member must not be null');
  const read = fields[FieldName as string]!;
  const filter = Filter as Record<string, unknown>;
  const filterAt = `${at}.filter`;
  switch (kind) {
    case 'string':
      return stringPredicate(read, filter, filterAt);
    case 'date':
      return datePredicate(read, filter, filterAt, now);
    case 'number':
      return numberPredicate(read, filter, filterAt);
    case 'boolean': {
      if (typeof filter.Value !== 'boolean')
        throw invalid(filter.Value, `${filterAt}.value`, 'Member must be a boolean');
      return (document) => read(document).some((value) => value === filter.Value);
    }
    case 'map':
      return mapPredicate(read, filter, filterAt);
    case 'ip':
      return ipPredicate(read, filter, filterAt);
  }
}

const NEGATIVE = new Set(['NOT_EQUALS', 'PREFIX_NOT_EQUALS', 'NOT_CONTAINS']);

function stringPredicate(read: Values, filter: Record<string, unknown>, at: string): Predicate {
  if (typeof filter.Value !== 'string') throw invalid(filter.Value, `${at}.value`, 'Member must not be null');
  checkEnum(filter.Comparison, `${at}.comparison`, Object.values(StringFilterComparison));
  const wanted = filter.Value;
  const comparison = filter.Comparison as string;
  const word = new RegExp(`(^|[^\\p{L}\\p{N}_])${escapeRegExp(wanted)}($|[^\\p{L}\\p{N}_])`, 'u');
  // Case-sensitive, as the API reference says; a negative comparison holds when no value matches.
  const test = (value: string): boolean => {
    switch (comparison) {
      case 'EQUALS':
      case 'NOT_EQUALS':
        return value === wanted;
      case 'PREFIX':
      case 'PREFIX_NOT_EQUALS':
        return value.startsWith(wanted);
      case 'CONTAINS':
      case 'NOT_CONTAINS':
        return value.includes(wanted);
      default:
        return word.test(value);
    }
  };
  const matches = (document: unknown) =>
    read(document).some((value) => typeof value === 'string' && test(value));
  return NEGATIVE.has(comparison) ? (document) => !matches(document) : matches;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const DAY = 86_400_000;

function datePredicate(read: Values, filter: Record<string, unknown>, at: string, now: Date): Predicate {
  const bound = (key: 'Start' | 'End'): number | undefined => {
    const value = filter[key];
    if (value === undefined || value === null) return undefined;
    const parsed = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(parsed))
      throw invalid(value, `${at}.${key.toLowerCase()}`, 'Member must be an ISO 8601 date-time');
    return parsed;
  };
  let start = bound('Start');
  let end = bound('End');
  const range = filter.DateRange as Record<string, unknown> | undefined;
  if (range !== undefined && range !== null) {
    if (start !== undefined || end !== undefined)
      throw new V2ValidationError(`${at}: use either Start/End or DateRange, not both.`);
    if (!Number.isInteger(range.Value) || (range.Value as number) < 1)
      throw invalid(range.Value, `${at}.dateRange.value`, 'Member must be a whole number of days ≥ 1');
    checkEnum(range.Unit, `${at}.dateRange.unit`, Object.values(DateRangeUnit));
    checkEnum(range.Comparison, `${at}.dateRange.comparison`, Object.values(DateRangeComparison), false);
    const edge = now.getTime() - (range.Value as number) * DAY;
    if (range.Comparison === 'OLDER_THAN') end = edge - 1;
    else start = edge;
  }
  if (start === undefined && end === undefined)
    throw new V2ValidationError(`${at}: a date filter needs Start, End or DateRange.`);
  return (document) =>
    read(document).some((value) => {
      const time = typeof value === 'number' ? value : Date.parse(String(value));
      return (
        !Number.isNaN(time) && (start === undefined || time >= start) && (end === undefined || time <= end)
      );
    });
}

function numberPredicate(read: Values, filter: Record<string, unknown>, at: string): Predicate {
  const bounds = (['Gte', 'Lte', 'Eq', 'Gt', 'Lt'] as const).filter(
    (key) => filter[key] !== undefined && filter[key] !== null,
  );
  if (bounds.length === 0)
    throw new V2ValidationError(`${at}: a number filter needs Gte, Lte, Eq, Gt or Lt.`);
  for (const key of bounds)
    if (typeof filter[key] !== 'number')
      throw invalid(filter[key], `${at}.${key.toLowerCase()}`, 'Member must be a number');
  const n = filter as Record<string, number>;
  return (document) =>
    read(document).some((raw) => {
      const value = typeof raw === 'number' ? raw : Number(raw);
      if (Number.isNaN(value)) return false;
      return (
        (n.Gte === undefined || value >= n.Gte) &&
        (n.Lte === undefined || value <= n.Lte) &&
        (n.Eq === undefined || value === n.Eq) &&
        (n.Gt === undefined || value > n.Gt) &&
        (n.Lt === undefined || value < n.Lt)
      );
    });
}

/** Map fields hold OCSF tags (`[{name, value}]`), GetResourcesV2's ResourceTags (`[{Key, Value}]`) or a plain object. */
function entriesOf(values: unknown[]): [string, string][] {
  return values.flatMap((value): [string, string][] => {
    if (typeof value !== 'object' || value === null) return [];
    const record = value as Record<string, unknown>;
    if (typeof record.name === 'string') return [[record.name, String(record.value ?? '')]];
    if (typeof record.Key === 'string') return [[record.Key, String(record.Value ?? '')]];
    return Object.entries(record).map(([key, each]) => [key, String(each)]);
  });
}

function mapPredicate(read: Values, filter: Record<string, unknown>, at: string): Predicate {
  if (typeof filter.Key !== 'string') throw invalid(filter.Key, `${at}.key`, 'Member must not be null');
  if (typeof filter.Value !== 'string') throw invalid(filter.Value, `${at}.value`, 'Member must not be null');
  checkEnum(filter.Comparison, `${at}.comparison`, Object.values(MapFilterComparison));
  const { Key: key, Value: wanted, Comparison: comparison } = filter as Record<string, string>;
  const contains = comparison === 'CONTAINS' || comparison === 'NOT_CONTAINS';
  const matches = (document: unknown) =>
    entriesOf(read(document)).some(
      ([name, value]) => name === key && (contains ? value.includes(wanted!) : value === wanted),
    );
  return comparison!.startsWith('NOT_') ? (document) => !matches(document) : matches;
}

function ipPredicate(read: Values, filter: Record<string, unknown>, at: string): Predicate {
  const cidr = filter.Cidr;
  if (typeof cidr !== 'string') throw invalid(cidr, `${at}.cidr`, 'Member must not be null');
  const [address, prefix] = cidr.split('/');
  const family = isIP(address ?? '');
  const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
  if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32))
    throw invalid(cidr, `${at}.cidr`, 'Member must be an IP address or CIDR block');
  const block = new BlockList();
  block.addSubnet(address!, bits, family === 6 ? 'ipv6' : 'ipv4');
  return (document) =>
    read(document).some((value) => {
      const ip = String(value);
      const kind = isIP(ip);
      return kind !== 0 && block.check(ip, kind === 6 ? 'ipv6' : 'ipv4');
    });
}

/**
 * SortCriteria: fields of the filter schema (string, date and number ones), asc or desc, in order;
 * a document without the field sorts last. `tieBreak` keeps the order total.
 */
export function compileV2Sort(
  criteria: unknown,
  schema: FilterSchema,
  fallback: { Field: string; SortOrder: 'asc' | 'desc' },
  tieBreak: (document: unknown) => string,
): (a: unknown, b: unknown) => number {
  const list =
    criteria === undefined || criteria === null || (Array.isArray(criteria) && criteria.length === 0)
      ? [fallback]
      : checkList(criteria, 'sortCriteria', 10);
  const sortable = { ...schema.string, ...schema.date, ...schema.number };
  const keys = list.map((criterion, index) => {
    const { Field, SortOrder: order } = (criterion ?? {}) as { Field?: unknown; SortOrder?: unknown };
    checkEnum(Field, `sortCriteria.${index + 1}.member.field`, Object.keys(sortable));
    checkEnum(order, `sortCriteria.${index + 1}.member.sortOrder`, Object.values(SortOrder), false);
    return { read: sortable[Field as string]!, direction: order === 'desc' ? -1 : 1 };
  });
  const first = (values: unknown[]) => values[0];
  return (a, b) => {
    for (const key of keys) {
      const left = first(key.read(a));
      const right = first(key.read(b));
      if (left === right) continue;
      if (left === undefined) return 1;
      if (right === undefined) return -1;
      const order =
        typeof left === 'number' && typeof right === 'number'
          ? left - right
          : String(left) < String(right)
            ? -1
            : 1;
      if (order !== 0) return order * key.direction;
    }
    const tieA = tieBreak(a);
    const tieB = tieBreak(b);
    return tieA < tieB ? -1 : tieA > tieB ? 1 : 0;
  };
}
