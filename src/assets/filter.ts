import { and, eq, type SQL, sql } from 'drizzle-orm';
import {
  type ArgumentPath,
  checkList,
  dateRangeCondition,
  idListCondition,
  intRangeCondition,
  listCondition,
} from '../db/filter-helpers.ts';
import { assets } from '../db/schema.ts';
import { UserInputError } from '../errors.ts';
import type { AssetFilter, RiskBand } from '../generated/graphql.ts';
import { DEFAULT_ASSET_CRITICALITY } from './model.ts';
import { RISK_BAND_RANGES } from './risk-bands.ts';

export function assetFilterCondition(
  filter: AssetFilter | null | undefined,
  path: ArgumentPath = ['filter'],
): SQL | undefined {
  if (!filter) return undefined;
  const at = (field: string) => [...path, field];
  const conditions: (SQL | undefined)[] = [
    idListCondition(assets.id, 'Asset', filter.ids, at('ids')),
    listCondition(assets.resourceArn, filter.resourceArns, at('resourceArns')),
    listCondition(assets.resourceType, filter.resourceTypes, at('resourceTypes')),
    listCondition(assets.awsAccountId, filter.awsAccountIds, at('awsAccountIds')),
    listCondition(assets.region, filter.regions, at('regions')),
    idListCondition(assets.connectorId, 'Connector', filter.connectorIds, at('connectorIds')),
    intRangeCondition(assets.riskScore, filter.riskScore, at('riskScore'), 0, 1000),
    riskBandCondition(filter.riskBands, at('riskBands')),
    criticalityCondition(filter.criticalities, at('criticalities')),
    filter.internetExposed == null ? undefined : eq(assets.internetExposed, filter.internetExposed),
    dateRangeCondition(assets.lastSeenAt, filter.lastSeenAt, at('lastSeenAt')),
    assetSearchCondition(filter.search, at('search')),
  ];
  return and(...conditions.filter((condition): condition is SQL => condition !== undefined));
}

function riskBandCondition(bands: readonly RiskBand[] | null | undefined, path: ArgumentPath) {
  const checked = checkList(bands, path);
  if (checked === undefined) return undefined;
  if (checked.length === 0) return sql`false`;
  return sql`(${sql.join(
    checked.map((band) => {
      const { min, max } = RISK_BAND_RANGES[band];
      return sql`${assets.riskScore} between ${min} and ${max}`;
    }),
    sql` or `,
  )})`;
}

function criticalityCondition(values: readonly number[] | null | undefined, path: ArgumentPath) {
  const checked = checkList(values, path);
  checked?.forEach((value, index) => {
    if (!Number.isInteger(value) || value < 1 || value > 5) {
      throw new UserInputError(`Criticality is 1 to 5; got ${value}.`, [...path, index]);
    }
  });
  if (checked === undefined) return undefined;
  if (checked.length === 0) return sql`false`;
  return sql`coalesce(${assets.criticality}, ${DEFAULT_ASSET_CRITICALITY}) in (${sql.join(
    checked.map((value) => sql`${value}`),
    sql`, `,
  )})`;
}

const MAX_SEARCH_LENGTH = 200;

/** Case-insensitive substring of name, resource id or ARN (LIKE wildcards in the text are literal). */
function assetSearchCondition(search: string | null | undefined, path: ArgumentPath): SQL | undefined {
  if (search == null) return undefined;
  const text = search.trim();
  if (text.length === 0 || text.length > MAX_SEARCH_LENGTH) {
    throw new UserInputError(`\`search\` must have 1 to ${MAX_SEARCH_LENGTH} characters.`, path);
  }
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql`(${assets.name} ilike ${pattern} or ${assets.resourceId} ilike ${pattern} or ${assets.resourceArn} ilike ${pattern})`;
}
