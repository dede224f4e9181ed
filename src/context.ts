import type { Logger } from 'pino';
import type { Authenticator } from './auth/authenticate.ts';
import type { CallerIdentityCache } from './aws/caller-identity.ts';
import type { AwsTransport, RoleSessionCache } from './aws/clients.ts';
import type { Config } from './config.ts';
import type { MasterKey } from './connectors/crypto.ts';
import type { Database, Db } from './db/client.ts';
import type { EventBus } from './events/bus.ts';
import type { Metrics } from './observability/metrics.ts';
import type { SyncJobs } from './sync/jobs.ts';
import type { RateLimiter } from './sync/rate-limiter.ts';

// What the domain services run with. A resolver, the sync worker and a CLI script each build a
// TenantContext and call the same service functions; no service knows which of them called it.

/** The time as the service sees it; tests and the emulator-driven demo pass their own. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** What lives as long as the process: shared by every request, job and script. */
export interface AppServices {
  config: Config;
  /** Seals connector secrets at rest. */
  masterKey: MasterKey;
  /**
   * `limiter`: AWS's request quotas per account, Region and operation, shared by everything this
   * process sends (the sync's reads, write-back's updates). `callerIdentities`: who each source
   * identity is to AWS (the principal of a trust policy).
   */
  aws: {
    transport: AwsTransport;
    roleSessions: RoleSessionCache;
    limiter: RateLimiter;
    callerIdentities: CallerIdentityCache;
  };
  database: Database;
  eventBus: EventBus;
  log: Logger;
  metrics: Metrics;
  authenticate: Authenticator;
  clock: Clock;
  /** The job engine's face for connector runs; absent in processes that run no jobs (scripts). */
  jobs?: SyncJobs;
}

/** One tenant's view of the service: every statement a service issues is scoped to `tenantId`. */
export interface TenantContext {
  readonly tenantId: string;
  readonly db: Db;
  readonly events: EventBus;
  readonly clock: Clock;
  readonly log: Logger;
  readonly app: AppServices;
}

export function tenantContext(app: AppServices, tenantId: string, log?: Logger): TenantContext {
  return {
    tenantId,
    db: app.database.db,
    events: app.eventBus,
    clock: app.clock,
    log: log ?? app.log.child({ tenantId }),
    app,
  };
}
