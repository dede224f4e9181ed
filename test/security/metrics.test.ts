import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { startTestServer, TEST_METRICS_TOKEN, type TestServer } from '../support/server.ts';

// Row 5 of issue 12: /metrics was open to anyone, and every operation name a client made up became
// a label — unbounded memory, and other tenants' operation names for whoever read it.

let database: Database;
let tenantId: string;

beforeAll(async () => {
  database = await openTestDatabase();
  tenantId = await newTenant(database);
});
afterAll(() => database?.close());

describe('/metrics on the service port', () => {
  let api: TestServer;
  let metricsUrl: string;
  beforeAll(async () => {
    api = await startTestServer(database, { GRAPHQL_METRICS_OPERATIONS: 'Dashboard, TriageList' });
    metricsUrl = api.url.replace(/\/graphql$/, '/metrics');
  });
  afterAll(() => api?.close());

  it('asks for the metrics token, in constant time, and names the setting', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong',
      `Bearer ${TEST_METRICS_TOKEN}x`,
      TEST_METRICS_TOKEN,
    ]) {
      const response = await fetch(metricsUrl, { headers: authorization ? { authorization } : {} });
      expect(response.status, String(authorization)).toBe(401);
      expect(((await response.json()) as { error: string }).error).toMatch(/HUBGRAPH_METRICS_TOKEN/);
    }
    const ok = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
  });

  it('labels only registered operation names; 500 made-up names add one label, not 500', async () => {
    await api.graphql('query Dashboard { viewer { tenantId } }', {}, { tenantId });
    for (let i = 0; i < 500; i++)
      await api.graphql(`query Probe${i} { viewer { tenantId } }`, {}, { tenantId });
    const text = await api.metrics();
    expect(text).toMatch(
      /hubgraph_graphql_requests_total\{operation="Dashboard",type="query",outcome="ok"\} 1/,
    );
    expect(text).toMatch(
      /hubgraph_graphql_requests_total\{operation="other",type="query",outcome="ok"\} 500/,
    );
    expect(text).not.toMatch(/Probe\d/);
  });
});

describe('/metrics without a token where tenants are', () => {
  it('is refused, saying how to serve it', async () => {
    const api = await startTestServer(database, { HUBGRAPH_METRICS_TOKEN: '' });
    try {
      const response = await fetch(api.url.replace(/\/graphql$/, '/metrics'));
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: string }).error).toMatch(
        /HUBGRAPH_METRICS_TOKEN.*HUBGRAPH_METRICS_PORT/,
      );
    } finally {
      await api.close();
    }
  });
});

describe('/metrics on a port of its own', () => {
  it('serves metrics and health there, and nothing of it on the service port', async () => {
    const api = await startTestServer(database, { HUBGRAPH_METRICS_TOKEN: '', HUBGRAPH_METRICS_PORT: '0' });
    try {
      expect(api.server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(api.server.metricsUrl).not.toContain(`:${api.server.port}/`);
      const metrics = await fetch(api.server.metricsUrl!);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/hubgraph_process_cpu_seconds_total/);
      expect((await fetch(api.server.metricsUrl!.replace('/metrics', '/healthz'))).status).toBe(200);
      expect((await fetch(api.server.metricsUrl!.replace('/metrics', '/graphql'))).status).toBe(404);
      const onService = await fetch(api.url.replace(/\/graphql$/, '/metrics'));
      expect(onService.status).toBe(404);
      expect(((await onService.json()) as { error: string }).error).toMatch(/HUBGRAPH_METRICS_PORT/);
    } finally {
      await api.close();
    }
  });
});
