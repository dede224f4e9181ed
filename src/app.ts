import type { Logger } from 'pino';
import { createAuthenticator } from './auth/authenticate.ts';
import { RoleSessionCache, readCaBundle } from './aws/clients.ts';
import type { Config } from './config.ts';
import { loadMasterKey } from './connectors/crypto.ts';
import { type Database, openDatabase } from './db/client.ts';
import { migrateDatabase } from './db/migrate.ts';
import { EventBus } from './events/bus.ts';
import type { AppServices } from './graphql/context.ts';
import { createLogger } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';

export interface App extends AppServices {
  close(): Promise<void>;
}

/** Everything the service needs before it opens a port: database (migrated), events, metrics, auth. */
export async function createApp(
  config: Config,
  options: { log?: Logger; database?: Database } = {},
): Promise<App> {
  const log = options.log ?? createLogger(config.logLevel);
  // A database handed in (tests share one across servers) stays open when the app closes.
  const ownsDatabase = options.database === undefined;
  const database =
    options.database ??
    (await openDatabase({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      poolMax: config.databasePoolMax,
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
  };
  const eventBus = new EventBus(database, log);
  await eventBus.start();
  const metrics = createMetrics(database.driver, database.poolMax);
  return {
    config,
    masterKey,
    aws: { transport, roleSessions: new RoleSessionCache() },
    database,
    eventBus,
    log,
    metrics,
    authenticate: createAuthenticator(config.auth),
    async close() {
      await eventBus.stop();
      metrics.close();
      if (ownsDatabase) await database.close();
    },
  };
}
