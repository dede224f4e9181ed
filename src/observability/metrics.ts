import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { onStatement } from '../db/statements.ts';

// Prometheus metrics: one registry per service instance (tests start several in one process).
export interface Metrics {
  registry: Registry;
  graphqlRequests: Counter<'operation' | 'type' | 'outcome'>;
  graphqlDuration: Histogram<'operation' | 'type'>;
  activeSubscriptions: Gauge<'operation'>;
  dbStatements: Counter<'driver'>;
  dbPoolMax: Gauge<'driver'>;
  close(): void;
}

export function createMetrics(driver: string, poolMax: number): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hubgraph_' });
  const graphqlRequests = new Counter({
    name: 'hubgraph_graphql_requests_total',
    help: 'GraphQL operations by name, type and outcome (ok, error)',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registers: [registry],
  });
  const graphqlDuration = new Histogram({
    name: 'hubgraph_graphql_request_duration_seconds',
    help: 'GraphQL operation latency by name and type',
    labelNames: ['operation', 'type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const activeSubscriptions = new Gauge({
    name: 'hubgraph_graphql_active_subscriptions',
    help: 'Open GraphQL subscriptions by operation name',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  const dbStatements = new Counter({
    name: 'hubgraph_db_statements_total',
    help: 'SQL statements issued',
    labelNames: ['driver'] as const,
    registers: [registry],
  });
  const dbPoolMax = new Gauge({
    name: 'hubgraph_db_pool_max_connections',
    help: 'Connections the database pool may open',
    labelNames: ['driver'] as const,
    registers: [registry],
  });
  dbPoolMax.set({ driver }, poolMax);
  const stopCounting = onStatement(() => dbStatements.inc({ driver }));
  return {
    registry,
    graphqlRequests,
    graphqlDuration,
    activeSubscriptions,
    dbStatements,
    dbPoolMax,
    close: stopCounting,
  };
}
