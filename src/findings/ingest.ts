import { getTableColumns, sql } from 'drizzle-orm';
import { recomputeAssetRisk } from '../assets/risk.ts';
import type { Db, Executor, Tx } from '../db/client.ts';
import { textArray } from '../db/filter-helpers.ts';
import { jsonRecordset, rowsOf } from '../db/json-rows.ts';
import { assets, findings } from '../db/schema.ts';
import { lockTenantSection } from '../db/tenant-queries.ts';
import type { NewEvent } from '../events/model.ts';
import { appendEvents } from '../events/queries.ts';
import type { AssetRecord, FindingRecord } from '../mapping/records.ts';
import { findingIdsByIdentity } from './queries.ts';
import { noteInsertedFindings } from './statistics.ts';

// Writes one page of mapped findings and their assets in ONE transaction, with the events that
// announce the changes. The sync engine commits its page checkpoint inside the same transaction
// (through `withinTransaction`), so a crash never leaves a page half-applied or its cursor ahead.

export type { AssetRecord, FindingRecord };

interface StoredVersion {
  id: string;
  format: string;
  awsUpdatedAt: Date;
  assetId: string | null;
  raw: unknown;
  writeBackAt: Date | null;
}

export interface IngestItem {
  finding: FindingRecord;
  assets: AssetRecord[];
}

export type IngestOutcome = 'created' | 'updated' | 'unchanged';

export interface IngestResult {
  created: number;
  updated: number;
  unchanged: number;
  /** Assets whose findings changed: their risk needs recomputing. */
  affectedAssetIds: string[];
  /** What became of each finding of the page, by `identityKey(productArn, awsId)`. */
  outcomes: Map<string, IngestOutcome>;
  /** De-duplication groups a written finding belongs to: their primary may change. */
  dedupKeys: string[];
}

/** What follows from a committed page: groups to elect a primary in, assets to re-score. */
export interface PageEffects {
  dedupKeys: string[];
  assetIds: string[];
}

export interface IngestOptions {
  connectorId?: string | null;
  /**
   * Who applies the page's effects (group primaries, asset risk) after its commit: at once
   * (default), or the caller (a sync batches them: re-scoring an asset reads all its findings, and
   * the pages of one run touch the same assets and groups over and over).
   */
  afterCommit?: 'now' | ((effects: PageEffects) => void);
  /**
   * Runs inside the page's transaction after the upsert (the sync's checkpoint); the events it
   * returns are appended with the page's own.
   */
  withinTransaction?: (tx: Tx, result: IngestResult) => Promise<NewEvent[] | undefined>;
  /**
   * When the page was read from Security Hub (wall clock). A finding Hubgraph wrote back to since
   * then is kept at the same UpdatedAt: the page holds it as it was before the write-back
   * (BatchUpdateFindings does not move UpdatedAt), and must not undo it.
   */
  readAt?: Date;
}

/**
 * Writes a page: its assets, then its findings, their events and the caller's own writes in ONE
 * transaction, then what follows from it: the primary of every de-duplication group it touched and
 * the risk of every asset.
 *
 * Assets, primaries and risk are kept out of the page's transaction on purpose. Concurrent pages
 * share assets (an instance has hundreds of findings) and groups; a row a statement touched stays
 * locked until its transaction ends, so inside the page's transaction every page touching an
 * instance would wait for the others to commit. Each is derived from what is stored and recomputed
 * whole, so one interrupted before it runs loses nothing: the next page touching the same asset or
 * group (and a sync's end, which redoes what its run touched) mends it.
 */
export async function ingestFindingsPage(
  db: Db,
  tenantId: string,
  items: readonly IngestItem[],
  options: IngestOptions = {},
): Promise<IngestResult> {
  const connectorId = options.connectorId ?? null;
  const assetIds = await retryOnConflict(() =>
    upsertAssets(
      db,
      tenantId,
      connectorId,
      items.flatMap((item) => item.assets),
    ),
  );
  const result = await retryOnConflict(() =>
    db.transaction(async (tx) => {
      const page = await upsertPage(tx, tenantId, items, connectorId, assetIds, options.readAt);
      const extra = await options.withinTransaction?.(tx, page.result);
      // Last: the event log's lock is held from here to the commit only.
      await appendEvents(tx, tenantId, [...page.events, ...(extra ?? [])]);
      return page.result;
    }),
  );
  const effects = {
    dedupKeys: result.dedupKeys,
    assetIds: [...new Set([...assetIds.values(), ...result.affectedAssetIds])],
  };
  if (typeof options.afterCommit === 'function') options.afterCommit(effects);
  else await applyPageEffects(db, tenantId, effects);
  await noteInsertedFindings(db, tenantId, result.created);
  return result;
}

