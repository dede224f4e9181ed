import {
  createSourceEventStream,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  GraphQLError,
} from 'graphql';
import { type BufferedIterator, NOTHING_BUFFERED } from '../events/iterators.ts';

// graphql-js's `subscribe` executes the operation's selection for every subscriber and every event:
// 3,000 subscribers of one tenant selecting `finding { asset }` meant 3,000 executions of each
// event (issue 12: 1.5 M for a 500-finding ingest, which saturated the event loop). The event bus
// hands every subscriber of a tenant the same event objects (findings/subscriptions.ts), so the
// result for one event and one operation (document, operation name, variables) is the same for
// all of them: it is executed once, serialised to JSON once, and the same text is sent to every
// subscriber with that operation, each in a `next` message of its own subscription id.

/** An event's result for one operation: under way, then (`value`) settled. */
interface SharedResult {
  promise: Promise<ExecutionResult>;
  value?: ExecutionResult;
}

/** Per source event: its result, per operation key. Gone with the event once delivered. */
const resultsByEvent = new WeakMap<object, Map<string, SharedResult>>();

/** A result's JSON (UTF-8), made by the first subscriber to send it. */
const serialised = new WeakMap<ExecutionResult, Buffer>();

const counts = { executions: 0, serialisations: 0 };

/** Executions and serialisations of subscription results so far (a test counts them per batch). */
export function sharedExecutionCounts(): { executions: number; serialisations: number } {
  return { ...counts };
}

/**
 * Sends one result's JSON as this subscription's `next` message; a promise when the connection
 * wants the sender to wait (backpressure).
 */
export type NextSender = (payloadJson: Buffer) => Promise<void> | undefined;

/**
 * What identifies an operation's result for an event: the tenant (defence in depth: events of one
 * tenant never reach another's subscribers anyway), the query text, the operation and variables.
 */
export function operationKey(
  tenantId: string,
  query: string,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): string {
  return JSON.stringify([tenantId, operationName ?? null, variables ?? null, query]);
}

/**
 * `subscribe` for graphql-ws: the source stream as graphql-js makes it (the field's `subscribe`
 * resolver), each event executed once per operation key across all subscribers. With `sendNext`,
 * results without errors are sent by it (their JSON made once) rather than handed to graphql-ws one
 * by one, which would serialise each for each subscriber and take several promises per message;
 * a result with errors is handed over, so graphql-ws's `onNext` masks and logs them as ever.
 */
export async function subscribeShared(
  args: ExecutionArgs,
  key: string,
  sendNext?: NextSender,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source;
  const events = source as AsyncIterableIterator<unknown>;
  const resultOf = (event: unknown): SharedResult => {
    // A primitive cannot key a WeakMap (and is not shared): executed for this subscriber alone.
    if (typeof event !== 'object' || event === null) return { promise: executeFor(args, event) };
    let byKey = resultsByEvent.get(event);
    if (!byKey) {
      byKey = new Map();
      resultsByEvent.set(event, byKey);
    }
    let result = byKey.get(key);
    if (!result) {
      const shared: SharedResult = { promise: executeFor(args, event) };
      void shared.promise.then((value) => {
        shared.value = value;
      });
      result = shared;
      byKey.set(key, result);
    }
    return result;
  };
  // Events the source already holds, and results another subscriber already has, are taken
  // without awaiting: a subscription sends a batch in one turn.
  const take = isBuffered(events) ? () => events.takeBuffered() : () => NOTHING_BUFFERED;
  let stopped = false;
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      for (;;) {
        let event = take();
        if (event === NOTHING_BUFFERED) {
          const item = await events.next();
          if (item.done || stopped) return { value: undefined, done: true };
          event = item.value;
        }
        if (stopped) return { value: undefined, done: true };
        const shared = resultOf(event);
        const result = shared.value ?? (await shared.promise);
        if (!sendNext || result.errors?.length) return { value: result, done: false };
        // Completed by the client meanwhile: graphql-ws has called return(); nothing more is sent.
        if (stopped) return { value: undefined, done: true };
        const backpressure = sendNext(jsonOf(result));
        if (backpressure) await backpressure;
      }
    },
    async return() {
      stopped = true;
      await events.return?.();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      await events.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

function isBuffered(iterator: AsyncIterator<unknown>): iterator is BufferedIterator<unknown> {
  return typeof (iterator as Partial<BufferedIterator<unknown>>).takeBuffered === 'function';
}

function jsonOf(result: ExecutionResult): Buffer {
  let json = serialised.get(result);
  if (json === undefined) {
    counts.serialisations += 1;
    json = Buffer.from(JSON.stringify(result));
    serialised.set(result, json);
  }
  return json;
}

async function executeFor(args: ExecutionArgs, event: unknown): Promise<ExecutionResult> {
  counts.executions += 1;
  try {
    return await execute({ ...args, rootValue: event });
  } catch (error) {
    return { errors: [error instanceof GraphQLError ? error : new GraphQLError(String(error))] };
  }
}
