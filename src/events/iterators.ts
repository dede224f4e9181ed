/**
 * Maps an iterator of batches to an iterator of items, asynchronously (e.g. to check a batch
 * against a filter in one query). `return()` reaches the source at once, so unsubscribing frees
 * resources immediately even while the source is waiting for its next batch.
 */
export function flatMapBatches<T, U>(
  source: AsyncIterator<T[]>,
  transform: (batch: T[]) => Promise<U[]>,
): AsyncIterableIterator<U> {
  let buffered: U[] = [];
  return {
    async next() {
      for (;;) {
        const item = buffered.shift();
        if (item !== undefined) return { value: item, done: false };
        const result = await source.next();
        if (result.done) return { value: undefined, done: true };
        buffered = await transform(result.value);
      }
    },
    async return() {
      buffered = [];
      await source.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
