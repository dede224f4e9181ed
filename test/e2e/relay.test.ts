import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { ingestFindingsPage } from '../../src/findings/ingest.ts';
import { parseGlobalId, toGlobalId } from '../../src/global-id.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { anEc2Instance, anInspectorEc2Finding } from '../support/factories.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// Relay's Object Identification over the running service: every Node's `id` is a global id that
// `node(id:)` and `nodes(ids:)` fetch again, scoped to the caller's tenant, and that federation
// references (`_entities`) accept as the entity key.

let database: Database;
let api: TestServer;
let owner: string;
let stranger: string;
/** One object of each Node type, in the owner's tenant, by type name. */
let ownerNodes: Record<string, string>;
let strangerFindingId: string;

interface Errors {
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

beforeAll(async () => {
  database = await openTestDatabase();
  // Its connector reads with the service's own identity, which tenants may use only when listed.
  api = await startTestServer(database, { HUBGRAPH_DEFAULT_CHAIN_TENANTS: '*' });
  owner = await newTenant(database, 'owner');
  stranger = await newTenant(database, 'stranger');
  await ingestFindingsPage(database.db, owner, [anInspectorEc2Finding({ asset: anEc2Instance() })]);
  await ingestFindingsPage(database.db, stranger, [anInspectorEc2Finding({ asset: anEc2Instance() })]);

  const created = await api.graphql<{ connectorCreate: { connector: { id: string } } }>(
    `mutation { connectorCreate(input: {
        name: "relay", regions: ["us-east-1"], auth: { mode: DEFAULT_CHAIN }
      }) { connector { id } userErrors { message } } }`,
    {},
    { tenantId: owner },
  );
  const connectorId = created.data!.connectorCreate.connector.id;
  const run = await api.graphql<{ connectorRunNow: { run: { id: string } } }>(
    'mutation($id: ID!) { connectorRunNow(input: { id: $id }) { run { id } userErrors { message } } }',
    { id: connectorId },
    { tenantId: owner },
  );
  const clone = await api.graphql<{ transformMapClone: { transformMap: { id: string } } }>(
    'mutation { transformMapClone(input: { id: "aws-security-hub-vulnerability", name: "Mine" }) { transformMap { id } } }',
    {},
    { tenantId: owner },
  );
  const listed = await api.graphql<{ findings: { nodes: { id: string; asset: { id: string } }[] } }>(
    '{ findings { nodes { id asset { id } } } }',
    {},
    { tenantId: owner },
  );
  const finding = listed.data!.findings.nodes[0]!;
  ownerNodes = {
    Finding: finding.id,
    Asset: finding.asset.id,
    Connector: connectorId,
    ConnectorRun: run.data!.connectorRunNow.run.id,
    TransformMap: clone.data!.transformMapClone.transformMap.id,
  };
  const theirs = await api.graphql<{ findings: { nodes: { id: string }[] } }>(
    '{ findings { nodes { id } } }',
    {},
    { tenantId: stranger },
  );
  strangerFindingId = theirs.data!.findings.nodes[0]!.id;
});

afterAll(async () => {
  await api?.close();
  await database?.close();
});

const NODE_FIELDS = /* GraphQL */ `
  __typename
  id
  ... on Finding { findingName }
  ... on Asset { resourceArn }
  ... on Connector { name }
  ... on ConnectorRun { status connector { id } }
  ... on TransformMap { name builtIn }
`;

describe('global ids', () => {
  it('are opaque strings that carry the type and the stored key', () => {
    for (const [type, id] of Object.entries(ownerNodes)) {
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(parseGlobalId(id)).toEqual({ type, key: expect.any(String) });
    }
  });

  it('name the built-in map by its key', async () => {
    const response = await api.graphql<{ transformMaps: { nodes: { id: string; key: string | null }[] } }>(
      '{ transformMaps { nodes { id key } } }',
      {},
      { tenantId: owner },
    );
    const builtIn = response.data!.transformMaps.nodes.find((map) => map.key !== null)!;
    expect(builtIn.id).toBe(toGlobalId('TransformMap', builtIn.key!));
  });
});

describe('node(id:)', () => {
  it('round-trips every Node type: the id fetches the same object again', async () => {
    for (const [type, id] of Object.entries(ownerNodes)) {
      const response = await api.graphql<{ node: Record<string, unknown> | null }>(
        `query($id: ID!) { node(id: $id) { ${NODE_FIELDS} } }`,
        { id },
        { tenantId: owner },
      );
      expect(response.errors, type).toBeUndefined();
      expect(response.data!.node, type).toMatchObject({ __typename: type, id });
    }
  });

  it('gives the ConnectorRun with its connector, both by global id', async () => {
    const response = await api.graphql<{ node: { connector: { id: string } } }>(
      `query($id: ID!) { node(id: $id) { ${NODE_FIELDS} } }`,
      { id: ownerNodes.ConnectorRun },
      { tenantId: owner },
    );
    expect(response.data!.node.connector.id).toBe(ownerNodes.Connector);
  });

  it("answers null for another tenant's object, as for one that does not exist", async () => {
    for (const id of [strangerFindingId, toGlobalId('Finding', randomUUID())]) {
      const response = await api.graphql<{ node: unknown; finding: unknown }>(
        'query($id: ID!) { node(id: $id) { id } finding(id: $id) { id } }',
        { id },
        { tenantId: owner },
      );
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({ node: null, finding: null });
    }
  });

  it("answers null for every type of another tenant's object", async () => {
    for (const [type, id] of Object.entries(ownerNodes)) {
      const response = await api.graphql<{ node: unknown }>(
        'query($id: ID!) { node(id: $id) { id } }',
        { id },
        { tenantId: stranger },
      );
      expect(response.data!.node, type).toBeNull();
    }
  });

  it('refuses a malformed id with BAD_USER_INPUT, naming the argument', async () => {
    const bareUuid = parseGlobalId(ownerNodes.Finding!)!.key;
    for (const id of ['not an id', bareUuid, toGlobalId('Finding', 'x').replace(/^R/, 'Q'), '']) {
      const response = await api.graphql<{ node: unknown }>(
        'query($id: ID!) { node(id: $id) { id } }',
        { id },
        { tenantId: owner },
      );
      expect(response.data?.node ?? null, id).toBeNull();
      expect(response.errors?.[0]?.extensions, id).toMatchObject({
        code: 'BAD_USER_INPUT',
        argumentPath: ['id'],
      });
      expect(response.errors?.[0]?.message).toMatch(/not a global id/);
    }
  });
});

describe('nodes(ids:)', () => {
  it('keeps the order of the ids, with null for unknown and foreign ones', async () => {
    const ids = [
      ownerNodes.ConnectorRun,
      toGlobalId('Asset', randomUUID()),
      ownerNodes.Finding,
      strangerFindingId,
      ownerNodes.TransformMap,
      ownerNodes.Asset,
      ownerNodes.Connector,
      ownerNodes.Finding,
    ];
    const response = await api.graphql<{ nodes: ({ __typename: string; id: string } | null)[] }>(
      'query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }',
      { ids },
      { tenantId: owner },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.nodes.map((node) => node?.id ?? null)).toEqual([
      ownerNodes.ConnectorRun,
      null,
      ownerNodes.Finding,
      null,
      ownerNodes.TransformMap,
      ownerNodes.Asset,
      ownerNodes.Connector,
      ownerNodes.Finding,
    ]);
    expect(response.data!.nodes.map((node) => node?.__typename ?? null)).toEqual([
      'ConnectorRun',
      null,
      'Finding',
      null,
      'TransformMap',
      'Asset',
      'Connector',
      'Finding',
    ]);
  });

  it('fails as a whole on a malformed id, naming its index', async () => {
    const response = await api.graphql<{ nodes: unknown } & Errors>(
      'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      { ids: [ownerNodes.Finding, 'garbage'] },
      { tenantId: owner },
    );
    expect(response.data).toBeNull();
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argumentPath: ['ids', 1],
    });
  });

