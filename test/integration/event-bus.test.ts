import { eq, min, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { type EventRow, events } from '../../src/db/schema.ts';
import { EventBus, SubscriberTooSlowError } from '../../src/events/bus.ts';
import type { NewEvent } from '../../src/events/model.ts';
import { appendEvents, EVENTS_CHANNEL } from '../../src/events/queries.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';

// The event bus against the real database: replay from the log, live delivery through NOTIFY,
// and cutting off a subscriber that stops reading (it is told where to resume, and loses nothing).

let database: Database;
let bus: EventBus;
let log: { warn: ReturnType<typeof vi.fn>; error: ReturnType<typeof vi.fn> };
let tenantId: string;

beforeAll(async () => {
  database = await openTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

beforeEach(async () => {
  tenantId = await newTenant(database, 'bus');
  log = { warn: vi.fn(), error: vi.fn() };
  bus = new EventBus(database, log as unknown as Logger);
  await bus.start();
});

afterEach(async () => {
  await bus.stop();
});

const findingEvent = (entityId: string): NewEvent => ({
  topic: 'finding',
  type: 'CREATED',
  entityId,
  payload: { findingId: entityId },
});

async function commit(...entityIds: string[]): Promise<void> {
  await database.db.transaction((tx) => appendEvents(tx, tenantId, entityIds.map(findingEvent)));
}

const WAIT = { timeout: 15_000, interval: 100 };

const entities = (batch: EventRow[]) => batch.map((event) => event.entityId);

async function nextBatch(iterator: AsyncIterator<EventRow[]>): Promise<EventRow[]> {
  const result = await iterator.next();
  if (result.done) throw new Error('the subscription ended');
  return result.value;
}

describe('EventBus', () => {
  it('replays what was committed after the cursor, then delivers live events in id order', async () => {
    await commit('f1', 'f2');
    const [first] = await database.db
      .select({ id: min(events.id) })
      .from(events)
      .where(eq(events.tenantId, tenantId));
    const subscription = bus.subscribe(tenantId, 'finding', first!.id!);

    expect(entities(await nextBatch(subscription))).toEqual(['f2']);
    await commit('f3');
    expect(entities(await nextBatch(subscription))).toEqual(['f3']);
    await subscription.return!();
  });

  it('without a cursor delivers only what commits after subscribing', async () => {
    await commit('before');
    const subscription = bus.subscribe(tenantId, 'finding');
    const pending = subscription.next();
    // The first next() registers the subscriber; commit once it listens.
    await vi.waitFor(async () => {
      await commit('after');
      const result = await Promise.race([pending, new Promise((r) => setTimeout(() => r('waiting'), 200))]);
      if (result === 'waiting') throw new Error('not delivered yet');
    }, WAIT);
    const result = await pending;
    expect(result.done).toBe(false);
    expect(entities(result.value as EventRow[])).not.toContain('before');
    expect(entities(result.value as EventRow[])[0]).toBe('after');
    await subscription.return!();
  });

  it('replays a long backlog page by page without skipping or repeating an event', async () => {
    const backlog = Array.from({ length: 501 }, (_, i) => `f${i}`);
    await commit(...backlog);
    const subscription = bus.subscribe(tenantId, 'finding', 0n);
    const first = await nextBatch(subscription);
    const second = await nextBatch(subscription);
    expect(first).toHaveLength(500);
    expect([...entities(first), ...entities(second)]).toEqual(backlog);
    await commit('live');
    expect(entities(await nextBatch(subscription))).toEqual(['live']);
    await subscription.return!();
  });

  it("joins a live stream even when the stream's last subscriber leaves while it is joining", async () => {
    const leaving = bus.subscribe(tenantId, 'finding', 0n);
    const left = leaving.next();
    await commit('before');
    const [before] = await left.then((result) => result.value as EventRow[]); // it has joined the stream
    const joining = bus.subscribe(tenantId, 'finding', before!.id);
    const first = joining.next(); // finds the stream, and awaits it
    await leaving.return!(); // the stream's last subscriber leaves before the joiner is in

    await commit('after-the-handover');

    expect(entities(await first.then((result) => result.value as EventRow[]))).toEqual([
      'after-the-handover',
    ]);
    await joining.return!();
  });

  it('keeps tenants and topics apart', async () => {
    const otherTenant = await newTenant(database, 'bus-other');
    const subscription = bus.subscribe(tenantId, 'finding', 0n);
    await database.db.transaction((tx) => appendEvents(tx, otherTenant, [findingEvent('theirs')]));
    await database.db.transaction((tx) =>
      appendEvents(tx, tenantId, [{ topic: 'connector', type: 'STATE', entityId: 'c1', payload: {} }]),
    );
    await commit('ours');
    expect(entities(await nextBatch(subscription))).toEqual(['ours']);
    await subscription.return!();
  });

  it('cuts off a subscriber that stops reading, telling it where to resume without loss', async () => {
    const slow = bus.subscribe(tenantId, 'finding');
    const witness = bus.subscribe(tenantId, 'finding');
    const slowFirst = slow.next();
    const witnessFirst = witness.next();
    // Both are registered once a commit reaches them.
    await vi.waitFor(async () => {
      await commit('e0');
      const result = await Promise.race([
        witnessFirst,
        new Promise((r) => setTimeout(() => r('waiting'), 200)),
      ]);
      if (result === 'waiting') throw new Error('not registered yet');
    }, WAIT);
    const committed: string[] = [];
    // 200 batches fill the slow subscriber's buffer; the 201st overflows it. The witness reads each
    // batch, so each commit is pumped (as one batch) before the next one.
    for (let i = 1; i <= 201; i++) {
      await commit(`e${i}`);
      committed.push(`e${i}`);
      for (;;) {
        const batch = await nextBatch(witness);
        if (entities(batch).includes(`e${i}`)) break;
      }
    }

    const received: EventRow[] = [...((await slowFirst).value as EventRow[])];
    let cutOff: unknown;
    try {
      for (;;) {
        const result = await slow.next();
        if (result.done) break;
        received.push(...result.value);
      }
    } catch (error) {
      cutOff = error;
    }
    expect(cutOff).toBeInstanceOf(SubscriberTooSlowError);
    const resumeAfter = (cutOff as SubscriberTooSlowError).lastDeliveredId;
    expect(resumeAfter).toBe(received.at(-1)!.id);
    expect((cutOff as Error).message).toBe(
      'Subscriber fell too far behind; resubscribe with `after` set to the cursor of the last event it received to resume without loss.',
    );
    // The batch that overflowed the buffer never reached it.
    expect(entities(received)).toContain('e200');
    expect(entities(received)).not.toContain('e201');
    expect((await slow.next()).done).toBe(true);

    // Resuming from the cursor it was given yields exactly the rest.
    const resumed = bus.subscribe(tenantId, 'finding', resumeAfter);
    const rest = await nextBatch(resumed);
    expect([...entities(received), ...entities(rest)].filter((id) => id !== 'e0')).toEqual(committed);
    await resumed.return!();
    await witness.return!();
  });

  it('ends a subscription on return(), and every subscription when the bus stops', async () => {
    const returned = bus.subscribe(tenantId, 'finding', 0n);
    await commit('x1');
    expect(entities(await nextBatch(returned))).toEqual(['x1']);
    await returned.return!();
    expect(await returned.next()).toEqual({ value: undefined, done: true });

    const open = bus.subscribe(tenantId, 'finding', 0n);
    expect(entities(await nextBatch(open))).toEqual(['x1']);
    const waiting = open.next();
    await bus.stop();
    expect(await waiting).toEqual({ value: undefined, done: true });
  });

  it('ignores a malformed notification and keeps delivering', async () => {
    const subscription = bus.subscribe(tenantId, 'finding', 0n);
    await commit('a');
    expect(entities(await nextBatch(subscription))).toEqual(['a']);
    await database.db.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${'not json'})`);
    await vi.waitFor(
      () =>
        expect(log.warn).toHaveBeenCalledWith(
          { payload: 'not json' },
          'ignoring a malformed event notification',
        ),
      WAIT,
    );
    await commit('b');
    expect(entities(await nextBatch(subscription))).toEqual(['b']);
    await subscription.return!();
  });
});
