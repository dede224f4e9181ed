import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { rowsOf } from '../../src/db/json-rows.ts';
import { connectors, findingStatCells, findingStatDeltas, findings, tenants } from '../../src/db/schema.ts';
import { findingFilterCondition, statsFilterCondition } from '../../src/findings/filter.ts';
import { type IngestItem, ingestFindingsPage } from '../../src/findings/ingest.ts';
import type { FindingStatsModel } from '../../src/findings/model.ts';
import { compactFindingStats, findingStats, findingStatsFromSummary } from '../../src/findings/queries.ts';
import { foldFindingStatChanges } from '../../src/findings/service.ts';
import type { FindingFilter } from '../../src/generated/graphql.ts';
import { aConnectorRow, newTenant, openTestDatabase } from '../support/database.ts';
import { aControlFinding, anEc2Instance, aRealisticEstate } from '../support/factories.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// findingStats reads a maintained summary (finding_stat_cells plus the deltas triggers append);
// these tests hold it to what the findings themselves say, after every kind of write.

let database: Database;
let api: TestServer;

beforeAll(async () => {
  database = await openTestDatabase();
  api = await startTestServer(database);
});

afterAll(async () => {
  await api.close();
  await database.close();
});

const FILTERS: (FindingFilter | null)[] = [
  null,
  { recordStates: ['ACTIVE'] },
  { severityLabels: ['HIGH', 'CRITICAL'], awsAccountIds: ['111122223333', '777788889999'] },
  { counted: true, vanished: false },
  { complianceStatuses: ['FAILED'], workflowStatuses: ['NEW', 'NOTIFIED'] },
  { regions: ['eu-west-1'], productNames: ['Inspector', 'Security Hub'] },
];

const STATS_QUERY = `query Stats($filter: FindingFilter) { findingStats(filter: $filter) {
  total bySeverity { label count } byWorkflowStatus { status count }
  byProduct { value count } byAccount { value count } byRegion { value count } } }`;

/** What the API answers (from the summary) and what the findings say, for every filter. */
async function expectSummaryToMatchFindings(tenantId: string): Promise<void> {
  for (const filter of FILTERS) {
    const live = await findingStats(database.db, tenantId, findingFilterCondition(filter));
    // Before folding: the cells plus the appended changes.
    const unfolded = await findingStatsFromSummary(
      database.db,
      tenantId,
      (table) => statsFilterCondition(filter, table)!.condition,
    );
    expect(unfolded, JSON.stringify(filter)).toEqual(live);
    const response = await api.graphql<{ findingStats: FindingStatsModel }>(
      STATS_QUERY,
      { filter },
      { tenantId },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.findingStats, JSON.stringify(filter)).toEqual(live);
  }
}

async function deltaCount(tenantId: string): Promise<number> {
  const rows = await database.db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(findingStatDeltas)
    .where(eq(findingStatDeltas.tenantId, tenantId));
  return rows[0]!.n;
}

