import { createHash } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db, Executor, Tx } from '../db/client.ts';
import { textArray } from '../db/filter-helpers.ts';
import { type ConnectionModel, dateKey, type KeysetOrder, type PageArgs, paginate } from '../db/keyset.ts';
import {
  assets,
  connectorCursors,
  findingRejects,
  findings,
  type RunRow,
  type RunSliceRow,
  runSlices,
  runs,
} from '../db/schema.ts';
import { rowsByIds, tablePageSource } from '../db/tenant-queries.ts';
import { findingIdsByIdentity } from '../findings/queries.ts';
import type { Reject } from '../mapping/map-finding.ts';
import { ACTIVE_RUN_STATUSES, type RunStatus } from './model.ts';

// Every SQL statement about runs, their slices and connectors' cursors. Each is scoped to a tenant,
// except the few the job engine's worker issues before it knows one (by job id), marked so.

export type { RunRow, RunSliceRow };

/** A newer attempt took the run over, or the run was cancelled: this worker must stop writing. */
export class RunFencedError extends Error {
  constructor(runId: string, attempt: number) {
    super(
      `Run ${runId} is no longer owned by attempt ${attempt} (cancelled, or taken over by another worker).`,
    );
    this.name = 'RunFencedError';
  }
}

export async function insertRun(tx: Executor, values: typeof runs.$inferInsert): Promise<RunRow> {
  const [row] = await tx.insert(runs).values(values).returning();
  return row!;
}

/** Not tenant-scoped: the worker reads the run its job names, and takes the tenant from it. */
export async function runByJobId(db: Executor, jobId: string): Promise<RunRow | undefined> {
  const [row] = await db.select().from(runs).where(eq(runs.jobId, jobId));
  return row;
}

export function runsByIds(db: Executor, tenantId: string, ids: readonly string[]): Promise<RunRow[]> {
  return rowsByIds(db, runs, tenantId, ids);
}

/** The connector's run that is queued or running, if any. */
export async function activeRunOf(
  db: Executor,
  tenantId: string,
  connectorId: string,
): Promise<RunRow | undefined> {
  const [row] = await db
    .select()
    .from(runs)
    .where(
      and(
        eq(runs.tenantId, tenantId),
        eq(runs.connectorId, connectorId),
        inArray(runs.status, ACTIVE_RUN_STATUSES),
      ),
    )
    .orderBy(desc(runs.createdAt))
    .limit(1);
  return row;
}

/** The queued or running runs of these connectors, in one statement. */
export function activeRunsOf(
  db: Executor,
  tenantId: string,
  connectorIds: readonly string[],
): Promise<RunRow[]> {
  return db
    .select()
    .from(runs)
    .where(
      and(
        eq(runs.tenantId, tenantId),
        inArray(runs.connectorId, [...connectorIds]),
        inArray(runs.status, ACTIVE_RUN_STATUSES),
      ),
    );
}

/**
 * Takes the run for this job attempt: locks the row (waiting for pages the previous attempt is
 * committing) and records the attempt, so any older attempt still alive is fenced off from now on.
 */
export async function claimRun(
  tx: Tx,
  runId: string,
  attempt: number,
  worker: string,
  now: Date,
): Promise<RunRow | undefined> {
  const [current] = await tx.select().from(runs).where(eq(runs.id, runId)).for('update');
  if (!current) return undefined;
  if (!ACTIVE_RUN_STATUSES.includes(current.status as RunStatus)) return current;
  const [row] = await tx
    .update(runs)
    .set({
      attempt,
      worker,
      ...(current.cancelRequestedAt ? {} : { status: 'RUNNING' }),
      startedAt: current.startedAt ?? now,
      windowEnd: current.windowEnd ?? now,
      updatedAt: now,
    })
    .where(eq(runs.id, runId))
    .returning();
  return row;
}

/**
 * Inside a page's transaction: proceeds only while this attempt still owns the running run. The
 * share lock holds off a takeover (claimRun's update) until this page has committed.
 */
