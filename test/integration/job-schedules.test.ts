import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorSchedule } from '../../src/connectors/settings.ts';
import type { Database } from '../../src/db/client.ts';
import { SyncJobs } from '../../src/sync/jobs.ts';
import type { RunJobData } from '../../src/sync/model.ts';
import { openTestDatabase } from '../support/database.ts';
import { FAST_JOBS } from '../support/sync.ts';

// A connector's schedule as the job engine holds it: what applySchedule leaves in pg-boss for each
// kind of schedule, and that saving a connector again replaces (never adds to) what was there.
// The engine runs as on an API replica, on a queue of this file's own, so no job is ever taken.

let database: Database;
let jobs: SyncJobs;

const NOW = new Date('2026-11-30T12:00:00.000Z');

beforeAll(async () => {
  database = await openTestDatabase();
  jobs = await SyncJobs.start(database, pino({ level: 'silent' }), {
    worker: false,
    settings: { ...FAST_JOBS, queue: `connector-run-${randomUUID().slice(0, 8)}` },
  });
});

afterAll(async () => {
  await jobs?.stop({ graceful: false, timeoutMs: 1_000 });
  await database?.close();
});

function aConnector(schedule: Partial<ConnectorSchedule> | null, enabled = true) {
  return {
    id: randomUUID(),
    tenantId: `schedules-${randomUUID()}`,
    enabled,
    createdAt: new Date('2026-11-01T06:15:00.000Z'),
    schedule: schedule && {
      kind: 'RECURRING',
      intervalMinutes: null,
      cron: null,
      startAt: null,
      endAt: null,
      ...schedule,
    },
  };
}

type Connector = ReturnType<typeof aConnector>;

const apply = (connector: Connector) =>
  database.db.transaction((tx) => jobs.applySchedule(tx, connector, NOW));

async function scheduleOf(connector: Connector) {
  const schedules = await jobs.boss.getSchedules(jobs.queue, connector.id);
  return schedules.map((schedule) => ({
    cron: schedule.cron,
    timezone: schedule.timezone,
    data: schedule.data,
  }));
}

const pendingJobs = (connector: Connector) =>
  jobs.boss.findJobs<RunJobData>(jobs.queue, { key: connector.id, queued: true });

const runData = (connector: Connector): RunJobData => ({
  tenantId: connector.tenantId,
  connectorId: connector.id,
  trigger: 'SCHEDULE',
  mode: 'AUTO',
});

describe('applySchedule', () => {
  it('keeps a cron schedule as written, in UTC', async () => {
    const connector = aConnector({ cron: '0 */6 * * *' });
    await apply(connector);
    expect(await scheduleOf(connector)).toEqual([
      { cron: '0 */6 * * *', timezone: 'UTC', data: runData(connector) },
    ]);
  });

  it('anchors an every-N-minutes schedule at its start, and ends it at endAt', async () => {
    const connector = aConnector({
      intervalMinutes: 30,
      startAt: '2026-12-01T08:00:00.000Z',
      endAt: '2026-12-31T00:00:00.000Z',
    });
    await apply(connector);
    expect((await scheduleOf(connector)).map((s) => s.cron)).toEqual([
      'DTSTART:20261201T080000Z\nRRULE:FREQ=MINUTELY;INTERVAL=30;UNTIL=20261231T000000Z',
    ]);
  });

  it("anchors an every-N-minutes schedule without a start at the connector's creation", async () => {
    const connector = aConnector({ intervalMinutes: 15 });
    await apply(connector);
    expect((await scheduleOf(connector)).map((s) => s.cron)).toEqual([
      'DTSTART:20261101T061500Z\nRRULE:FREQ=MINUTELY;INTERVAL=15',
    ]);
  });

  it('schedules nothing for a schedule that already ended, a disabled connector, or none', async () => {
    const ended = aConnector({ intervalMinutes: 60, endAt: '2026-11-30T11:59:59.000Z' });
    const disabled = aConnector({ cron: '0 * * * *' }, false);
    const none = aConnector(null);
    for (const connector of [ended, disabled, none]) {
      await apply(connector);
      expect(await scheduleOf(connector)).toEqual([]);
      expect(await pendingJobs(connector)).toEqual([]);
    }
  });

  it('queues a ONCE schedule as one deferred job: at its start, or now when the start has passed', async () => {
    const later = aConnector({ kind: 'ONCE', startAt: '2026-12-24T18:00:00.000Z' });
    await apply(later);
    const [laterJob, ...rest] = await pendingJobs(later);
    expect(rest).toEqual([]);
    expect(laterJob!.data).toEqual(runData(later));
    expect(laterJob!.startAfter).toEqual(new Date('2026-12-24T18:00:00.000Z'));
    expect(await scheduleOf(later)).toEqual([]);

    const past = aConnector({ kind: 'ONCE', startAt: '2026-11-01T00:00:00.000Z' });
    await apply(past);
    const [pastJob] = await pendingJobs(past);
    expect(pastJob!.startAfter).toEqual(NOW);
  });

  it('replaces the old schedule and its waiting job when the connector is saved again', async () => {
    const connector = aConnector({ kind: 'ONCE', startAt: '2026-12-24T18:00:00.000Z' });
    await apply(connector);
    expect(await pendingJobs(connector)).toHaveLength(1);

    const recurring = {
      ...connector,
      schedule: { ...connector.schedule!, kind: 'RECURRING', cron: '30 2 * * *' },
    };
    await apply(recurring);
    expect(await pendingJobs(connector)).toEqual([]);
    expect((await scheduleOf(connector)).map((s) => s.cron)).toEqual(['30 2 * * *']);

    await apply({ ...recurring, enabled: false });
    expect(await scheduleOf(connector)).toEqual([]);
  });
});
