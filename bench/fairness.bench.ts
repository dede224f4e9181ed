import { once } from 'node:events';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { percentile, post, round, seed, startApi, tokenFor, withBenchDatabase } from './support.ts';

/**
 * Issue 12's fairness and message-size figures, against `npm start` (a process of its own, in
 * production mode with JWT auth) on real PostgreSQL (DATABASE_URL; a database of the benchmark's
 * own is created there and dropped after). Two tenants hold BENCH_FAIRNESS_FINDINGS findings each
 * (default 50,000, seeded through the sync's own ingest).
 * - fairness.quiet_p95_ms: the neighbour's `findings(first: 10)` (with assets), 200 times, alone.
 * - fairness.flood_p95_ms: the same while the flooder runs 20 loops of 9 aliased `findingStats`,
 *   holds 3,000 subscriptions selecting `finding { asset }`, and 500 new findings of its own are
 *   ingested (events for those subscriptions). Target < 200.
 * - fairness.flood_served / fairness.flood_refused: the flooder's operations answered, and refused
 *   (429) by its budget, during that time.
 * - ws.rss_growth_mb: the API's resident memory after a 100 MB `subscribe` message and ten 94 MB
 *   `connection_init` messages without a token, minus before. Target: flat (a few MB).
 */
export async function run(): Promise<Record<string, number>> {
  const findings = Number(process.env.BENCH_FAIRNESS_FINDINGS ?? 50_000);
  const subscriberCount = Number(process.env.BENCH_FAIRNESS_SUBSCRIPTIONS ?? 3_000);
  return withBenchDatabase('hubgraph_bench_fair', async (databaseUrl) => {
    const step = (what: string) => process.stderr.write(`fairness: ${what}\n`);
    step(`seeding two tenants of ${findings} findings`);
    await seed(databaseUrl, { tenant: 'flooder', findings, seed: 1 });
    await seed(databaseUrl, { tenant: 'neighbour', findings, seed: 2 });
    const { api, url: graphqlUrl } = await startApi(databaseUrl, {
      HUBGRAPH_WS_MAX_SUBSCRIPTIONS_PER_TENANT: String(subscriberCount),
    });
    try {
      const neighbour = await tokenFor('neighbour');
      const flooder = await tokenFor('flooder');
      step('oversized WebSocket messages');
      const before = api.rssMb();
      await oversizedMessages(graphqlUrl, flooder);
      const after = api.rssMb();
      step('quiet latencies');
      const quiet = await latencies(graphqlUrl, neighbour, 200);
      step(`${subscriberCount} subscriptions`);

      const subscriptions = await subscribe(graphqlUrl, flooder, subscriberCount);
      let flooding = true;
      const outcomes = { served: 0, refused: 0, resets: 0, unexpected: '' };
      const stats = `{ ${Array.from({ length: 9 }, (_, i) => `s${i}: findingStats { total bySeverity { label count } }`).join(' ')} }`;
      const loops = Array.from({ length: Number(process.env.BENCH_FAIRNESS_FLOOD_LOOPS ?? 20) }, async () => {
        while (flooding) {
          const response = await post(graphqlUrl, flooder, stats).catch((error: Error) => error);
          // A reset connection (a keep-alive socket the server closed as the client reused it) is counted, not fatal.
          if (response instanceof Error) outcomes.resets += 1;
          else if (response.status === 200) outcomes.served += 1;
          else if (response.status === 429) outcomes.refused += 1;
          else outcomes.unexpected ||= `the flood got ${response.status}: ${await response.text()}`;
        }
      });
      step('flood, ingest, and latencies under them');
      const ingest = seed(databaseUrl, { tenant: 'flooder', findings: 500, seed: 3 });
      let flood: number[];
      try {
        flood = await latencies(graphqlUrl, neighbour, 200);
      } finally {
        flooding = false;
        await Promise.all(loops);
        await ingest;
      }
      if (outcomes.unexpected) throw new Error(outcomes.unexpected);
      const delivered = subscriptions.delivered();
      if (subscriptions.failed() > 0) throw new Error(`${subscriptions.failed()} subscriptions failed`);
      await subscriptions.close();

      return {
        'fairness.quiet_p95_ms': round(percentile(quiet, 0.95)),
        'fairness.flood_p95_ms': round(percentile(flood, 0.95)),
        'fairness.flood_served': outcomes.served,
        'fairness.flood_refused': outcomes.refused,
        'fairness.flood_resets': outcomes.resets,
        'fairness.events_delivered': delivered,
        'ws.rss_growth_mb': round(after - before),
      };
    } finally {
      await api.stop();
    }
  });
}

const PAGE =
  '{ findings(first: 10) { edges { node { id awsId findingName severity { label } asset { id name } } } } }';

/** Milliseconds of `count` sequential first pages. */
async function latencies(url: string, token: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    const response = await post(url, token, PAGE);
    const body = (await response.json()) as { errors?: unknown };
    if (response.status !== 200 || body.errors) throw new Error(`the page failed: ${JSON.stringify(body)}`);
    times.push(performance.now() - started);
  }
  return times;
}

/** `count` subscriptions selecting findings with their assets, over connections of 100. */
async function subscribe(url: string, token: string, count: number) {
  const clients = Array.from({ length: Math.ceil(count / 100) }, () =>
    createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${token}` },
    }),
  );
  let delivered = 0;
  let failed = 0;
  const stops: (() => void)[] = [];
  for (let i = 0; i < count; i += 1) {
    stops.push(
      clients[Math.floor(i / 100)]!.subscribe(
        { query: 'subscription { findingsChanged { cursor type finding { awsId asset { id name } } } }' },
        {
          next: () => {
            delivered += 1;
          },
          error: () => {
            failed += 1;
          },
          complete: () => {},
        },
      ),
    );
  }
  // Let the subscriptions register before the flood starts.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  return {
    delivered: () => delivered,
    failed: () => failed,
    async close() {
      for (const stop of stops) stop();
      for (const client of clients) await client.dispose();
    },
  };
}

/** A 100 MB subscribe message from an authenticated client, and ten 94 MB connection_init without a token. */
async function oversizedMessages(url: string, token: string): Promise<void> {
  const wsUrl = url.replace(/^http/, 'ws');
  const closed = (socket: WebSocket) => once(socket, 'close');
  const authenticated = new WebSocket(wsUrl, 'graphql-transport-ws');
  await once(authenticated, 'open');
  authenticated.send(
    JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
  );
  await once(authenticated, 'message');
  const padding = 'x'.repeat(100 * 2 ** 20);
  authenticated.send(
    `{"id":"1","type":"subscribe","payload":{"query":"subscription { findingsChanged { cursor } }","variables":{"p":"${padding}"}}}`,
  );
  await closed(authenticated);
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
      await once(socket, 'open');
      socket.send(`{"type":"connection_init","payload":{"p":"${'y'.repeat(94 * 2 ** 20)}"}}`);
      await closed(socket);
    }),
  );
  // What the process allocated for them, if anything, has had time to be collected.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
}
