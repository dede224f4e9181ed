import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import type { KeysetOrder } from '../../src/db/keyset.ts';
import { findingFilterCondition } from '../../src/findings/filter.ts';
import { type IngestItem, ingestFindingsPage } from '../../src/findings/ingest.ts';
import type { FindingModel } from '../../src/findings/model.ts';
import {
  findingOrder,
  findingStats,
  listFindings,
  sortedAfterFiltering,
} from '../../src/findings/queries.ts';
import { parseGlobalId } from '../../src/global-id.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import {
  aContainerImage,
  aControlFinding,
  aGuardDutyFinding,
  anEc2Instance,
  anInspectorEc2Finding,
  anInspectorEcrFinding,
  type Label,
} from '../support/factories.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const LABELS: Label[] = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const WORKFLOWS = ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'] as const;
const ACCOUNTS = ['111122223333', '444455556666'];
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];

let database: Database;
let api: TestServer;
let tenantId: string;
let items: IngestItem[];

/** A varied set: every filterable attribute takes several values, scores repeat (tie-breaks matter). */
function buildDataSet(): IngestItem[] {
  const built: IngestItem[] = [];
  const sharedInstance = anEc2Instance({
    awsAccountId: ACCOUNTS[0],
    region: REGIONS[0],
    name: 'shared-host',
  });
  for (let i = 0; i < 48; i++) {
    const severity = LABELS[i % 5]!;
    const account = ACCOUNTS[i % 2]!;
    const region = REGIONS[i % 3]!;
    const common = {
      severity,
      awsAccountId: account,
      region,
      detectionScore: [0, 15, 50, 50, 75, 95][i % 6]!,
      workflowStatus: WORKFLOWS[i % 4]!,
      recordState: i % 7 === 0 ? 'ARCHIVED' : 'ACTIVE',
      exploitAvailable: i % 3 === 0 ? 'YES' : 'NO',
      fixAvailable: (['YES', 'NO', 'PARTIAL'] as const)[i % 3]!,
      firstObservedAt: new Date(Date.UTC(2026, 8, 1 + (i % 20))),
      lastObservedAt: new Date(Date.UTC(2026, 9, 1 + (i % 25))),
      awsUpdatedAt: new Date(Date.UTC(2026, 9, 2 + (i % 17), i)),
      counted: i % 4 < 2,
    };
    const kind = i % 4;
    if (kind === 0) {
      const asset = i % 8 === 0 ? sharedInstance : anEc2Instance({ awsAccountId: account, region });
      built.push(anInspectorEc2Finding({ ...common, asset }));
    } else if (kind === 1) {
      built.push(
        anInspectorEcrFinding({ ...common, asset: aContainerImage({ awsAccountId: account, region }) }),
      );
    } else if (kind === 2) {
      built.push(aGuardDutyFinding({ ...common, asset: anEc2Instance({ awsAccountId: account, region }) }));
    } else {
      built.push(aControlFinding({ ...common, complianceStatus: i % 8 === 3 ? 'PASSED' : 'FAILED' }));
    }
  }
  // Text worth searching for.
  built[5]!.finding.title = 'CVE-2024-3094 - xz-utils backdoor in liblzma';
  built[9]!.finding.description = 'Log4Shell: remote code execution in log4j-core';
  built[11]!.finding.title = 'Ünïcödé título — 检测到漏洞';
  return built;
}

beforeAll(async () => {
  database = await openTestDatabase();
  api = await startTestServer(database);
  tenantId = await newTenant(database);
  items = buildDataSet();
  await ingestFindingsPage(database.db, tenantId, items);
});

afterAll(async () => {
  await api?.close();
  await database?.close();
});

