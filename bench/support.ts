import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { SignJWT } from 'jose';
import postgres from 'postgres';
import { type ServiceProcess, startServiceProcess } from './processes.ts';

// What the benchmarks against `npm start` share: a database of their own on DATABASE_URL's server,
// seeding through `npm run seed` (the sync's own ingest), JWT tokens, the API's production
// environment, GraphQL over HTTP, and percentiles.

const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
const ISSUER = 'https://bench.hubgraph';
const AUDIENCE = 'hubgraph';

/**
 * Runs `work` with the URL of a database created for it on DATABASE_URL's server (default
 * postgres://postgres@127.0.0.1:5432/test), dropped afterwards whatever happens.
 */
export async function withBenchDatabase<T>(
  prefix: string,
  work: (databaseUrl: string) => Promise<T>,
): Promise<T> {
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `${prefix}_${Date.now()}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  try {
    return await work(url.toString());
  } finally {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end({ timeout: 5 });
  }
}

/** `npm start`'s environment in production mode, with JWT auth the benchmark signs tokens for. */
export function apiEnvironment(
  databaseUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    HUBGRAPH_ROLE: 'api',
    AUTH_JWT_SECRET: JWT_SECRET,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    HUBGRAPH_MASTER_KEY: 'c'.repeat(64),
    ...extra,
  };
}

/** `npm start` as the API, in production mode with JWT auth; `url` is where it serves GraphQL. */
export async function startApi(
  databaseUrl: string,
  extra: Record<string, string> = {},
): Promise<{ api: ServiceProcess; url: string }> {
  const api = await startServiceProcess(
    'start',
    /serving GraphQL at (http:\/\/[^\s"]+)/,
    // BENCH_CPU_PROF_DIR profiles it (bench/processes.ts).
    apiEnvironment(databaseUrl, extra),
  );
  return { api, url: api.ready[1]! };
}

export function tokenFor(tenantId: string): Promise<string> {
  return new SignJWT({ tenant_id: tenantId })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('bench')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(JWT_SECRET));
}

export interface SeedOptions {
  tenant: string;
  findings: number;
  seed: number;
  accounts?: number;
  regions?: string[];
  assets?: number;
  now?: Date;
}

/** What `npm run seed` reports on its last line. */
export interface SeedSummary {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  seconds: number;
}

/** `npm run seed` into `databaseUrl`, as an operator runs it. */
export async function seed(databaseUrl: string, options: SeedOptions): Promise<SeedSummary> {
  const args = [
    '--findings',
    String(options.findings),
    '--tenant',
    options.tenant,
    '--seed',
    String(options.seed),
  ];
  if (options.accounts !== undefined) args.push('--accounts', String(options.accounts));
  if (options.regions !== undefined) args.push('--regions', options.regions.join(','));
  if (options.assets !== undefined) args.push('--assets', String(options.assets));
  if (options.now !== undefined) args.push('--now', options.now.toISOString());
  const child = spawn('npm', ['run', '--silent', 'seed', '--', ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let last = '';
  createInterface({ input: child.stdout! }).on('line', (line) => {
    last = line;
  });
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`seeding ${options.tenant} (seed ${options.seed}) exited with ${code}`);
  return JSON.parse(last) as SeedSummary;
}

/** A GraphQL request over HTTP with the tenant's token (and any other headers). */
export function post(
  url: string,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export function round(value: number): number {
  return Math.round(value * 10) / 10;
}
