import type { AwsSecurityFinding, Resource } from '@aws-sdk/client-securityhub';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recomputeAssetRisk } from '../../src/assets/risk.ts';
import type { Database } from '../../src/db/client.ts';
import { assets, findings } from '../../src/db/schema.ts';
import { type IngestItem, ingestFindingsPage } from '../../src/findings/ingest.ts';
import { VULNERABILITY_MAP } from '../../src/mapping/built-in-maps.ts';
import { mapFinding } from '../../src/mapping/map-finding.ts';
import { SCORING_VERSION } from '../../src/mapping/scoring-constants.ts';
import { compileTransformMap } from '../../src/mapping/transform-map.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// Assets of resources that Security Hub names by something other than an ARN (Prowler's account id
// or "No trails", Config's "AWS::::Account:…", CSPM's "AWS::IAM::AccessKey:null"): one asset per
// partition, account, Region and type, through the same mapping and ingest path as a sync.

let database: Database;
let api: TestServer;

beforeAll(async () => {
  database = await openTestDatabase();
  api = await startTestServer(database);
});

afterAll(async () => {
  await api?.close();
  await database?.close();
});

const compiled = compileTransformMap(VULNERABILITY_MAP);
if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
const map = compiled.map;

let sequence = 0;

/** A Security Hub CSPM control finding on one resource in one account and Region. */
function aControlFinding(account: string, region: string, resource: Resource, updated = 2): IngestItem {
  const n = ++sequence;
  const asff: AwsSecurityFinding = {
    SchemaVersion: '2018-10-08',
    Id: `arn:aws:securityhub:${region}:${account}:security-control/CloudTrail.1/finding/${n}`,
    ProductArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
    ProductName: 'Security Hub',
    GeneratorId: 'security-control/CloudTrail.1',
    AwsAccountId: account,
    Region: region,
    CreatedAt: '2026-10-01T00:00:00.000Z',
    UpdatedAt: `2026-10-0${updated}T00:00:00.000Z`,
    Title: 'CloudTrail should be enabled and configured with at least one multi-Region trail',
    Description: 'This control checks whether there is at least one multi-Region CloudTrail trail.',
    Severity: { Label: 'HIGH' },
    Compliance: { Status: 'FAILED', SecurityControlId: 'CloudTrail.1' },
    Resources: [{ Partition: 'aws', Region: region, ...resource }],
  };
  const outcome = mapFinding(asff, map, { defaultSeverity: 'MEDIUM' });
  if (!outcome.ok) throw new Error(outcome.reject.reason);
  return { finding: outcome.finding, assets: outcome.assets };
}

const account = (id: string): Resource => ({ Type: 'AwsAccount', Id: id });

/** The tenant's assets by identity key (in code-unit order, whatever the database's collation). */
async function storedAssets(tenantId: string) {
  const rows = await database.db.select().from(assets).where(eq(assets.tenantId, tenantId));
  return rows.sort((a, b) => (a.identityKey < b.identityKey ? -1 : a.identityKey > b.identityKey ? 1 : 0));
}

