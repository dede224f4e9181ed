import { and, asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Executor, Tx } from '../db/client.ts';
import { connectors, findings, findingUpdateItems, findingUpdates } from '../db/schema.ts';
import type { FindingsUpdateCounts } from './model.ts';

// The write-back outbox: a request and its findings, each finding's answer from Security Hub.

/** How many findings one request may select. */
export const MAX_FINDINGS_PER_REQUEST = 10_000;

export interface SelectedFinding {
  id: string;
  connectorId: string | null;
  writeBackEnabled: boolean | null;
  connectorName: string | null;
  awsAccountId: string;
  region: string;
  productArn: string;
  awsId: string;
  /** The format it was last read in: OCSF findings are written back through BatchUpdateFindingsV2. */
  format: string;
}

/** The findings a request selects, with their connector's write-back switch; at most `limit`. */
export function selectFindings(
  db: Executor,
  tenantId: string,
  condition: SQL | undefined,
  limit: number,
): Promise<SelectedFinding[]> {
  return db
    .select({
      id: findings.id,
      connectorId: findings.connectorId,
      writeBackEnabled: connectors.writeBackEnabled,
      connectorName: connectors.name,
      awsAccountId: findings.awsAccountId,
      region: findings.region,
      productArn: findings.productArn,
      awsId: findings.awsId,
      format: findings.format,
    })
    .from(findings)
    .leftJoin(connectors, eq(connectors.id, findings.connectorId))
    .where(and(eq(findings.tenantId, tenantId), condition))
    .orderBy(asc(findings.id))
    .limit(limit);
}

export async function insertRequest(
  tx: Tx,
  tenantId: string,
  id: string,
  requestedBy: string | null,
  changes: Record<string, unknown>,
  selected: readonly SelectedFinding[],
): Promise<string> {
  const [request] = await tx
    .insert(findingUpdates)
    .values({ id, tenantId, requestedBy, changes })
    .returning({ id: findingUpdates.id });
  for (let i = 0; i < selected.length; i += 1_000)
    await tx.insert(findingUpdateItems).values(
      selected.slice(i, i + 1_000).map((finding) => ({
        requestId: request!.id,
        tenantId,
        findingId: finding.id,
        connectorId: finding.connectorId,
        awsAccountId: finding.awsAccountId,
        region: finding.region,
        productArn: finding.productArn,
        awsId: finding.awsId,
      })),
    );
  return request!.id;
}

/** Whether a request id is taken (by any tenant: ids are global). */
export async function requestExists(db: Executor, id: string): Promise<boolean> {
  const [row] = await db
    .select({ id: findingUpdates.id })
    .from(findingUpdates)
    .where(eq(findingUpdates.id, id));
  return row !== undefined;
}

/** How many of a request's findings are processed, unprocessed and still pending. */
export async function countsOf(db: Executor, requestId: string): Promise<FindingsUpdateCounts> {
  const rows = await db
    .select({ status: findingUpdateItems.status, n: sql<number>`count(*)::int` })
    .from(findingUpdateItems)
    .where(eq(findingUpdateItems.requestId, requestId))
    .groupBy(findingUpdateItems.status);
  const of = (status: string) => Number(rows.find((row) => row.status === status)?.n ?? 0);
  return {
    total: rows.reduce((sum, row) => sum + Number(row.n), 0),
    processedCount: of('PROCESSED'),
    unprocessedCount: of('UNPROCESSED'),
    pendingCount: of('PENDING'),
  };
}

export async function requestById(db: Executor, tenantId: string, id: string) {
  const [row] = await db
    .select()
    .from(findingUpdates)
    .where(and(eq(findingUpdates.tenantId, tenantId), eq(findingUpdates.id, id)));
  return row;
}

export function itemsOf(db: Executor, tenantId: string, requestId: string, status?: string) {
  return db
    .select()
    .from(findingUpdateItems)
    .where(
      and(
        eq(findingUpdateItems.tenantId, tenantId),
        eq(findingUpdateItems.requestId, requestId),
        status ? eq(findingUpdateItems.status, status) : undefined,
      ),
    )
    .orderBy(asc(findingUpdateItems.findingId));
}

