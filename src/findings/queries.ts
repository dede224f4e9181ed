import { and, count, eq, getTableColumns, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { jsonRecordset } from '../db/json-rows.ts';
import {
  type ConnectionModel,
  dateKey,
  type KeysetOrder,
  type PageArgs,
  type PageQuery,
  paginate,
} from '../db/keyset.ts';
import { findings } from '../db/schema.ts';
import { rowsByIds, tablePageSource } from '../db/tenant-queries.ts';
import type { FindingOrder } from '../generated/graphql.ts';
import type { FindingModel, FindingStatsModel } from './model.ts';

// Every SQL statement about findings lives here. Each one is scoped to a tenant.

const { search: _search, raw: _raw, ...listColumns } = getTableColumns(findings);
/** What list and lookup queries select: everything but the search vector and the raw ASFF. */
export const findingColumns = listColumns;

const idKey = { expression: sql`${findings.id}`, type: 'uuid' as const, read: (row: FindingModel) => row.id };

export function findingOrder(orderBy: FindingOrder | null | undefined): KeysetOrder<FindingModel> {
  const field = orderBy?.field ?? 'DETECTION_SCORE';
  const direction = orderBy?.direction ?? 'DESC';
  switch (field) {
    case 'DETECTION_SCORE':
      return {
        name: field,
        direction,
        keys: [
          { expression: sql`${findings.detectionScore}`, type: 'int', read: (row) => row.detectionScore },
          idKey,
        ],
      };
    case 'SEVERITY':
      return {
        name: field,
        direction,
        keys: [
          { expression: sql`${findings.findingSeverity}`, type: 'int', read: (row) => row.findingSeverity },
          { expression: sql`${findings.detectionScore}`, type: 'int', read: (row) => row.detectionScore },
          idKey,
        ],
      };
    case 'LAST_OBSERVED_AT':
      return {
        name: field,
        direction,
        keys: [dateKey(sql`${findings.lastObservedAt}`, (row) => row.lastObservedAt), idKey],
      };
    case 'FIRST_OBSERVED_AT':
      return {
        name: field,
        direction,
        keys: [dateKey(sql`${findings.firstObservedAt}`, (row) => row.firstObservedAt), idKey],
      };
    case 'UPDATED_AT':
      return {
        name: field,
        direction,
        keys: [dateKey(sql`${findings.awsUpdatedAt}`, (row) => row.awsUpdatedAt), idKey],
      };
  }
}

function scoped(tenantId: string, condition: SQL | undefined): SQL {
  return and(eq(findings.tenantId, tenantId), condition)!;
}

export function listFindings(
  db: Executor,
  tenantId: string,
  condition: SQL | undefined,
  order: KeysetOrder<FindingModel>,
  args: PageArgs,
): Promise<ConnectionModel<FindingModel>> {
  return paginate(args, order, tablePageSource(db, findings, scoped(tenantId, condition), findingColumns));
}

export async function findingExists(
  db: Executor,
  tenantId: string,
  condition: SQL | undefined,
): Promise<boolean> {
  const rows = await db.select({ one: sql`1` }).from(findings).where(scoped(tenantId, condition)).limit(1);
  return rows.length > 0;
}

export function findingsByIds(
  db: Executor,
  tenantId: string,
  ids: readonly string[],
): Promise<FindingModel[]> {
  return rowsByIds(db, findings, tenantId, ids, findingColumns);
}

export function findingsByAwsIdentity(
  db: Executor,
  tenantId: string,
  identities: readonly { productArn: string; awsId: string }[],
): Promise<FindingModel[]> {
  if (identities.length === 0) return Promise.resolve([]);
  const pairs = sql.join(
    identities.map((identity) => sql`(${identity.productArn}, ${identity.awsId})`),
    sql`, `,
  );
  return db
    .select(findingColumns)
    .from(findings)
    .where(
      and(eq(findings.tenantId, tenantId), sql`(${findings.productArn}, ${findings.awsId}) in (${pairs})`),
    );
}

export function rawFindingsByIds(
  db: Executor,
  tenantId: string,
  ids: readonly string[],
): Promise<{ id: string; raw: Record<string, unknown> }[]> {
  return db
    .select({ id: findings.id, raw: findings.raw })
    .from(findings)
    .where(and(eq(findings.tenantId, tenantId), inArray(findings.id, [...ids])));
}

const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

/**
 * Dashboard counts in one statement (GROUPING SETS). A de-duplication group counts once: several
 * standards reporting one control on one resource are one problem, not three. (Counting the
 * ungrouped rows and the distinct group keys separately sorts only the grouped rows: 2× faster at
 * 100,000 findings than a distinct count over every row.)
 */
export async function findingStats(
  db: Executor,
  tenantId: string,
  condition: SQL | undefined,
): Promise<FindingStatsModel> {
  const rows = await db
    .select({
      severity: findings.findingSeverity,
      workflow: findings.workflowStatus,
      product: findings.productName,
      account: findings.awsAccountId,
      region: findings.region,
      set: sql<number>`grouping(${findings.findingSeverity}, ${findings.workflowStatus}, ${findings.productName}, ${findings.awsAccountId}, ${findings.region})`.mapWith(
        Number,
      ),
      count:
        sql<number>`(count(*) filter (where ${findings.dedupKey} is null) + count(distinct ${findings.dedupKey}))`.mapWith(
          Number,
        ),
    })
    .from(findings)
    .where(scoped(tenantId, condition))
    .groupBy(
      sql`grouping sets ((${findings.findingSeverity}), (${findings.workflowStatus}), (${findings.productName}), (${findings.awsAccountId}), (${findings.region}), ())`,
    );
  // grouping() sets one bit per column NOT grouped by: 0b01111 means "grouped by severity only".
  const bySet = (bits: number) => rows.filter((row) => row.set === bits);
  const facet = (bits: number, read: (row: (typeof rows)[number]) => string) =>
    bySet(bits)
      .map((row) => ({ value: read(row), count: row.count }))
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
  return {
    total: bySet(0b11111)[0]?.count ?? 0,
    bySeverity: bySet(0b01111)
      .map((row) => ({ label: SEVERITY_LABELS[row.severity - 1] ?? 'INFORMATIONAL', count: row.count }))
      .sort((a, b) => SEVERITY_LABELS.indexOf(b.label) - SEVERITY_LABELS.indexOf(a.label)),
    byWorkflowStatus: facet(0b10111, (row) => row.workflow).map(({ value, count }) => ({
      status: value,
      count,
    })),
    byProduct: facet(0b11011, (row) => row.product),
    byAccount: facet(0b11101, (row) => row.account),
    byRegion: facet(0b11110, (row) => row.region),
  };
}

/** Counted findings of each asset by severity level (a de-duplication group counts once). */
export async function severityCountsByAsset(
  db: Executor,
  tenantId: string,
  assetIds: readonly string[],
): Promise<{ assetId: string; findingSeverity: number; count: number }[]> {
  const rows = await db
    .select({
      assetId: findings.assetId,
      findingSeverity: findings.findingSeverity,
      count:
        sql<number>`(count(*) filter (where ${findings.dedupKey} is null) + count(distinct ${findings.dedupKey}))`.mapWith(
          Number,
        ),
    })
    .from(findings)
    .where(
      and(
        eq(findings.tenantId, tenantId),
        inArray(findings.assetId, [...assetIds]),
        eq(findings.counted, true),
      ),
    )
    .groupBy(findings.assetId, findings.findingSeverity);
  return rows.map((row) => ({ ...row, assetId: row.assetId! }));
}

/**
 * One page of findings for each of many assets, in one statement: `row_number()` over each asset's
 * findings in the requested order keeps the first `limit` of each. This is what lets
 * `assets { findings(first: 5) }` cost one query for the whole page of assets.
 */
export async function findingPagesForAssets(
  db: Executor,
  tenantId: string,
  condition: SQL | undefined,
  page: PageQuery,
  assetIds: readonly string[],
): Promise<Map<string, FindingModel[]>> {
  const ranked = db
    .select({
      ...findingColumns,
      rank: sql<number>`row_number() over (partition by ${findings.assetId} order by ${sql.join(page.orderBy, sql`, `)})`
        .mapWith(Number)
        .as('rank'),
    })
    .from(findings)
    .where(and(scoped(tenantId, condition), inArray(findings.assetId, [...assetIds]), page.where))
    .as('ranked');
  const rows = await db.select().from(ranked).where(lte(ranked.rank, page.limit)).orderBy(ranked.rank);
  const byAsset = new Map<string, FindingModel[]>();
  for (const { rank: _rank, ...row } of rows) {
    const list = byAsset.get(row.assetId!) ?? [];
    list.push(row as FindingModel);
    byAsset.set(row.assetId!, list);
  }
  return byAsset;
}

export async function findingCountsForAssets(
  db: Executor,
  tenantId: string,
  condition: SQL | undefined,
  assetIds: readonly string[],
): Promise<Map<string, number>> {
  const rows = await db
    .select({ assetId: findings.assetId, n: count() })
    .from(findings)
    .where(and(scoped(tenantId, condition), inArray(findings.assetId, [...assetIds])))
    .groupBy(findings.assetId);
  return new Map(rows.map((row) => [row.assetId!, row.n]));
}

/** Which of these findings match a filter now (subscriptions check each batch of events at once). */
export async function findingIdsMatching(
  db: Executor,
  tenantId: string,
  ids: readonly string[],
  condition: SQL | undefined,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: findings.id })
    .from(findings)
    .where(scoped(tenantId, and(inArray(findings.id, [...ids]), condition)));
  return rows.map((row) => row.id);
}

