import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { type Client, createClient } from 'graphql-ws';
import postgres from 'postgres';
import WebSocket from 'ws';
import { percentile, round, seed, startApi, tokenFor, withBenchDatabase } from './support.ts';

/**
 * Issue 13 item 4 / issue 12: live events to many subscribers, against `npm start` (production
 * mode, JWT auth) on real PostgreSQL. BENCH_SUBSCRIBERS (default 1,000) graphql-ws subscriptions
 * of one tenant, 50 to a connection, each selecting `finding { asset }` under one of a mix of
 * filters (none, severity, account, product, product and severity); then BENCH_SUBSCRIPTION_FINDINGS
 * (default 10,000) new findings are ingested by `npm run seed` in another process.
 * - subscriptions.p50_ms / p95_ms / p99_ms: from an event's `occurredAt` (the database clock just
 *   before its transaction commits) to its receipt by the client (same machine). Target p99 ≤ 100.
 * - subscriptions.delivered / subscriptions.expected: events received, and events there were to
 *   receive: per subscriber, the tenant's finding events committed since the ingest began whose
 *   finding matches its filter, counted in the database after the ingest. (Small warm-up ingests
 *   before it show every subscriber live; their events are not counted.)
 * - subscriptions.left_behind: subscribers that missed an event, received one twice, or were
 *   closed or failed. Target 0.
 * - subscriptions.memory_per_subscriber_kb: (API RSS with the subscribers live − before) / count.
 * - subscriptions.http_p95_ms / http_max_ms: another tenant's `{ __typename }` over HTTP, every
 *   100 ms from the ingest's start until the last delivery (from a thread of its own, so the
 *   clients' work does not delay it): how long the fan-out holds the API's event loop.
 * - subscriptions.api_cpu_s / client_cpu_s: CPU the API and this process (the clients) used from
 *   the ingest's start until the last delivery (or the wait's end): where the machine's time went.
 * - subscriptions.api_runqueue_wait_s: how long in that time the API's main thread was ready to
 *   run but waited for a CPU (the other processes on the machine: PostgreSQL, the seed, the clients).
 */
export async function run(): Promise<Record<string, number>> {
  const subscriberCount = Number(process.env.BENCH_SUBSCRIBERS ?? 1_000);
  const findingCount = Number(process.env.BENCH_SUBSCRIPTION_FINDINGS ?? 10_000);
  const connections = Math.ceil(subscriberCount / PER_CONNECTION);
  const step = (what: string) => process.stderr.write(`subscriptions: ${what}\n`);
  return withBenchDatabase('hubgraph_bench_subs', async (databaseUrl) => {
    step('seeding 200 findings to choose filters from');
    await seed(databaseUrl, { tenant: TENANT, findings: 200, seed: 1 });
    const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
    const { api, url } = await startApi(databaseUrl, {
      HUBGRAPH_WS_MAX_SUBSCRIPTIONS_PER_TENANT: String(subscriberCount),
      HUBGRAPH_WS_MAX_CONNECTIONS_PER_TENANT: String(Math.max(100, connections)),
    });
    try {
      const filters = await filterMix(sql);
      const rssBefore = api.rssMb();
      step(`${subscriberCount} subscribers over ${connections} connections`);
      const subscribers = await subscribe(url, await tokenFor(TENANT), subscriberCount, filters);

      // Live means registered with the event bus, which the protocol does not acknowledge: small
      // ingests until every subscriber has had an event show it.
      for (let round = 0; !subscribers.list.every((s) => s.warmUp > 0); round += 1) {
        if (round === 10) throw new Error('subscribers still without an event after 10 warm-up ingests');
        step(`warm-up ingest ${round + 1} (100 findings)`);
        await seed(databaseUrl, { tenant: TENANT, findings: 100, seed: 100 + round });
        await waitFor(() => subscribers.list.every((s) => s.warmUp > 0), 15_000);
      }
      // What the ingest owes is what commits from here on (event times and this clock are the
      // same machine's; both count whole milliseconds alike).
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const rssLive = api.rssMb();
      const since = Date.now();
      subscribers.countFrom(since);

      step(`ingesting ${findingCount} findings`);
      const started = performance.now();
      const apiCpuBefore = cpuSeconds(api.pid);
      const apiWaitBefore = runQueueWaitSeconds(api.pid);
      const clientCpuBefore = process.cpuUsage();
      const probe = httpProbe(url, await tokenFor('neighbour'));
      await seed(databaseUrl, { tenant: TENANT, findings: findingCount, seed: 3 });
      const ingestSeconds = (performance.now() - started) / 1000;
      step(`ingest done in ${round(ingestSeconds)} s; waiting for deliveries`);
      const expected = await deliveredAll(sql, subscribers, filters, since, 120_000);
      const requests = await probe.stop();
      const apiCpu = cpuSeconds(api.pid) - apiCpuBefore;
      const apiWait = runQueueWaitSeconds(api.pid) - apiWaitBefore;
      const clientCpu = process.cpuUsage(clientCpuBefore);
      const latencies = subscribers.latencies();
      const delivered = subscribers.list.reduce((sum, s) => sum + s.received, 0);
      const leftBehind = subscribers.list.filter(
        (s, i) => s.failed || s.completed || s.cursors.size !== expected[i] || s.received !== s.cursors.size,
      ).length;
      const extra = subscribers.list.filter((s, i) => s.cursors.size > expected[i]!).length;
      await subscribers.close();
      return {
        'subscriptions.subscribers': subscriberCount,
        'subscriptions.findings': findingCount,
        'subscriptions.p50_ms': round(percentile(latencies, 0.5)),
        'subscriptions.p95_ms': round(percentile(latencies, 0.95)),
        'subscriptions.p99_ms': round(percentile(latencies, 0.99)),
        'subscriptions.max_ms': round(percentile(latencies, 1)),
        'subscriptions.delivered': delivered,
        'subscriptions.expected': expected.reduce((sum, n) => sum + n, 0),
        'subscriptions.left_behind': leftBehind,
        'subscriptions.over_delivered': extra,
        'subscriptions.memory_per_subscriber_kb': round(((rssLive - rssBefore) * 1024) / subscriberCount),
        'subscriptions.peak_rss_mb': round(api.peakRssMb()),
        'subscriptions.ingest_s': round(ingestSeconds),
        'subscriptions.http_p95_ms': round(percentile(requests, 0.95)),
        'subscriptions.http_max_ms': round(percentile(requests, 1)),
        'subscriptions.api_cpu_s': round(apiCpu),
        'subscriptions.api_runqueue_wait_s': round(apiWait),
        'subscriptions.client_cpu_s': round((clientCpu.user + clientCpu.system) / 1e6),
      };
    } finally {
      await api.stop();
      await sql.end({ timeout: 5 });
    }
  });
}

