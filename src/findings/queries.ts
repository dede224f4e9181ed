import { and, count, eq, getTableColumns, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { textArray } from '../db/filter-helpers.ts';
import { jsonRecordset, rowsOf } from '../db/json-rows.ts';
import {
  type ConnectionModel,
  dateKey,
  type KeysetOrder,
  type PageArgs,
  type PageQuery,
  paginate,
} from '../db/keyset.ts';
import { findingStatCells, findingStatDeltas, findings } from '../db/schema.ts';
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
  options: { idsFirst?: boolean } = {},
): Promise<ConnectionModel<FindingModel>> {
  return paginate(
    args,
    order,
    tablePageSource(db, findings, scoped(tenantId, condition), findingColumns, {
      idsFirst: options.idsFirst ? findings.id : undefined,
    }),
  );
}

/**
 * The same order, sorted after filtering rather than read in index order. PostgreSQL prefers to
 * walk the score index and test each finding until a page matches, assuming matches are spread
 * evenly over scores; a search's matches are not (one package's CVEs score alike): at 200,000
 * findings, "openssl" read 95,000 rows for a page (1.1 s), against 38 ms for finding its 9,000
 * matches through the GIN index and sorting them. An expression in the first key is an order no
 * index has, so the planner takes the second way. Cursors are unchanged.
 */
export function sortedAfterFiltering(order: KeysetOrder<FindingModel>): KeysetOrder<FindingModel> {
  const [first, ...rest] = order.keys;
  if (!first) return order;
  const opaque =
    first.type === 'timestamptz'
      ? sql`(${first.expression} + interval '0 seconds')`
      : first.type === 'int' || first.type === 'real'
        ? sql`(${first.expression} + 0)`
        : first.expression;
  return { ...order, keys: [{ ...first, expression: opaque }, ...rest] };
}

/** The planner's estimate of a tenant's findings matching a condition (EXPLAIN: nothing is read). */
export async function estimatedFindingCount(
  db: Executor,
  tenantId: string,
  condition: SQL | undefined,
): Promise<number> {
  const result = await db.execute(
    sql`explain (format json) select 1 from ${findings} where ${scoped(tenantId, condition)}`,
  );
  const [row] = rowsOf<Record<string, unknown>>(result);
  const value = row ? Object.values(row)[0] : undefined;
  const plan = (typeof value === 'string' ? JSON.parse(value) : value) as { Plan: { 'Plan Rows': number } }[];
  return plan[0]?.Plan['Plan Rows'] ?? 0;
}

/**
 * The ids of a tenant's findings with these identities, as an array: one probe of the identity
 * index each, written as a lateral lookup so the plan cannot depend on statistics. While a first
 * sync fills a tenant its statistics say it has a few dozen findings, and `(product_arn, aws_id)
 * in (…)` was planned as a scan of all the tenant's findings with a filter: every page read them
 * all (at 20,000 findings 60 ms a page and growing — a quarter of PostgreSQL's time in a sync).
 */
