import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { countStatements } from '../../src/db/statements.ts';
import { type IngestItem, ingestFindingsPage } from '../../src/findings/ingest.ts';
import { createContext } from '../../src/graphql/context.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import {
  aContainerImage,
  aControlFinding,
  anEc2Instance,
  anInspectorEc2Finding,
  anInspectorEcrFinding,
} from '../support/factories.ts';
import { startTestServer, type TestServer, tokenFor } from '../support/server.ts';

let database: Database;
let api: TestServer;
let tenantId: string;
let items: IngestItem[];

beforeAll(async () => {
  database = await openTestDatabase();
  api = await startTestServer(database);
  tenantId = await newTenant(database);
  const instances = Array.from({ length: 12 }, (_, i) =>
    anEc2Instance({
      name: `host-${String(i).padStart(2, '0')}`,
      internetExposed: i % 3 === 0,
      criticality: (i % 5) + 1,
      criticalitySource: 'TAG',
    }),
  );
  const images = Array.from({ length: 4 }, () => aContainerImage());
  items = [
    ...instances.flatMap((asset, i) =>
      Array.from({ length: (i % 4) + 1 }, (_, j) =>
        anInspectorEc2Finding({
          asset,
          severity: (['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const)[(i + j) % 4],
          detectionScore: 10 + ((i * 7 + j * 13) % 90),
        }),
      ),
    ),
    ...images.map((asset) => anInspectorEcrFinding({ asset, severity: 'CRITICAL', detectionScore: 96 })),
  ];
  await ingestFindingsPage(database.db, tenantId, items);
  // Risk scores are computed by the mapping module; here they are set so orderings have values.
  const { assets } = await import('../../src/db/schema.ts');
  const { eq, sql } = await import('drizzle-orm');
  await database.db
    .update(assets)
    .set({ riskScore: sql`(abs(hashtext(${assets.resourceArn})) % 1000)` })
    .where(eq(assets.tenantId, tenantId));
});

afterAll(async () => {
  await api?.close();
  await database?.close();
});

describe('assets', () => {
  it('lists assets riskiest first with details, tags, criticality and counts', async () => {
    const response = await api.graphql<{
      assets: {
        totalCount: number;
        nodes: {
          riskScore: number;
          riskBand: string;
          resourceType: string;
          criticality: number;
          criticalitySource: string;
          ec2Instance: { instanceId: string; imageId: string; ipV4Addresses: string[] } | null;
          containerImage: { repositoryName: string; imageTags: string[] } | null;
          tags: { key: string; value: string }[];
          findingCounts: { total: number };
        }[];
      };
    }>(
      `{ assets(first: 100) { totalCount nodes {
          riskScore riskBand resourceType criticality criticalitySource
          ec2Instance { instanceId imageId ipV4Addresses } containerImage { repositoryName imageTags }
          tags { key value } findingCounts { total critical high medium low informational } } } }`,
      {},
      { tenantId },
    );
    expect(response.errors).toBeUndefined();
    const { nodes, totalCount } = response.data!.assets;
    expect(totalCount).toBe(16);
    const scores = nodes.map((node) => node.riskScore);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const host = nodes.find((node) => node.resourceType === 'AwsEc2Instance')!;
    expect(host.ec2Instance).toMatchObject({ imageId: 'ami-0abcdef1234567890' });
    expect(host.ec2Instance!.instanceId).toMatch(/^i-0/);
    expect(host.criticalitySource).toBe('TAG');
    expect(host.tags).toContainEqual({ key: 'Environment', value: 'production' });
    const image = nodes.find((node) => node.resourceType === 'AwsEcrContainerImage')!;
    expect(image.containerImage).toEqual({ repositoryName: 'payments-api', imageTags: ['1.4.2', 'latest'] });
    expect(nodes.reduce((sum, node) => sum + node.findingCounts.total, 0)).toBe(items.length);
  });

  it('filters assets by type, exposure, criticality, risk band and text, and orders by name', async () => {
    const names = async (filter: Record<string, unknown>, orderBy?: Record<string, unknown>) => {
      const response = await api.graphql<{ assets: { nodes: { name: string }[] } }>(
        'query($filter: AssetFilter, $orderBy: AssetOrder) { assets(filter: $filter, orderBy: $orderBy, first: 100) { nodes { name } } }',
        { filter, orderBy },
        { tenantId },
      );
      expect(response.errors).toBeUndefined();
      return response.data!.assets.nodes.map((node) => node.name);
    };
    expect(await names({ resourceTypes: ['AwsEcrContainerImage'] })).toHaveLength(4);
    expect(await names({ internetExposed: true }, { field: 'NAME', direction: 'ASC' })).toEqual([
      'host-00',
      'host-03',
      'host-06',
      'host-09',
    ]);
    expect(
      await names(
        { criticalities: [5], resourceTypes: ['AwsEc2Instance'] },
        { field: 'NAME', direction: 'ASC' },
      ),
    ).toEqual(['host-04', 'host-09']);
    expect(await names({ search: 'HOST-1' }, { field: 'NAME', direction: 'DESC' })).toEqual([
      'host-11',
      'host-10',
    ]);
    const all = await names({ riskBands: ['SEVERE', 'HIGH', 'MEDIUM', 'LOW'] });
    expect(all).toHaveLength(16);
  });

  it('pages through an asset findings connection in one query for the whole page of assets', async () => {
    const query = `{ assets(first: 100, orderBy: { field: NAME, direction: ASC }) { nodes { name identityKey
        findings(first: 2, orderBy: { field: DETECTION_SCORE, direction: DESC }) { totalCount nodes { detectionScore asset { name } } pageInfo { hasNextPage } } } } }`;
    const { result, statements } = await countStatements(() => execute(query));
    expect(result.errors).toBeUndefined();
    const nodes = (
      result.data as {
        assets: {
          nodes: {
            name: string;
            identityKey: string;
            findings: {
              totalCount: number;
              nodes: { detectionScore: number; asset: { name: string } }[];
              pageInfo: { hasNextPage: boolean };
            };
          }[];
        };
      }
    ).assets.nodes;
    for (const node of nodes) {
      const own = items.filter((item) => item.finding.assetIdentityKey === node.identityKey);
      expect(node.findings.totalCount).toBe(own.length);
      expect(node.findings.nodes.map((n) => n.detectionScore)).toEqual(
        own
          .map((item) => item.finding.detectionScore)
          .sort((a, b) => b - a)
          .slice(0, 2),
      );
      expect(node.findings.pageInfo.hasNextPage).toBe(own.length > 2);
      for (const finding of node.findings.nodes) expect(finding.asset.name).toBe(node.name);
    }
    // assets + nested pages + nested counts + the findings' assets: a fixed number of statements.
    expect(statements).toBeLessThanOrEqual(4);
  });
});

async function execute(query: string, variables: Record<string, unknown> = {}) {
  const contextValue = await createContext(api.app, {
    authorization: `Bearer ${await tokenFor(tenantId)}`,
    requestId: 'test',
  });
  const response = await api.server.apollo.executeOperation({ query, variables }, { contextValue });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult;
}

describe('DataLoader batching', () => {
  const PAGE_WITH_ASSETS = `query($first: Int) { findings(first: $first) { nodes { id title: findingName
      asset { id name findingCounts { total } connector { id } } connector { id } } } }`;

  it('costs the same fixed number of SQL statements for a page of 10 or 100 findings with their assets', async () => {
    const small = await countStatements(() => execute(PAGE_WITH_ASSETS, { first: 10 }));
    const large = await countStatements(() => execute(PAGE_WITH_ASSETS, { first: 100 }));
    expect(small.result.errors).toBeUndefined();
    expect(large.result.errors).toBeUndefined();
    expect((large.result.data as { findings: { nodes: unknown[] } }).findings.nodes.length).toBe(
      items.length,
    );
    // findings page + assets by id + severity counts by asset (connectors are null here).
    expect(large.statements).toBe(3);
    expect(large.statements).toBe(small.statements);
  });

  it('resolves entity references of every key shape in batches', async () => {
    const sample = await execute(
      '{ findings(first: 40) { nodes { id productArn awsId asset { resourceArn } } } }',
    );
    const findings = (
      sample.data as {
        findings: {
          nodes: { id: string; productArn: string; awsId: string; asset: { resourceArn: string } }[];
        };
      }
    ).findings.nodes;
    const representations = [
      ...findings.slice(0, 20).map((f) => ({ __typename: 'Finding', id: f.id })),
      ...findings.slice(20).map((f) => ({ __typename: 'Finding', productArn: f.productArn, awsId: f.awsId })),
      ...findings.map((f) => ({ __typename: 'Asset', resourceArn: f.asset.resourceArn })),
      { __typename: 'Finding', id: '00000000-0000-4000-8000-000000000000' },
      { __typename: 'Asset', id: 'not-a-uuid' },
    ];
    const { result, statements } = await countStatements(() =>
      execute(
        `query($representations: [_Any!]!) { _entities(representations: $representations) {
          ... on Finding { id awsId } ... on Asset { resourceArn } } }`,
        { representations },
      ),
    );
    expect(result.errors).toBeUndefined();
    const entities = (
      result.data as { _entities: ({ id?: string; awsId?: string; resourceArn?: string } | null)[] }
    )._entities;
    expect(entities).toHaveLength(representations.length);
    const n = findings.length;
    expect(n).toBe(items.length);
    expect(entities.slice(0, n).map((entity) => entity!.id)).toEqual(findings.map((f) => f.id));
    expect(entities.slice(n, 2 * n).map((entity) => entity!.resourceArn)).toEqual(
      findings.map((f) => f.asset.resourceArn),
    );
    expect(entities.slice(2 * n)).toEqual([null, null]);
    // by id + by AWS identity + assets by ARN
    expect(statements).toBe(3);
  });

  it('returns the de-duplicated group primary once in asset counts', async () => {
    const tenant = await newTenant(database);
    const instance = anEc2Instance();
    await ingestFindingsPage(
      database.db,
      tenant,
      ['fsbp', 'cis'].map((standard) => aControlFinding({ asset: instance, standard, severity: 'HIGH' })),
    );
    const response = await api.graphql<{
      assets: { nodes: { findingCounts: { high: number; total: number } }[] };
    }>('{ assets { nodes { findingCounts { high total } } } }', {}, { tenantId: tenant });
    expect(response.data!.assets.nodes).toEqual([{ findingCounts: { high: 1, total: 1 } }]);
  });
});
