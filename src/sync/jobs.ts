import { sql } from 'drizzle-orm';
import {
  type DrizzleTransactionLike,
  fromDrizzle,
  fromPglite,
  type Db as IDatabase,
  type JobWithMetadata,
  PgBoss,
} from 'pg-boss';
import type { Logger } from 'pino';
import type { ConnectorSchedule } from '../connectors/settings.ts';
import type { Database, Tx } from '../db/client.ts';
import { errorSummary } from '../observability/logger.ts';
import type { RunJobData } from './model.ts';

// Connector runs on pg-boss, a Postgres job engine: a run is a job, at most one active per
// connector (the queue's singleton policy, keyed by connector); schedules are the engine's cron or
// RRULE schedules; its SKIP LOCKED fetch, heartbeats and retries place each run on one worker and
// move a dead worker's run to another, which resumes it from the run's checkpoints.

export const RUN_QUEUE = 'connector-run';

export interface JobSettings {
  /** The queue's name: one per deployment (tests give each instance its own). */
  queue: string;
  /** A worker that misses heartbeats this long is presumed dead and its run is handed on. */
  heartbeatSeconds: number;
  /** Attempts after the first (crashes and transient failures; permanent failures are not retried). */
  retryLimit: number;
  /** Seconds before the first retry; doubles each time, up to five minutes. */
  retryDelaySeconds: number;
  /** How often idle workers look for work. */
  pollingIntervalSeconds: number;
  /** How often the engine fires due schedules and checks heartbeats. */
  monitorIntervalSeconds: number;
}

export const DEFAULT_JOB_SETTINGS: JobSettings = {
  queue: RUN_QUEUE,
  heartbeatSeconds: 30,
  retryLimit: 10,
  retryDelaySeconds: 10,
  pollingIntervalSeconds: 2,
  monitorIntervalSeconds: 10,
};

export type RunJob = JobWithMetadata<RunJobData>;

/** A findings update to finish if the process that recorded it does not (src/writeback/). */
export interface WriteBackJobData {
  tenantId: string;
  requestId: string;
}

/** A findings export to finish if the process that recorded it does not (src/export/). */
export interface ExportJobData {
  tenantId: string;
  exportId: string;
}

export class SyncJobs {
  readonly boss: PgBoss;
  readonly queue: string;
  private readonly settings: JobSettings;

  private constructor(boss: PgBoss, settings: JobSettings) {
    this.boss = boss;
    this.queue = settings.queue;
    this.settings = settings;
  }

  /**
   * Starts the engine on the service's database (its own pool on PostgreSQL; the same embedded
   * instance on PGlite). `worker` turns on what only workers need: maintenance, heartbeat checks
   * and firing schedules.
   */
  static async start(
    database: Database,
    log: Logger,
    options: { worker: boolean; settings?: Partial<JobSettings> },
  ): Promise<SyncJobs> {
    const settings = { ...DEFAULT_JOB_SETTINGS, ...options.settings };
    const common = {
      schema: 'pgboss',
      supervise: options.worker,
      schedule: options.worker,
      migrate: true,
      useListenNotify: true,
      monitorIntervalSeconds: settings.monitorIntervalSeconds,
      superviseIntervalSeconds: settings.monitorIntervalSeconds,
      cronMonitorIntervalSeconds: Math.min(30, settings.monitorIntervalSeconds),
      instanceName: options.worker ? 'hubgraph-worker' : 'hubgraph-api',
      openTelemetry: { enabled: false },
    };
    const boss =
      database.driver === 'pglite'
        ? new PgBoss({ ...common, db: fromPglite(database.pglite!), backend: 'pglite' })
        : new PgBoss({
            ...common,
            connectionString: database.url!,
            max: 3,
            application_name: 'hubgraph-jobs',
          });
    // Summarised: a pg error carries its client, connection parameters (and password) included.
    boss.on('error', (error) => log.error({ err: errorSummary(error) }, 'job engine error'));
    boss.on('warning', (warning) => log.warn({ warning }, 'job engine warning'));
    await boss.start();
    await ensureQueue(boss, settings);
    for (const outbox of [`${settings.queue}-findings-update`, `${settings.queue}-findings-export`])
      if (!(await boss.getQueue(outbox)))
        await boss.createQueue(outbox, {
          policy: 'standard',
          heartbeatSeconds: settings.heartbeatSeconds,
          expireInSeconds: 3600,
          retryLimit: settings.retryLimit,
          retryDelay: settings.retryDelaySeconds,
          retryBackoff: true,
          retryDelayMax: 300,
        });
    return new SyncJobs(boss, settings);
  }