/** Every member of these de-duplication groups. */
export function findingsByDedupKeys(
  db: Executor,
  tenantId: string,
  keys: readonly string[],
): Promise<FindingModel[]> {
  if (keys.length === 0) return Promise.resolve([]);
  return db
    .select(findingColumns)
    .from(findings)
    .where(and(eq(findings.tenantId, tenantId), inArray(findings.dedupKey, [...keys])))
    .orderBy(findings.firstObservedAt, findings.id);
}

/** Tenants with findings scored under another version than `version` (maintenance, across tenants). */
export async function tenantsWithStaleScores(db: Executor, version: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ tenantId: findings.tenantId })
    .from(findings)
    .where(sql`${findings.scoringVersion} <> ${version}`);
  return rows.map((row) => row.tenantId);
}

/**
 * The next findings of a tenant scored under another version, after `afterId`, locked for this
 * rescoring (another worker rescoring at the same time skips them).
 */
export function staleFindings(
  tx: Executor,
  tenantId: string,
  version: string,
  afterId: string | null,
  limit: number,
) {
  return tx
    .select({
      id: findings.id,
      connectorId: findings.connectorId,
      dedupKey: findings.dedupKey,
      assetId: findings.assetId,
      raw: findings.raw,
    })
    .from(findings)
    .where(
      and(
        eq(findings.tenantId, tenantId),
        sql`${findings.scoringVersion} <> ${version}`,
        afterId ? sql`${findings.id} > ${afterId}` : undefined,
      ),
    )
    .orderBy(findings.id)
    .limit(limit)
    .for('update', { skipLocked: true });
}

