import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { ingestFindingsPage } from '../../src/findings/ingest.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { anEc2Instance, anInspectorEc2Finding } from '../support/factories.ts';
import { startTestServer, type TestServer, tokenFor } from '../support/server.ts';

// The supergraph of docs/supergraph.md, exactly as documented: the subgraphs of supergraph.yaml,
// Hubgraph's SDL from the running service (as rover introspects it, with a JWT) and the others from
// their files.
const SUPERGRAPH_DIR = fileURLToPath(new URL('../../docs/supergraph/', import.meta.url));

interface DocumentedSubgraph {
  name: string;
  routingUrl: string;
  file?: string;
}

/** The subgraphs of supergraph.yaml (our own file: two-space nesting, one key per line). */
function documentedSubgraphs(): DocumentedSubgraph[] {
  const subgraphs: DocumentedSubgraph[] = [];
  for (const line of readFileSync(`${SUPERGRAPH_DIR}supergraph.yaml`, 'utf8').split('\n')) {
    const name = /^ {2}([\w-]+):\s*$/.exec(line)?.[1];
    if (name) subgraphs.push({ name, routingUrl: '' });
    const current = subgraphs.at(-1);
    const routingUrl = /^\s+routing_url:\s*(\S+)/.exec(line)?.[1];
    if (current && routingUrl) current.routingUrl = routingUrl;
    const file = /^\s+file:\s*(\S+)/.exec(line)?.[1];
    if (current && file) current.file = file;
  }
  return subgraphs;
}

const COMPANION_SDL = readFileSync(`${SUPERGRAPH_DIR}tickets.graphql`, 'utf8');

let database: Database;
let api: TestServer;
let tenantId: string;
let sdl: string;

beforeAll(async () => {
  database = await openTestDatabase();
  api = await startTestServer(database);
  tenantId = await newTenant(database);
  const response = await api.graphql<{ _service: { sdl: string } }>('{ _service { sdl } }', {}, { tenantId });
  sdl = response.data!._service.sdl;
});

afterAll(async () => {
  await api?.close();
  await database?.close();
});

describe('subgraph SDL', () => {
  it('publishes one federation @link and the entity keys', () => {
    expect(sdl.match(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/g)).toHaveLength(1);
    expect(sdl).toMatch(
      /type Finding implements Node @key\(fields: "id"\) @key\(fields: "productArn awsId"\)/,
    );
    expect(sdl).toMatch(/type Asset implements Node @key\(fields: "id"\) @key\(fields: "resourceArn"\)/);
    expect(sdl).toMatch(/type Connector implements Node @key\(fields: "id"\)/);
    expect(sdl).toMatch(/type TransformMap implements Node @key\(fields: "id"\)/);
    expect(sdl).toMatch(/type PageInfo @shareable/);
  });
});

describe('composition', () => {
  it('composes with a subgraph that references Asset by resourceArn and Finding by id', () => {
    const result = composeServices([
      { name: 'findings', typeDefs: parse(sdl), url: 'http://findings' },
      { name: 'tickets', typeDefs: parse(COMPANION_SDL), url: 'http://tickets' },
    ]);
    expect(result.errors).toBeUndefined();
    expect(result.supergraphSdl).toContain('@join__type(graph: FINDINGS, key: "id")');
    expect(result.supergraphSdl).toContain('@join__type(graph: FINDINGS, key: "resourceArn")');
    expect(result.supergraphSdl).toContain('@join__type(graph: TICKETS, key: "resourceArn")');
    // Relay's Node: Hubgraph's entities implement it in the supergraph, and `node` is Hubgraph's.
    expect(result.supergraphSdl).toContain('@join__implements(graph: FINDINGS, interface: "Node")');
    expect(result.supergraphSdl).toMatch(/node\(id: ID!\): Node @join__field\(graph: FINDINGS\)/);
  });

  it('composes the supergraph of docs/supergraph/supergraph.yaml', () => {
    const subgraphs = documentedSubgraphs();
    expect(subgraphs.map((subgraph) => subgraph.name)).toEqual(['hubgraph', 'tickets']);
    const result = composeServices(
      subgraphs.map((subgraph) => ({
        name: subgraph.name,
        url: subgraph.routingUrl,
        typeDefs: parse(subgraph.file ? readFileSync(`${SUPERGRAPH_DIR}${subgraph.file}`, 'utf8') : sdl),
      })),
    );
    expect(result.errors).toBeUndefined();
    expect(result.supergraphSdl).toContain(
      '@join__graph(name: "hubgraph", url: "http://hubgraph:4000/graphql")',
    );
    expect(result.supergraphSdl).toContain('@join__type(graph: TICKETS, key: "resourceArn")');
  });

  it('fails composition when a value type is shared without @shareable (the check is real)', () => {
    const unshared = COMPANION_SDL.replace('type PageInfo @shareable', 'type PageInfo');
    const result = composeServices([
      { name: 'findings', typeDefs: parse(sdl), url: 'http://findings' },
      { name: 'tickets', typeDefs: parse(unshared), url: 'http://tickets' },
    ]);
    expect(result.errors?.map((error) => error.extensions?.code)).toContain('INVALID_FIELD_SHARING');
  });
});