  /** The queue of findings updates to resume: the run queue's name with a suffix. */
  get writeBackQueue(): string {
    return `${this.queue}-findings-update`;
  }

  /**
   * Inside the transaction that records a findings update: a job that finishes it after `delayMs`
   * should its process die first (a request already done is skipped). The engine's retries and
   * heartbeats hand a resuming worker's job on when that worker dies too.
   */
  async enqueueWriteBack(tx: Tx, data: WriteBackJobData, delayMs: number): Promise<void> {
    await this.boss.send(this.writeBackQueue, data as unknown as object, {
      singletonKey: data.requestId,
      startAfter: new Date(Date.now() + delayMs),
      db: inTransaction(tx),
    });
  }

  /** Runs `handler` for each findings-update job, one at a time in this process. */
  async workWriteBack(handler: (data: WriteBackJobData) => Promise<void>): Promise<void> {
    await this.boss.work(
      this.writeBackQueue,
      { batchSize: 1, pollingIntervalSeconds: this.settings.pollingIntervalSeconds },
      async (jobs: { data: WriteBackJobData }[]) => {
        for (const job of jobs) await handler(job.data);
      },
    );
  }

  /** The queue of findings exports to resume. */
  get exportQueue(): string {
    return `${this.queue}-findings-export`;
  }

  /** Inside the transaction that records an export: a job that finishes it should its process die first. */
  async enqueueExport(tx: Tx, data: ExportJobData, delayMs: number): Promise<void> {
    await this.boss.send(this.exportQueue, data as unknown as object, {
      singletonKey: data.exportId,
      startAfter: new Date(Date.now() + delayMs),
      db: inTransaction(tx),
    });
  }

  /** Runs `handler` for each export job, one at a time in this process. */
  async workExport(handler: (data: ExportJobData) => Promise<void>): Promise<void> {
    await this.boss.work(
      this.exportQueue,
      { batchSize: 1, pollingIntervalSeconds: this.settings.pollingIntervalSeconds },
      async (jobs: { data: ExportJobData }[]) => {
        for (const job of jobs) await handler(job.data);
      },
    );
  }

  /** Queues a run inside the caller's transaction: the run row and its job commit together. */
  async enqueue(tx: Tx, jobId: string, data: RunJobData): Promise<void> {
    await this.boss.send(this.queue, data as unknown as object, {
      id: jobId,
      singletonKey: data.connectorId,
      db: inTransaction(tx),
    });
  }

  /**
   * Makes the engine's schedule for a connector match its settings, inside the caller's transaction:
   * RECURRING with a cron expression is a cron schedule, RECURRING every N minutes an RRULE anchored
   * at its start, ONCE a deferred job. Disabled or unscheduled connectors have none.
   */
  async applySchedule(
    tx: Tx,
    connector: { id: string; tenantId: string; enabled: boolean; schedule: unknown; createdAt: Date },
    now: Date,
  ): Promise<void> {
    const db = inTransaction(tx);
    await this.boss.unschedule(this.queue, connector.id, { db });
    // A scheduled run that has not started belongs to the old schedule (it has no run row yet).
    const waiting = (
      await this.boss.findJobs<RunJobData>(this.queue, { key: connector.id, queued: true, db })
    )
      .filter((job) => job.state === 'created' && job.data.trigger === 'SCHEDULE')
      .map((job) => job.id);
    if (waiting.length > 0) await this.boss.deleteJob(this.queue, waiting, { db });
    const schedule = connector.schedule as ConnectorSchedule | null;
    if (!connector.enabled || !schedule) return;
    const data: RunJobData = {
      tenantId: connector.tenantId,
      connectorId: connector.id,
      trigger: 'SCHEDULE',
      mode: 'AUTO',
    };
    // Anchored at the schedule's start (else the connector's creation), so saving it again does not
    // shift when it runs.
    const start = schedule.startAt ? new Date(schedule.startAt) : connector.createdAt;
    if (schedule.kind === 'ONCE') {
      await this.boss.send(this.queue, data as unknown as object, {
        singletonKey: connector.id,
        startAfter: start.getTime() > now.getTime() ? start : now,
        db,
      });
      return;
    }
    if (schedule.endAt && Date.parse(schedule.endAt) <= now.getTime()) return;
    const expression =
      schedule.cron ??
      [
        `DTSTART:${icsTime(start)}`,
        `RRULE:FREQ=MINUTELY;INTERVAL=${schedule.intervalMinutes}${schedule.endAt ? `;UNTIL=${icsTime(new Date(schedule.endAt))}` : ''}`,
      ].join('\n');
    await this.boss.schedule(this.queue, expression, data as unknown as object, {
      key: connector.id,
      tz: 'UTC',
      singletonKey: connector.id,
      db,
    });
  }