const TENANT = 'subscribed';

/** Requests every 100 ms from a worker thread until stopped; their latencies (ms). */
function httpProbe(url: string, token: string): { stop: () => Promise<number[]> } {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const times = [];
     let running = true;
     parentPort.on('message', () => { running = false; });
     (async () => {
       while (running) {
         const started = performance.now();
         const response = await fetch(workerData.url, {
           method: 'POST',
           headers: { 'content-type': 'application/json', authorization: 'Bearer ' + workerData.token },
           body: JSON.stringify({ query: '{ __typename }' }),
         });
         await response.text();
         if (response.status !== 200) throw new Error('the probe got ' + response.status);
         times.push(performance.now() - started);
         await new Promise((resolve) => setTimeout(resolve, 100));
       }
       parentPort.postMessage(times);
     })();`,
    { eval: true, workerData: { url, token } },
  );
  const result = new Promise<number[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    async stop() {
      worker.postMessage('stop');
      const times = await result;
      await worker.terminate();
      return times;
    },
  };
}

/** Time the process's main thread was ready to run but waited for a CPU (Linux schedstat, ns). */
function runQueueWaitSeconds(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
}

/** CPU time (user and system) a process has used so far (Linux /proc; clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const PER_CONNECTION = 50;

const SUBSCRIPTION = `subscription($filter: FindingFilter) {
  findingsChanged(filter: $filter) {
    cursor type occurredAt
    finding { id awsId findingName severity { label } awsAccountId productName asset { id name resourceType } }
  }
}`;

interface Filter {
  graphql: Record<string, unknown> | null;
  /** The same condition on `findings f`, to count what its subscribers are owed. */
  sql: (sql: postgres.Sql) => postgres.PendingQuery<postgres.Row[]>;
}

/** A mix of filters like a dashboard's: none, by severity, by account, by product, and two at once. */
async function filterMix(sql: postgres.Sql): Promise<Filter[]> {
  const common = async (column: string) =>
    (
      await sql<{ value: string }[]>`
        select ${sql(column)} as value from findings where tenant_id = ${TENANT}
        group by 1 order by count(*) desc, 1 limit 2`
    ).map((row) => row.value);
  const [account] = await common('aws_account_id');
  const [product, otherProduct] = await common('product_name');
  return [
    { graphql: null, sql: (s) => s`true` },
    { graphql: { severityLabels: ['CRITICAL', 'HIGH'] }, sql: (s) => s`f.finding_severity in (5, 4)` },
    { graphql: { severityLabels: ['MEDIUM'] }, sql: (s) => s`f.finding_severity = 3` },
    { graphql: { awsAccountIds: [account] }, sql: (s) => s`f.aws_account_id = ${account!}` },
    { graphql: { productNames: [product] }, sql: (s) => s`f.product_name = ${product!}` },
    {
      graphql: { productNames: [otherProduct ?? product], severityLabels: ['CRITICAL', 'HIGH'] },
      sql: (s) => s`f.product_name = ${otherProduct ?? product!} and f.finding_severity in (5, 4)`,
    },
  ];
}

/** Per filter: the tenant's finding events committed from `since` (ms) that its subscribers are owed. */
async function owed(sql: postgres.Sql, filters: Filter[], since: number): Promise<number[]> {
  return Promise.all(
    filters.map(async (filter) => {
      const [row] = await sql<[{ count: string }]>`
        select count(*)::text as count from events e
        left join findings f on f.tenant_id = e.tenant_id and f.id::text = e.entity_id
        where e.tenant_id = ${TENANT} and e.topic = 'finding'
          and date_trunc('milliseconds', e.created_at) >= to_timestamp(${since} / 1000.0)
          and (e.type = 'DELETED' or (${filter.sql(sql)}))`;
      return Number(row.count);
    }),
  );
}

/**
 * Waits until every subscriber holds what it is owed, or until nothing has arrived for 10 s, or
 * `timeoutMs`; returns what each is owed.
 */
async function deliveredAll(
  sql: postgres.Sql,
  subscribers: Subscribers,
  filters: Filter[],
  since: number,
  timeoutMs: number,
): Promise<number[]> {
  const byFilter = await owed(sql, filters, since);
  const expected = subscribers.list.map((s) => byFilter[s.filter]!);
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const received = subscribers.list.reduce((sum, s) => sum + s.cursors.size, 0);
    if (subscribers.list.every((s, i) => s.cursors.size >= expected[i]! || s.failed || s.completed)) break;
    if (received !== last) {
      last = received;
      lastChange = Date.now();
    }
    if (Date.now() - lastChange > 10_000 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return expected;
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

interface Subscriber {
  filter: number;
  /** Events from before the measured ingest (the warm-up's). */
  warmUp: number;
  /** From the measured ingest on: events received, and their distinct cursors. */
  received: number;
  cursors: Set<string>;
  failed: boolean;
  completed: boolean;
}

type Subscribers = Awaited<ReturnType<typeof subscribe>>;

async function subscribe(url: string, token: string, count: number, filters: Filter[]) {
  const clients: Client[] = Array.from({ length: Math.ceil(count / PER_CONNECTION) }, () =>
    createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${token}` },
    }),
  );
  const latencies: number[] = [];
  let since = Number.POSITIVE_INFINITY;
  const list: Subscriber[] = [];
  const stops: (() => void)[] = [];
  for (let i = 0; i < count; i += 1) {
    const subscriber: Subscriber = {
      filter: i % filters.length,
      warmUp: 0,
      received: 0,
      cursors: new Set(),
      failed: false,
      completed: false,
    };
    list.push(subscriber);
    stops.push(
      clients[Math.floor(i / PER_CONNECTION)]!.subscribe<{
        findingsChanged: { cursor: string; occurredAt: string };
      }>(
        { query: SUBSCRIPTION, variables: { filter: filters[subscriber.filter]!.graphql } },
        {
          next: (result) => {
            const event = result.data?.findingsChanged;
            if (!event) {
              subscriber.failed = true;
              return;
            }
            const occurredAt = Date.parse(event.occurredAt);
            if (occurredAt < since) {
              subscriber.warmUp += 1;
              return;
            }
            latencies.push(Date.now() - occurredAt);
            subscriber.received += 1;
            subscriber.cursors.add(event.cursor);
          },
          error: (error) => {
            if (!subscriber.failed)
              process.stderr.write(`subscriptions: a subscriber failed: ${String(error)}\n`);
            subscriber.failed = true;
          },
          complete: () => {
            subscriber.completed = true;
          },
        },
      ),
    );
  }
  return {
    list,
    latencies: () => latencies,
    /** Events that committed from `time` (ms) on are the measured ones. */
    countFrom(time: number) {
      since = time;
    },
    async close() {
      for (const stop of stops) stop();
      for (const client of clients) await client.dispose();
    },
  };
}
