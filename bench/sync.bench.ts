import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import postgres from 'postgres';
import { createApp } from '../src/app.ts';
import { ensureTenant } from '../src/auth/tenants.ts';
import { loadConfig } from '../src/config.ts';
import { createConnector } from '../src/connectors/service.ts';
import { tenantContext } from '../src/context.ts';
import { openDatabase } from '../src/db/client.ts';
import { connectorInputFor, type EmulatorAddress, trustHubgraph } from '../src/emulator/connector.ts';
import { runProgress } from '../src/sync/progress.ts';
import { runsByIds, slicesOfRun } from '../src/sync/queries.ts';
import { runConnectorNow } from '../src/sync/service.ts';
import { type ServiceProcess, startServiceProcess } from './processes.ts';

/**
 * The sync engine (`npm run worker`, a process of its own) against the AWS emulator (another), on real PostgreSQL
 * (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; a database of the benchmark's
 * own is created there and dropped after):
 * - sync.pipeline_findings_per_s: 100,000 findings in 2 Regions, quotas off (emulator and
 *   Hubgraph): what reading, mapping, scoring and writing sustain. Target ≥ 5,000.
 * - sync.peak_rss_mb: the worker process's peak resident memory (from its start to the run's end).
 *   Target ≤ 300.
 * - sync.worker_cpu_us_per_finding: the worker process's CPU time (all threads) during that run, per
 *   finding: what the run costs the worker, whatever else shares the machine.
 * - sync.quota_efficiency: one account-Region, the emulator at 3 requests/s (burst 6) with 700 ms
 *   pages, 30,000 findings: findings/s over the 300 the quota allows. Target ≥ 0.95, with
 *   sync.quota_throttled (429s the emulator answered) 0.
 */
