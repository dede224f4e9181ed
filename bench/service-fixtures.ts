import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { SignJWT } from 'jose';
import postgres from 'postgres';
import { type ServiceProcess, startServiceProcess } from './processes.ts';

// What the service benchmarks share: a database of their own on DATABASE_URL's server, findings
// seeded through the sync's own ingest (`npm run seed`), and `npm start` in production mode with
// JWT auth, reached with tokens signed here.

const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
const ISSUER = 'https://bench.hubgraph';
const AUDIENCE = 'hubgraph';

/** Runs `work` with the URL of a fresh database (named `<prefix>_<time>`), dropped afterwards. */
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

/** `npm run seed` in a process of its own: `findings` findings of `tenant`, drawn with `seedNumber`. */
export async function seed(
  databaseUrl: string,
  tenant: string,
  findings: number,
  seedNumber: number,
): Promise<void> {
  const args = ['--findings', String(findings), '--tenant', tenant, '--seed', String(seedNumber)];
  const child = spawn('npm', ['run', '--silent', 'seed', '--', ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`seeding ${tenant} exited with ${code}`);
}

/** `npm start` as the API, in production mode with JWT auth; `url` is where it serves GraphQL. */
export async function startApi(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<{ api: ServiceProcess; url: string }> {
  const api = await startServiceProcess('start', /serving GraphQL at (http:\/\/[^\s"]+)/, {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    HUBGRAPH_ROLE: 'api',
    AUTH_JWT_SECRET: JWT_SECRET,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    HUBGRAPH_MASTER_KEY: 'c'.repeat(64),
    // e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the API under a benchmark.
    ...(process.env.BENCH_API_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_API_NODE_OPTIONS } : {}),
    ...env,
  });
  return { api, url: api.ready[1]! };
}

/** A token the API started by `startApi` accepts, for `tenantId`. */
export function tokenFor(tenantId: string): Promise<string> {
  return new SignJWT({ tenant_id: tenantId })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('bench')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(JWT_SECRET));
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export function round(value: number): number {
  return Math.round(value * 10) / 10;
}