export function findingIdsByIdentity(
  tenantId: string,
  identities: readonly { productArn: string; awsId: string }[],
): SQL {
  return sql`array(
    select stored.id
      from unnest(${textArray(identities.map((identity) => identity.productArn))},
                  ${textArray(identities.map((identity) => identity.awsId))}) as k(product_arn, aws_id)
      cross join lateral (
        select id from ${findings}
         where tenant_id = ${tenantId} and product_arn = k.product_arn and aws_id = k.aws_id
         limit 1
      ) as stored)`;
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

/**
 * Dashboard counts from the findings themselves, in one statement (GROUPING SETS): for filters the
 * maintained summary cannot answer (search, scores, dates…). A problem counts once: a finding
 * outside any de-duplication group, or a group's primary (several standards reporting one control
 * on one resource are one problem, not three).
 */
export async function findingStats(
  db: Executor,
  tenantId: string,
  condition: SQL | undefined,
): Promise<FindingStatsModel> {
  const rows = await db
    .select({
      ...statDimensionsOf(findings),
      set: groupingOf(findings),
      count:
        sql<number>`count(*) filter (where ${findings.dedupKey} is null or ${findings.isPrimary})`.mapWith(
          Number,
        ),
    })
    .from(findings)
    .where(scoped(tenantId, condition))
    .groupBy(groupingSetsOf(findings));
  return statsOfGroupings(rows);
}

type StatTable = typeof findings | typeof findingStatCells | typeof findingStatDeltas;

const statDimensionsOf = (table: StatTable) => ({
  severity: table.findingSeverity,
  workflow: table.workflowStatus,
  product: table.productName,
  account: table.awsAccountId,
  region: table.region,
});

// grouping() sets one bit per column NOT grouped by: 0b01111 means "grouped by severity only".
const groupingOf = (table: StatTable) =>
  sql<number>`grouping(${table.findingSeverity}, ${table.workflowStatus}, ${table.productName}, ${table.awsAccountId}, ${table.region})`.mapWith(
    Number,
  );

const groupingSetsOf = (table: StatTable) =>
  sql`grouping sets ((${table.findingSeverity}), (${table.workflowStatus}), (${table.productName}), (${table.awsAccountId}), (${table.region}), ())`;

/**
 * Dashboard counts from the maintained summary: its cells plus the changes appended since they were
 * last folded in, filtered on the summary's own dimensions (`statsFilterCondition`). Its size is
 * the number of distinct combinations, not of findings.
 */
export async function findingStatsFromSummary(
  db: Executor,
  tenantId: string,
  conditionOn: (table: typeof findingStatCells | typeof findingStatDeltas) => SQL | undefined,
): Promise<FindingStatsModel> {
  const result = await db.execute(sql`
    select ${sql.raw(SUMMARY_DIMENSIONS)}, ${groupingOf(findingStatCells)} as "set",
           sum(${findingStatCells.problems}) as "count"
      from (${db
        .select({ ...statDimensionsOf(findingStatCells), problems: findingStatCells.problems })
        .from(findingStatCells)
        .where(and(eq(findingStatCells.tenantId, tenantId), conditionOn(findingStatCells)))}
            union all
            ${db
              .select({ ...statDimensionsOf(findingStatDeltas), problems: findingStatDeltas.delta })
              .from(findingStatDeltas)
              .where(and(eq(findingStatDeltas.tenantId, tenantId), conditionOn(findingStatDeltas)))}
           ) as ${findingStatCells}
     group by ${groupingSetsOf(findingStatCells)}`);
  const rows = rowsOf<Omit<StatGrouping, 'set' | 'count'> & { set: number | string; count: number | string }>(
    result,
  );
  return statsOfGroupings(rows.map((row) => ({ ...row, set: Number(row.set), count: Number(row.count) })));
}

const SUMMARY_DIMENSIONS =
  '"finding_severity" as "severity", "workflow_status" as "workflow", "product_name" as "product", "aws_account_id" as "account", "region"';

const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

interface StatGrouping {
  severity: number;
  workflow: string;
  product: string;
  account: string;
  region: string;
  set: number;
  count: number;
}

function statsOfGroupings(rows: readonly StatGrouping[]): FindingStatsModel {
  // A summary cell whose problems all moved elsewhere sums to 0: not a value to show.
  const bySet = (bits: number) => rows.filter((row) => row.set === bits && row.count !== 0);
  const facet = (bits: number, read: (row: (typeof rows)[number]) => string) =>
    bySet(bits)
      .map((row) => ({ value: read(row), count: row.count }))
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
  return {
    total: rows.find((row) => row.set === 0b11111)?.count ?? 0,
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

/**
 * Folds a tenant's appended stat changes into its summary cells, in one statement. Skipped when
 * another session is folding them (readers count the changes not yet folded in anyway); cells
 * left at 0 go. Returns how many changes it folded.
 */
export async function compactFindingStats(db: Executor, tenantId: string): Promise<number> {
  // Nothing to fold (a dashboard read again): one index probe instead of a transaction.
  const pending = await db
    .select({ one: sql`1` })
    .from(findingStatDeltas)
    .where(eq(findingStatDeltas.tenantId, tenantId))
    .limit(1);
  if (pending.length === 0) return 0;
  return db.transaction(async (tx) => {
    const [lock] = rowsOf<{ locked: boolean }>(
      await tx.execute(
        sql`select pg_try_advisory_xact_lock(hashtextextended(${`finding-stats:${tenantId}`}, 0)) as "locked"`,
      ),
    );
    if (!lock?.locked) return 0;
    const [folded] = rowsOf<{ moved: number }>(
      await tx.execute(sql`
        with moved as (
          delete from ${findingStatDeltas} where ${findingStatDeltas.tenantId} = ${tenantId}
          returning ${sql.raw(STAT_KEY)}, "delta"),
        summed as (
          select ${sql.raw(STAT_KEY)}, sum("delta")::int as "problems" from moved
           group by ${sql.raw(STAT_KEY)}),
        added as (
          insert into ${findingStatCells} (${sql.raw(STAT_KEY)}, "problems")
          select * from summed where "problems" <> 0 order by ${sql.raw(STAT_KEY)}
          on conflict on constraint "finding_stat_cells_key"
          do update set "problems" = ${findingStatCells}."problems" + excluded."problems")
        select count(*)::int as "moved" from moved`),
    );
    await tx
      .delete(findingStatCells)
      .where(and(eq(findingStatCells.tenantId, tenantId), eq(findingStatCells.problems, 0)));
    return folded?.moved ?? 0;
  });
}

/**
 * Vacuums the stat changes table, after a fold emptied many of its rows (a bulk load leaves
 * hundreds of thousands). Until then every read of it walks their dead pages: at 1,000,000 findings
 * the "anything to fold?" probe took 5 ms instead of 0.05, and statistics still counting the dead
 * rows as live made PostgreSQL scan the table for it. Skipped when another vacuum holds the table.
 */
export async function vacuumFindingStatDeltas(db: Executor): Promise<void> {
  await db.execute(sql`vacuum (analyze, skip_locked) ${findingStatDeltas}`);
}

/** Tenants with stat changes not yet folded into their summary (maintenance, across tenants). */
export async function tenantsWithStatChanges(db: Executor): Promise<string[]> {
  const rows = await db.selectDistinct({ tenantId: findingStatDeltas.tenantId }).from(findingStatDeltas);
  return rows.map((row) => row.tenantId);
}

const STAT_KEY =
  '"tenant_id", "finding_severity", "workflow_status", "record_state", "compliance_status", "product_name", "aws_account_id", "region", "connector_id", "counted", "vanished"';

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
      format: findings.format,
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

/** The rows, existence and count behind a page of a tenant's findings that match a condition. */
export function findingPageSource(db: Executor, tenantId: string, condition: SQL | undefined) {
  return tablePageSource<FindingModel>(db, findings, scoped(tenantId, condition), findingColumns);
}

// A search page in score order, score group by score group (search-by-score.ts). Each statement is
// written for one plan, which planWith makes PostgreSQL take: its estimates cannot know that a
// search's matches crowd into a few scores.

/**
 * Planner switches for the rest of a transaction: reads through the scored-lexeme index, or walks of
 * the score index. No JIT: a probe of 101 scores is estimated above jit_above_cost, and compiling
 * it took 18 ms of a statement that runs in 5.
 */
export async function planWith(tx: Executor, scan: 'bitmap' | 'walk'): Promise<void> {
  const bitmap = scan === 'bitmap';
  await tx.execute(sql`select set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true),
    set_config('enable_indexscan', ${bitmap ? 'off' : 'on'}, true),
    set_config('enable_bitmapscan', ${bitmap ? 'on' : 'off'}, true)`);
}

/**
 * A tenant's findings at `score` whose words match `words`, as a condition only the scored-lexeme
 * index can serve: the tenant is also compared in a form no other index matches, or PostgreSQL would
 * read a tenant it believes small through its own index and compute every finding's scored lexemes.
 */
function scoredMatch(tenantId: string, words: string, score: SQL | number): SQL {
  return sql`scored_lexemes(${findings.search}, ${findings.detectionScore}, ${findings.tenantId})
      @@ scored_query(to_tsquery('simple', ${words}), cast(${score} as smallint), ${tenantId})
    and ${findings.tenantId} || '' = ${tenantId}`;
}

/**
 * Up to `limit` scores from `from` towards `to` (both included) at which a finding matches the
 * search `words` and `condition`, in that order. The scored-lexeme index alone tells an empty score
 * (a lookup, no row read); a score with matches costs one row read. Plan: 'bitmap'.
 */
export async function scoresWithMatches(
  tx: Executor,
  tenantId: string,
  words: string,
  condition: SQL | undefined,
  range: { from: number; to: number },
  limit: number,
): Promise<number[]> {
  const step = range.from <= range.to ? 1 : -1;
  const result = await tx.execute(sql`
    select s::int as score from generate_series(${range.from}::int, ${range.to}::int, ${step}::int) as s
     where exists (select 1 from ${findings}
                    where ${and(scoredMatch(tenantId, words, sql`s`), unindexed(condition))})
     limit ${limit}`);
  return rowsOf<{ score: number }>(result).map((row) => row.score);
}

/**
 * The next `limit` findings of one score group in id order after `afterId` (all of the group when
 * undefined), each with whether it matches: a walk of the score index that reads no more rows than
 * asked for. Plan: 'walk'.
 */
export async function walkScoreGroup(
  tx: Executor,
  tenantId: string,
  group: { score: number; ascending: boolean; afterId?: string },
  bounds: SQL | undefined,
  match: SQL,
  limit: number,
): Promise<{ id: string; hit: boolean }[]> {
  return tx
    .select({ id: findings.id, hit: sql<boolean>`coalesce(${match}, false)` })
    .from(findings)
    .where(scoped(tenantId, and(eq(findings.detectionScore, group.score), bounds, idsAfter(group))))
    .orderBy(group.ascending ? sql`${findings.id} asc` : sql`${findings.id} desc`)
    .limit(limit);
}

/**
 * The first `limit` ids in id order after `afterId` of one score group's findings that match the
 * search `words` and `condition`, found through the scored-lexeme index: reads every such match, so
 * for groups the walk found sparse. Plan: 'bitmap'.
 */
export async function scoreGroupMatches(
  tx: Executor,
  tenantId: string,
  words: string,
  group: { score: number; ascending: boolean; afterId?: string },
  condition: SQL | undefined,
  limit: number,
): Promise<string[]> {
  const rows = await tx
    .select({ id: findings.id })
    .from(findings)
    .where(and(scoredMatch(tenantId, words, group.score), unindexed(and(condition, idsAfter(group)))))
    .orderBy(group.ascending ? sql`${findings.id} asc` : sql`${findings.id} desc`)
    .limit(limit);
  return rows.map((row) => row.id);
}

/**
 * A condition in a form no index serves (PostgreSQL does not look inside IS TRUE): with it beside a
 * scored-lexeme match, the index of some filter or cursor cannot become the plan's way in, with the
 * scored lexemes computed for every finding it yields.
 */
function unindexed(condition: SQL | undefined): SQL | undefined {
  return condition && sql`(${condition}) is true`;
}

function idsAfter(group: { ascending: boolean; afterId?: string }): SQL | undefined {
  if (group.afterId === undefined) return undefined;
  return group.ascending
    ? sql`${findings.id} > cast(${group.afterId} as uuid)`
    : sql`${findings.id} < cast(${group.afterId} as uuid)`;
}