/**
 * Elects the primary of each group and re-scores each asset (in that order: risk counts a group
 * once), each in line with the tenant's other writers of the same rows.
 */
export async function applyPageEffects(db: Db, tenantId: string, effects: PageEffects): Promise<void> {
  const keys = [...new Set(effects.dedupKeys)].sort(compareText);
  for (let i = 0; i < keys.length; i += 500)
    await retryOnConflict(() =>
      db.transaction(async (tx) => {
        await lockTenantSection(tx, tenantId, 'dedup');
        await electGroupPrimaries(tx, tenantId, keys.slice(i, i + 500));
      }),
    );
  const assetIds = [...new Set(effects.assetIds)];
  for (let i = 0; i < assetIds.length; i += 500)
    await retryOnConflict(() => recomputeAssetRisk(db, tenantId, assetIds.slice(i, i + 500)));
}

/**
 * Concurrent pages may share assets, de-duplication groups and (at sub-window boundaries) findings.
 * Rows are written in a fixed order, which makes deadlocks rare; PostgreSQL breaks the rest, and
 * the page is simply written again (its transaction left nothing behind).
 */
async function retryOnConflict<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = sqlState(error);
      if (attempt >= 5 || (code !== '40P01' && code !== '40001')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * attempt));
    }
  }
}

function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

