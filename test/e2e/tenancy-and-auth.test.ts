import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { ingestFindingsPage } from '../../src/findings/ingest.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { aControlFinding, anEc2Instance, anInspectorEc2Finding } from '../support/factories.ts';
import {
  startTestServer,
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_JWT_SECRET,
  type TestServer,
  tokenFor,
} from '../support/server.ts';

let database: Database;
let api: TestServer;
let owner: string;
let stranger: string;
let ownerIds: { findingId: string; assetId: string; productArn: string; awsId: string; resourceArn: string };

beforeAll(async () => {
  database = await openTestDatabase();
  api = await startTestServer(database);
  owner = await newTenant(database, 'owner');
  stranger = await newTenant(database, 'stranger');
  const asset = anEc2Instance();
  await ingestFindingsPage(database.db, owner, [
    anInspectorEc2Finding({ asset }),
    aControlFinding({ asset }),
  ]);
  // The stranger has an asset with the same ARN: identity is per tenant.
  await ingestFindingsPage(database.db, stranger, [
    anInspectorEc2Finding({ asset: { ...asset, name: 'strangers-copy' }, severity: 'LOW' }),
  ]);
  const response = await api.graphql<{
    findings: {
      nodes: { id: string; productArn: string; awsId: string; asset: { id: string; resourceArn: string } }[];
    };
  }>(
    '{ findings(first: 1) { nodes { id productArn awsId asset { id resourceArn } } } }',
    {},
    { tenantId: owner },
  );
  const node = response.data!.findings.nodes[0]!;
  ownerIds = {
    findingId: node.id,
    assetId: node.asset.id,
    productArn: node.productArn,
    awsId: node.awsId,
    resourceArn: node.asset.resourceArn,
  };
});

afterAll(async () => {
  await api?.close();
  await database?.close();
});

describe('tenant isolation', () => {
  it("hides another tenant's rows from every query path", async () => {
    const response = await api.graphql<Record<string, unknown>>(
      `query($findingId: ID!, $assetId: ID!) {
        findings { totalCount nodes { id } }
        byIdFilter: findings(filter: { ids: [$findingId] }) { totalCount }
        byAssetFilter: findings(filter: { assetIds: [$assetId] }) { totalCount }
        finding(id: $findingId) { id }
        asset(id: $assetId) { id }
        assets { totalCount nodes { name findings { totalCount } findingCounts { total } } }
        findingStats { total }
        connectors { totalCount }
        transformMaps { nodes { builtIn } }
      }`,
      { findingId: ownerIds.findingId, assetId: ownerIds.assetId },
      { tenantId: stranger },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toMatchObject({
      findings: { totalCount: 1 },
      byIdFilter: { totalCount: 0 },
      byAssetFilter: { totalCount: 0 },
      finding: null,
      asset: null,
      assets: {
        totalCount: 1,
        nodes: [{ name: 'strangers-copy', findings: { totalCount: 1 }, findingCounts: { total: 1 } }],
      },
      findingStats: { total: 1 },
      connectors: { totalCount: 0 },
    });
  });

  it('resolves no _entities reference of another tenant, by any key', async () => {
    const response = await api.graphql<{ _entities: unknown[] }>(
      `query($representations: [_Any!]!) { _entities(representations: $representations) {
        ... on Finding { id } ... on Asset { id name } } }`,
      {
        representations: [
          { __typename: 'Finding', id: ownerIds.findingId },
          { __typename: 'Finding', productArn: ownerIds.productArn, awsId: ownerIds.awsId },
          { __typename: 'Asset', id: ownerIds.assetId },
          { __typename: 'Asset', resourceArn: ownerIds.resourceArn },
        ],
      },
      { tenantId: stranger },
    );
    expect(response.errors).toBeUndefined();
    // The same ARN resolves to the stranger's own asset, never the owner's.
    expect(response.data!._entities).toEqual([
      null,
      null,
      null,
      { id: expect.not.stringMatching(ownerIds.assetId), name: 'strangers-copy' },
    ]);
  });

  it("resolves the owner's references for the owner", async () => {
    const response = await api.graphql<{ _entities: { id: string }[] }>(
      `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Finding { id } ... on Asset { id } } }`,
      {
        representations: [
          { __typename: 'Finding', productArn: ownerIds.productArn, awsId: ownerIds.awsId },
          { __typename: 'Asset', resourceArn: ownerIds.resourceArn },
        ],
      },
      { tenantId: owner },
    );
    expect(response.data!._entities).toEqual([{ id: ownerIds.findingId }, { id: ownerIds.assetId }]);
  });
});

describe('authentication', () => {
  const query = '{ viewer { tenantId devMode } }';
  const sign = (
    claims: Record<string, unknown>,
    options: { secret?: string; issuer?: string; audience?: string; expires?: string } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(options.issuer ?? TEST_ISSUER)
      .setAudience(options.audience ?? TEST_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.expires ?? '5m')
      .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));

  it('identifies the tenant from a verified token', async () => {
    const response = await api.graphql(query, {}, { tenantId: owner });
    expect(response.data).toEqual({ viewer: { tenantId: owner, devMode: false } });
  });

  const refusals: [string, () => Promise<string | null>, RegExp][] = [
    ['no token', async () => null, /Authorization: Bearer/],
    [
      'a token signed with another key',
      () => sign({ tenant_id: 'x' }, { secret: 'another-secret-another-secret-another-secret' }),
      /signature/,
    ],
    ['a token for another audience', () => sign({ tenant_id: 'x' }, { audience: 'someone-else' }), /aud/],
    [
      'a token from another issuer',
      () => sign({ tenant_id: 'x' }, { issuer: 'https://evil.example' }),
      /iss/,
    ],
    ['an expired token', () => sign({ tenant_id: 'x' }, { expires: '-1m' }), /expired/],
    ['a token without a tenant claim', () => sign({ sub: 'u' }), /tenant_id/],
    ['a tenant claim that is not an id', () => sign({ tenant_id: '../../etc' }), /tenant_id/],
  ];
  for (const [name, token, message] of refusals) {
    it(`refuses ${name} with 401 UNAUTHENTICATED and says why`, async () => {
      const response = await api.graphql(query, {}, { token: await token() });
      expect(response.status).toBe(401);
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(response.errors?.[0]?.message).toMatch(message);
    });
  }

  it('creates the tenant on first sight of a verified id', async () => {
    const fresh = `fresh-${Date.now()}`;
    const response = await api.graphql(query, {}, { token: await tokenFor(fresh) });
    expect(response.data).toEqual({ viewer: { tenantId: fresh, devMode: false } });
  });
});