export async function assertRunOwned(tx: Tx, runId: string, attempt: number): Promise<void> {
  const rows = await tx
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        eq(runs.id, runId),
        eq(runs.attempt, attempt),
        eq(runs.status, 'RUNNING'),
        isNull(runs.cancelRequestedAt),
      ),
    )
    .for('share');
  if (rows.length === 0) throw new RunFencedError(runId, attempt);
}

/** The run's row, locked for the rest of the transaction (its outcome is read-modify-write). */
export async function lockRun(tx: Tx, runId: string): Promise<RunRow | undefined> {
  const [row] = await tx.select().from(runs).where(eq(runs.id, runId)).for('update');
  return row;
}

/** Whether a run of the connector finished after `since` (a queued schedule tick is then stale). */
export async function runFinishedSince(
  db: Executor,
  tenantId: string,
  connectorId: string,
  since: Date,
): Promise<boolean> {
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        eq(runs.tenantId, tenantId),
        eq(runs.connectorId, connectorId),
        gte(runs.finishedAt, since),
        eq(runs.status, 'SUCCEEDED'),
      ),
    )
    .limit(1);
  return rows.length > 0;
}

/** Whether the connector ever completed a run (its state after a cancelled one is then PROCESSED). */
export async function hasSucceededRun(db: Executor, tenantId: string, connectorId: string): Promise<boolean> {
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.tenantId, tenantId), eq(runs.connectorId, connectorId), eq(runs.status, 'SUCCEEDED')))
    .limit(1);
  return rows.length > 0;
}

export async function updateRun(
  db: Executor,
  runId: string,
  values: Partial<typeof runs.$inferInsert>,
): Promise<RunRow | undefined> {
  const [row] = await db.update(runs).set(values).where(eq(runs.id, runId)).returning();
  return row;
}

/** Marks a cancel request; the worker sees it at its next page and stops. */
export async function requestRunCancel(
  db: Executor,
  tenantId: string,
  runId: string,
  now: Date,
): Promise<RunRow | undefined> {
  const [row] = await db
    .update(runs)
    .set({
      cancelRequestedAt: sql`coalesce(${runs.cancelRequestedAt}, ${now.toISOString()}::timestamptz)`,
      updatedAt: now,
    })
    .where(and(eq(runs.tenantId, tenantId), eq(runs.id, runId), inArray(runs.status, ACTIVE_RUN_STATUSES)))
    .returning();
  return row;
}

export function slicesOfRun(db: Executor, runId: string): Promise<RunSliceRow[]> {
  return db.select().from(runSlices).where(eq(runSlices.runId, runId)).orderBy(asc(runSlices.slice));
}