  it('refuses more than 100 ids', async () => {
    const response = await api.graphql<{ nodes: unknown }>(
      'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      { ids: Array.from({ length: 101 }, () => ownerNodes.Finding) },
      { tenantId: owner },
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath: ['ids'] });
  });
});

describe('ids as arguments', () => {
  it('are taken as global ids, or as the bare key the object had before global ids', async () => {
    const bare = parseGlobalId(ownerNodes.Finding!)!.key;
    const response = await api.graphql<{
      byGlobal: { id: string };
      byBare: { id: string };
      filtered: { nodes: { id: string }[] };
    }>(
      `query($global: ID!, $bare: ID!, $asset: ID!) {
        byGlobal: finding(id: $global) { id }
        byBare: finding(id: $bare) { id }
        filtered: findings(filter: { ids: [$global, $bare], assetIds: [$asset] }) { nodes { id } }
      }`,
      { global: ownerNodes.Finding, bare, asset: ownerNodes.Asset },
      { tenantId: owner },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.byGlobal.id).toBe(ownerNodes.Finding);
    expect(response.data!.byBare.id).toBe(ownerNodes.Finding);
    expect(response.data!.filtered.nodes).toEqual([{ id: ownerNodes.Finding }]);
  });

  it('refuses an id of another type with BAD_USER_INPUT, saying which type it is', async () => {
    const response = await api.graphql<{ finding: unknown }>(
      'query($id: ID!) { finding(id: $id) { id } }',
      { id: ownerNodes.Connector },
      { tenantId: owner },
    );
    expect(response.errors?.[0]).toMatchObject({
      message: expect.stringContaining('is the id of a Connector; a Finding id is expected here'),
      extensions: { code: 'BAD_USER_INPUT', argumentPath: ['id'] },
    });
  });

  it('go through mutations: a run is asked for by the connector id the API returned', async () => {
    const response = await api.graphql<{
      connectorRunNow: { run: { id: string; connector: { id: string } } };
    }>(
      'mutation($id: ID!) { connectorRunNow(input: { id: $id }) { run { id connector { id } } userErrors { message } } }',
      { id: ownerNodes.Connector },
      { tenantId: owner },
    );
    expect(response.data!.connectorRunNow.run).toEqual({
      id: ownerNodes.ConnectorRun,
      connector: { id: ownerNodes.Connector },
    });
  });
});

