import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Database } from '../../src/db/client.ts';
import { ingestFindingsPage } from '../../src/findings/ingest.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { anInspectorEc2Finding } from '../support/factories.ts';
import { startTestServer, type TestServer, tokenFor } from '../support/server.ts';

// Issue 12, row 4: 30 aliased `findingStats` (inside the cost limit) took 1.1 s each, and 20 of
// them in parallel blocked another tenant's request for 23 s. `findingStats` now counts at its
// real cost, and each tenant spends from a budget of its own (a token bucket), on HTTP and
// WebSocket alike. (The latency another tenant sees under such a flood is a benchmark: bench/.)

let database: Database;
let api: TestServer;

beforeAll(async () => {
  database = await openTestDatabase();
  api = await startTestServer(database, {
    NODE_ENV: 'production',
    HUBGRAPH_MASTER_KEY: 'b'.repeat(64),
    // A budget of ten findingStats at once, refilled at one per second.
    GRAPHQL_TENANT_COST_BURST: '50000',
    GRAPHQL_TENANT_COST_PER_SECOND: '5000',
  });
});

afterAll(async () => {
  await api?.close();
  await database?.close();
});

const stats = (count: number) =>
  `{ ${Array.from({ length: count }, (_, i) => `s${i}: findingStats { total }`).join(' ')} }`;

async function post(tenantId: string, query: string) {
  const response = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor(tenantId)}` },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as {
      data?: unknown;
      errors?: { message: string; extensions: Record<string, unknown> }[];
    },
  };
}

describe('findingStats at its real cost (row 4)', () => {
  it('refuses 30 aliased findingStats with 400, saying the limit and by how much', async () => {
    const tenantId = await newTenant(database);
    const response = await post(tenantId, stats(30));
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(
        /^Operation cost 150000 is over the limit of 50000 \(GRAPHQL_MAX_COST\) by 100000/,
      ),
      extensions: { code: 'LIMIT_EXCEEDED' },
    });
  });
});

describe('a budget per tenant (row 4)', () => {
  it("refuses a flooding tenant's operations with 429 and Retry-After once its budget is spent; another tenant is served", async () => {
    const [flooder, neighbour] = [await newTenant(database), await newTenant(database)];
    await ingestFindingsPage(database.db, neighbour, [anInspectorEc2Finding(), anInspectorEc2Finding()]);
    const flood = await Promise.all(Array.from({ length: 20 }, () => post(flooder, stats(10))));
    const served = flood.filter((response) => response.status === 200);
    const refused = flood.filter((response) => response.status === 429);
    // The burst pays for one operation of ten (maybe two, if a second's refill lands in between).
    expect(served.length).toBeGreaterThanOrEqual(1);
    expect(served.length).toBeLessThanOrEqual(2);
    expect(refused.length).toBe(20 - served.length);
    for (const response of refused) {
      expect(Number(response.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(response.body.errors?.[0]).toMatchObject({
        message: expect.stringContaining('GRAPHQL_TENANT_COST_PER_SECOND'),
        extensions: { code: 'RATE_LIMITED', cost: 50_000, retryAfterSeconds: Number(response.retryAfter) },
      });
    }
    const other = await post(neighbour, '{ findings(first: 10) { totalCount nodes { awsId } } }');
    expect(other.status).toBe(200);
    expect(other.body.data).toMatchObject({ findings: { totalCount: 2 } });
  });

  it('is one budget over HTTP and WebSocket: what one door spent, the other cannot', async () => {
    const tenantId = await newTenant(database);
    expect((await post(tenantId, stats(10))).status).toBe(200);
    const client = createClient({
      url: api.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${await tokenFor(tenantId)}` },
    });
    try {
      const result = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: stats(10) }, { next: resolve, error: resolve, complete: () => {} });
      });
      expect(JSON.stringify(result)).toContain('RATE_LIMITED');
    } finally {
      await client.dispose();
    }
  });
});