async function upsertPage(
  tx: Tx,
  tenantId: string,
  items: readonly IngestItem[],
  connectorId: string | null,
  assetIds: Map<string, string>,
  readAt: Date | undefined,
): Promise<{ result: IngestResult; events: NewEvent[] }> {
  // One version per identity: a page may carry the same finding twice; the later UpdatedAt wins.
  const latest = new Map<string, FindingRecord>();
  for (const { finding } of items) {
    const key = identityKey(finding.productArn, finding.awsId);
    const seen = latest.get(key);
    if (!seen || finding.awsUpdatedAt.getTime() >= seen.awsUpdatedAt.getTime()) latest.set(key, finding);
  }
  // A fixed order for every writer: row locks are then taken in the same order (no deadlocks).
  const incoming = [...latest.values()].sort((a, b) =>
    compareText(identityKey(a.productArn, a.awsId), identityKey(b.productArn, b.awsId)),
  );
  const outcomes = new Map<string, IngestOutcome>();
  if (incoming.length === 0)
    return {
      result: { created: 0, updated: 0, unchanged: 0, affectedAssetIds: [], outcomes, dedupKeys: [] },
      events: [],
    };

  const stored = new Map<string, StoredVersion>(
    (await storedVersions(tx, tenantId, incoming)).map((row) => [
      identityKey(row.productArn, row.awsId),
      row,
    ]),
  );

  // An incoming finding replaces the stored one only if it is not older (UpdatedAt); at the same
  // UpdatedAt only if it differs — BatchUpdateFindings changes findings without moving UpdatedAt —
  // in the same format, or as OCSF over ASFF (a CSPM finding and its OCSF copy at one UpdatedAt are
  // one version: the OCSF one is kept, whichever came first, so the two never take turns and a
  // resumed run ends as an uninterrupted one), and Hubgraph did not write a change back after the
  // page was read.
  const changes: { finding: FindingRecord; before: StoredVersion | undefined }[] = [];
  let unchanged = 0;
  for (const finding of incoming) {
    const before = stored.get(identityKey(finding.productArn, finding.awsId));
    const newer =
      !before ||
      finding.awsUpdatedAt.getTime() > before.awsUpdatedAt.getTime() ||
      (finding.awsUpdatedAt.getTime() === before.awsUpdatedAt.getTime() &&
        supersedesAtSameTime(finding.format ?? 'ASFF', before.format) &&
        !sameJson(finding.raw, before.raw) &&
        !writtenBackSince(before, readAt));
    if (newer) changes.push({ finding, before });
    else {
      unchanged += 1;
      outcomes.set(identityKey(finding.productArn, finding.awsId), 'unchanged');
    }
  }
  if (changes.length === 0)
    return {
      result: { created: 0, updated: 0, unchanged, affectedAssetIds: [], outcomes, dedupKeys: [] },
      events: [],
    };

  const rows = changes.map(({ finding }) => {
    const { assetIdentityKey, ...columns } = finding;
    return {
      ...columns,
      format: columns.format ?? 'ASFF',
      tenantId,
      connectorId,
      assetId: assetIdentityKey ? (assetIds.get(assetIdentityKey) ?? null) : null,
    };
  });
  const page = jsonRecordset(findings, FINDING_INSERT_KEYS, rows);
  const written = rowsOf<{
    id: string;
    productArn: string;
    awsId: string;
    assetId: string | null;
    inserted: boolean;
  }>(
    // The guard repeats the check above against a concurrent writer (another page that read the
    // same finding) that stored it since we looked: only a newer or different version replaces it.
    // `xmax = 0` tells an inserted row from an updated one.
    await tx.execute(sql`
        insert into ${findings} (${page.columns}, is_primary)
        select ${page.columns},
               -- A group's newcomer joins it as a member: demoting it after would write it twice.
               -- The election after the commit still decides (a newcomer can win it).
               not exists (select 1 from ${findings} as p
                            where p.tenant_id = r.tenant_id and p.dedup_key = r.dedup_key and p.is_primary)
          from ${page.recordset}
        on conflict (tenant_id, product_arn, aws_id) do update set ${FINDING_OVERWRITE}
        where ${findings.awsUpdatedAt} < excluded.aws_updated_at
           or (${findings.awsUpdatedAt} = excluded.aws_updated_at
               and (${findings.format} = excluded.format or (excluded.format = 'OCSF' and ${findings.format} = 'ASFF'))
               and ${findings.raw} is distinct from excluded.raw
               and ${readAt ? sql`(${findings.writeBackAt} is null or ${findings.writeBackAt} < ${readAt.toISOString()}::timestamptz)` : sql`true`})
        returning id, product_arn as "productArn", aws_id as "awsId", asset_id as "assetId",
                  (xmax = 0) as inserted`),
  );

  const writtenByKey = new Map(written.map((row) => [identityKey(row.productArn, row.awsId), row]));
  const events: NewEvent[] = [];
  const affectedAssets = new Set<string>();
  const dedupKeys = new Set<string>();
  let created = 0;
  let updated = 0;
  for (const { finding, before } of changes) {
    const key = identityKey(finding.productArn, finding.awsId);
    const row = writtenByKey.get(key);
    if (!row) {
      unchanged += 1;
      outcomes.set(key, 'unchanged');
      continue;
    }
    if (row.inserted) created += 1;
    else updated += 1;
    outcomes.set(key, row.inserted ? 'created' : 'updated');
    if (row.assetId) affectedAssets.add(row.assetId);
    if (before?.assetId) affectedAssets.add(before.assetId);
    if (finding.dedupKey) dedupKeys.add(finding.dedupKey);
    events.push({
      topic: 'finding',
      type: row.inserted ? 'CREATED' : 'UPDATED',
      entityId: row.id,
      payload: { changedFields: row.inserted ? [] : changedTopLevelFields(before?.raw, finding.raw) },
    });
  }
  return {
    result: {
      created,
      updated,
      unchanged,
      affectedAssetIds: [...affectedAssets],
      outcomes,
      dedupKeys: [...dedupKeys],
    },
    events,
  };
}

/**
 * A page's assets alone (a connector that syncs ASSETS but not FINDINGS), upserted and re-scored
 * in one transaction, with the caller's own writes (its checkpoint) in the same transaction.
 */
