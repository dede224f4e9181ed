import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { rowsOf } from '../db/json-rows.ts';
import { type ConnectionModel, dateKey, type KeysetOrder, type PageArgs, paginate } from '../db/keyset.ts';
import { assets, findings } from '../db/schema.ts';
import { rowsByIds, tablePageSource } from '../db/tenant-queries.ts';
import type { AssetOrder } from '../generated/graphql.ts';
import { isArn } from '../mapping/assets.ts';
import type { RiskSummary } from '../mapping/risk-score.ts';
import { LABEL_BANDS, type SeverityLabel } from '../mapping/scoring-constants.ts';
import type { AssetModel } from './model.ts';

// Every SQL statement about assets lives here. Each one is scoped to a tenant.

const idKey = { expression: sql`${assets.id}`, type: 'uuid' as const, read: (row: AssetModel) => row.id };

export function assetOrder(orderBy: AssetOrder | null | undefined): KeysetOrder<AssetModel> {
  const field = orderBy?.field ?? 'RISK_SCORE';
  const direction = orderBy?.direction ?? 'DESC';
  switch (field) {
    case 'RISK_SCORE':
      return {
        name: field,
        direction,
        keys: [{ expression: sql`${assets.riskScore}`, type: 'int', read: (row) => row.riskScore }, idKey],
      };
    case 'LAST_SEEN_AT':
      return {
        name: field,
        direction,
        keys: [dateKey(sql`${assets.lastSeenAt}`, (row) => row.lastSeenAt), idKey],
      };
    case 'NAME':
      return {
        name: field,
        direction,
        keys: [
          {
            expression: sql`coalesce(${assets.name}, ${assets.resourceId})`,
            type: 'text',
            read: (row) => row.name ?? row.resourceId,
          },
          idKey,
        ],
      };
  }
}

export function listAssets(
  db: Executor,
  tenantId: string,
  condition: SQL | undefined,
  order: KeysetOrder<AssetModel>,
  args: PageArgs,
): Promise<ConnectionModel<AssetModel>> {
  return paginate(args, order, tablePageSource(db, assets, and(eq(assets.tenantId, tenantId), condition)));
}

export function assetsByIds(db: Executor, tenantId: string, ids: readonly string[]): Promise<AssetModel[]> {
  return rowsByIds(db, assets, tenantId, ids);
}

/**
 * Assets identified by these ARNs. An ARN is its resource's identity key, so each names at most
 * one asset; a non-ARN resource Id (an account id, "No trails") may name one asset per account,
 * Region and type, and is left out: it identifies nothing on its own.
 */
