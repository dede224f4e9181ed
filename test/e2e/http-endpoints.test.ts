import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { startTestServer, type TestServer, tokenFor } from '../support/server.ts';

let database: Database;
let api: TestServer;
let base: string;
let tenantId: string;

beforeAll(async () => {
  database = await openTestDatabase();
  api = await startTestServer(database, { GRAPHQL_METRICS_OPERATIONS: 'DashboardCounts' });
  base = api.url.replace(/\/graphql$/, '');
  tenantId = await newTenant(database);
});

afterAll(async () => {
  await api?.close();
  await database?.close();
});

describe('operational endpoints', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'ok' });
  });

  it('exposes Prometheus metrics per operation and for the database', async () => {
    await api.graphql('query DashboardCounts { findingStats { total } }', {}, { tenantId });
    const text = await api.metrics();
    expect(text).toMatch(
      /hubgraph_graphql_requests_total\{operation="DashboardCounts",type="query",outcome="ok"\} 1/,
    );
    expect(text).toMatch(
      /hubgraph_graphql_request_duration_seconds_bucket\{le="[^"]+",operation="DashboardCounts",type="query"\}/,
    );
    expect(text).toMatch(/hubgraph_db_statements_total\{driver="(postgres|pglite)"\} \d+/);
    expect(text).toMatch(/hubgraph_db_pool_max_connections/);
    expect(text).toMatch(/hubgraph_process_cpu_seconds_total/);
  });

  it('echoes a sane x-request-id and puts it on errors', async () => {
    const response = await fetch(api.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'trace-123',
        authorization: `Bearer ${await tokenFor(tenantId)}`,
      },
      body: JSON.stringify({ query: '{ findings(first: 9999) { totalCount } }' }),
    });
    expect(response.headers.get('x-request-id')).toBe('trace-123');
    const body = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', requestId: 'trace-123' });
  });

  it('answers unknown paths with 404 and malformed JSON with 400', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    const response = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(response.status).toBe(400);
  });

  it('does not answer inline tracing requests unless configured to', async () => {
    const response = await fetch(api.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'apollo-federation-include-trace': 'ftv1',
        authorization: `Bearer ${await tokenFor(tenantId)}`,
      },
      body: JSON.stringify({ query: '{ viewer { tenantId } }' }),
    });
    const body = (await response.json()) as { extensions?: Record<string, unknown> };
    expect(body.extensions?.ftv1).toBeUndefined();
  });

  it('blocks a simple cross-site GET request (CSRF prevention)', async () => {
    const response = await fetch(`${api.url}?query=${encodeURIComponent('{ viewer { tenantId } }')}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/i);
  });

  it('limits query depth and aliases', async () => {
    const nested = (depth: number): string =>
      depth === 0 ? 'id' : `asset { findings { nodes { ${nested(depth - 1)} } } }`;
    const deep = await api.graphql(`{ findings { nodes { ${nested(6)} } } }`, {}, { tenantId });
    expect(deep.errors?.[0]?.message).toMatch(/depth/i);
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: viewer { tenantId }`).join(' ');
    const wide = await api.graphql(`{ ${aliases} }`, {}, { tenantId });
    expect(wide.errors?.[0]?.message).toMatch(/alias/i);
  });
});
