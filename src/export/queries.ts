import { and, asc, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Executor, Tx } from '../db/client.ts';
import { type ConnectionModel, dateKey, type KeysetOrder, type PageArgs, paginate } from '../db/keyset.ts';
import {
  exportedFindings,
  type FindingExportItemRow,
  type FindingExportRow,
  findingExportItems,
  findingExports,
  findings,
} from '../db/schema.ts';
import { rowsByIds, tablePageSource } from '../db/tenant-queries.ts';
import type { ExportCounts, ExportFailedFindingModel, ExportRegionState } from './model.ts';

// The export outbox: an export, its findings (each with Security Hub's answer), and what each
// connector's latest export sent per generator (what `archivePrevious` compares against).

/** How many findings one export may send. */
export const MAX_FINDINGS_PER_EXPORT = 10_000;

export type NewExportItem = Omit<FindingExportItemRow, 'exportId' | 'tenantId' | 'attempts' | 'updatedAt'>;

export async function insertExport(
  tx: Tx,
  values: typeof findingExports.$inferInsert,
  items: readonly NewExportItem[],
): Promise<FindingExportRow> {
  const [row] = await tx.insert(findingExports).values(values).returning();
  for (let i = 0; i < items.length; i += 500)
    await tx
      .insert(findingExportItems)
      .values(
        items.slice(i, i + 500).map((item) => ({ ...item, exportId: row!.id, tenantId: row!.tenantId })),
      );
  return row!;
}

export async function exportById(db: Executor, tenantId: string, id: string) {
  return (await rowsByIds<FindingExportRow>(db, findingExports, tenantId, [id]))[0];
}

export function exportsByIds(db: Executor, tenantId: string, ids: readonly string[]) {
  return rowsByIds<FindingExportRow>(db, findingExports, tenantId, ids);
}

export async function exportByIdempotencyKey(db: Executor, tenantId: string, key: string) {
  const [row] = await db
    .select()
    .from(findingExports)
    .where(and(eq(findingExports.tenantId, tenantId), eq(findingExports.idempotencyKey, key)));
  return row;
}

/** The connector's most recent export. */
export async function latestExportOf(db: Executor, tenantId: string, connectorId: string) {
  const [row] = await db
    .select()
    .from(findingExports)
    .where(and(eq(findingExports.tenantId, tenantId), eq(findingExports.connectorId, connectorId)))
    .orderBy(desc(findingExports.createdAt), desc(findingExports.id))
    .limit(1);
  return row;
}

const exportOrder: KeysetOrder<FindingExportRow> = {
  name: 'CREATED_AT',
  direction: 'DESC',
  keys: [
    dateKey(sql`${findingExports.createdAt}`, (row) => row.createdAt),
    { expression: sql`${findingExports.id}`, type: 'uuid', read: (row) => row.id },
  ],
};

export function listExports(
  db: Executor,
  tenantId: string,
  connectorId: string | undefined,
  args: PageArgs,
): Promise<ConnectionModel<FindingExportRow>> {
  const where = and(
    eq(findingExports.tenantId, tenantId),
    connectorId === undefined ? undefined : eq(findingExports.connectorId, connectorId),
  );
  return paginate(args, exportOrder, tablePageSource(db, findingExports, where));
}

type FailedRow = Pick<
  FindingExportItemRow,
  'seq' | 'awsId' | 'productArn' | 'region' | 'errorCode' | 'errorMessage' | 'archive' | 'findingId'
>;

const failedColumns = {
  seq: findingExportItems.seq,
  awsId: findingExportItems.awsId,
  productArn: findingExportItems.productArn,
  region: findingExportItems.region,
  errorCode: findingExportItems.errorCode,
  errorMessage: findingExportItems.errorMessage,
  archive: findingExportItems.archive,
  findingId: findingExportItems.findingId,
};

export function failedModel(row: FailedRow): ExportFailedFindingModel {
  return {
    seq: row.seq,
    id: row.awsId,
    productArn: row.productArn,
    region: row.region,
    errorCode: row.errorCode ?? 'Unknown',
    errorMessage: row.errorMessage ?? '',
    archive: row.archive,
    findingId: row.findingId,
  };
}

const failedOrder: KeysetOrder<FailedRow> = {
  name: 'SEQ',
  direction: 'ASC',
  keys: [{ expression: sql`${findingExportItems.seq}`, type: 'int', read: (row) => row.seq }],
};

export async function listFailedFindings(
  db: Executor,
  tenantId: string,
  exportId: string,
  args: PageArgs,
): Promise<ConnectionModel<ExportFailedFindingModel>> {
  const where = and(
    eq(findingExportItems.tenantId, tenantId),
    eq(findingExportItems.exportId, exportId),
    eq(findingExportItems.status, 'FAILED'),
  );
  const page = await paginate(
    args,
    failedOrder,
    tablePageSource<FailedRow>(db, findingExportItems, where, failedColumns),
  );
  const edges = page.edges.map((edge) => ({ cursor: edge.cursor, node: failedModel(edge.node) }));
  return { ...page, edges, nodes: edges.map((edge) => edge.node) };
}

export async function failedItemsBySeq(db: Executor, exportId: string, seqs: readonly number[]) {
  if (seqs.length === 0) return [];
  const rows = await db
    .select(failedColumns)
    .from(findingExportItems)
    .where(
      and(
        eq(findingExportItems.exportId, exportId),
        inArray(findingExportItems.seq, [...seqs]),
        eq(findingExportItems.status, 'FAILED'),
      ),
    )
    .orderBy(asc(findingExportItems.seq));
  return rows.map(failedModel);
}

