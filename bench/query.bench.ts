import postgres from 'postgres';
import { loadConfig } from '../src/config.ts';
import { fixedEstate, memberAccountIds } from '../src/emulator/generator/index.ts';
import { explainRequest } from './explain.ts';
import { getFindingsLatencies } from './get-findings.ts';
import { startServiceProcess } from './processes.ts';
import {
  apiEnvironment,
  percentile,
  post,
  round,
  type SeedOptions,
  seed,
  tokenFor,
  withBenchDatabase,
} from './support.ts';
import { throughputVsBareApollo } from './throughput.ts';

/**
 * Issue 13's figures: query latency at scale, against `npm start` (its own process, production mode,
 * JWT auth) on real PostgreSQL (a database of its own on DATABASE_URL's server, dropped after).
 *
 * BENCH_QUERY_FINDINGS findings (default 1,000,000) over BENCH_QUERY_ASSETS assets (default 1 per 20
 * findings: 50,000), 20 accounts and 6 Regions, loaded through `npm run seed` (the sync's own ingest)
 * by BENCH_QUERY_SEEDERS processes side by side (default 2; each its own seed, all on one estate).
 * One tenth is loaded and measured first, then the rest, and everything is measured again.
 * - load.findings_per_s: findings loaded a second over both loads (seed processes' wall time).
 * - query.<q>_p50_ms / _p95_ms / _p99_ms: BENCH_QUERY_RUNS (default 200) sequential warm requests of
 *   each query below over HTTP, at full scale; the same with `@<n>` (e.g. `@100k`) at one tenth.
 *   first_page: 100 findings by detection score with their assets; deep_page: the same 50 pages down
 *   the cursor chain (fewer when there are not 50 pages); filtered_page: HIGH and CRITICAL, NEW, one
 *   account; search_page: `filter.search`; stats: `findingStats` unfiltered; asset_page: 100 assets
 *   by risk with finding counts; entities: `_entities` for 100 findings by `productArn awsId`.
 *   Targets: pages p95 ≤ 50 ms, stats p95 ≤ 100 ms; a missed one prints EXPLAIN (ANALYZE, BUFFERS)
 *   of its statements to stderr.
 * - query.scale_ratio_max: the largest full-scale p95 / one-tenth p95 of those queries. Target ≤ 1.5.
 * - query.vs_get_findings_ratio: Security Hub GetFindings' p95 (the project's emulator, in this
 *   process, holding the one-tenth load's very findings, called by the real SDK as an administrator
 *   with a finding aggregator, 100 sorted by severity, paced at AWS's quota) DIVIDED BY Hubgraph's
 *   first_page p95 at one tenth: above 1, Hubgraph's page is the faster. (One tenth, because the
 *   emulator keeps findings in memory: a million would not fit its heap.)
 * - overhead_vs_bare_apollo: Hubgraph's `{ __typename }` requests a second divided by a bare Apollo
 *   Server's (trivial schema, standalone HTTP, in a worker thread of this process so it has a core
 *   of its own as Hubgraph's process has): the same client, concurrency and Authorization header.
 *   Target ≥ 0.7.
 * - api.peak_rss_mb: the API process's peak resident memory at full scale, after the query mix and
 *   the throughput run. Target ≤ 300.
 * The tenant's operation-cost budget is lifted (GRAPHQL_TENANT_COST_PER_SECOND): the bench measures
 * latency, and a refusal fails it.
 */
