import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ConnectorModel } from '../connectors/model.ts';
import { connectorsByIds, lockConnector } from '../connectors/queries.ts';
import { setConnectorState, settingsOf } from '../connectors/service.ts';
import { type AppServices, type TenantContext, tenantContext } from '../context.ts';
import type { Tx } from '../db/client.ts';
import type { RunRow } from '../db/schema.ts';
import { appendEvents } from '../events/queries.ts';
import { DEFAULT_EXPORT_SETTINGS, type ExportSettings, resumeFindingsExport } from '../export/service.ts';
import { rescoreStaleFindings } from '../findings/rescore.ts';
import { foldFindingStatChanges } from '../findings/service.ts';
import { errorSummary } from '../observability/logger.ts';
import {
  DEFAULT_WRITE_BACK_SETTINGS,
  resumeFindingsUpdate,
  type WriteBackSettings,
} from '../writeback/service.ts';
import { isAbort, PermanentSyncError } from './aws-errors.ts';
import { crashPoint } from './crash-points.ts';
import { DEFAULT_SYNC_SETTINGS, RunExecution, type SyncSettings } from './engine.ts';
import type { RunJob, SyncJobs } from './jobs.ts';
import type { RunStatus } from './model.ts';
import {
  claimRun,
  hasSucceededRun,
  insertRun,
  lockRun,
  RunFencedError,
  runByJobId,
  runFinishedSince,
  runsByIds,
  unfinishedRuns,
  updateRun,
} from './queries.ts';
import { RateLimiter, UNLIMITED } from './rate-limiter.ts';

// The worker side of the job engine: takes run jobs, runs them, and records how each ended. It also
// notices runs whose job ended without them (retries exhausted after crashes) and runs whose
// worker on this host died, which it hands on at once instead of waiting for the heartbeat to lapse.

/** This process, as runs record their worker: a restarted process with the same pid is another. */
export const WORKER_ID = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

export interface WorkerOptions {
  concurrency: number;
  settings: SyncSettings;
  /** 'off' only for benchmarks against an emulator without quotas. */
  quotas: 'aws' | 'off';
  /** How often runs and their jobs are checked against each other. */
  maintenanceIntervalMs: number;
  /** How findings updates are applied when a worker resumes them. */
  writeBack: WriteBackSettings;
  /** How findings exports are sent when a worker resumes them. */
  export: ExportSettings;
}

export class SyncWorker {
  private readonly app: AppServices;
  private readonly jobs: SyncJobs;
  private readonly options: WorkerOptions;
  /** One limiter per process (the app's): every run and write-back against an account-Region shares its quota. */
  private readonly limiter: RateLimiter;
  private readonly active = new Map<string, AbortController>();
  private maintenance: ReturnType<typeof setInterval> | undefined;
  private stopping = false;
  private rescoring: Promise<void> | undefined;

  constructor(app: AppServices, jobs: SyncJobs, options: Partial<WorkerOptions> = {}) {
    this.app = app;
    this.jobs = jobs;
    this.options = {
      concurrency: 4,
      settings: DEFAULT_SYNC_SETTINGS,
      quotas: 'aws',
      maintenanceIntervalMs: 30_000,
      writeBack: DEFAULT_WRITE_BACK_SETTINGS,
      export: DEFAULT_EXPORT_SETTINGS,
      ...options,
    };
    this.limiter = this.options.quotas === 'off' ? new RateLimiter({ quotas: UNLIMITED }) : app.aws.limiter;
  }

  async start(): Promise<void> {
    // Findings stored under an older scoring version are rescored in the background, once.
    this.rescoring = rescoreStaleFindings(this.app.database.db, this.app.log)
      .then((result) => {
        if (result.findings + result.assets + result.unmappable > 0)
          this.app.log.info(result, 'rescored what was stored under an older scoring version');
      })
      .catch((error: unknown) => this.app.log.error({ err: errorSummary(error) }, 'rescoring failed'));
    await this.maintain();
    await this.jobs.work(this.options.concurrency, (job) => this.handle(job));
    // Findings updates whose process died before finishing them, resumed from the outbox.
    await this.jobs.workWriteBack((data) => resumeFindingsUpdate(this.app, data, this.options.writeBack));
    // Findings exports likewise.
    await this.jobs.workExport((data) => resumeFindingsExport(this.app, data, this.options.export));
    this.maintenance = setInterval(() => {
      this.maintain().catch((error: unknown) =>
        this.app.log.error({ err: errorSummary(error) }, 'run maintenance failed'),
      );
    }, this.options.maintenanceIntervalMs);
    this.maintenance.unref();
  }