describe('federation references', () => {
  const ENTITIES = /* GraphQL */ `
    query($representations: [_Any!]!) {
      _entities(representations: $representations) {
        __typename
        ... on Finding { id }
        ... on Asset { id }
        ... on Connector { id }
        ... on TransformMap { id }
      }
    }
  `;

  it('resolve `_entities` by global id, and by the bare key older references hold', async () => {
    const representations = [
      { __typename: 'Finding', id: ownerNodes.Finding },
      { __typename: 'Finding', id: parseGlobalId(ownerNodes.Finding!)!.key },
      { __typename: 'Asset', id: ownerNodes.Asset },
      { __typename: 'Connector', id: ownerNodes.Connector },
      { __typename: 'TransformMap', id: ownerNodes.TransformMap },
      { __typename: 'TransformMap', id: 'aws-security-hub-vulnerability' },
    ];
    const response = await api.graphql<{ _entities: ({ __typename: string; id: string } | null)[] }>(
      ENTITIES,
      { representations },
      { tenantId: owner },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual([
      { __typename: 'Finding', id: ownerNodes.Finding },
      { __typename: 'Finding', id: ownerNodes.Finding },
      { __typename: 'Asset', id: ownerNodes.Asset },
      { __typename: 'Connector', id: ownerNodes.Connector },
      { __typename: 'TransformMap', id: ownerNodes.TransformMap },
      { __typename: 'TransformMap', id: toGlobalId('TransformMap', 'aws-security-hub-vulnerability') },
    ]);
  });

  it("resolve another tenant's references to null", async () => {
    const response = await api.graphql<{ _entities: unknown[] }>(
      ENTITIES,
      { representations: [{ __typename: 'Finding', id: strangerFindingId }] },
      { tenantId: owner },
    );
    expect(response.data!._entities).toEqual([null]);
  });
});
