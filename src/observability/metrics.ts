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
  syncRuns: Counter<'status'>;
  syncActiveRuns: Gauge;
  syncRunDuration: Histogram<'connector'>;
  syncPages: Counter<'connector' | 'region'>;
  syncFindings: Counter<'connector' | 'outcome'>;
  syncThrottled: Counter<'connector' | 'region'>;
  syncRetries: Counter<'connector' | 'region'>;
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
  const syncRuns = new Counter({
    name: 'hubgraph_sync_runs_total',
    help: 'Connector runs that ended, by outcome (SUCCEEDED, FAILED, CANCELLED)',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const syncActiveRuns = new Gauge({
    name: 'hubgraph_sync_active_runs',
    help: 'Connector runs executing in this process',
    registers: [registry],
  });
  const syncRunDuration = new Histogram({
    name: 'hubgraph_sync_run_duration_seconds',
    help: 'How long connector run attempts took',
    labelNames: ['connector'] as const,
    buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600],
    registers: [registry],
  });
  const syncPages = new Counter({
    name: 'hubgraph_sync_pages_total',
    help: 'GetFindings pages written, by connector and Region asked',
    labelNames: ['connector', 'region'] as const,
    registers: [registry],
  });
  const syncFindings = new Counter({
    name: 'hubgraph_sync_findings_total',
    help: 'Findings read, by connector and outcome (created, updated, unchanged, rejected)',
    labelNames: ['connector', 'outcome'] as const,
    registers: [registry],
  });
  const syncThrottled = new Counter({
    name: 'hubgraph_sync_throttled_total',
    help: 'Requests AWS throttled (429), by connector and Region',
    labelNames: ['connector', 'region'] as const,
    registers: [registry],
  });
  const syncRetries = new Counter({
    name: 'hubgraph_sync_retries_total',
    help: 'Request attempts beyond the first, by connector and Region',
    labelNames: ['connector', 'region'] as const,
    registers: [registry],
  });
  const stopCounting = onStatement(() => dbStatements.inc({ driver }));
  return {
    registry,
    graphqlRequests,
    graphqlDuration,
    activeSubscriptions,
    dbStatements,
    dbPoolMax,
    syncRuns,
    syncActiveRuns,
    syncRunDuration,
    syncPages,
    syncFindings,
    syncThrottled,
    syncRetries,
    close: stopCounting,
  };
}

/**
 * The label an operation is counted under: its name only when an operator registered it
 * (GRAPHQL_METRICS_OPERATIONS). Client-chosen names as labels would let anyone grow the registry
 * without bound and show one tenant's operation names to whoever reads /metrics.
 */
export function operationLabel(allowed: ReadonlySet<string>, name: string | null | undefined): string {
  if (!name) return 'anonymous';
  return allowed.has(name) ? name : 'other';
}