export function slicesByRunIds(
  db: Executor,
  tenantId: string,
  runIds: readonly string[],
): Promise<RunSliceRow[]> {
  if (runIds.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(runSlices)
    .where(and(eq(runSlices.tenantId, tenantId), inArray(runSlices.runId, [...runIds])))
    .orderBy(asc(runSlices.slice));
}

export async function insertSlices(tx: Executor, rows: (typeof runSlices.$inferInsert)[]): Promise<void> {
  if (rows.length > 0) await tx.insert(runSlices).values(rows);
}

export async function saveSlice(
  tx: Executor,
  runId: string,
  slice: string,
  values: Partial<typeof runSlices.$inferInsert>,
): Promise<void> {
  await tx
    .update(runSlices)
    .set({ ...values, updatedAt: new Date() })
    .where(and(eq(runSlices.runId, runId), eq(runSlices.slice, slice)));
}

export async function cursorsOf(db: Executor, tenantId: string, connectorId: string) {
  return db
    .select()
    .from(connectorCursors)
    .where(and(eq(connectorCursors.tenantId, tenantId), eq(connectorCursors.connectorId, connectorId)));
}

export async function saveCursor(
  tx: Executor,
  values: {
    tenantId: string;
    connectorId: string;
    stream: string;
    cursorAt: Date;
    scopeHash: string;
    runId: string;
  },
): Promise<void> {
  await tx
    .insert(connectorCursors)
    .values(values)
    .onConflictDoUpdate({
      target: [connectorCursors.connectorId, connectorCursors.stream],
      // Never backwards: a late, older run finishing after a newer one keeps the newer cursor.
      set: {
        cursorAt: sql`case when ${connectorCursors.scopeHash} = excluded.scope_hash then greatest(${connectorCursors.cursorAt}, excluded.cursor_at) else excluded.cursor_at end`,
        scopeHash: sql`excluded.scope_hash`,
        runId: sql`excluded.run_id`,
        updatedAt: sql`now()`,
      },
    });
}

/** Malformed findings, kept with their reason; one row per distinct finding, however often it is read. */
export async function saveRejects(
  tx: Tx,
  tenantId: string,
  connectorId: string,
  runId: string,
  rejects: readonly { reject: Reject; raw: unknown }[],
  now: Date,
): Promise<void> {
  if (rejects.length === 0) return;
  const rows = new Map(
    rejects.map(({ reject, raw }) => {
      const fingerprint = createHash('sha256')
        .update(JSON.stringify(raw ?? null))
        .digest('hex');
      return [
        fingerprint,
        {
          tenantId,
          connectorId,
          runId,
          productArn: reject.productArn ?? null,
          awsId: reject.awsId ?? null,
          reason: reject.reason,
          problems: reject.problems,
          raw: raw ?? null,
          fingerprint,
          lastSeenAt: now,
        },
      ];
    }),
  );
  await tx
    .insert(findingRejects)
    .values([...rows.values()])
    .onConflictDoUpdate({
      target: [findingRejects.tenantId, findingRejects.fingerprint],
      set: {
        runId: sql`excluded.run_id`,
        connectorId: sql`excluded.connector_id`,
        reason: sql`excluded.reason`,
        problems: sql`excluded.problems`,
        seenCount: sql`${findingRejects.seenCount} + 1`,
        lastSeenAt: sql`excluded.last_seen_at`,
      },
    });
}

/** Stamps findings a full read saw unchanged, so the ones it did not see can be told apart. */
export async function markSeen(
  tx: Tx,
  tenantId: string,
  identities: readonly { productArn: string; awsId: string }[],
  at: Date,
): Promise<void> {
  if (identities.length === 0) return;
  await tx.execute(sql`
    update ${findings} set last_synced_at = ${at.toISOString()}::timestamptz
     where id = any(${findingIdsByIdentity(tenantId, identities)})
       and (last_synced_at is null or last_synced_at < ${at.toISOString()}::timestamptz)`);
}

/**
 * After a complete read of a stream: the connector's findings in its Regions that the read did not
 * see are gone from Security Hub (expired 90 days after their last update, or deleted).
 */
export async function markVanished(
  tx: Tx,
  tenantId: string,
  connectorId: string,
  regions: readonly string[],
  readStartedAt: Date,
  now: Date,
): Promise<{ id: string; assetId: string | null; dedupKey: string | null }[]> {
  return tx
    .update(findings)
    .set({ vanishedAt: now, counted: false, updatedAt: now })
    .where(
      and(
        eq(findings.tenantId, tenantId),
        eq(findings.connectorId, connectorId),
        inArray(findings.region, [...regions]),
        isNull(findings.vanishedAt),
        or(isNull(findings.lastSyncedAt), lt(findings.lastSyncedAt, readStartedAt)),
      ),
    )
    .returning({ id: findings.id, assetId: findings.assetId, dedupKey: findings.dedupKey });
}

/** Groups and assets of the connector's findings a run wrote in these Regions (at or after `since`). */
export async function touchedSince(
  db: Executor,
  tenantId: string,
  connectorId: string,
  regions: readonly string[],
  since: Date,
): Promise<{ dedupKeys: string[]; assetIds: string[] }> {
  const rows = await db
    .selectDistinct({ assetId: findings.assetId, dedupKey: findings.dedupKey })
    .from(findings)
    .where(
      and(
        eq(findings.tenantId, tenantId),
        eq(findings.connectorId, connectorId),
        inArray(findings.region, [...regions]),
        gte(findings.lastSyncedAt, since),
      ),
    );
  return {
    dedupKeys: [...new Set(rows.flatMap((row) => (row.dedupKey ? [row.dedupKey] : [])))],
    assetIds: [...new Set(rows.flatMap((row) => (row.assetId ? [row.assetId] : [])))],
  };
}

/** The assets a connector's inventory read (GetResourcesV2) upserted in these Regions since `since`. */
export async function inventoriedSince(
  db: Executor,
  tenantId: string,
  connectorId: string,
  regions: readonly string[],
  since: Date,
): Promise<string[]> {
  const rows = await db
    .select({ id: assets.id })
    .from(assets)
    .where(inventoried(tenantId, connectorId, regions, since));
  return rows.map((row) => row.id);
}

/**
 * Those assets with Security Hub's count of their open findings (over these Regions' inventories)
 * beside Hubgraph's: findings on the asset (from any connector: Security Hub counts every
 * product's) that are active and not gone.
 */
export async function findingCountsOfInventoried(
  db: Executor,
  tenantId: string,
  connectorId: string,
  regions: readonly string[],
  since: Date,
): Promise<
  {
    resourceArn: string;
    awsAccountId: string | null;
    region: string | null;
    securityHub: number;
    ours: number;
  }[]
> {
  const regionList = textArray(regions);
  const rows = await db
    .select({
      resourceArn: assets.resourceArn,
      awsAccountId: assets.awsAccountId,
      region: assets.region,
      // Spelled out: drizzle leaves a select's own columns unqualified, which the subqueries would
      // take for their own.
      securityHub: sql<number>`(select coalesce(sum(value::int), 0)::int
        from jsonb_each_text("assets"."security_hub_finding_counts") where key = any(${regionList}))`,
      ours: sql<number>`(select count(*)::int from ${findings} f
        where f.tenant_id = ${tenantId} and f.asset_id = "assets"."id"
          and f.record_state = 'ACTIVE' and f.vanished_at is null)`,
    })
    .from(assets)
    .where(
      and(
        inventoried(tenantId, connectorId, regions, since),
        sql`${assets.securityHubFindingCounts} is not null`,
      ),
    )
    .orderBy(assets.identityKey);
  return rows.map((row) => ({ ...row, securityHub: Number(row.securityHub), ours: Number(row.ours) }));
}

function inventoried(tenantId: string, connectorId: string, regions: readonly string[], since: Date) {
  return and(
    eq(assets.tenantId, tenantId),
    eq(assets.connectorId, connectorId),
    inArray(assets.region, [...regions]),
    gte(assets.inventoriedAt, since),
  );
}

/** Newest run first. */
const runOrder: KeysetOrder<RunRow> = {
  name: 'CREATED_AT',
  direction: 'DESC',
  keys: [
    dateKey(sql`${runs.createdAt}`, (row) => row.createdAt),
    { expression: sql`${runs.id}`, type: 'uuid', read: (row) => row.id },
  ],
};

export function listRuns(
  db: Executor,
  tenantId: string,
  connectorId: string,
  args: PageArgs,
): Promise<ConnectionModel<RunRow>> {
  const where = and(eq(runs.tenantId, tenantId), eq(runs.connectorId, connectorId));
  return paginate(args, runOrder, tablePageSource(db, runs, where));
}

/** Runs of a queue that still look alive, of every tenant: the worker checks them against their jobs. */
export function unfinishedRuns(db: Db, queue: string): Promise<RunRow[]> {
  return db
    .select()
    .from(runs)
    .where(and(inArray(runs.status, ACTIVE_RUN_STATUSES), eq(runs.queue, queue)));
}