export async function run(): Promise<Record<string, number>> {
  const total = integerEnv('BENCH_QUERY_FINDINGS', 1_000_000);
  const runs = integerEnv('BENCH_QUERY_RUNS', 200);
  const assets = integerEnv('BENCH_QUERY_ASSETS', Math.max(1, Math.round(total / 20)));
  const seeders = integerEnv('BENCH_QUERY_SEEDERS', 2);
  const tenth = Math.round(total / 10);
  const tag = `@${compact(tenth)}`;
  const base: Omit<SeedOptions, 'findings' | 'seed'> = {
    tenant: TENANT,
    accounts: ACCOUNTS,
    regions: REGIONS,
    assets,
    now: startOfUtcDay(new Date()),
  };
  return withBenchDatabase('hubgraph_bench_query', async (databaseUrl) => {
    const token = await tokenFor(TENANT);
    const figures: Record<string, number> = {};
    const firstLoad = shares(tenth, seeders).map((findings, i) => ({ ...base, findings, seed: i + 1 }));
    const secondLoad = shares(total - tenth, seeders).map((findings, i) => ({
      ...base,
      findings,
      seed: seeders + i + 1,
    }));

    step(`loading ${tenth} findings over ${assets} assets (${seeders} seed processes)`);
    let loadSeconds = await load(databaseUrl, firstLoad);
    const small = await measureStage(databaseUrl, token, runs, async (latencies) => {
      step('GetFindings from the emulator, over the same findings');
      const getFindings = await getFindingsLatencies(firstLoad, {
        accountIds: memberAccountIds(ACCOUNTS),
        regions: REGIONS,
        estate: fixedEstate(assets, ACCOUNTS, REGIONS.length),
        runs,
      });
      const hubgraph = percentile(latencies.first_page!, 0.95);
      figures['get_findings.p95_ms'] = round(percentile(getFindings, 0.95));
      figures['query.vs_get_findings_ratio'] =
        Math.round((percentile(getFindings, 0.95) / hubgraph) * 100) / 100;
    });
    for (const [name, values] of Object.entries(small.latencies)) summarise(figures, name, values, tag);

    step(`loading the other ${total - tenth} findings`);
    loadSeconds += await load(databaseUrl, secondLoad);
    figures['load.findings_per_s'] = Math.round(total / loadSeconds);
    const full = await measureStage(databaseUrl, token, runs, async (_latencies, url) => {
      step('throughput of { __typename }: Hubgraph and a bare Apollo Server');
      const throughput = await throughputVsBareApollo(url, token);
      figures['query.trivial_per_s'] = Math.round(throughput.hubgraph);
      figures['bare_apollo.trivial_per_s'] = Math.round(throughput.bare);
      figures.overhead_vs_bare_apollo = Math.round((throughput.hubgraph / throughput.bare) * 100) / 100;
    });
    for (const [name, values] of Object.entries(full.latencies)) summarise(figures, name, values, '');
    figures['api.peak_rss_mb'] = round(full.peakRssMb);

    let worst = 0;
    for (const name of Object.keys(full.latencies))
      worst = Math.max(worst, figures[`query.${name}_p95_ms`]! / figures[`query.${name}_p95_ms${tag}`]!);
    figures['query.scale_ratio_max'] = Math.round(worst * 100) / 100;

    const missed = full.queries.filter((query) => figures[`query.${query.name}_p95_ms`]! > query.targetMs);
    if (missed.length > 0) {
      const config = loadConfig(apiEnvironment(databaseUrl, { LOG_LEVEL: 'silent' }));
      for (const query of missed) {
        process.stderr.write(
          `query: ${query.name} p95 ${figures[`query.${query.name}_p95_ms`]} ms misses its target of ${query.targetMs} ms; its statements:\n`,
        );
        await explainRequest(config, token, query.body, (line) => process.stderr.write(`${line}\n`));
      }
    }
    return figures;
  });
}

const TENANT = 'bench';
const ACCOUNTS = 20;
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1'];
const PAGE_TARGET_MS = 50;
const STATS_TARGET_MS = 100;
const DEEP_PAGES = 50;

const FINDING_PAGE = `query Page($filter: FindingFilter, $after: String) {
  findings(first: 100, filter: $filter, after: $after) {
    edges { cursor node { id productArn awsId findingName detectionScore severity { label } workflowStatus
      awsAccountId region asset { id name resourceType riskScore } } }
    pageInfo { endCursor hasNextPage }
  }
}`;

const STATS = `{ findingStats { total bySeverity { label count } byWorkflowStatus { status count }
  byProduct { value count } byAccount { value count } byRegion { value count } } }`;

const ASSET_PAGE = `{ assets(first: 100) { edges { cursor node { id name resourceType riskScore riskBand
  findingCounts { critical high medium low informational total } } } pageInfo { endCursor hasNextPage } } }`;

const ENTITIES = `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Finding { id awsId findingName detectionScore severity { label } } }
}`;

interface Body {
  query: string;
  variables?: Record<string, unknown>;
}

interface TimedQuery {
  name: string;
  body: Body;
  targetMs: number;
}

interface FindingPage {
  findings: {
    edges: { cursor: string; node: { productArn: string; awsId: string } }[];
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
  };
}

/**
 * Starts the API on the loaded database, times each query `runs` times (after a warm-up), runs
 * `more` with the latencies and the API's URL while it still serves, and stops it.
 */