  /** Cancels a run's job: a queued one never starts; an active one's worker is told through its signal. */
  async cancel(jobId: string): Promise<void> {
    await this.boss.cancel(this.queue, jobId);
  }

  /** The job's state (created, retry, active, completed, cancelled, failed), or undefined if gone. */
  async stateOf(jobId: string): Promise<string | undefined> {
    const [job] = await this.boss.findJobs<RunJobData>(this.queue, { id: jobId });
    return job?.state;
  }

  /**
   * Hands a run whose worker is known to be dead to the next worker now, rather than after its
   * heartbeat lapses: fails that attempt (the engine retries it) and makes the retry due at once.
   */
  async releaseAttempt(jobId: string, attempt: number, reason: string): Promise<void> {
    await this.boss.fail(this.queue, { id: jobId, retryCount: attempt }, { message: reason });
    await this.retryNow(jobId);
  }

  /** Makes a job waiting for its retry due now (its backoff was for a failure, not a dead worker). */
  async retryNow(jobId: string): Promise<void> {
    await this.boss.update(this.queue, undefined, { id: jobId, startAfter: new Date() });
  }

  /** Runs `handler` for each run job, `concurrency` at a time in this process. */
  async work(concurrency: number, handler: (job: RunJob) => Promise<void>): Promise<void> {
    await this.boss.work(
      this.queue,
      {
        includeMetadata: true,
        batchSize: 1,
        localConcurrency: concurrency,
        pollingIntervalSeconds: this.settings.pollingIntervalSeconds,
      },
      async (jobs: JobWithMetadata<RunJobData>[]) => {
        for (const job of jobs) await handler(job);
      },
    );
  }

  async stop(options: { graceful: boolean; timeoutMs: number }): Promise<void> {
    await this.boss.stop({ graceful: options.graceful, timeout: options.timeoutMs, close: true });
  }
}

async function ensureQueue(boss: PgBoss, settings: JobSettings): Promise<void> {
  const name = settings.queue;
  const options = {
    policy: 'singleton',
    heartbeatSeconds: settings.heartbeatSeconds,
    // A full first read of a large estate may take hours; heartbeats, not this, detect a dead worker.
    expireInSeconds: 24 * 3600,
    retryLimit: settings.retryLimit,
    retryDelay: settings.retryDelaySeconds,
    retryBackoff: true,
    retryDelayMax: 300,
    notify: true,
  } as const;
  if (await boss.getQueue(name))
    await boss.updateQueue(name, {
      heartbeatSeconds: options.heartbeatSeconds,
      expireInSeconds: options.expireInSeconds,
      retryLimit: options.retryLimit,
      retryDelay: options.retryDelay,
      retryBackoff: options.retryBackoff,
      retryDelayMax: options.retryDelayMax,
      notify: options.notify,
    });
  else await boss.createQueue(name, options);
}

/**
 * pg-boss statements that commit (or roll back) with the caller's drizzle transaction. pg-boss
 * passes JSON and dates as parameters, which its own driver (node-postgres) serializes and ours
 * (postgres.js, behind drizzle) does not: they go as text, which PostgreSQL casts.
 */
function inTransaction(tx: Tx): IDatabase {
  const db = fromDrizzle(tx as unknown as DrizzleTransactionLike, sql);
  return {
    executeSql: (text, values) =>
      db.executeSql(
        text,
        values?.map((value) =>
          value instanceof Date
            ? value.toISOString()
            : value !== null && typeof value === 'object' && !Array.isArray(value)
              ? JSON.stringify(value)
              : value,
        ),
      ),
  };
}

/** An instant as iCalendar UTC text, e.g. 20261130T120000Z. */
function icsTime(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
