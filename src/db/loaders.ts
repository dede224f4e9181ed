import DataLoader from 'dataloader';

/**
 * A per-request DataLoader that fetches many keys in one statement and answers each key in order,
 * with null for keys that do not exist (or belong to another tenant: the fetch is tenant-scoped).
 */
export function keyedLoader<K, V>(
  fetch: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (value: V) => K,
  cacheKey: (key: K) => string | K = (key) => key,
): DataLoader<K, V | null, string | K> {
  return new DataLoader<K, V | null, string | K>(
    async (keys) => {
      const found = new Map<string | K, V>();
      for (const value of await fetch(keys)) found.set(cacheKey(keyOf(value)), value);
      return keys.map((key) => found.get(cacheKey(key)) ?? null);
    },
    { cacheKeyFn: cacheKey, maxBatchSize: 1000 },
  );
}

/** Loaders that depend on arguments (nested connections): one DataLoader per distinct argument set. */
export function loaderFamily<A, K, V>(create: (args: A) => DataLoader<K, V>): (args: A) => DataLoader<K, V> {
  const family = new Map<string, DataLoader<K, V>>();
  return (args) => {
    const key = JSON.stringify(args);
    let loader = family.get(key);
    if (!loader) {
      loader = create(args);
      family.set(key, loader);
    }
    return loader;
  };
}