async function measureStage(
  databaseUrl: string,
  token: string,
  runs: number,
  more: (latencies: Record<string, number[]>, url: string) => Promise<void>,
) {
  const api = await startServiceProcess(
    'start',
    /serving GraphQL at (http:\/\/[^\s"]+)/,
    apiEnvironment(databaseUrl, { GRAPHQL_TENANT_COST_PER_SECOND: '100000000' }),
  );
  try {
    const url = api.ready[1]!;
    const queries = await queriesFor(url, token);
    const latencies: Record<string, number[]> = {};
    for (const query of queries) {
      step(`timing ${query.name}`);
      await timeRequests(url, token, query.body, Math.min(20, runs));
      latencies[query.name] = await timeRequests(url, token, query.body, runs);
    }
    await more(latencies, url);
    return { queries, latencies, peakRssMb: api.peakRssMb() };
  } finally {
    await api.stop();
  }
}

/** The queries, with the deep page's cursor and the entities' keys read from the first pages. */
async function queriesFor(url: string, token: string): Promise<TimedQuery[]> {
  const seen: { productArn: string; awsId: string }[] = [];
  let after: string | null = null;
  let depth = 1;
  for (; depth < DEEP_PAGES; depth++) {
    const page: FindingPage = await request(url, token, { query: FINDING_PAGE, variables: { after } });
    seen.push(...page.findings.edges.map((edge) => edge.node));
    if (!page.findings.pageInfo.hasNextPage) break;
    after = page.findings.pageInfo.endCursor;
  }
  if (depth < DEEP_PAGES) step(`only ${depth} pages of findings: the deep page is page ${depth}`);
  // 100 findings from all over the walked pages.
  const representations = Array.from({ length: Math.min(100, seen.length) }, (_, i) => {
    const { productArn, awsId } = seen[Math.floor((i * seen.length) / Math.min(100, seen.length))]!;
    return { __typename: 'Finding', productArn, awsId };
  });
  const page = (variables: Record<string, unknown>) => ({ query: FINDING_PAGE, variables });
  return [
    { name: 'first_page', body: page({}), targetMs: PAGE_TARGET_MS },
    { name: 'deep_page', body: page({ after }), targetMs: PAGE_TARGET_MS },
    {
      name: 'filtered_page',
      body: page({
        filter: {
          severityLabels: ['HIGH', 'CRITICAL'],
          workflowStatuses: ['NEW'],
          awsAccountIds: [memberAccountIds(1)[0]],
        },
      }),
      targetMs: PAGE_TARGET_MS,
    },
    // A package in about one Inspector finding in twenty (the catalogue's CVEs name 20 packages).
    { name: 'search_page', body: page({ filter: { search: 'curl' } }), targetMs: PAGE_TARGET_MS },
    { name: 'stats', body: { query: STATS }, targetMs: STATS_TARGET_MS },
    { name: 'asset_page', body: { query: ASSET_PAGE }, targetMs: PAGE_TARGET_MS },
    { name: 'entities', body: { query: ENTITIES, variables: { representations } }, targetMs: PAGE_TARGET_MS },
  ];
}

/** Milliseconds of `count` sequential requests, each checked to succeed. */
async function timeRequests(url: string, token: string, body: Body, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await request(url, token, body);
    times.push(performance.now() - started);
  }
  return times;
}

async function request<T>(url: string, token: string, body: Body): Promise<T> {
  const response = await post(url, token, body.query, body.variables);
  const result = (await response.json()) as { data?: T; errors?: unknown };
  if (response.status !== 200 || result.errors || !result.data)
    throw new Error(`${response.status}: ${JSON.stringify(result).slice(0, 500)}`);
  return result.data;
}

/**
 * Runs the seed processes side by side; their wall time in seconds. Then ANALYZE, as autovacuum
 * does a while after a bulk load: until then the planner's row counts are the old ones (a deep page
 * it thinks has 52 rows left has 15,000) and the queries measure that gap, not the steady state.
 */
async function load(databaseUrl: string, seeds: SeedOptions[]): Promise<number> {
  const started = performance.now();
  const summaries = await Promise.all(seeds.map((options) => seed(databaseUrl, options)));
  const seconds = (performance.now() - started) / 1000;
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  let assets: number;
  try {
    await sql`analyze`;
    [{ assets }] = (await sql`select count(*)::int as assets from assets`) as unknown as [{ assets: number }];
  } finally {
    await sql.end({ timeout: 5 });
  }
  const created = summaries.reduce((sum, summary) => sum + summary.created, 0);
  const rejected = summaries.reduce((sum, summary) => sum + summary.rejected, 0);
  step(
    `${created} created, ${rejected} rejected in ${round(seconds)} s (${Math.round(created / seconds)}/s); ${assets} assets now`,
  );
  return seconds;
}

function summarise(figures: Record<string, number>, name: string, values: number[], tag: string): void {
  for (const [suffix, p] of [
    ['p50', 0.5],
    ['p95', 0.95],
    ['p99', 0.99],
  ] as const)
    figures[`query.${name}_${suffix}_ms${tag}`] = round(percentile(values, p));
}

/** `count` split into `parts` nearly equal shares. */
function shares(count: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, i) => Math.floor(count / parts) + (i < count % parts ? 1 : 0),
  ).filter((share) => share > 0);
}

/** 100000 → 100k, 2000 → 2k, 1500000 → 1.5M. */
function compact(count: number): string {
  if (count >= 1_000_000) return `${round(count / 1_000_000)}M`;
  if (count >= 1_000) return `${round(count / 1_000)}k`;
  return String(count);
}

function integerEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

function startOfUtcDay(time: Date): Date {
  return new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate()));
}

function step(what: string): void {
  process.stderr.write(`query: ${what}\n`);
}
