import { and, asc, eq, gt, inArray, max, sql } from 'drizzle-orm';
import type { Executor, Tx } from '../db/client.ts';
import { jsonRecordset } from '../db/json-rows.ts';
import { events } from '../db/schema.ts';
import type { EventTopic, NewEvent } from './model.ts';

export const EVENTS_CHANNEL = 'hubgraph_events';

// Event ids are the cursors subscribers resume from, so they must become visible in id order. A
// transaction-scoped advisory lock, taken just before the insert and held to commit, makes
// concurrent writers commit their events one after the other: a reader never sees id 11 while 10
// is still in flight (and so never skips 10 for good).
const EVENT_WRITE_LOCK = 4_177_002;

export interface EventNotification {
  tenantId: string;
  topics: EventTopic[];
}

/**
 * Appends events inside the caller's transaction and wakes every replica's listeners at commit.
 * One statement (lock, insert, notify): the lock is then held for the commit's round trip only.
 */
export async function appendEvents(tx: Tx, tenantId: string, newEvents: readonly NewEvent[]): Promise<void> {
  if (newEvents.length === 0) return;
  const notification: EventNotification = {
    tenantId,
    topics: [...new Set(newEvents.map((event) => event.topic))],
  };
  const { columns, recordset } = jsonRecordset(
    events,
    ['tenantId', 'topic', 'type', 'entityId', 'payload'],
    newEvents.map((event) => ({ ...event, tenantId })),
  );
  // The lock's row joins every inserted row, so it is taken before the first id is drawn. The
  // events' time is the clock's under the lock (not the transaction's start, as `now()` would be):
  // it follows id order, and is what a subscriber measures delivery latency from (just before commit).
  await tx.execute(sql`
    with locked as (select pg_advisory_xact_lock(${EVENT_WRITE_LOCK})),
         inserted as (insert into ${events} (${columns}, created_at) select ${columns}, clock_timestamp() from locked, ${recordset} returning 1)
    select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify(notification)}) from (select count(*) from inserted) as written`);
}

export function eventsAfter(
  db: Executor,
  tenantId: string,
  topic: EventTopic,
  afterId: bigint,
  limit: number,
  entityIds?: readonly string[],
) {
  return db
    .select()
    .from(events)
    .where(
      and(
        eq(events.tenantId, tenantId),
        eq(events.topic, topic),
        gt(events.id, afterId),
        entityIds ? inArray(events.entityId, [...entityIds]) : undefined,
      ),
    )
    .orderBy(asc(events.id))
    .limit(limit);
}

export async function latestEventId(db: Executor, tenantId: string, topic: EventTopic): Promise<bigint> {
  const [row] = await db
    .select({ id: max(events.id) })
    .from(events)
    .where(and(eq(events.tenantId, tenantId), eq(events.topic, topic)));
  return row?.id ?? 0n;
}

/** The newest event's id (of any tenant): no cursor this service delivered is beyond it. */
export async function eventLogHead(db: Executor): Promise<bigint> {
  const [row] = await db.select({ id: max(events.id) }).from(events);
  return row?.id ?? 0n;
}
