/** What `takeBuffered` returns when nothing is at hand. */
export const NOTHING_BUFFERED: unique symbol = Symbol('nothing buffered');

/**
 * An iterator that hands over an item it already holds without a promise: a consumer of a batch
 * then takes its items in one turn, not one microtask hop (or several) per item.
 */
export interface BufferedIterator<T> extends AsyncIterableIterator<T> {
  /** The next item if one is at hand (then `next()` would not have waited), else NOTHING_BUFFERED. */
  takeBuffered(): T | typeof NOTHING_BUFFERED;
}

/**
 * Maps an iterator of batches to an iterator of items, asynchronously (e.g. to check a batch
 * against a filter in one query). `return()` reaches the source at once, so unsubscribing frees
 * resources immediately even while the source is waiting for its next batch.
 */
export function flatMapBatches<T, U>(
  source: AsyncIterator<T[]>,
  transform: (batch: T[]) => Promise<readonly U[]>,
): BufferedIterator<U> {
  // Read by position, never changed: a transform may hand many iterators the same array.
  let buffered: readonly U[] = [];
  let position = 0;
  return {
    takeBuffered() {
      return position < buffered.length ? buffered[position++]! : NOTHING_BUFFERED;
    },
    async next() {
      for (;;) {
        if (position < buffered.length) return { value: buffered[position++]!, done: false };
        const result = await source.next();
        if (result.done) return { value: undefined, done: true };
        buffered = await transform(result.value);
        position = 0;
      }
    },
    async return() {
      buffered = [];
      position = 0;
      await source.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
