import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import type { EventRow } from '../db/schema.ts';
import type { EventTopic } from './model.ts';
import { EVENTS_CHANNEL, type EventNotification, eventsAfter, latestEventId } from './queries.ts';

// Fan-out of the event log to this replica's subscribers. NOTIFY only wakes us ("tenant T has new
// events on topic X"); the log is the truth. One pump per (tenant, topic) reads each new batch once
// and hands it to every subscriber of that stream, however many there are.

const BATCH = 500;
/** A subscriber that falls this far behind is cut off, and told to resume with `after`. */
const MAX_BUFFERED_BATCHES = 200;

export class SubscriberTooSlowError extends Error {
  readonly lastDeliveredId: bigint;
  constructor(lastDeliveredId: bigint) {
    super(
      'Subscriber fell too far behind; resubscribe with `after` set to the cursor of the last event it received to resume without loss.',
    );
    this.name = 'SubscriberTooSlowError';
    this.lastDeliveredId = lastDeliveredId;
  }
}

interface Subscriber {
  push(batch: EventRow[]): void;
  close(): void;
}

interface TopicStream {
  tenantId: string;
  topic: EventTopic;
  /** Highest event id read from the log for this stream. */
  cursor: bigint;
  subscribers: Set<Subscriber>;
  pumping: boolean;
  dirty: boolean;
}

export class EventBus {
  private readonly streams = new Map<string, Promise<TopicStream>>();
  private unlisten: (() => Promise<void>) | undefined;
  private stopped = false;

  private readonly database: Database;
  private readonly log: Logger;

  constructor(database: Database, log: Logger) {
    this.database = database;
    this.log = log;
  }

  async start(): Promise<void> {
    this.unlisten = await this.database.listen(EVENTS_CHANNEL, (payload) => this.onNotification(payload));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.unlisten?.();
    for (const pending of this.streams.values()) {
      for (const subscriber of (await pending).subscribers) subscriber.close();
    }
    this.streams.clear();
  }

  /**
   * Batches of events of one tenant and topic, in id order: first every event after `after` (when
   * given) from the log, then live ones as they commit.
   *
   * A hand-written iterator rather than an async generator: a generator cannot be stopped while it
   * awaits the next event, so an unsubscribed client would linger until something happened.
   */
  subscribe(tenantId: string, topic: EventTopic, after?: bigint): AsyncIterableIterator<EventRow[]> {
    const queue = new BatchQueue();
    const key = streamKey(tenantId, topic);
    let stream: TopicStream | undefined;
    let pending: Promise<TopicStream> | undefined;
    let delivered = after;
    let replaying = after !== undefined;
    let finished = false;
    const done: IteratorResult<EventRow[]> = { value: undefined, done: true };
    const finish = () => {
      finished = true;
      queue.close();
      if (!stream) return;
      stream.subscribers.delete(queue);
      // Only its own stream: a newer one under the same key has subscribers of its own.
      if (stream.subscribers.size === 0 && this.streams.get(key) === pending) this.streams.delete(key);
    };
    const next = async (): Promise<IteratorResult<EventRow[]>> => {
      if (finished) return done;
      while (!stream) {
        pending = this.stream(tenantId, topic);
        const candidate = await pending;
        if (finished) return done;
        // The stream's last subscriber may have left while we waited for it: it is then out of the
        // map, no notification pumps it again, and joining it would wait forever. Take the new one.
        if (this.streams.get(key) !== pending) continue;
        stream = candidate;
        // Registered before replaying, so nothing committed during the replay is missed;
        // what both deliver is dropped by id below.
        stream.subscribers.add(queue);
        delivered ??= stream.cursor;
      }
      if (replaying) {
        const batch = await eventsAfter(this.database.db, tenantId, topic, delivered!, BATCH);
        if (batch.length < BATCH) replaying = false;
        if (batch.length > 0) {
          delivered = batch.at(-1)!.id;
          return { value: batch, done: false };
        }
      }
      for (;;) {
        const result = await queue.next();
        if (result.done) {
          const overflowed = queue.overflowed && !finished;
          finish();
          if (overflowed) throw new SubscriberTooSlowError(delivered!);
          return done;
        }
        // The pump's batch itself when all of it is new: subscribers then share one array, which
        // is what lets them share the work of resolving it (see findings/subscriptions.ts).
        const fresh =
          result.value[0]!.id > delivered!
            ? result.value
            : result.value.filter((event) => event.id > delivered!);
        if (fresh.length > 0) {
          delivered = fresh.at(-1)!.id;
          return { value: fresh, done: false };
        }
      }
    };
    return {
      next,
      return: async () => {
        finish();
        return done;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  private stream(tenantId: string, topic: EventTopic): Promise<TopicStream> {
    const key = streamKey(tenantId, topic);
    let pending = this.streams.get(key);
    if (!pending) {
      pending = latestEventId(this.database.db, tenantId, topic).then((cursor) => ({
        tenantId,
        topic,
        cursor,
        subscribers: new Set<Subscriber>(),
        pumping: false,
        dirty: false,
      }));
      this.streams.set(key, pending);
      pending.catch(() => this.streams.delete(key));
    }
    return pending;
  }

  private onNotification(payload: string): void {
    let notification: EventNotification;
    try {
      notification = JSON.parse(payload) as EventNotification;
    } catch {
      this.log.warn({ payload }, 'ignoring a malformed event notification');
      return;
    }
    for (const topic of notification.topics ?? []) {
      const pending = this.streams.get(streamKey(notification.tenantId, topic));
      if (pending) void pending.then((stream) => this.pump(stream));
    }
  }

  private async pump(stream: TopicStream): Promise<void> {
    if (stream.pumping) {
      stream.dirty = true;
      return;
    }
    stream.pumping = true;
    try {
      do {
        stream.dirty = false;
        for (;;) {
          if (this.stopped) return;
          const batch = await eventsAfter(
            this.database.db,
            stream.tenantId,
            stream.topic,
            stream.cursor,
            BATCH,
          );
          if (batch.length === 0) break;
          stream.cursor = batch.at(-1)!.id;
          for (const subscriber of stream.subscribers) subscriber.push(batch);
          if (batch.length < BATCH) break;
        }
      } while (stream.dirty);
    } catch (error) {
      this.log.error({ err: error, tenantId: stream.tenantId, topic: stream.topic }, 'event pump failed');
    } finally {
      stream.pumping = false;
    }
  }
}

function streamKey(tenantId: string, topic: string): string {
  return `${tenantId}\u0000${topic}`;
}

/** A queue of batches awaiting their consumer; overflowing closes it (the consumer is told how to resume). */
class BatchQueue implements Subscriber {
  private readonly batches: EventRow[][] = [];
  private waiting: ((result: IteratorResult<EventRow[]>) => void) | undefined;
  private closed = false;
  overflowed = false;

  push(batch: EventRow[]): void {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: batch, done: false });
      return;
    }
    if (this.batches.length >= MAX_BUFFERED_BATCHES) {
      this.overflowed = true;
      this.close();
      return;
    }
    this.batches.push(batch);
  }

  close(): void {
    this.closed = true;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<EventRow[]>> {
    const batch = this.batches.shift();
    if (batch) return Promise.resolve({ value: batch, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}