  /** Stops taking jobs; running runs are aborted and resume elsewhere (or here, after a restart). */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearInterval(this.maintenance);
    for (const controller of this.active.values()) controller.abort(new Error('worker stopping'));
    await this.jobs.stop({ graceful: true, timeoutMs });
    await this.rescoring;
  }

  /** One job: find or create its run, claim it for this attempt, execute, record the outcome. */
  async handle(job: RunJob): Promise<void> {
    const { data } = job;
    const ctx = tenantContext(this.app, data.tenantId);
    let run = (await runByJobId(ctx.db, job.id)) ?? (await this.runForScheduledJob(ctx, job));
    if (!run) return;
    const claimed = await ctx.db.transaction((tx) =>
      claimRun(tx, run!.id, job.retryCount, WORKER_ID, ctx.clock.now()),
    );
    if (!claimed || !['QUEUED', 'RUNNING'].includes(claimed.status)) return;
    run = claimed;
    crashPoint('run-claimed');
    if (run.cancelRequestedAt) {
      await this.finish(ctx, run, 'CANCELLED', null, null);
      return;
    }
    const [connector] = await connectorsByIds(ctx.db, ctx.tenantId, [run.connectorId]);
    if (!connector?.enabled) {
      await this.finish(
        ctx,
        run,
        'CANCELLED',
        'The connector was disabled or deleted before the run started.',
        null,
      );
      return;
    }
    await ctx.db.transaction(async (tx) => {
      await setConnectorState(tx, ctx.tenantId, connector.id, 'PROCESSING', null, ctx.clock.now());
    });
    const controller = new AbortController();
    const onJobAbort = () => controller.abort(job.signal.reason);
    job.signal.addEventListener('abort', onJobAbort, { once: true });
    this.active.set(run.id, controller);
    const execution = new RunExecution(ctx, run, connector, {
      limiter: this.limiter,
      signal: controller.signal,
      settings: this.options.settings,
    });
    const started = performance.now();
    this.app.metrics.syncActiveRuns.inc();
    try {
      await execution.execute();
      await this.finish(ctx, execution.runRow, 'SUCCEEDED', null, null, execution);
    } catch (error) {
      await this.failed(ctx, job, execution, error);
    } finally {
      this.app.metrics.syncActiveRuns.dec();
      this.app.metrics.syncRunDuration.observe(
        { connector: connector.id },
        (performance.now() - started) / 1000,
      );
      job.signal.removeEventListener('abort', onJobAbort);
      this.active.delete(run.id);
    }
  }

  /**
   * A schedule's job has no run yet: create it — unless the connector is gone, outside its
   * schedule's window, or a run finished after the job was queued (runs that took longer than the
   * interval would otherwise pile up).
   */
  private async runForScheduledJob(ctx: TenantContext, job: RunJob): Promise<RunRow | undefined> {
    const [connector] = await connectorsByIds(ctx.db, ctx.tenantId, [job.data.connectorId]);
    if (!connector?.enabled) return undefined;
    const now = ctx.clock.now();
    const schedule = settingsOf(connector).schedule;
    if (schedule?.startAt && Date.parse(schedule.startAt) > now.getTime() + 60_000) return undefined;
    if (schedule?.endAt && Date.parse(schedule.endAt) < now.getTime() - 60_000) return undefined;
    // A run that finished after this tick was queued already brought the data up to date.
    if (await runFinishedSince(ctx.db, ctx.tenantId, connector.id, job.createdOn)) return undefined;
    return ctx.db.transaction(async (tx) =>
      insertRun(tx, {
        tenantId: ctx.tenantId,
        connectorId: connector.id,
        trigger: job.data.trigger,
        requestedMode: job.data.mode,
        status: 'QUEUED',
        jobId: job.id,
        queue: this.jobs.queue,
      }),
    );
  }

  private async failed(
    ctx: TenantContext,
    job: RunJob,
    execution: RunExecution,
    error: unknown,
  ): Promise<void> {
    const run = execution.runRow;
    if (error instanceof RunFencedError || isAbort(error) || job.signal.aborted) {
      const [current] = await runsByIds(ctx.db, ctx.tenantId, [run.id]);
      if (current?.cancelRequestedAt && current.attempt === run.attempt && current.status === 'RUNNING')
        await this.finish(ctx, run, 'CANCELLED', null, null, execution);
      // Otherwise a newer attempt owns the run, or this worker is stopping: the run goes on elsewhere.
      if (this.stopping) throw error;
      return;
    }
    const permanent = error instanceof PermanentSyncError ? error : undefined;
    const message = error instanceof Error ? error.message : String(error);
    if (permanent) {
      await this.finish(ctx, run, 'FAILED', permanent.message, permanent.remediation, execution);
      return;
    }
    const final = job.retryCount >= job.retryLimit;
    if (final) {
      await this.finish(
        ctx,
        run,
        'FAILED',
        `${message} (gave up after ${job.retryCount + 1} attempts)`,
        'The run failed repeatedly on a transient error; check the service logs and AWS Health, then run it again (connectorRunNow). It resumes where it stopped.',
        execution,
      );
      return;
    }
    ctx.log.warn(
      { err: errorSummary(error), runId: run.id, attempt: job.retryCount },
      'run attempt failed; the job engine will retry it',
    );
    await updateRun(ctx.db, run.id, {
      error: `Attempt ${job.retryCount + 1} failed: ${message}`,
      updatedAt: ctx.clock.now(),
    });
    throw error;
  }

  /** Records how a run ended, the connector's resulting state and the last progress event, together. */
  private async finish(
    ctx: TenantContext,
    run: RunRow,
    status: RunStatus,
    error: string | null,
    remediation: string | null,
    execution?: RunExecution,
  ): Promise<void> {
    const now = ctx.clock.now();
    await ctx.db.transaction(async (tx) => {
      const current = await lockRun(tx, run.id);
      if (!current || current.attempt !== run.attempt || !['QUEUED', 'RUNNING'].includes(current.status))
        return;
      const finished = (await updateRun(tx, run.id, {
        status,
        error,
        remediation,
        finishedAt: now,
        updatedAt: now,
      }))!;
      await settleConnector(tx, ctx, run.connectorId, status, error, remediation, {
        ...(status === 'SUCCEEDED' && execution?.fullRead ? { lastSweepAt: finished.windowEnd } : {}),
      });
      const progress = execution?.progressEvent(now, true, status) ?? {
        topic: 'run' as const,
        type: 'PROGRESS',
        entityId: run.id,
        payload: { connectorId: run.connectorId, status },
      };
      await appendEvents(tx, ctx.tenantId, [
        { ...progress, payload: { ...progress.payload, status, error, remediation } },
      ]);
    });
    this.app.metrics.syncRuns.inc({ status });
    crashPoint('run-finished');
  }

  /**
   * Runs and jobs agree: a run whose job is gone or ended (its retries used up by crashes) is
   * failed; a run whose worker on this host has died is handed to the next worker at once. And the
   * findings' stat changes are folded into their summaries.
   */
  async maintain(): Promise<void> {
    const db = this.app.database.db;
    await foldFindingStatChanges(db);
    for (const run of await unfinishedRuns(db, this.jobs.queue)) {
      const state = await this.jobs.stateOf(run.jobId);
      const ctx = tenantContext(this.app, run.tenantId);
      if (state === undefined || state === 'completed' || state === 'cancelled' || state === 'failed') {
        const cancelled = state === 'cancelled' || run.cancelRequestedAt !== null;
        await this.finish(
          ctx,
          { ...run },
          cancelled ? 'CANCELLED' : 'FAILED',
          cancelled ? null : 'The run stopped: its worker died and its retries are used up.',
          cancelled ? null : 'Run it again (connectorRunNow); it starts from the last complete read.',
        );
        continue;
      }
      if (run.status === 'RUNNING' && run.worker && deadOnThisHost(run.worker)) {
        if (state === 'active') {
          ctx.log.warn(
            { runId: run.id, worker: run.worker },
            'the worker of this run died; handing the run on',
          );
          await this.jobs.releaseAttempt(run.jobId, run.attempt, `worker ${run.worker} died`).catch(() => {});
        } else if (state === 'retry') {
          // Its heartbeat lapsed before we looked: the engine scheduled a retry after a backoff that
          // grows with each attempt (minutes after a few crashes). A dead worker is no reason to wait.
          await this.jobs.retryNow(run.jobId).catch(() => {});
        }
      }
    }
  }
}

