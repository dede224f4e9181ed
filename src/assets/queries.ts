import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { assets, findings } from '../db/schema.ts';
import { rowsByIds, tablePageSource } from '../db/tenant-queries.ts';
import type { AssetOrder } from '../generated/graphql.ts';
import {
  type ConnectionModel,
  dateKey,
  type KeysetOrder,
  type PageArgs,
  paginate,
} from '../graphql/connection.ts';
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

export function assetsByResourceArns(
  db: Executor,
  tenantId: string,
  resourceArns: readonly string[],
): Promise<AssetModel[]> {
  if (resourceArns.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(assets)
    .where(and(eq(assets.tenantId, tenantId), inArray(assets.resourceArn, [...resourceArns])));
}

/** What asset risk is computed from: each asset's criticality and exposure, and its findings' scores. */
export async function riskInputsForAssets(db: Executor, tenantId: string, assetIds: readonly string[]) {
  const [assetRows, findingRows] = await Promise.all([
    db
      .select({ id: assets.id, criticality: assets.criticality, internetExposed: assets.internetExposed })
      .from(assets)
      .where(and(eq(assets.tenantId, tenantId), inArray(assets.id, [...assetIds]))),
    db
      .select({
        assetId: findings.assetId,
        detectionScore: findings.detectionScore,
        counted: findings.counted,
        dedupKey: findings.dedupKey,
      })
      .from(findings)
      .where(and(eq(findings.tenantId, tenantId), inArray(findings.assetId, [...assetIds]))),
  ]);
  return { assetRows, findingRows };
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
  await db.execute(sql`
    update ${assets} set risk_score = v.score, risk_factors = v.factors, scoring_version = v.version, updated_at = now()
      from (values ${values}) as v(id, score, factors, version)
     where ${assets.tenantId} = ${tenantId} and ${assets.id} = v.id`);
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
