import { and, eq, sql } from 'drizzle-orm';
import { recomputeAssetRisk } from '../assets/risk.ts';
import type { Db, Tx } from '../db/client.ts';
import { assets, findings } from '../db/schema.ts';
import type { NewEvent } from '../events/model.ts';
import { appendEvents } from '../events/queries.ts';
import type { AssetRecord, FindingRecord } from '../mapping/records.ts';

// Writes one page of mapped findings and their assets in ONE transaction, with the events that
// announce the changes. The sync engine commits its page checkpoint inside the same transaction
// (through `withinTransaction`), so a crash never leaves a page half-applied or its cursor ahead.

export type { AssetRecord, FindingRecord };

interface StoredVersion {
  id: string;
  awsUpdatedAt: Date;
  assetId: string | null;
  raw: unknown;
}

export interface IngestItem {
  finding: FindingRecord;
  assets: AssetRecord[];
}

export interface IngestResult {
  created: number;
  updated: number;
  unchanged: number;
  /** Assets whose findings changed: their risk needs recomputing. */
  affectedAssetIds: string[];
}

export interface IngestOptions {
  connectorId?: string | null;
  /** Runs inside the page's transaction after the upsert (e.g. the sync's checkpoint). */
  withinTransaction?: (tx: Tx, result: IngestResult) => Promise<void>;
}

export function ingestFindingsPage(
  db: Db,
  tenantId: string,
  items: readonly IngestItem[],
  options: IngestOptions = {},
): Promise<IngestResult> {
  return db.transaction(async (tx) => {
    const result = await upsertPage(tx, tenantId, items, options.connectorId ?? null);
    await options.withinTransaction?.(tx, result);
    return result;
  });
}

async function upsertPage(
  tx: Tx,
  tenantId: string,
  items: readonly IngestItem[],
  connectorId: string | null,
): Promise<IngestResult> {
  const assetIds = await upsertAssets(
    tx,
    tenantId,
    connectorId,
    items.flatMap((item) => item.assets),
  );

  // One version per identity: a page may carry the same finding twice; the later UpdatedAt wins.
  const latest = new Map<string, FindingRecord>();
  for (const { finding } of items) {
    const key = identityKey(finding.productArn, finding.awsId);
    const seen = latest.get(key);
    if (!seen || finding.awsUpdatedAt.getTime() >= seen.awsUpdatedAt.getTime()) latest.set(key, finding);
  }
  const incoming = [...latest.values()];
  if (incoming.length === 0) return { created: 0, updated: 0, unchanged: 0, affectedAssetIds: [] };

  const stored = new Map<string, StoredVersion>(
    (
      await tx
        .select({
          id: findings.id,
          productArn: findings.productArn,
          awsId: findings.awsId,
          awsUpdatedAt: findings.awsUpdatedAt,
          assetId: findings.assetId,
          raw: findings.raw,
        })
        .from(findings)
        .where(
          and(
            eq(findings.tenantId, tenantId),
            sql`(${findings.productArn}, ${findings.awsId}) in (${sql.join(
              incoming.map((finding) => sql`(${finding.productArn}, ${finding.awsId})`),
              sql`, `,
            )})`,
          ),
        )
    ).map((row) => [identityKey(row.productArn, row.awsId), row]),
  );

  // An incoming finding replaces the stored one only if it is not older (UpdatedAt); at the same
  // UpdatedAt only if it differs — BatchUpdateFindings changes findings without moving UpdatedAt.
  const changes: { finding: FindingRecord; before: StoredVersion | undefined }[] = [];
  let unchanged = 0;
  for (const finding of incoming) {
    const before = stored.get(identityKey(finding.productArn, finding.awsId));
    const newer =
      !before ||
      finding.awsUpdatedAt.getTime() > before.awsUpdatedAt.getTime() ||
      (finding.awsUpdatedAt.getTime() === before.awsUpdatedAt.getTime() &&
        !sameJson(finding.raw, before.raw));
    if (newer) changes.push({ finding, before });
    else unchanged += 1;
  }
  if (changes.length === 0) {
    await recomputeAssetRisk(tx, tenantId, [...assetIds.values()]);
    return { created: 0, updated: 0, unchanged, affectedAssetIds: [] };
  }

  const rows = changes.map(({ finding }) => {
    const { assetResourceArn, ...columns } = finding;
    return {
      ...columns,
      tenantId,
      connectorId,
      assetId: assetResourceArn ? (assetIds.get(assetResourceArn) ?? null) : null,
    };
  });
  const written = await tx
    .insert(findings)
    .values(rows)
    .onConflictDoUpdate({
      target: [findings.tenantId, findings.productArn, findings.awsId],
      set: overwriteAllBut(['id', 'tenantId', 'productArn', 'awsId', 'createdAt', 'isPrimary', 'search']),
      // Guards against a concurrent writer that stored a newer version since we looked.
      setWhere: sql`${findings.awsUpdatedAt} <= excluded.aws_updated_at`,
    })
    .returning({
      id: findings.id,
      productArn: findings.productArn,
      awsId: findings.awsId,
      assetId: findings.assetId,
    });

  const writtenByKey = new Map(written.map((row) => [identityKey(row.productArn, row.awsId), row]));
  const events: NewEvent[] = [];
  const affectedAssets = new Set<string>();
  const dedupKeys = new Set<string>();
  let created = 0;
  let updated = 0;
  for (const { finding, before } of changes) {
    const row = writtenByKey.get(identityKey(finding.productArn, finding.awsId));
    if (!row) {
      unchanged += 1;
      continue;
    }
    if (before) updated += 1;
    else created += 1;
    if (row.assetId) affectedAssets.add(row.assetId);
    if (before?.assetId) affectedAssets.add(before.assetId);
    if (finding.dedupKey) dedupKeys.add(finding.dedupKey);
    events.push({
      topic: 'finding',
      type: before ? 'UPDATED' : 'CREATED',
      entityId: row.id,
      payload: { changedFields: before ? changedTopLevelFields(before.raw, finding.raw) : [] },
    });
  }
  await electGroupPrimaries(tx, tenantId, [...dedupKeys]);
  // Every asset the page touched: its findings or its tags (criticality, exposure) may have changed.
  await recomputeAssetRisk(tx, tenantId, [...new Set([...assetIds.values(), ...affectedAssets])]);
  await appendEvents(tx, tenantId, events);
  return { created, updated, unchanged, affectedAssetIds: [...affectedAssets] };
}

