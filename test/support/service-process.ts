import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET, tokenFor } from './server.ts';
import { outputMatching, until } from './wait.ts';

// The service as a real process (`node src/main.ts`), on the suite's PostgreSQL or on a PGlite
// DATA_DIR of its own, with JWT auth so every test acts as its own tenant.

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  url: string;
  output: () => string;
  graphql<T>(tenantId: string, query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** A fresh PGlite data directory, or undefined on PostgreSQL (the suite's database). */
export function storageForProcesses(): { databaseUrl?: string; dataDir?: string } {
  const databaseUrl = inject('databaseUrl');
  return databaseUrl ? { databaseUrl } : { dataDir: mkdtempSync(join(tmpdir(), 'hubgraph-proc-')) };
}

/** How `npm start` runs the service: the module hooks preloaded, then the entry point. */
export const SERVICE_ARGS = ['--import', './src/module-hooks.ts', 'src/main.ts'];

export async function startServiceProcess(
  storage: { databaseUrl?: string; dataDir?: string },
  env: Record<string, string> = {},
  options: { waitReady?: boolean } = {},
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, SERVICE_ARGS, {
    env: {
      PATH: process.env.PATH,
      // A free port of the system's choosing (parallel test files never collide); read from the log.
      PORT: '0',
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      AUTH_ISSUER: TEST_ISSUER,
      AUTH_AUDIENCE: TEST_AUDIENCE,
      HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS: 'true',
      HUBGRAPH_ENDPOINT_ALLOWLIST: '127.0.0.0/8',
      HUBGRAPH_JOB_POLL_SECONDS: '0.5',
      HUBGRAPH_JOB_RETRY_DELAY_SECONDS: '0',
      ...(storage.databaseUrl ? { DATABASE_URL: storage.databaseUrl } : { DATA_DIR: storage.dataDir! }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const service: ServiceProcess = {
    child,
    port: 0,
    url: '',
    output: () => output,
    exited,
    async graphql<T>(tenantId: string, query: string, variables?: Record<string, unknown>) {
      const response = await fetch(service.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor(tenantId)}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: T; errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data!;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
  if (options.waitReady !== false) {
    // The log line that names the URL, then /readyz: what "ready" means to an orchestrator too.
    const listening = await Promise.race([
      outputMatching(child, () => output, /"url":"(http:\/\/[^"]+:(\d+)\/graphql)"/, 30_000),
      // Killed on purpose (a crash point reached during start-up): the caller awaits `exited`.
      exited.then(({ signal }) => {
        if (signal === null) return undefined;
        return 'killed' as const;
      }),
    ]).catch((error: Error) => {
      throw new Error(`service did not start: ${error.message}`);
    });
    if (listening === 'killed') return service;
    if (listening === undefined) throw new Error(`service exited (${child.exitCode}):\n${output}`);
    service.url = listening[1]!;
    service.port = Number(listening[2]);
    await until(
      'the service to answer /readyz with 200',
      async () => {
        if (child.signalCode !== null) return true;
        if (child.exitCode !== null) throw new Error(`service exited (${child.exitCode}):\n${output}`);
        const ready = await fetch(service.url.replace(/graphql$/, 'readyz')).catch(() => undefined);
        return ready?.status === 200 ? true : undefined;
      },
      { timeoutMs: 30_000 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}:\n${output}`);
    });
  }
  return service;
}

/** Kills what is still running (a test that failed half-way must not leave a process holding a DATA_DIR). */
export async function killAll(services: ServiceProcess[]): Promise<void> {
  for (const service of services.splice(0))
    if (service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGKILL');
      await service.exited;
    }
}
