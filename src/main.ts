import { createApp } from './app.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { DEFAULT_EXPORT_SETTINGS } from './export/service.ts';
import { startServer } from './server.ts';
import { syncSettingsOf } from './sync/settings.ts';
import { SyncWorker } from './sync/worker.ts';
import { DEFAULT_WRITE_BACK_SETTINGS } from './writeback/service.ts';

// Process entry: config -> database (migrated) -> job engine -> HTTP + WebSocket server and/or the
// sync worker (HUBGRAPH_ROLE=all|api|worker); graceful shutdown.

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const app = await createApp(config);
  const worker =
    config.role === 'api'
      ? undefined
      : new SyncWorker(app, app.jobs!, {
          concurrency: config.sync.concurrency,
          settings: syncSettingsOf(config),
          quotas: config.sync.quotas,
          writeBack: {
            ...DEFAULT_WRITE_BACK_SETTINGS,
            resumeAfterIdleMs: config.writeBack.resumeAfterSeconds * 1000,
          },
          export: {
            ...DEFAULT_EXPORT_SETTINGS,
            resumeAfterIdleMs: config.export.resumeAfterSeconds * 1000,
          },
        });
  await worker?.start();
  const server = await startServer(app, {
    port: config.port,
    host: config.host,
    graphql: config.role !== 'worker',
  });
  app.log.info(
    { url: server.url, role: config.role },
    config.role === 'worker'
      ? `Hubgraph worker is running connector syncs (health and metrics at ${server.url.replace(/\/graphql$/, '')})`
      : `Hubgraph is serving GraphQL at ${server.url}${worker ? ' and running connector syncs' : ''}`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: draining requests, subscriptions and runs');
    // Keeps the process alive until shutdown ends; if it hangs, exit loudly rather than silently.
    setTimeout(() => {
      app.log.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownGraceMs);
    try {
      await server.stop();
      await worker?.stop(config.shutdownGraceMs);
      await app.close();
      app.log.info('stopped');
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof DataDirLockedError) {
    process.stderr.write(`Hubgraph cannot start: ${error.message}\n`);
    process.exit(3);
  }
  process.stderr.write(
    `Hubgraph failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