async function upsertAssets(
  tx: Tx,
  tenantId: string,
  connectorId: string | null,
  records: readonly AssetRecord[],
): Promise<Map<string, string>> {
  const byArn = new Map<string, AssetRecord>();
  for (const record of records) {
    const seen = byArn.get(record.resourceArn);
    byArn.set(record.resourceArn, seen ? mergeAssetSightings(seen, record) : record);
  }
  if (byArn.size === 0) return new Map();
  const rows = await tx
    .insert(assets)
    .values([...byArn.values()].map((record) => ({ ...record, tenantId, connectorId })))
    .onConflictDoUpdate({
      target: [assets.tenantId, assets.resourceArn],
      set: {
        resourceId: sql`excluded.resource_id`,
        resourceType: sql`excluded.resource_type`,
        name: sql`coalesce(excluded.name, ${assets.name})`,
        awsAccountId: sql`coalesce(excluded.aws_account_id, ${assets.awsAccountId})`,
        region: sql`coalesce(excluded.region, ${assets.region})`,
        partition: sql`coalesce(excluded.partition, ${assets.partition})`,
        details: sql`coalesce(excluded.details, ${assets.details})`,
        tags: sql`excluded.tags`,
        connectorId: sql`coalesce(excluded.connector_id, ${assets.connectorId})`,
        // A criticality someone set by hand outlives whatever the tags say.
        criticality: sql`case when ${assets.criticalitySource} = 'USER' then ${assets.criticality} else excluded.criticality end`,
        criticalitySource: sql`case when ${assets.criticalitySource} = 'USER' then 'USER' else excluded.criticality_source end`,
        internetExposed: sql`excluded.internet_exposed`,
        firstSeenAt: sql`least(${assets.firstSeenAt}, excluded.first_seen_at)`,
        lastSeenAt: sql`greatest(${assets.lastSeenAt}, excluded.last_seen_at)`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ id: assets.id, resourceArn: assets.resourceArn });
  return new Map(rows.map((row) => [row.resourceArn, row.id]));
}

function mergeAssetSightings(a: AssetRecord, b: AssetRecord): AssetRecord {
  const later = a.lastSeenAt.getTime() >= b.lastSeenAt.getTime() ? a : b;
  return {
    ...later,
    name: later.name ?? a.name ?? b.name,
    firstSeenAt: a.firstSeenAt.getTime() <= b.firstSeenAt.getTime() ? a.firstSeenAt : b.firstSeenAt,
  };
}

/**
 * In each de-duplication group the primary is the finding that counts (if any does), first
 * observed, then lowest id: stable as long as the group's members do not change.
 */
async function electGroupPrimaries(tx: Tx, tenantId: string, dedupKeys: string[]): Promise<void> {
  if (dedupKeys.length === 0) return;
  await tx.execute(sql`
    update ${findings} as f
       set is_primary = (f.id = g.primary_id)
      from (
        select distinct on (dedup_key) dedup_key, id as primary_id
          from ${findings}
         where tenant_id = ${tenantId}
           and dedup_key in (${sql.join(
             dedupKeys.map((key) => sql`${key}`),
             sql`, `,
           )})
         order by dedup_key, counted desc, first_observed_at, id
      ) as g
     where f.tenant_id = ${tenantId}
       and f.dedup_key = g.dedup_key
       and f.is_primary is distinct from (f.id = g.primary_id)`);
}

/** Every column from the incoming row (`excluded`), except those that identify or date the row. */
function overwriteAllBut(keep: string[]) {
  const set: Record<string, unknown> = { updatedAt: sql`now()` };
  for (const [key, column] of Object.entries(findings)) {
    if (keep.includes(key) || key === 'updatedAt' || typeof column !== 'object' || column === null) continue;
    const name = (column as { name?: unknown }).name;
    if (typeof name !== 'string' || !('columnType' in column)) continue;
    set[key] = sql.raw(`excluded."${name}"`);
  }
  return set;
}

function identityKey(productArn: string, awsId: string): string {
  return `${productArn}\n${awsId}`;
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** JSON with sorted keys: Postgres jsonb does not keep key order, so a plain stringify would differ. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** ASFF top-level fields that differ between two versions of a finding (what an event reports). */
export function changedTopLevelFields(before: unknown, after: unknown): string[] {
  const a = (before ?? {}) as Record<string, unknown>;
  const b = (after ?? {}) as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((key) => canonicalJson(a[key]) !== canonicalJson(b[key]))
    .sort();
}