/** Counts per export (one statement for many): by status, and how many are ARCHIVED copies. */
export async function countsByExportIds(
  db: Executor,
  exportIds: readonly string[],
): Promise<Map<string, ExportCounts & { archivedCount: number }>> {
  const rows =
    exportIds.length === 0
      ? []
      : await db
          .select({
            exportId: findingExportItems.exportId,
            status: findingExportItems.status,
            archive: findingExportItems.archive,
            n: sql<number>`count(*)::int`,
          })
          .from(findingExportItems)
          .where(inArray(findingExportItems.exportId, [...exportIds]))
          .groupBy(findingExportItems.exportId, findingExportItems.status, findingExportItems.archive);
  const counts = new Map<string, ExportCounts & { archivedCount: number }>();
  for (const id of exportIds)
    counts.set(id, { totalCount: 0, succeededCount: 0, failedCount: 0, pendingCount: 0, archivedCount: 0 });
  for (const row of rows) {
    const entry = counts.get(row.exportId)!;
    const n = Number(row.n);
    entry.totalCount += n;
    if (row.archive) entry.archivedCount += n;
    if (row.status === 'SUCCEEDED') entry.succeededCount += n;
    else if (row.status === 'FAILED') entry.failedCount += n;
    else entry.pendingCount += n;
  }
  return counts;
}

export async function countsOf(db: Executor, exportId: string): Promise<ExportCounts> {
  const { archivedCount: _, ...counts } = (await countsByExportIds(db, [exportId])).get(exportId)!;
  return counts;
}

/** Findings routed to each Region, per export. */
export async function regionCountsOf(db: Executor, exportId: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ region: findingExportItems.region, n: sql<number>`count(*)::int` })
    .from(findingExportItems)
    .where(eq(findingExportItems.exportId, exportId))
    .groupBy(findingExportItems.region);
  return new Map(rows.flatMap((row) => (row.region ? [[row.region, Number(row.n)] as const] : [])));
}

export function pendingItems(db: Executor, exportId: string): Promise<FindingExportItemRow[]> {
  return db
    .select()
    .from(findingExportItems)
    .where(and(eq(findingExportItems.exportId, exportId), eq(findingExportItems.status, 'PENDING')))
    .orderBy(asc(findingExportItems.seq));
}

export async function markItems(
  tx: Tx,
  exportId: string,
  seqs: readonly number[],
  values: { status: string; errorCode?: string | null; errorMessage?: string | null; attempted: boolean },
): Promise<void> {
  if (seqs.length === 0) return;
  await tx
    .update(findingExportItems)
    .set({
      status: values.status,
      errorCode: values.errorCode ?? null,
      errorMessage: values.errorMessage ?? null,
      ...(values.attempted ? { attempts: sql`${findingExportItems.attempts} + 1` } : {}),
      updatedAt: sql`now()`,
    })
    .where(and(eq(findingExportItems.exportId, exportId), inArray(findingExportItems.seq, [...seqs])));
}

/** Records a Region's answer and shows the export is alive (a worker resumes only idle exports). */
export async function touchExport(tx: Tx, exportId: string, regions?: ExportRegionState[]): Promise<void> {
  await tx
    .update(findingExports)
    .set({ updatedAt: sql`now()`, ...(regions ? { regions } : {}) })
    .where(eq(findingExports.id, exportId));
}

/** Marks an export done; false when it already was (another worker finished it). */
export async function finishExport(tx: Tx, exportId: string): Promise<boolean> {
  const rows = await tx
    .update(findingExports)
    .set({ status: 'DONE', finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(findingExports.id, exportId), eq(findingExports.status, 'PENDING')))
    .returning({ id: findingExports.id });
  return rows.length > 0;
}

/** What the connector's latest exports of these generators sent. */
export async function previouslyExported(
  tx: Tx,
  tenantId: string,
  connectorId: string,
  generatorIds: readonly string[],
) {
  if (generatorIds.length === 0) return [];
  return tx
    .select()
    .from(exportedFindings)
    .where(
      and(
        eq(exportedFindings.tenantId, tenantId),
        eq(exportedFindings.connectorId, connectorId),
        inArray(exportedFindings.generatorId, [...generatorIds]),
      ),
    );
}

/** The findings this export sends become the connector's latest of their generators. */
export async function replaceExported(
  tx: Tx,
  tenantId: string,
  connectorId: string,
  exportId: string,
  sent: readonly {
    generatorId: string;
    productArn: string;
    awsId: string;
    region: string;
    document: Record<string, unknown>;
  }[],
): Promise<void> {
  const generators = [...new Set(sent.map((item) => item.generatorId))];
  if (generators.length === 0) return;
  await tx
    .delete(exportedFindings)
    .where(
      and(
        eq(exportedFindings.tenantId, tenantId),
        eq(exportedFindings.connectorId, connectorId),
        inArray(exportedFindings.generatorId, generators),
      ),
    );
  for (let i = 0; i < sent.length; i += 500)
    await tx
      .insert(exportedFindings)
      .values(sent.slice(i, i + 500).map((item) => ({ ...item, tenantId, connectorId, exportId })))
      .onConflictDoNothing();
}

export interface StoredFindingForExport {
  id: string;
  productArn: string;
  raw: Record<string, unknown>;
}

/** Findings of the tenant (raw ASFF included), at most `limit`, in id order. */
export function findingsForExport(
  db: Executor,
  tenantId: string,
  condition: SQL | undefined,
  limit: number,
): Promise<StoredFindingForExport[]> {
  return db
    .select({ id: findings.id, productArn: findings.productArn, raw: findings.raw })
    .from(findings)
    .where(and(eq(findings.tenantId, tenantId), condition))
    .orderBy(asc(findings.id))
    .limit(limit);
}