export async function run(): Promise<Record<string, number>> {
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `hubgraph_bench_${Date.now()}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  try {
    const pipeline = await syncOnce(url.toString(), {
      findings: Number(process.env.BENCH_SYNC_FINDINGS ?? 100_000),
      regions: 'us-east-1,eu-west-1',
      emulatorArgs: ['--no-quotas'],
      quotas: 'off',
    });
    const quota = await syncOnce(url.toString(), {
      findings: Number(process.env.BENCH_SYNC_QUOTA_FINDINGS ?? 30_000),
      regions: 'us-east-1',
      emulatorArgs: ['--rate', '3', '--burst', '6', '--latency-ms', '700'],
      quotas: 'aws',
    });
    return {
      'sync.pipeline_findings_per_s': Math.round(pipeline.findingsPerSecond),
      'sync.peak_rss_mb': Math.round(pipeline.peakRssMb),
      'sync.worker_cpu_us_per_finding': Math.round(pipeline.workerCpuUsPerFinding),
      'sync.quota_efficiency': Math.round((quota.findingsPerSecond / 300) * 1000) / 1000,
      'sync.quota_throttled': quota.throttled,
    };
  } finally {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end({ timeout: 5 });
  }
}

interface SyncFigures {
  findingsPerSecond: number;
  peakRssMb: number;
  workerCpuUsPerFinding: number;
  throttled: number;
}

async function syncOnce(
  databaseUrl: string,
  options: { findings: number; regions: string; emulatorArgs: string[]; quotas: 'aws' | 'off' },
): Promise<SyncFigures> {
  const emulator = await startEmulatorProcess([
    '--port',
    '0',
    '--findings',
    String(options.findings),
    '--accounts',
    '1',
    '--regions',
    options.regions,
    '--seed',
    '5',
    ...options.emulatorArgs,
  ]);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    DATABASE_URL: databaseUrl,
    HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS: 'true',
    HUBGRAPH_ENDPOINT_ALLOWLIST: '127.0.0.0/8',
  });
  // This process only queues the run and watches it; the sync runs in a worker process.
  const database = await openDatabase({ url: databaseUrl, poolMax: 2 });
  const app = await createApp(config, { database, jobs: 'api' });
  let worker: ServiceProcess | undefined;
  try {
    const tenantId = `bench-${Date.now()}`;
    await ensureTenant(database.db, tenantId);
    const ctx = tenantContext(app, tenantId);
    const role = emulator.info.roles[0]!;
    const created = await createConnector(
      ctx,
      connectorInputFor(emulator.info, role.arn, { name: 'bench', regions: options.regions.split(',') }),
    );
    const connector = created.connector!;
    await trustHubgraph(emulator.info, role.arn, connector.externalId);
    worker = await startServiceProcess('worker', /Hubgraph worker is running connector syncs/, {
      DATABASE_URL: databaseUrl,
      HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS: 'true',
      HUBGRAPH_ENDPOINT_ALLOWLIST: '127.0.0.0/8',
      HUBGRAPH_SYNC_QUOTAS: options.quotas,
      HUBGRAPH_JOB_POLL_SECONDS: '0.5',
    });
    await emulator.admin('DELETE', '/_emulator/counters');
    const cpuBefore = worker.cpuSeconds();
    const queued = await runConnectorNow(ctx, { id: connector.id, mode: 'FULL' });
    let done = (await runsByIds(database.db, tenantId, [queued.run!.id]))[0]!;
    while (done.status === 'QUEUED' || done.status === 'RUNNING') {
      await new Promise((resolve) => setTimeout(resolve, 200));
      done = (await runsByIds(database.db, tenantId, [queued.run!.id]))[0]!;
    }
    const peakRssMb = worker.peakRssMb();
    const workerCpuSeconds = worker.cpuSeconds() - cpuBefore;
    if (done.status !== 'SUCCEEDED') throw new Error(`the benchmark run ${done.status}: ${done.error}`);
    const progress = runProgress(done, await slicesOfRun(database.db, done.id), new Date());
    if (progress.created !== options.findings)
      throw new Error(`the run created ${progress.created} findings, expected ${options.findings}`);
    const seconds = (done.finishedAt!.getTime() - done.startedAt!.getTime()) / 1000;
    // Where the run's time went: before the first page, paging, after the last page (group
    // primaries, asset risk, cursors).
    const slices = await slicesOfRun(database.db, done.id);
    const firstPage = Math.min(
      ...slices.map((slice) => slice.startedAt?.getTime() ?? Number.POSITIVE_INFINITY),
    );
    const lastPage = Math.max(...slices.map((slice) => slice.finishedAt?.getTime() ?? 0));
    process.stderr.write(
      `sync: ${options.findings} findings in ${seconds.toFixed(1)} s: ${((firstPage - done.startedAt!.getTime()) / 1000).toFixed(1)} s to the first page, ${((lastPage - firstPage) / 1000).toFixed(1)} s paging, ${((done.finishedAt!.getTime() - lastPage) / 1000).toFixed(1)} s after the last; worker CPU ${workerCpuSeconds.toFixed(1)} s\n`,
    );
    const counters = (await emulator.admin('GET', '/_emulator/counters')) as Record<
      string,
      Record<string, number>
    >;
    return {
      findingsPerSecond: options.findings / seconds,
      peakRssMb,
      workerCpuUsPerFinding: (workerCpuSeconds * 1e6) / options.findings,
      throttled: counters.GetFindings?.['429'] ?? 0,
    };
  } finally {
    await worker?.stop();
    await app.close();
    await database.close();
    emulator.child.kill('SIGTERM');
    await once(emulator.child, 'exit');
  }
}

interface EmulatorProcess {
  child: ChildProcess;
  info: EmulatorAddress & { roles: { arn: string; accountId: string }[] };
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
}

/** `npm run emulator` in a process of its own, so that it never competes with Hubgraph for a core. */
async function startEmulatorProcess(args: string[]): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, ['src/emulator/cli.ts', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const info = JSON.parse(line) as EmulatorProcess['info'];
  return {
    child,
    info,
    async admin(method, path, body) {
      const response = await fetch(`${info.endpoint}${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return response.json();
    },
  };
}
