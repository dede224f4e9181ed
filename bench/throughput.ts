import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { post } from './support.ts';

const CONCURRENCY = 8;
const WARM_UP_MS = 1_000;
/** Each server is measured in turns of this long, alternately, so a burst of other work on the machine falls on both. */
const TURN_MS = 1_000;
const TURNS = 5;
const TRIVIAL = '{ __typename }';

/**
 * `{ __typename }` requests a second against Hubgraph (at `url`) and against a bare Apollo Server
 * (a trivial schema, standalone HTTP) in a worker thread of this process: its own event loop, as
 * Hubgraph has its own process, so neither server shares a thread with the client. Both get the same
 * client (fetch), concurrency and Authorization header.
 */
export async function throughputVsBareApollo(
  url: string,
  token: string,
): Promise<{ hubgraph: number; bare: number }> {
  const worker = new Worker(BARE_APOLLO, { eval: true });
  try {
    const [bareUrl] = (await once(worker, 'message')) as [string];
    await loop(bareUrl, token, WARM_UP_MS);
    await loop(url, token, WARM_UP_MS);
    const totals = { bare: { done: 0, ms: 0 }, hubgraph: { done: 0, ms: 0 } };
    for (let turn = 0; turn < TURNS; turn++)
      for (const [which, target] of [
        ['bare', bareUrl],
        ['hubgraph', url],
      ] as const) {
        const started = performance.now();
        totals[which].done += await loop(target, token, TURN_MS);
        totals[which].ms += performance.now() - started;
      }
    return {
      hubgraph: totals.hubgraph.done / (totals.hubgraph.ms / 1000),
      bare: totals.bare.done / (totals.bare.ms / 1000),
    };
  } finally {
    await worker.terminate();
  }
}

/** CONCURRENCY clients sending back to back for `ms`; the requests answered. */
async function loop(url: string, token: string, ms: number): Promise<number> {
  const until = performance.now() + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const response = await post(url, token, TRIVIAL);
        const body = (await response.json()) as { data?: { __typename?: string } };
        if (response.status !== 200 || body.data?.__typename !== 'Query')
          throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
        done += 1;
      }
    }),
  );
  return done;
}

// Plain JavaScript: an eval'd worker resolves packages from the working directory (the project's).
const BARE_APOLLO = `
const { parentPort } = require('node:worker_threads');
const { ApolloServer } = require('@apollo/server');
const { startStandaloneServer } = require('@apollo/server/standalone');
const server = new ApolloServer({ typeDefs: 'type Query { ok: Boolean }', resolvers: { Query: { ok: () => true } } });
startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } }).then(({ url }) => parentPort.postMessage(url));
`;
