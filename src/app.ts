import type { Logger } from 'pino';
import { createAuthenticator } from './auth/authenticate.ts';
import { CallerIdentityCache } from './aws/caller-identity.ts';
import { RoleSessionCache, readCaBundle } from './aws/clients.ts';
import type { Config } from './config.ts';
import { loadMasterKey } from './connectors/crypto.ts';
import { type AppServices, type Clock, systemClock } from './context.ts';
import { type Database, openDatabase } from './db/client.ts';
import { migrateDatabase } from './db/migrate.ts';
import { EventBus } from './events/bus.ts';
import { createLogger } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { type JobSettings, SyncJobs } from './sync/jobs.ts';
import { RateLimiter } from './sync/rate-limiter.ts';

export interface App extends AppServices {
  close(): Promise<void>;
}

export interface AppOptions {
  log?: Logger;
  database?: Database;
  clock?: Clock;
  /**
   * The job engine: 'api' to queue runs and keep schedules, 'worker' to also fire schedules and
   * supervise jobs, false for none (tests and scripts that queue nothing). Default: from the role.
   */
  jobs?: 'api' | 'worker' | false;
  jobSettings?: Partial<JobSettings>;
}

/** Everything the service needs before it opens a port: database (migrated), events, jobs, metrics, auth. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const log = options.log ?? createLogger(config.logLevel);
  // A database handed in (tests share one across servers) stays open when the app closes.
  const ownsDatabase = options.database === undefined;
  const database =
    options.database ??
    (await openDatabase({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      poolMax: config.databasePoolMax,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
    }));
  try {
    await migrateDatabase(database);
  } catch (error) {
    if (ownsDatabase) await database.close();
    throw error;
  }
  log.info(
    { driver: database.driver, dataDir: database.driver === 'pglite' ? config.dataDir : undefined },
    'database ready',
  );
  if (!config.auth) {
    log.warn(
      'DEV MODE: no AUTH_JWKS_URL or AUTH_JWT_SECRET is set, so every request acts for the single tenant "dev" without authentication. Never expose this instance.',
    );
  }
  const masterKey = loadMasterKey(config.masterKey, config.dataDir, log);
  const transport = {
    caBundlePem: readCaBundle(config.awsCaBundle),
    allowCustomEndpoints: config.allowCustomEndpoints,
    endpointAllowList: config.endpointAllowList,
    callDeadlineMs: config.awsCallDeadlineSeconds * 1000,
  };
  const eventBus = new EventBus(database, log);
  await eventBus.start();
  const metrics = createMetrics(database.driver, database.poolMax);
  const clock = options.clock ?? systemClock;
  const jobsRole = options.jobs ?? (config.role === 'api' ? 'api' : 'worker');
  const jobs = jobsRole
    ? await SyncJobs.start(database, log, {
        worker: jobsRole === 'worker',
        settings: {
          heartbeatSeconds: config.jobs.heartbeatSeconds,
          pollingIntervalSeconds: config.jobs.pollSeconds,
          retryDelaySeconds: config.jobs.retryDelaySeconds,
          retryLimit: config.jobs.retryLimit,
          queue: config.jobs.queue,
          ...options.jobSettings,
        },
      })
    : undefined;
  return {
    config,
    masterKey,
    aws: {
      transport,
      roleSessions: new RoleSessionCache(() => clock.now().getTime()),
      limiter: new RateLimiter(),
      callerIdentities: new CallerIdentityCache(),
    },
    database,
    eventBus,
    log,
    metrics,
    authenticate: createAuthenticator(config.auth),
    clock,
    jobs,
    async close() {
      await jobs?.stop({ graceful: true, timeoutMs: config.shutdownGraceMs });
      await eventBus.stop();
      metrics.close();
      if (ownsDatabase) await database.close();
    },
  };
}