export async function ingestAssetsPage(
  db: Db,
  tenantId: string,
  records: readonly AssetRecord[],
  options: Pick<IngestOptions, 'connectorId' | 'afterCommit'> & {
    withinTransaction?: (tx: Tx) => Promise<NewEvent[] | undefined>;
  } = {},
): Promise<number> {
  const ids = await retryOnConflict(() => upsertAssets(db, tenantId, options.connectorId ?? null, records));
  await retryOnConflict(() =>
    db.transaction(async (tx) => {
      const events = await options.withinTransaction?.(tx);
      await appendEvents(tx, tenantId, events ?? []);
    }),
  );
  const effects = { dedupKeys: [], assetIds: [...ids.values()] };
  if (typeof options.afterCommit === 'function') options.afterCommit(effects);
  else await applyPageEffects(db, tenantId, effects);
  return ids.size;
}

/** Writes a page's assets; returns their ids by identity key (`assetIdentityKey`). */
async function upsertAssets(
  tx: Executor,
  tenantId: string,
  connectorId: string | null,
  records: readonly AssetRecord[],
): Promise<Map<string, string>> {
  const byIdentity = new Map<string, AssetRecord>();
  for (const record of records) {
    const seen = byIdentity.get(record.identityKey);
    byIdentity.set(record.identityKey, seen ? mergeAssetSightings(seen, record) : record);
  }
  if (byIdentity.size === 0) return new Map();
  // One statement, rows in identity key order: every writer of assets locks them in that order
  // (risk updates too), so concurrent pages wait for each other briefly but never deadlock.
  const rows = await tx
    .insert(assets)
    .values(
      [...byIdentity.values()]
        .sort((a, b) => compareText(a.identityKey, b.identityKey))
        .map((record) => ({ ...record, tenantId, connectorId })),
    )
    .onConflictDoUpdate({
      target: [assets.tenantId, assets.identityKey],
      set: {
        resourceId: sql`excluded.resource_id`,
        resourceType: sql`excluded.resource_type`,
        // A finding's view (ASFF Details: an image's repository and tag…) names and describes
        // the asset; the new Security Hub's inventory (inventoried_at set) only fills what no
        // finding gave, so the two never rename an asset in turn, whichever page comes last.
        name: sql`case when excluded.inventoried_at is null then coalesce(excluded.name, ${assets.name}) else coalesce(${assets.name}, excluded.name) end`,
        awsAccountId: sql`coalesce(excluded.aws_account_id, ${assets.awsAccountId})`,
        region: sql`coalesce(excluded.region, ${assets.region})`,
        partition: sql`coalesce(excluded.partition, ${assets.partition})`,
        details: sql`case when excluded.inventoried_at is null then coalesce(excluded.details, ${assets.details}) else coalesce(${assets.details}, excluded.details) end`,
        tags: sql`excluded.tags`,
        connectorId: sql`coalesce(excluded.connector_id, ${assets.connectorId})`,
        // A criticality someone set by hand outlives whatever the tags say.
        criticality: sql`case when ${assets.criticalitySource} = 'USER' then ${assets.criticality} else excluded.criticality end`,
        criticalitySource: sql`case when ${assets.criticalitySource} = 'USER' then 'USER' else excluded.criticality_source end`,
        internetExposed: sql`excluded.internet_exposed`,
        // Only the new Security Hub's inventory says these; a finding's sighting leaves them be.
        category: sql`coalesce(excluded.category, ${assets.category})`,
        configuration: sql`coalesce(excluded.configuration, ${assets.configuration})`,
        // Per Region: one Region's inventory replaces its own count, never another Region's.
        securityHubFindingCounts: sql`case when excluded.security_hub_finding_counts is null then ${assets.securityHubFindingCounts} else coalesce(${assets.securityHubFindingCounts}, '{}'::jsonb) || excluded.security_hub_finding_counts end`,
        inventoriedAt: sql`coalesce(excluded.inventoried_at, ${assets.inventoriedAt})`,
        firstSeenAt: sql`least(${assets.firstSeenAt}, excluded.first_seen_at)`,
        lastSeenAt: sql`greatest(${assets.lastSeenAt}, excluded.last_seen_at)`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ id: assets.id, identityKey: assets.identityKey });
  return new Map(rows.map((row) => [row.identityKey, row.id]));
}

/** Two sightings of one asset (the same identity key) in a page, as one: the later one's view. */
function mergeAssetSightings(a: AssetRecord, b: AssetRecord): AssetRecord {
  const later = a.lastSeenAt.getTime() >= b.lastSeenAt.getTime() ? a : b;
  return {
    ...later,
    name: later.name ?? a.name ?? b.name,
    firstSeenAt: a.firstSeenAt.getTime() <= b.firstSeenAt.getTime() ? a.firstSeenAt : b.firstSeenAt,
  };
}

/**
 * The stored versions of a page's findings, by their ids from the tenant's identity index (see
 * `findingIdsByIdentity`). No second tenant condition: the ids are the tenant's already, and with
 * one the planner may AND the ids with a scan of the tenant's whole index range.
 */
export function storedVersions(
  db: Executor,
  tenantId: string,
  identities: readonly { productArn: string; awsId: string }[],
) {
  return db
    .select({
      id: findings.id,
      productArn: findings.productArn,
      awsId: findings.awsId,
      format: findings.format,
      awsUpdatedAt: findings.awsUpdatedAt,
      assetId: findings.assetId,
      raw: findings.raw,
      writeBackAt: findings.writeBackAt,
    })
    .from(findings)
    .where(sql`${findings.id} = any(${findingIdsByIdentity(tenantId, identities)})`);
}

/**
 * In each de-duplication group the primary is the finding that counts (if any does), first
 * observed, then lowest id: stable as long as the group's members do not change.
 */
async function electGroupPrimaries(tx: Tx, tenantId: string, dedupKeys: string[]): Promise<void> {
  if (dedupKeys.length === 0) return;
  const keys = textArray(dedupKeys);
  // Index lookups only, however large a group grows: the winner of each group from the election
  // index, then the current primaries (a partial index) demoted, then the winners promoted.
  const winners = rowsOf<{ id: string }>(
    await tx.execute(sql`
      select p.id from unnest(${keys}) as k(key)
      cross join lateral (
        select id from ${findings}
         where tenant_id = ${tenantId} and dedup_key = k.key
         order by counted desc nulls last, first_observed_at, id
         limit 1
      ) as p`),
  ).map((row) => row.id);
  if (winners.length === 0) return;
  const ids = sql`array[${sql.join(
    winners.map((id) => sql`${id}`),
    sql`, `,
  )}]::uuid[]`;
  await tx.execute(sql`
    update ${findings} set is_primary = false
     where tenant_id = ${tenantId} and dedup_key = any(${keys}) and is_primary and id <> all(${ids})`);
  await tx.execute(sql`
    update ${findings} set is_primary = true
     where tenant_id = ${tenantId} and id = any(${ids}) and not is_primary`);
}

/** The columns a page writes: everything but what the database assigns. */
const FINDING_INSERT_KEYS = Object.keys(getTableColumns(findings)).filter(
  (key) => !['id', 'isPrimary', 'search', 'createdAt', 'updatedAt', 'writeBackAt'].includes(key),
);

/** Every column from the incoming row (`excluded`), except those that identify or date the row. */
const FINDING_OVERWRITE = sql.raw(
  [
    ...Object.entries(getTableColumns(findings))
      .filter(
        ([key]) =>
          ![
            'id',
            'tenantId',
            'productArn',
            'awsId',
            'createdAt',
            'isPrimary',
            'search',
            'updatedAt',
            'writeBackAt',
          ].includes(key),
      )
      .map(([, column]) => `"${column.name}" = excluded."${column.name}"`),
    '"updated_at" = now()',
  ].join(', '),
);

/** At one UpdatedAt: a new version in the same format, or the OCSF copy of an ASFF finding. */
function supersedesAtSameTime(incoming: string, stored: string): boolean {
  return incoming === stored || (incoming === 'OCSF' && stored === 'ASFF');
}

function writtenBackSince(before: StoredVersion, readAt: Date | undefined): boolean {
  return (
    readAt !== undefined && before.writeBackAt !== null && before.writeBackAt.getTime() >= readAt.getTime()
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A finding's identity as one string: (ProductArn, Id), as in Security Hub. */
export function identityKey(productArn: string, awsId: string): string {
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