describe('findingStats from the maintained summary', () => {
  it('counts what the findings hold after ingests, updates, de-duplication, vanishing and deletes', async () => {
    const tenantId = await newTenant(database);
    const connectorId = await aConnectorRow(database, tenantId);
    const estate = [...aRealisticEstate({ findings: 400, seed: 7 })];
    const ingest = (page: IngestItem[]) => ingestFindingsPage(database.db, tenantId, page, { connectorId });
    for (let offset = 0; offset < estate.length; offset += 100)
      await ingest(estate.slice(offset, offset + 100));
    const live = await findingStats(database.db, tenantId, undefined);
    // The estate holds de-duplication groups: problems are fewer than findings.
    expect(live.total).toBeGreaterThan(0);
    expect(live.total).toBeLessThan(estate.length);
    expect(await deltaCount(tenantId)).toBeGreaterThan(0);
    await expectSummaryToMatchFindings(tenantId);
    // The API's read folded the changes in.
    expect(await deltaCount(tenantId)).toBe(0);

    // A sync brings newer copies: workflow, severity and record state move between cells.
    const changed = estate.slice(0, 150).map((item, index) => ({
      ...item,
      finding: {
        ...item.finding,
        workflowStatus: index % 2 === 0 ? 'RESOLVED' : 'NOTIFIED',
        severityLabel: 'CRITICAL',
        findingSeverity: 5,
        recordState: index % 5 === 0 ? 'ARCHIVED' : item.finding.recordState,
        awsUpdatedAt: new Date(item.finding.awsUpdatedAt.getTime() + 86_400_000),
      },
    }));
    await ingest(changed.slice(0, 100));
    await ingest(changed.slice(100));
    await expectSummaryToMatchFindings(tenantId);

    // A third standard reports a control already in a group, observed earlier: it becomes the
    // group's primary and the old primary stops counting.
    const grouped = estate.find(
      (item) => item.finding.dedupKey && item.finding.productName === 'Security Hub',
    )!;
    const earlier = aControlFinding({
      asset: grouped.assets[0],
      standard: 'nist-800-53/v/5.0.0',
      controlId: grouped.finding.generatorId.split('/').at(-1),
      firstObservedAt: new Date(grouped.finding.firstObservedAt.getTime() - 86_400_000),
    });
    await ingest([{ ...earlier, finding: { ...earlier.finding, dedupKey: grouped.finding.dedupKey } }]);
    await expectSummaryToMatchFindings(tenantId);

    // A full read no longer sees some: they vanish (and stop counting).
    await database.db
      .update(findings)
      .set({ vanishedAt: new Date(), counted: false })
      .where(
        and(
          eq(findings.tenantId, tenantId),
          inArray(
            findings.awsId,
            estate.slice(200, 260).map((item) => item.finding.awsId),
          ),
        ),
      );
    await expectSummaryToMatchFindings(tenantId);

    // Findings deleted outright, and the connector deleted (its findings keep no connector).
    await database.db.delete(findings).where(
      and(
        eq(findings.tenantId, tenantId),
        inArray(
          findings.awsId,
          estate.slice(300, 340).map((item) => item.finding.awsId),
        ),
      ),
    );
    await database.db.delete(connectors).where(eq(connectors.id, connectorId));
    await expectSummaryToMatchFindings(tenantId);
  });

  it('answers filters it does not hold (search, scores, dates) from the findings', async () => {
    const tenantId = await newTenant(database);
    await ingestFindingsPage(database.db, tenantId, [...aRealisticEstate({ findings: 60, seed: 3 })]);
    expect(statsFilterCondition({ search: 'glibc' }, findingStatCells)).toBeNull();
    expect(statsFilterCondition({ detectionScore: { min: 50 } }, findingStatCells)).toBeNull();
    expect(statsFilterCondition({ regions: ['eu-west-1'], counted: true }, findingStatCells)).not.toBeNull();
    for (const filter of [{ search: 'glibc' }, { detectionScore: { min: 50 } }, { exploitAvailable: true }]) {
      const response = await api.graphql<{ findingStats: FindingStatsModel }>(
        STATS_QUERY,
        { filter },
        { tenantId },
      );
      expect(response.errors).toBeUndefined();
      const live = await findingStats(database.db, tenantId, findingFilterCondition(filter));
      expect(live.total).toBeGreaterThan(0);
      expect(response.data!.findingStats).toEqual(live);
    }
  });

  it('stays exact while pages of one account and Region are ingested and read at the same time', async () => {
    const tenantId = await newTenant(database);
    const instance = anEc2Instance({ awsAccountId: '111122223333', region: 'us-east-1' });
    // Every page's findings fall into the same few cells: writers sharing counter rows would queue.
    const pages: IngestItem[][] = Array.from({ length: 8 }, (_, page) =>
      Array.from({ length: 50 }, (_, index) =>
        aControlFinding({ asset: instance, controlId: `EC2.${page * 50 + index}`, severity: 'HIGH' }),
      ),
    );
    await Promise.all([
      ...pages.map((page) => ingestFindingsPage(database.db, tenantId, page)),
      ...pages.map(() => compactFindingStats(database.db, tenantId)),
    ]);
    await expectSummaryToMatchFindings(tenantId);
  });

  it("vacuums the changes table after folding a bulk load's changes", async () => {
    const tenantId = await newTenant(database);
    const vacuums = async () => {
      const result = await database.db.execute(
        sql`select vacuum_count::int as n from pg_stat_user_tables where relname = 'finding_stat_deltas'`,
      );
      return Number((rowsOf<{ n: number }>(result)[0] ?? { n: 0 }).n);
    };
    // Changes as the triggers append them: one finding added and removed, over and over.
    const appendChanges = (count: number) =>
      database.db.execute(sql`insert into ${findingStatDeltas} (tenant_id, finding_severity, workflow_status,
          record_state, compliance_status, product_name, aws_account_id, region, connector_id, counted, vanished, delta)
        select ${tenantId}, 4, 'NEW', 'ACTIVE', 'FAILED', 'Security Hub', '111122223333', 'us-east-1', null, true,
               false, case when i % 2 = 0 then 1 else -1 end
          from generate_series(1, ${count}) as i`);
    const before = await vacuums();
    await appendChanges(100);
    await foldFindingStatChanges(database.db);
    expect(await deltaCount(tenantId)).toBe(0);
    await appendChanges(10_000);
    await foldFindingStatChanges(database.db);
    expect(await deltaCount(tenantId)).toBe(0);
    // Statistics reach the view within a second or so of the vacuum.
    await expect.poll(vacuums, { timeout: 10_000, interval: 200 }).toBeGreaterThan(before);
    expect((await findingStatsFromSummary(database.db, tenantId, () => undefined)).total).toBe(0);
  });

  it('lets a tenant be deleted with its findings and their summary', async () => {
    const tenantId = await newTenant(database);
    await ingestFindingsPage(database.db, tenantId, [...aRealisticEstate({ findings: 30, seed: 5 })]);
    await compactFindingStats(database.db, tenantId);
    await ingestFindingsPage(database.db, tenantId, [...aRealisticEstate({ findings: 10, seed: 6 })]);
    await database.db.delete(tenants).where(eq(tenants.id, tenantId));
    const left = await database.db
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(findingStatCells)
      .where(eq(findingStatCells.tenantId, tenantId));
    expect(left[0]!.n).toBe(0);
    expect(await deltaCount(tenantId)).toBe(0);
  });
});