export function assetsByArns(db: Executor, tenantId: string, arns: readonly string[]): Promise<AssetModel[]> {
  const keys = arns.filter(isArn);
  if (keys.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(assets)
    .where(and(eq(assets.tenantId, tenantId), inArray(assets.identityKey, keys)));
}

/**
 * What asset risk is computed from: each asset's criticality and exposure, and its counted
 * findings summarised per band in the database (highest score, problems), so an asset with
 * thousands of findings costs a few rows, not thousands.
 */
export async function riskInputsForAssets(db: Executor, tenantId: string, assetIds: readonly string[]) {
  const ids = sql`array[${sql.join(
    assetIds.map((id) => sql`${id}`),
    sql`, `,
  )}]::uuid[]`;
  const band = sql.raw(
    `case ${(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const)
      .map((label) => `when detection_score >= ${LABEL_BANDS[label].min} then '${label}'`)
      .join(' ')} else 'INFORMATIONAL' end`,
  );
  const [assetRows, bandRows] = await Promise.all([
    db
      .select({ id: assets.id, criticality: assets.criticality, internetExposed: assets.internetExposed })
      .from(assets)
      .where(and(eq(assets.tenantId, tenantId), inArray(assets.id, [...assetIds]))),
    db.execute(sql`
      select asset_id as "assetId", ${band} as band,
             max(detection_score)::int as "maxScore",
             count(distinct coalesce(dedup_key, id::text))::int as groups,
             count(*)::int as findings
        from ${findings}
       where tenant_id = ${tenantId} and asset_id = any(${ids}) and counted
       group by grouping sets ((asset_id, ${band}), (asset_id))`),
  ]);
  const summaries = new Map<string, RiskSummary>();
  for (const row of rowsOf<{
    assetId: string;
    band: string | null;
    maxScore: number;
    groups: number;
    findings: number;
  }>(bandRows)) {
    const summary = summaries.get(row.assetId) ?? { bands: {}, countedFindings: 0, problems: 0 };
    // The (asset_id) grouping set has no band: it is the asset's totals.
    if (row.band === null) {
      summary.countedFindings = row.findings;
      summary.problems = row.groups;
    } else if (row.band !== 'INFORMATIONAL') {
      summary.bands[row.band as SeverityLabel] = { maxScore: row.maxScore, groups: row.groups };
    }
    summaries.set(row.assetId, summary);
  }
  return { assetRows, summaries };
}

/** Stores many assets' risk in one statement. */
export async function updateAssetRisks(
  db: Executor,
  tenantId: string,
  updates: readonly { id: string; score: number; factors: unknown; scoringVersion: string }[],
): Promise<void> {
  if (updates.length === 0) return;
  const values = sql.join(
    updates.map(
      (update) =>
        sql`(${update.id}::uuid, ${update.score}::int, ${JSON.stringify(update.factors)}::jsonb, ${update.scoringVersion})`,
    ),
    sql`, `,
  );
  // Rows locked in identity key order (by code unit, as the asset upsert sorts them, whatever the
  // database's collation), and not against the key-share locks that pages' findings take on their
  // assets: writers of assets never deadlock. A row whose risk did not change is still written when
  // its scoring version did: a stale version (e.g. '' where drizzle/0002 split a merged asset)
  // marks an asset whose risk has to be recomputed.
  await db.execute(sql`
    with locked as (
      select id from ${assets}
       where tenant_id = ${tenantId} and id in (select v.id from (values ${values}) as v(id, score, factors, version))
       order by identity_key collate "C"
       for no key update
    )
    update ${assets} set risk_score = v.score, risk_factors = v.factors, scoring_version = v.version, updated_at = now()
      from (values ${values}) as v(id, score, factors, version), locked
     where ${assets.tenantId} = ${tenantId} and ${assets.id} = v.id and locked.id = v.id
       and (${assets.riskScore} is distinct from v.score or ${assets.riskFactors} is distinct from v.factors
            or ${assets.scoringVersion} is distinct from v.version)`);
}

export async function setAssetCriticality(
  db: Executor,
  tenantId: string,
  id: string,
  criticality: number | null,
  source: 'USER' | 'TAG' | 'DEFAULT',
): Promise<void> {
  await db
    .update(assets)
    .set({ criticality, criticalitySource: source, updatedAt: new Date() })
    .where(and(eq(assets.tenantId, tenantId), eq(assets.id, id)));
}

/**
 * Assets whose risk was computed under another scoring version, a batch at a time. Never-computed
 * ones (NULL) are not stale: they belong to a sync that computes them when its pages are applied.
 */
export async function staleRiskAssets(
  db: Executor,
  tenantId: string,
  version: string,
  afterId: string | null,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .select({ id: assets.id })
    .from(assets)
    .where(
      and(
        eq(assets.tenantId, tenantId),
        sql`${assets.scoringVersion} <> ${version}`,
        afterId ? sql`${assets.id} > ${afterId}` : undefined,
      ),
    )
    .orderBy(assets.id)
    .limit(limit);
  return rows.map((row) => row.id);
}

/** Tenants with assets whose risk is stale (maintenance, across tenants). */
export async function tenantsWithStaleRisk(db: Executor, version: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ tenantId: assets.tenantId })
    .from(assets)
    .where(sql`${assets.scoringVersion} <> ${version}`);
  return rows.map((row) => row.tenantId);
}