export async function markItems(
  tx: Tx,
  requestId: string,
  findingIds: readonly string[],
  values: { status: string; errorCode?: string | null; errorMessage?: string | null; attempted: boolean },
): Promise<void> {
  if (findingIds.length === 0) return;
  await tx
    .update(findingUpdateItems)
    .set({
      status: values.status,
      errorCode: values.errorCode ?? null,
      errorMessage: values.errorMessage ?? null,
      ...(values.attempted ? { attempts: sql`${findingUpdateItems.attempts} + 1` } : {}),
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(findingUpdateItems.requestId, requestId),
        inArray(findingUpdateItems.findingId, [...findingIds]),
      ),
    );
}

/** Shows the request is alive (a worker resumes only requests idle for a while). */
export async function touchRequest(tx: Tx, requestId: string): Promise<void> {
  await tx.update(findingUpdates).set({ updatedAt: sql`now()` }).where(eq(findingUpdates.id, requestId));
}

/** Marks a request done; false when it already was (another worker finished it). */
export async function finishRequest(tx: Tx, requestId: string): Promise<boolean> {
  const rows = await tx
    .update(findingUpdates)
    .set({ status: 'DONE', finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(findingUpdates.id, requestId), eq(findingUpdates.status, 'PENDING')))
    .returning({ id: findingUpdates.id });
  return rows.length > 0;
}

/** Locks and reads the findings a chunk's answer changes (their raw document included). */
export function findingsForUpdate(tx: Tx, tenantId: string, ids: readonly string[]) {
  return tx
    .select({
      id: findings.id,
      connectorId: findings.connectorId,
      assetId: findings.assetId,
      dedupKey: findings.dedupKey,
      format: findings.format,
      raw: findings.raw,
    })
    .from(findings)
    .where(and(eq(findings.tenantId, tenantId), inArray(findings.id, [...ids])))
    .orderBy(asc(findings.id))
    .for('update');
}

export async function writeFindingRaw(
  tx: Tx,
  tenantId: string,
  id: string,
  raw: Record<string, unknown>,
  writeBackAt: Date,
): Promise<void> {
  await tx
    .update(findings)
    .set({ raw, writeBackAt, updatedAt: sql`now()` })
    .where(and(eq(findings.tenantId, tenantId), eq(findings.id, id)));
}

/** How Security Hub's new API names a stored OCSF finding (BatchUpdateFindingsV2's FindingIdentifier). */
export interface OcsfTarget {
  CloudAccountUid: string | null;
  FindingInfoUid: string | null;
  MetadataProductUid: string | null;
}

/**
 * Each finding's format now, and for an OCSF one its V2 identifier from the document AWS sent:
 * which API a pending item goes through is decided when it is sent, by what the finding was last
 * read as.
 */
export async function routesOf(
  db: Executor,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, { format: string; target: OcsfTarget | null }>> {
  const routes = new Map<string, { format: string; target: OcsfTarget | null }>();
  for (let i = 0; i < ids.length; i += 1_000) {
    const rows = await db
      .select({
        id: findings.id,
        format: findings.format,
        account: sql<string | null>`${findings.raw} #>> '{cloud,account,uid}'`,
        findingInfoUid: sql<string | null>`${findings.raw} #>> '{finding_info,uid}'`,
        productUid: sql<string | null>`${findings.raw} #>> '{metadata,product,uid}'`,
      })
      .from(findings)
      .where(and(eq(findings.tenantId, tenantId), inArray(findings.id, ids.slice(i, i + 1_000))));
    for (const row of rows)
      routes.set(row.id, {
        format: row.format,
        target:
          row.format === 'OCSF'
            ? {
                CloudAccountUid: row.account,
                FindingInfoUid: row.findingInfoUid,
                MetadataProductUid: row.productUid,
              }
            : null,
      });
  }
  return routes;
}
