import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { ingestFindingsPage } from '../../src/findings/ingest.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { anInspectorEc2Finding } from '../support/factories.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// Every argument of every root field, given something it must refuse: the answer is
// BAD_USER_INPUT with the argument's path and a message that says what is allowed.

let database: Database;
let api: TestServer;
let tenantId: string;

beforeAll(async () => {
  database = await openTestDatabase();
  api = await startTestServer(database);
  tenantId = await newTenant(database);
  await ingestFindingsPage(database.db, tenantId, [anInspectorEc2Finding()]);
});

afterAll(async () => {
  await api?.close();
  await database?.close();
});

const cases: [string, string, (string | number)[] | null][] = [
  ['findings(first)', '{ findings(first: 501) { totalCount } }', ['first']],
  ['findings(last)', '{ findings(last: -3) { totalCount } }', ['last']],
  ['findings(after)', '{ findings(after: "%%%") { totalCount } }', ['after']],
  ['findings(before)', '{ findings(before: "eyJ4IjoxfQ") { totalCount } }', ['before']],
  [
    'findings(filter)',
    '{ findings(filter: { detectionScore: { min: 101 } }) { totalCount } }',
    ['filter', 'detectionScore', 'min'],
  ],
  ['findings(orderBy)', '{ findings(orderBy: { field: RISK }) { totalCount } }', null],
  [
    'findingStats(filter)',
    '{ findingStats(filter: { connectorIds: ["x"] }) { total } }',
    ['filter', 'connectorIds', 0],
  ],
  ['assets(first)', '{ assets(first: 1000) { totalCount } }', ['first']],
  ['assets(after)', '{ assets(after: "nope") { totalCount } }', ['after']],
  [
    'assets(filter.riskScore)',
    '{ assets(filter: { riskScore: { max: 1001 } }) { totalCount } }',
    ['filter', 'riskScore', 'max'],
  ],
  [
    'assets(filter.criticalities)',
    '{ assets(filter: { criticalities: [0] }) { totalCount } }',
    ['filter', 'criticalities', 0],
  ],
  ['assets(filter.search)', '{ assets(filter: { search: "   " }) { totalCount } }', ['filter', 'search']],
  [
    'assets(filter.lastSeenAt)',
    '{ assets(filter: { lastSeenAt: { from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" } }) { totalCount } }',
    ['filter', 'lastSeenAt'],
  ],
  ['assets(orderBy)', '{ assets(orderBy: { field: RISK_SCORE, direction: SIDEWAYS }) { totalCount } }', null],
  ['Asset.findings(first)', '{ assets { nodes { findings(first: 900) { totalCount } } } }', ['first']],
  ['connectors(first)', '{ connectors(first: 501) { totalCount } }', ['first']],
  ['connectors(before)', '{ connectors(before: "zz") { totalCount } }', ['before']],
  ['transformMaps(last)', '{ transformMaps(last: 999) { totalCount } }', ['last']],
  ['transformMaps(after)', '{ transformMaps(after: "zz") { totalCount } }', ['after']],
  ['finding(id) of the wrong type', '{ finding(id: {}) { id } }', null],
  [
    'a date that is not a date',
    '{ findings(filter: { updatedAt: { from: "last tuesday" } }) { totalCount } }',
    null,
  ],
];

describe('bad input', () => {
  for (const [name, query, argumentPath] of cases) {
    it(`refuses bad ${name}`, async () => {
      const response = await api.graphql(query, {}, { tenantId });
      const error = response.errors?.[0];
      expect(error, JSON.stringify(response)).toBeDefined();
      if (argumentPath) {
        expect(error!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath });
      } else {
        // Refused by GraphQL validation or scalar parsing before any resolver ran.
        expect(['GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']).toContain(error!.extensions?.code);
        expect(response.status).toBe(400);
      }
      expect(error!.message.length).toBeGreaterThan(15);
    });
  }

  it('gives null for unknown or malformed ids on nullable fields', async () => {
    const response = await api.graphql(
      `{ a: finding(id: "00000000-0000-4000-8000-000000000000") { id } b: asset(id: "x") { id }
         c: connector(id: "y") { id } d: transformMap(id: "no-such-map") { id } }`,
      {},
      { tenantId },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ a: null, b: null, c: null, d: null });
  });
});