/** Writes what mapping derives from a finding's raw ASFF (its identity, dates and links stay). */
export async function updateDerivedColumns(
  tx: Executor,
  tenantId: string,
  rows: readonly ({ id: string } & Record<string, unknown>)[],
): Promise<void> {
  if (rows.length === 0) return;
  const keys = DERIVED_COLUMNS.filter((key) => key in rows[0]!);
  const { recordset } = jsonRecordset(findings, ['id', ...keys], rows);
  const all = getTableColumns(findings);
  const assignments = sql.raw(
    keys
      .map((key) => `"${all[key as keyof typeof all].name}" = r."${all[key as keyof typeof all].name}"`)
      .join(', '),
  );
  await tx.execute(sql`
    update ${findings} f set ${assignments}, "updated_at" = now()
      from ${recordset}
     where f.tenant_id = ${tenantId} and f.id = r.id`);
}

/** Columns a mapping derives from the raw ASFF; identity, ASFF dates, links and sync marks are not. */
const DERIVED_COLUMNS = Object.keys(getTableColumns(findings)).filter(
  (key) =>
    ![
      'id',
      'tenantId',
      'connectorId',
      'assetId',
      'productArn',
      'awsId',
      'raw',
      'awsCreatedAt',
      'awsUpdatedAt',
      'isPrimary',
      'search',
      'createdAt',
      'updatedAt',
      'lastSyncedAt',
      'vanishedAt',
      'writeBackAt',
    ].includes(key),
);

/** The findings whose primary resource is this asset (they show it as `Finding.asset`). */
export async function findingIdsOfAsset(db: Executor, tenantId: string, assetId: string): Promise<string[]> {
  const rows = await db
    .select({ id: findings.id })
    .from(findings)
    .where(and(eq(findings.tenantId, tenantId), eq(findings.assetId, assetId)));
  return rows.map((row) => row.id);
}

/** The findings a connector brought. */
export async function findingIdsOfConnector(
  db: Executor,
  tenantId: string,
  connectorId: string,
): Promise<string[]> {
  const rows = await db
    .select({ id: findings.id })
    .from(findings)
    .where(and(eq(findings.tenantId, tenantId), eq(findings.connectorId, connectorId)));
  return rows.map((row) => row.id);
}
