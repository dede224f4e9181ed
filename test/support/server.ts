import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { SignJWT } from 'jose';
import { type App, type AppOptions, createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/client.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { type RunningServer, startServer } from '../../src/server.ts';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
export const TEST_ISSUER = 'https://auth.test.hubgraph';
export const TEST_AUDIENCE = 'hubgraph';
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface TestServer {
  app: App;
  server: RunningServer;
  url: string;
  /** The /metrics text, fetched with the metrics token. */
  metrics(): Promise<string>;
  /** Every log line the server wrote (JSON), for tests that check what is (not) logged. */
  logs: string[];
  /** POSTs a GraphQL operation as the given tenant. */
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { tenantId?: string; token?: string | null; headers?: Record<string, string> },
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/** A token for a tenant, signed as the identity provider would. */
export function tokenFor(tenantId: string, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ tenant_id: tenantId, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(TEST_ISSUER)
    .setAudience(TEST_AUDIENCE)
    .setSubject('user-1')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

/**
 * The real service on a random port, over a shared test database, with JWT auth on (so each test
 * can act as its own tenant).
 */
export async function startTestServer(
  database: Database,
  env: Record<string, string> = {},
  options: Pick<AppOptions, 'jobs' | 'jobSettings' | 'clock'> = {},
): Promise<TestServer> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    AUTH_ISSUER: TEST_ISSUER,
    AUTH_AUDIENCE: TEST_AUDIENCE,
    HUBGRAPH_METRICS_TOKEN: TEST_METRICS_TOKEN,
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  // The job engine queues runs and keeps schedules; tests that run syncs start a worker of their own.
  const app = await createApp(config, {
    database,
    log: createLogger(config.logLevel, sink),
    jobs: 'api',
    ...options,
    // A queue of its own: what this server queues is never taken by another test's worker.
    jobSettings: { queue: `connector-run-${randomUUID().slice(0, 8)}`, ...options.jobSettings },
  });
  const server = await startServer(app, { port: 0, host: '127.0.0.1' });
  return {
    app,
    server,
    url: server.url,
    logs,
    async metrics() {
      const response = await fetch(server.metricsUrl ?? server.url.replace(/\/graphql$/, '/metrics'), {
        headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` },
      });
      if (response.status !== 200)
        throw new Error(`/metrics answered ${response.status}: ${await response.text()}`);
      return response.text();
    },
    async graphql(query, variables, options = {}) {
      const token =
        options.token !== undefined
          ? options.token
          : options.tenantId
            ? await tokenFor(options.tenantId)
            : null;
      const response = await fetch(server.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphQLResponse, 'status'>;
      return { status: response.status, ...body } as GraphQLResponse<never>;
    },
    async close() {
      await server.stop();
      await app.close();
    },
  };
}