const PAGE = /* GraphQL */ `
  query Page($filter: FindingFilter, $orderBy: FindingOrder, $first: Int, $after: String, $last: Int, $before: String) {
    findings(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
      totalCount
      edges { cursor node { id awsId detectionScore findingSeverity lastObservedAt firstObservedAt updatedAt } }
      nodes { id }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;

interface PageNode {
  id: string;
  awsId: string;
  detectionScore: number;
  findingSeverity: number;
  lastObservedAt: string;
  firstObservedAt: string;
  updatedAt: string;
}
interface PageResult {
  findings: {
    totalCount: number;
    edges: { cursor: string; node: PageNode }[];
    nodes: { id: string }[];
    pageInfo: {
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    };
  };
}

async function page(variables: Record<string, unknown>, asTenant = tenantId) {
  const response = await api.graphql<PageResult>(PAGE, variables, { tenantId: asTenant });
  expect(response.errors).toBeUndefined();
  return response.data!.findings;
}

async function allForward(variables: Record<string, unknown>, size: number): Promise<PageNode[]> {
  const seen: PageNode[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const result = await page({ ...variables, first: size, after });
    seen.push(...result.edges.map((edge) => edge.node));
    expect(result.pageInfo.hasPreviousPage).toBe(after !== null);
    if (!result.pageInfo.hasNextPage) return seen;
    after = result.pageInfo.endCursor;
  }
  throw new Error('paging did not end');
}

const ORDERINGS = [
  { field: 'DETECTION_SCORE', key: (n: PageNode) => [n.detectionScore] },
  { field: 'SEVERITY', key: (n: PageNode) => [n.findingSeverity, n.detectionScore] },
  { field: 'LAST_OBSERVED_AT', key: (n: PageNode) => [n.lastObservedAt] },
  { field: 'FIRST_OBSERVED_AT', key: (n: PageNode) => [n.firstObservedAt] },
  { field: 'UPDATED_AT', key: (n: PageNode) => [n.updatedAt] },
] as const;

function expectOrdered(
  nodes: PageNode[],
  key: (n: PageNode) => (string | number)[],
  direction: 'ASC' | 'DESC',
) {
  const sign = direction === 'ASC' ? 1 : -1;
  // Ties are broken by the stored key, which the global id wraps.
  const storedKey = (node: PageNode) => parseGlobalId(node.id)!.key;
  for (let i = 1; i < nodes.length; i++) {
    const a = [...key(nodes[i - 1]!), storedKey(nodes[i - 1]!)];
    const b = [...key(nodes[i]!), storedKey(nodes[i]!)];
    const cmp = a.findIndex((value, index) => value !== b[index]);
    expect(cmp, 'rows must be strictly ordered, ties broken by id').toBeGreaterThanOrEqual(0);
    expect((a[cmp]! < b[cmp]! ? -1 : 1) * sign).toBe(-1);
  }
}

describe('findings pagination', () => {
  for (const { field, key } of ORDERINGS) {
    for (const direction of ['ASC', 'DESC'] as const) {
      it(`pages forward through every finding ordered by ${field} ${direction}, each exactly once`, async () => {
        const nodes = await allForward({ orderBy: { field, direction } }, 7);
        expect(nodes).toHaveLength(items.length);
        expect(new Set(nodes.map((n) => n.id)).size).toBe(items.length);
        expectOrdered(nodes, key, direction);
      });
    }
  }

  it('pages a search sorted after filtering exactly as in index order, with the same cursors', async () => {
    const condition = findingFilterCondition({ search: 'cve*' });
    expect((await findingStats(database.db, tenantId, condition)).total).toBeGreaterThan(7);
    for (const field of ['DETECTION_SCORE', 'SEVERITY', 'LAST_OBSERVED_AT'] as const) {
      for (const direction of ['ASC', 'DESC'] as const) {
        const order = findingOrder({ field, direction });
        const walk = async (
          first: KeysetOrder<FindingModel>,
          rest: KeysetOrder<FindingModel>,
          idsFirst = false,
        ) => {
          const ids: string[] = [];
          let after: string | null = null;
          for (let n = 0; ; n++) {
            const result = await listFindings(
              database.db,
              tenantId,
              condition,
              n === 0 ? first : rest,
              { first: 4, after },
              { idsFirst },
            );
            ids.push(...result.nodes.map((node) => node.id));
            if (!result.pageInfo.hasNextPage) return ids;
            after = result.pageInfo.endCursor;
          }
        };
        const indexed = await walk(order, order);
        expect(await walk(sortedAfterFiltering(order), sortedAfterFiltering(order))).toEqual(indexed);
        // A cursor from one continues in the other; a page's ids found first, then its rows, alike.
        expect(await walk(order, sortedAfterFiltering(order))).toEqual(indexed);
        expect(await walk(sortedAfterFiltering(order), sortedAfterFiltering(order), true)).toEqual(indexed);
        // Backward, ids first: the same sequence.
        const backward: string[] = [];
        let before: string | null = null;
        for (;;) {
          const result = await listFindings(
            database.db,
            tenantId,
            condition,
            sortedAfterFiltering(order),
            { last: 4, before },
            { idsFirst: true },
          );
          backward.unshift(...result.nodes.map((node) => node.id));
          if (!result.pageInfo.hasPreviousPage) break;
          before = result.pageInfo.startCursor;
        }
        expect(backward).toEqual(indexed);
      }
    }
  });

  it('pages backward with last/before to the same sequence as forward', async () => {
    const orderBy = { field: 'SEVERITY', direction: 'DESC' };
    const forward = await allForward({ orderBy }, 10);
    const backward: PageNode[] = [];
    let before: string | null = null;
    for (;;) {
      const result = await page({ orderBy, last: 9, before });
      backward.unshift(...result.edges.map((edge) => edge.node));
      expect(result.pageInfo.hasNextPage).toBe(before !== null);
      if (!result.pageInfo.hasPreviousPage) break;
      before = result.pageInfo.startCursor;
    }
    expect(backward.map((n) => n.id)).toEqual(forward.map((n) => n.id));
  });

  it('neither skips nor repeats a row while findings are inserted between pages', async () => {
    const tenant = await newTenant(database);
    // Every score distinct (37 is invertible mod 101), inserted ones too: the order is then known
    // without the id tie-break, and so is every page.
    const initialScores = Array.from({ length: 30 }, (_, i) => (i * 37) % 101);
    const unused = Array.from({ length: 101 }, (_, score) => score).filter(
      (score) => !initialScores.includes(score),
    );
    const stored = new Map<string, number>();
    const store = async (scores: number[]) => {
      const batch = scores.map((score) => anInspectorEc2Finding({ detectionScore: score }));
      await ingestFindingsPage(database.db, tenant, batch);
      for (const item of batch) stored.set(item.finding.awsId, item.finding.detectionScore);
    };
    await store(initialScores);
    const initialIds = new Set(stored.keys());
    const orderBy = { field: 'DETECTION_SCORE', direction: 'DESC' };
    const seen: string[] = [];
    let after: string | null = null;
    let position = Number.POSITIVE_INFINITY;
    for (let pages = 0; ; pages++) {
      expect(pages, 'paging ends').toBeLessThan(30);
      // What keyset paging must return: the 6 highest scores below the position, whatever was
      // inserted since the previous page.
      const ahead = [...stored].filter(([, score]) => score < position).sort((x, y) => y[1] - x[1]);
      const result = await page({ orderBy, first: 6, after }, tenant);
      const awsIds = result.edges.map((edge) => edge.node.awsId);
      expect(awsIds).toEqual(ahead.slice(0, 6).map(([awsId]) => awsId));
      expect(result.pageInfo.hasNextPage).toBe(ahead.length > 6);
      seen.push(...awsIds);
      position = stored.get(awsIds.at(-1)!)!;
      // New findings land all over the ordering: above, inside and below the current position.
      await store([unused.pop()!, unused.splice(unused.length >> 1, 1)[0]!, unused.shift()!]);
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor;
    }
    expect(new Set(seen).size, 'no row is delivered twice').toBe(seen.length);
    for (const awsId of initialIds) expect(seen, 'no original row is skipped').toContain(awsId);
    expect(seen.length, 'rows inserted below the position are delivered too').toBeGreaterThan(
      initialIds.size,
    );
  });

  it('ends on a full last page, forward and backward, without promising another', async () => {
    const orderBy = { field: 'UPDATED_AT', direction: 'ASC' };
    for (const size of [8, 12]) {
      const pages = items.length / size; // 48 findings: 6 and 4 full pages
      const hasNext: boolean[] = [];
      let after: string | null = null;
      for (let i = 0; i < pages; i++) {
        const result = await page({ orderBy, first: size, after });
        expect(result.edges).toHaveLength(size);
        hasNext.push(result.pageInfo.hasNextPage);
        after = result.pageInfo.endCursor;
      }
      expect(hasNext).toEqual([...Array(pages - 1).fill(true), false]);
      const hasPrevious: boolean[] = [];
      let before: string | null = null;
      for (let i = 0; i < pages; i++) {
        const result = await page({ orderBy, last: size, before });
        expect(result.edges).toHaveLength(size);
        hasPrevious.push(result.pageInfo.hasPreviousPage);
        before = result.pageInfo.startCursor;
      }
      expect(hasPrevious).toEqual([...Array(pages - 1).fill(true), false]);
    }
  });

  it('gives totalCount, nodes and edges that agree', async () => {
    const result = await page({ first: 5 });
    expect(result.totalCount).toBe(items.length);
    expect(result.nodes.map((n) => n.id)).toEqual(result.edges.map((e) => e.node.id));
    expect(result.pageInfo.startCursor).toBe(result.edges[0]!.cursor);
    expect(result.pageInfo.endCursor).toBe(result.edges.at(-1)!.cursor);
  });

  it('returns an empty page for first: 0 and pages past the end', async () => {
    expect((await page({ first: 0 })).edges).toEqual([]);
    const last = await page({ first: 1, orderBy: { field: 'UPDATED_AT', direction: 'ASC' } });
    const end = await page({ last: 1, orderBy: { field: 'UPDATED_AT', direction: 'ASC' } });
    const beyond = await page({
      first: 5,
      after: end.pageInfo.endCursor,
      orderBy: { field: 'UPDATED_AT', direction: 'ASC' },
    });
    expect(last.edges).toHaveLength(1);
    expect(beyond.edges).toEqual([]);
    expect(beyond.pageInfo.hasNextPage).toBe(false);
  });
});

describe('findings pagination arguments', () => {
  async function errorOf(variables: Record<string, unknown>) {
    const response = await api.graphql(PAGE, variables, { tenantId });
    expect(response.data).toBeNull();
    return response.errors![0]!;
  }

  it('caps first and last at 500 with a clear error', async () => {
    for (const name of ['first', 'last']) {
      const error = await errorOf({ [name]: 501 });
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.extensions?.argumentPath).toEqual([name]);
      expect(error.message).toContain('between 0 and 500');
    }
  });

  it('rejects negative sizes and first together with last', async () => {
    expect((await errorOf({ first: -1 })).extensions?.argumentPath).toEqual(['first']);
    expect((await errorOf({ first: 2, last: 2 })).message).toContain('not both');
  });

  it('rejects a cursor it did not issue, and one issued for another ordering', async () => {
    const garbage = await errorOf({ after: 'not-a-cursor' });
    expect(garbage.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath: ['after'] });
    const { pageInfo } = await page({ first: 1, orderBy: { field: 'SEVERITY', direction: 'DESC' } });
    const other = await errorOf({
      after: pageInfo.endCursor,
      orderBy: { field: 'UPDATED_AT', direction: 'DESC' },
    });
    expect(other.message).toContain('ordering SEVERITY DESC');
    const tampered = Buffer.from(JSON.stringify(['SEVERITY', 'DESC', 'x', 1, 'not-a-uuid'])).toString(
      'base64url',
    );
    expect(
      (await errorOf({ before: tampered, orderBy: { field: 'SEVERITY', direction: 'DESC' } })).extensions
        ?.argumentPath,
    ).toEqual(['before']);
  });
});

describe('finding filters', () => {
  const ids = (nodes: { awsId: string }[]) => nodes.map((n) => n.awsId).sort();
  const expected = (predicate: (item: IngestItem) => boolean) =>
    items
      .filter(predicate)
      .map((item) => item.finding.awsId)
      .sort();

  async function filtered(filter: Record<string, unknown>) {
    return ids(await allForward({ filter }, 100));
  }

  const f = (item: IngestItem) => item.finding;
  const cases: [string, Record<string, unknown>, (item: IngestItem) => boolean][] = [
    [
      'severity labels',
      { severityLabels: ['HIGH', 'CRITICAL'] },
      (i) => ['HIGH', 'CRITICAL'].includes(f(i).severityLabel),
    ],
    [
      'detection score range',
      { detectionScore: { min: 40, max: 80 } },
      (i) => f(i).detectionScore >= 40 && f(i).detectionScore <= 80,
    ],
    ['detection score minimum only', { detectionScore: { min: 90 } }, (i) => f(i).detectionScore >= 90],
    [
      'workflow statuses',
      { workflowStatuses: ['NEW', 'NOTIFIED'] },
      (i) => ['NEW', 'NOTIFIED'].includes(f(i).workflowStatus),
    ],
    ['record states', { recordStates: ['ARCHIVED'] }, (i) => f(i).recordState === 'ARCHIVED'],
    ['compliance statuses', { complianceStatuses: ['PASSED'] }, (i) => f(i).complianceStatus === 'PASSED'],
    [
      'product names',
      { productNames: ['GuardDuty', 'Security Hub'] },
      (i) => ['GuardDuty', 'Security Hub'].includes(f(i).productName),
    ],
    ['AWS accounts', { awsAccountIds: [ACCOUNTS[1]] }, (i) => f(i).awsAccountId === ACCOUNTS[1]],
    [
      'regions',
      { regions: ['eu-west-1', 'ap-southeast-2'] },
      (i) => ['eu-west-1', 'ap-southeast-2'].includes(f(i).region),
    ],
    [
      'resource types',
      { resourceTypes: ['AwsEcrContainerImage'] },
      (i) => f(i).resourceType === 'AwsEcrContainerImage',
    ],
    ['exploit available', { exploitAvailable: true }, (i) => f(i).exploitAvailable === 'YES'],
    ['exploit not available', { exploitAvailable: false }, (i) => f(i).exploitAvailable !== 'YES'],
    ['patch available', { patchAvailable: true }, (i) => f(i).fixAvailable === 'YES'],
    ['patch not (fully) available', { patchAvailable: false }, (i) => f(i).fixAvailable !== 'YES'],
    ['fix availability', { fixAvailability: ['PARTIAL'] }, (i) => f(i).fixAvailable === 'PARTIAL'],
    ['counted', { counted: true }, (i) => f(i).counted],
    [
      'first observed range',
      { firstObservedAt: { from: '2026-09-05T00:00:00Z', to: '2026-09-10T00:00:00Z' } },
      (i) => f(i).firstObservedAt >= new Date('2026-09-05') && f(i).firstObservedAt < new Date('2026-09-10'),
    ],
    [
      'last observed from',
      { lastObservedAt: { from: '2026-10-20T00:00:00Z' } },
      (i) => f(i).lastObservedAt >= new Date('2026-10-20'),
    ],
    [
      'updated before',
      { updatedAt: { to: '2026-10-06T00:00:00Z' } },
      (i) => f(i).awsUpdatedAt < new Date('2026-10-06'),
    ],
    ['text search (all words)', { search: 'xz backdoor' }, (i) => f(i).title.includes('xz-utils backdoor')],
    [
      'text search in description with a prefix',
      { search: 'log4*' },
      (i) => f(i).description.includes('log4j'),
    ],
    ['text search in unicode', { search: 'título' }, (i) => f(i).title.includes('título')],
    ['an empty list matches nothing', { regions: [] }, () => false],
    [
      'several fields together (AND)',
      {
        severityLabels: ['CRITICAL', 'HIGH', 'MEDIUM'],
        awsAccountIds: [ACCOUNTS[0]],
        recordStates: ['ACTIVE'],
      },
      (i) =>
        ['CRITICAL', 'HIGH', 'MEDIUM'].includes(f(i).severityLabel) &&
        f(i).awsAccountId === ACCOUNTS[0] &&
        f(i).recordState === 'ACTIVE',
    ],
  ];

  for (const [name, filter, predicate] of cases) {
    it(`filters by ${name}`, async () => {
      expect(await filtered(filter)).toEqual(expected(predicate));
    });
  }

  it('filters by asset and by connector id', async () => {
    const all = await api.graphql<{
      findings: { nodes: { awsId: string; asset: { id: string; name: string } | null }[] };
    }>('{ findings(first: 500) { nodes { awsId asset { id name } } } }', {}, { tenantId });
    const shared = all.data!.findings.nodes.find((node) => node.asset?.name === 'shared-host')!.asset!;
    const expectedIds = all
      .data!.findings.nodes.filter((node) => node.asset?.id === shared.id)
      .map((node) => node.awsId)
      .sort();
    expect(expectedIds.length).toBeGreaterThan(1);
    expect(await filtered({ assetIds: [shared.id] })).toEqual(expectedIds);
    expect(await filtered({ connectorIds: ['00000000-0000-4000-8000-000000000000'] })).toEqual([]);
  });

  it('filters by CVE, case-insensitively, matching any of the given ids', async () => {
    const wanted = [items[0]!.finding.cves![0]!, items[5]!.finding.cves![0]!];
    const got = await filtered({ cves: [wanted[0]!.toLowerCase(), wanted[1]] });
    expect(got).toEqual(expected((i) => i.finding.cves!.some((cve) => wanted.includes(cve))));
    expect(got.length).toBeGreaterThan(0);
  });

  it('filters by finding ids', async () => {
    const some = (await page({ first: 3 })).edges.map((edge) => edge.node);
    expect(await filtered({ ids: some.map((n) => n.id) })).toEqual(ids(some));
  });
});

describe('finding filter validation', () => {
  const badInputs: [string, Record<string, unknown>, (string | number)[]][] = [
    ['score below range', { detectionScore: { min: -1 } }, ['filter', 'detectionScore', 'min']],
    ['score above range', { detectionScore: { max: 101 } }, ['filter', 'detectionScore', 'max']],
    ['min above max', { detectionScore: { min: 80, max: 20 } }, ['filter', 'detectionScore']],
    ['too many values', { regions: Array.from({ length: 101 }, (_, i) => `r${i}`) }, ['filter', 'regions']],
    ['a malformed id', { assetIds: ['not-a-uuid'] }, ['filter', 'assetIds', 0]],
    [
      'an inverted date range',
      { updatedAt: { from: '2026-10-10T00:00:00Z', to: '2026-10-01T00:00:00Z' } },
      ['filter', 'updatedAt'],
    ],
    ['a search without letters', { search: '***' }, ['filter', 'search']],
    ['an overlong search', { search: 'x'.repeat(201) }, ['filter', 'search']],
  ];
  for (const [name, filter, argumentPath] of badInputs) {
    it(`rejects ${name} with BAD_USER_INPUT and the argument path`, async () => {
      const response = await api.graphql(PAGE, { filter }, { tenantId });
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath });
      expect(response.errors?.[0]?.message.length).toBeGreaterThan(10);
    });
  }

  it('rejects values outside an enum or of the wrong type before running anything', async () => {
    const response = await api.graphql(PAGE, { filter: { severityLabels: ['SEVERE'] } }, { tenantId });
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const wrongType = await api.graphql(PAGE, { first: 'ten' }, { tenantId });
    expect(wrongType.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('single findings and stats', () => {
  it('returns a finding by id with its asset, and null for an unknown or malformed id', async () => {
    const { edges } = await page({ first: 1, filter: { resourceTypes: ['AwsEc2Instance'] } });
    const id = edges[0]!.node.id;
    const response = await api.graphql<{
      known: { id: string; source: string; asset: { resourceType: string } };
      unknown: null;
      malformed: null;
    }>(
      `query($id: ID!) {
        known: finding(id: $id) { id source asset { resourceType } }
        unknown: finding(id: "00000000-0000-4000-8000-000000000000") { id }
        malformed: finding(id: "42") { id }
      }`,
      { id },
      { tenantId },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      known: { id, source: 'aws_security_hub', asset: { resourceType: 'AwsEc2Instance' } },
      unknown: null,
      malformed: null,
    });
  });

  it('counts findings by severity, workflow status, product, account and region', async () => {
    const response = await api.graphql<{
      findingStats: Record<string, { count: number; value?: string; label?: string; status?: string }[]> & {
        total: number;
      };
    }>(
      `{ findingStats(filter: { recordStates: [ACTIVE] }) {
          total bySeverity { label count } byWorkflowStatus { status count }
          byProduct { value count } byAccount { value count } byRegion { value count } } }`,
      {},
      { tenantId },
    );
    const stats = response.data!.findingStats;
    const active = items.filter((item) => item.finding.recordState === 'ACTIVE').map((item) => item.finding);
    const tally = (read: (finding: (typeof active)[number]) => string) => {
      const counts = new Map<string, number>();
      for (const finding of active) counts.set(read(finding), (counts.get(read(finding)) ?? 0) + 1);
      return counts;
    };
    expect(stats.total).toBe(active.length);
    const asMap = (rows: { count: number; value?: string; label?: string; status?: string }[]) =>
      new Map(rows.map((row) => [row.value ?? row.label ?? row.status!, row.count]));
    expect(asMap(stats.bySeverity!)).toEqual(tally((f) => f.severityLabel));
    expect(asMap(stats.byWorkflowStatus!)).toEqual(tally((f) => f.workflowStatus));
    expect(asMap(stats.byProduct!)).toEqual(tally((f) => f.productName));
    expect(asMap(stats.byAccount!)).toEqual(tally((f) => f.awsAccountId));
    expect(asMap(stats.byRegion!)).toEqual(tally((f) => f.region));
  });

  it('counts a de-duplication group once in stats', async () => {
    const tenant = await newTenant(database);
    const instance = anEc2Instance();
    // One control on one resource, reported under three standards: one problem.
    const group = ['fsbp', 'cis', 'nist'].map((standard) => aControlFinding({ asset: instance, standard }));
    await ingestFindingsPage(database.db, tenant, group);
    const response = await api.graphql<{ findingStats: { total: number }; findings: { totalCount: number } }>(
      '{ findingStats { total } findings { totalCount } }',
      {},
      { tenantId: tenant },
    );
    expect(response.data).toEqual({ findingStats: { total: 1 }, findings: { totalCount: 3 } });
  });
});
