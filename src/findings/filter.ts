import { type AnyColumn, and, eq, type SQL, sql } from 'drizzle-orm';
import {
  type ArgumentPath,
  checkList,
  dateRangeCondition,
  idListCondition,
  intRangeCondition,
  listCondition,
  textArray,
} from '../db/filter-helpers.ts';
import { type findingStatCells, type findingStatDeltas, findings } from '../db/schema.ts';
import { UserInputError } from '../errors.ts';
import type { FindingFilter } from '../generated/graphql.ts';

// GraphQL FindingFilter -> one SQL condition. Fields AND together, values in a list OR together.
// Every list and range is checked here, so a bad argument fails with its path before any SQL runs.

export const SEVERITY_LEVEL = { INFORMATIONAL: 1, LOW: 2, MEDIUM: 3, HIGH: 4, CRITICAL: 5 } as const;

export function findingFilterCondition(
  filter: FindingFilter | null | undefined,
  path: ArgumentPath = ['filter'],
): SQL | undefined {
  if (!filter) return undefined;
  const at = (field: string) => [...path, field];
  const conditions: (SQL | undefined)[] = [
    ...dimensionConditions(
      filter,
      findings,
      (vanished) =>
        vanished ? sql`${findings.vanishedAt} is not null` : sql`${findings.vanishedAt} is null`,
      at,
    ),
    idListCondition(findings.id, 'Finding', filter.ids, at('ids')),
    intRangeCondition(findings.detectionScore, filter.detectionScore, at('detectionScore'), 0, 100),
    listCondition(findings.resourceType, filter.resourceTypes, at('resourceTypes')),
    idListCondition(findings.assetId, 'Asset', filter.assetIds, at('assetIds')),
    cveCondition(filter.cves, at('cves')),
    filter.exploitAvailable == null
      ? undefined
      : filter.exploitAvailable
        ? eq(findings.exploitAvailable, 'YES')
        : sql`${findings.exploitAvailable} is distinct from 'YES'`,
    filter.patchAvailable == null
      ? undefined
      : filter.patchAvailable
        ? eq(findings.fixAvailable, 'YES')
        : sql`${findings.fixAvailable} is distinct from 'YES'`,
    listCondition(findings.fixAvailable, filter.fixAvailability, at('fixAvailability')),
    dateRangeCondition(findings.firstObservedAt, filter.firstObservedAt, at('firstObservedAt')),
    dateRangeCondition(findings.lastObservedAt, filter.lastObservedAt, at('lastObservedAt')),
    dateRangeCondition(findings.awsUpdatedAt, filter.updatedAt, at('updatedAt')),
    searchCondition(filter.search, at('search')),
  ];
  return and(...conditions.filter((condition): condition is SQL => condition !== undefined));
}

/** The columns findings share with the stats summary (finding_stat_cells and its deltas). */
type DimensionColumns = Record<
  | 'findingSeverity'
  | 'workflowStatus'
  | 'recordState'
  | 'complianceStatus'
  | 'productName'
  | 'awsAccountId'
  | 'region'
  | 'connectorId'
  | 'counted',
  AnyColumn
>;

/** The filter fields the stats summary can answer; any other needs the findings themselves. */
const DIMENSION_FIELDS: ReadonlySet<string> = new Set<keyof FindingFilter>([
  'severityLabels',
  'workflowStatuses',
  'recordStates',
  'complianceStatuses',
  'productNames',
  'awsAccountIds',
  'regions',
  'connectorIds',
  'counted',
  'vanished',
]);

function dimensionConditions(
  filter: FindingFilter,
  columns: DimensionColumns,
  vanished: (yes: boolean) => SQL,
  at: (field: string) => ArgumentPath,
): (SQL | undefined)[] {
  return [
    listCondition(
      columns.findingSeverity,
      filter.severityLabels?.map((label) => SEVERITY_LEVEL[label]),
      at('severityLabels'),
    ),
    listCondition(columns.workflowStatus, filter.workflowStatuses, at('workflowStatuses')),
    listCondition(columns.recordState, filter.recordStates, at('recordStates')),
    listCondition(columns.complianceStatus, filter.complianceStatuses, at('complianceStatuses')),
    listCondition(columns.productName, filter.productNames, at('productNames')),
    listCondition(columns.awsAccountId, filter.awsAccountIds, at('awsAccountIds')),
    listCondition(columns.region, filter.regions, at('regions')),
    idListCondition(columns.connectorId, 'Connector', filter.connectorIds, at('connectorIds')),
    filter.counted == null ? undefined : eq(columns.counted, filter.counted),
    filter.vanished == null ? undefined : vanished(filter.vanished),
  ];
}

/**
 * The filter as a condition on a stats summary table (`finding_stat_cells` or its deltas); null
 * when it names a field the summary does not hold (search, score, dates…): the findings must answer.
 */
export function statsFilterCondition(
  filter: FindingFilter | null | undefined,
  table: typeof findingStatCells | typeof findingStatDeltas,
  path: ArgumentPath = ['filter'],
): { condition: SQL | undefined } | null {
  if (!filter) return { condition: undefined };
  const named = Object.entries(filter).filter(([, value]) => value != null);
  if (named.some(([field]) => !DIMENSION_FIELDS.has(field))) return null;
  const conditions = dimensionConditions(
    filter,
    table,
    (vanished) => eq(table.vanished, vanished),
    (field) => [...path, field],
  );
  return { condition: and(...conditions.filter((condition): condition is SQL => condition !== undefined)) };
}

/** Any of the CVEs; `&&` (array overlap) is served by the GIN index on cves. */
function cveCondition(cves: readonly string[] | null | undefined, path: ArgumentPath): SQL | undefined {
  const checked = checkList(cves, path);
  if (checked === undefined) return undefined;
  if (checked.length === 0) return sql`false`;
  const normalized = checked.map((cve) => cve.trim().toUpperCase());
  return sql`${findings.cves} && ${textArray(normalized)}`;
}

const MAX_SEARCH_LENGTH = 200;

/**
 * Full-text search over title and description ('simple' configuration: no stemming, so ids and
 * package names match as typed). Every word must match; `word*` matches a prefix.
 */
export function searchCondition(search: string | null | undefined, path: ArgumentPath): SQL | undefined {
  if (search == null) return undefined;
  if (search.length > MAX_SEARCH_LENGTH) {
    throw new UserInputError(`\`search\` is limited to ${MAX_SEARCH_LENGTH} characters.`, path);
  }
  const query = toTsQuery(search);
  if (!query) throw new UserInputError('`search` needs at least one letter or digit.', path);
  return sql`${findings.search} @@ to_tsquery('simple', ${query})`;
}

/** Builds a tsquery from user text; only letters and digits reach it, so it cannot be malformed. */
export function toTsQuery(search: string): string | undefined {
  const terms = search
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((word) => {
      const prefix = word.endsWith('*');
      const parts = word.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
      return parts.map((part, index) => (prefix && index === parts.length - 1 ? `${part}:*` : part));
    });
  return terms.length > 0 ? terms.join(' & ') : undefined;
}