/**
 * The connector's state after a run: PROCESSED, FAILED with the error and its fix, or (cancelled)
 * back to what it was before it ran. A connector switched off meanwhile stays DISABLED.
 */
async function settleConnector(
  tx: Tx,
  ctx: TenantContext,
  connectorId: string,
  status: RunStatus,
  error: string | null,
  remediation: string | null,
  columns: Partial<ConnectorModel>,
): Promise<void> {
  const [connector] = await lockConnector(tx, ctx.tenantId, connectorId);
  if (!connector) return;
  const now = ctx.clock.now();
  let state: string;
  if (connector.state === 'DISABLED' || !connector.enabled) state = 'DISABLED';
  else if (status === 'SUCCEEDED') state = 'PROCESSED';
  else if (status === 'FAILED') state = 'FAILED';
  else if (await hasSucceededRun(tx, ctx.tenantId, connectorId)) state = 'PROCESSED';
  else state = connector.schedule ? 'SCHEDULED' : 'REGISTERED';
  const lastError =
    status === 'FAILED' && error ? `${error}${remediation ? ` Fix: ${remediation}` : ''}` : null;
  await setConnectorState(tx, ctx.tenantId, connectorId, state, lastError, now, columns);
}

function deadOnThisHost(worker: string): boolean {
  const [host, pid, nonce] = worker.split(':');
  if (host !== hostname() || !pid) return false;
  if (Number(pid) === process.pid) return worker !== WORKER_ID && nonce !== WORKER_ID.split(':')[2];
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
