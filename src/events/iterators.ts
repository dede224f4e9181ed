/**
 * Maps an iterator of batches to an iterator of items, asynchronously (e.g. to check a batch
 * against a filter in one query). `return()` reaches the source at once, so unsubscribing frees
 * resources immediately even while the source is waiting for its next batch.
 */
export function flatMapBatches<T, U>(
  source: AsyncIterator<T[]>,
  transform: (batch: T[]) => Promise<readonly U[]>,
): AsyncIterableIterator<U> {
  // Read by position, never changed: a transform may hand many iterators the same array.
  let buffered: readonly U[] = [];
  let position = 0;
  return {
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