describe('a query through @apollo/gateway across both subgraphs', () => {
  let companion: { url: string; stop: () => Promise<void> };
  let gateway: ApolloServer;
  let findingIds: string[];

  beforeAll(async () => {
    const asset = anEc2Instance({ name: 'checkout-1' });
    const items = [
      anInspectorEc2Finding({ asset, severity: 'CRITICAL' }),
      anInspectorEc2Finding({ asset, severity: 'LOW' }),
    ];
    await ingestFindingsPage(database.db, tenantId, items);
    const ids = await api.graphql<{ findings: { nodes: { id: string }[] } }>(
      '{ findings(orderBy: { field: SEVERITY, direction: DESC }) { nodes { id } } }',
      {},
      { tenantId },
    );
    findingIds = ids.data!.findings.nodes.map((node) => node.id);

    const companionServer = new ApolloServer({
      schema: buildSubgraphSchema([
        {
          typeDefs: parse(COMPANION_SDL),
          resolvers: {
            Query: {
              tickets: () => ({
                nodes: findingIds.map((id, i) => ({
                  id: `T-${i + 1}`,
                  summary: `Fix finding ${i + 1}`,
                  finding: { id },
                })),
                pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
              }),
            },
            Asset: {
              owner: (asset: { resourceArn: string }) =>
                asset.resourceArn.includes(':instance/') ? 'team-checkout' : 'unknown',
              severityHeadline: (asset: { name: string | null }) => `Asset ${asset.name} needs attention`,
            },
          },
        },
      ]),
    });
    const { url } = await startStandaloneServer(companionServer, { listen: { port: 0, host: '127.0.0.1' } });
    companion = { url, stop: () => companionServer.stop() };

    const token = await tokenFor(tenantId);
    const apolloGateway = new ApolloGateway({
      supergraphSdl: new IntrospectAndCompose({
        subgraphs: [
          { name: 'findings', url: api.url },
          { name: 'tickets', url },
        ],
        introspectionHeaders: { authorization: `Bearer ${token}` },
      }),
      // The gateway forwards the caller's token, as a router would.
      buildService: ({ url: subgraphUrl }) =>
        new RemoteGraphQLDataSource({
          url: subgraphUrl,
          willSendRequest({ request }) {
            request.http?.headers.set('authorization', `Bearer ${token}`);
          },
        }),
    });
    gateway = new ApolloServer({ gateway: apolloGateway });
    await gateway.start();
  });

  afterAll(async () => {
    await gateway?.stop();
    await companion?.stop();
  });

  it("resolves tickets -> Hubgraph findings -> their asset -> the other team's owner field", async () => {
    const response = await gateway.executeOperation({
      query: `{ tickets { nodes { id finding { findingName findingSeverity asset { name owner severityHeadline } } } } }`,
    });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    expect(response.body.singleResult.errors).toBeUndefined();
    expect(response.body.singleResult.data).toEqual({
      tickets: {
        nodes: [
          {
            id: 'T-1',
            finding: {
              findingName: expect.stringMatching(/^CVE-/),
              findingSeverity: 5,
              asset: {
                name: 'checkout-1',
                owner: 'team-checkout',
                severityHeadline: 'Asset checkout-1 needs attention',
              },
            },
          },
          {
            id: 'T-2',
            finding: {
              findingName: expect.stringMatching(/^CVE-/),
              findingSeverity: 2,
              asset: {
                name: 'checkout-1',
                owner: 'team-checkout',
                severityHeadline: 'Asset checkout-1 needs attention',
              },
            },
          },
        ],
      },
    });
  });
});