describe('ingesting findings about resources without an ARN', () => {
  it('keeps the same Id from other accounts, Regions and types as other assets', async () => {
    const tenantId = await newTenant(database);
    const items = [
      aControlFinding('123456789012', 'eu-west-1', account('123456789012')),
      aControlFinding('123456789012', 'us-east-1', account('123456789012')),
      aControlFinding('444455556666', 'eu-west-1', account('123456789012')),
      aControlFinding('123456789012', 'eu-west-1', { Type: 'Other', Id: '123456789012' }),
    ];
    await ingestFindingsPage(database.db, tenantId, items);

    const rows = await storedAssets(tenantId);
    expect(rows.map((row) => [row.awsAccountId, row.region, row.resourceType])).toEqual([
      ['123456789012', 'eu-west-1', 'AwsAccount'],
      ['123456789012', 'eu-west-1', 'Other'],
      ['123456789012', 'us-east-1', 'AwsAccount'],
      ['444455556666', 'eu-west-1', 'AwsAccount'],
    ]);
    expect(rows.every((row) => row.resourceArn === '123456789012')).toBe(true);
    const linked = await database.db
      .select({ awsId: findings.awsId, identityKey: assets.identityKey })
      .from(findings)
      .innerJoin(assets, eq(assets.id, findings.assetId))
      .where(eq(findings.tenantId, tenantId));
    expect(new Map(linked.map((row) => [row.awsId, row.identityKey]))).toEqual(
      new Map(items.map((item) => [item.finding.awsId, item.finding.assetIdentityKey])),
    );
  });

  it("never lets a later finding from another Region or type overwrite an asset's type", async () => {
    const tenantId = await newTenant(database);
    const accessKey = { Type: 'AwsIamAccessKey', Id: 'AWS::IAM::AccessKey:null' };
    await ingestFindingsPage(database.db, tenantId, [
      aControlFinding('123456789012', 'eu-west-1', accessKey),
    ]);
    await ingestFindingsPage(database.db, tenantId, [
      aControlFinding('123456789012', 'ap-south-1', accessKey, 5),
      aControlFinding('123456789012', 'eu-west-1', { Type: 'AwsIamUser', Id: 'AWS::IAM::AccessKey:null' }, 5),
    ]);
    const rows = await storedAssets(tenantId);
    expect(rows).toHaveLength(3);
    expect(
      rows.find((row) => row.region === 'eu-west-1' && row.resourceType === 'AwsIamAccessKey'),
    ).toMatchObject({
      name: null,
      lastSeenAt: new Date('2026-10-02T00:00:00.000Z'),
    });
  });

  it('keeps one asset for one ARN, whichever account or Region reports it', async () => {
    const tenantId = await newTenant(database);
    const bucket = { Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::payments-audit-logs' };
    await ingestFindingsPage(database.db, tenantId, [
      aControlFinding('123456789012', 'eu-west-1', bucket),
      aControlFinding('123456789012', 'us-east-1', bucket),
    ]);
    expect(await storedAssets(tenantId)).toEqual([
      expect.objectContaining({
        identityKey: 'arn:aws:s3:::payments-audit-logs',
        resourceArn: 'arn:aws:s3:::payments-audit-logs',
        name: 'payments-audit-logs',
      }),
    ]);
  });
});

describe('assets over GraphQL', () => {
  it('shows the identity key, and resolves a resourceArn reference only for an ARN', async () => {
    const tenantId = await newTenant(database);
    const instanceArn = 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0a1b2c3d4e5f67890';
    await ingestFindingsPage(database.db, tenantId, [
      aControlFinding('123456789012', 'eu-west-1', account('123456789012')),
      aControlFinding('123456789012', 'us-east-1', account('123456789012')),
      aControlFinding('123456789012', 'eu-west-1', { Type: 'AwsEc2Instance', Id: instanceArn }),
    ]);
    const listed = await api.graphql<{ assets: { nodes: { identityKey: string; resourceArn: string }[] } }>(
      '{ assets(filter: { resourceArns: ["123456789012"] }) { nodes { identityKey resourceArn } } }',
      {},
      { tenantId },
    );
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.assets.nodes.map((node) => node.identityKey).sort()).toEqual([
      '["aws","123456789012","eu-west-1","AwsAccount","123456789012"]',
      '["aws","123456789012","us-east-1","AwsAccount","123456789012"]',
    ]);

    const entities = await api.graphql<{ _entities: ({ identityKey: string } | null)[] }>(
      `query($representations: [_Any!]!) { _entities(representations: $representations) {
        ... on Asset { identityKey } } }`,
      {
        representations: [
          { __typename: 'Asset', resourceArn: instanceArn },
          { __typename: 'Asset', resourceArn: '123456789012' },
          {
            __typename: 'Asset',
            resourceArn: '["aws","123456789012","eu-west-1","AwsAccount","123456789012"]',
          },
        ],
      },
      { tenantId },
    );
    expect(entities.errors).toBeUndefined();
    expect(entities.data!._entities).toEqual([{ identityKey: instanceArn }, null, null]);
  });
});

describe('stale asset risk', () => {
  it('is written again when only its scoring version is stale', async () => {
    const tenantId = await newTenant(database);
    await ingestFindingsPage(database.db, tenantId, [
      aControlFinding('123456789012', 'eu-west-1', account('1')),
    ]);
    const [asset] = await storedAssets(tenantId);
    expect(asset!.scoringVersion).toBe(SCORING_VERSION);
    const stale = and(eq(assets.tenantId, tenantId), eq(assets.id, asset!.id));
    await database.db.update(assets).set({ scoringVersion: '' }).where(stale);

    await recomputeAssetRisk(database.db, tenantId, [asset!.id]);

    const [after] = await database.db.select().from(assets).where(stale);
    expect(after).toMatchObject({ scoringVersion: SCORING_VERSION, riskScore: asset!.riskScore });
  });
});
