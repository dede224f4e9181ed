import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { and, asc, count, eq, gt, inArray, isNotNull } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { assets, findings } from '../../src/db/schema.ts';
import { VULNERABILITY_MAP_KEY } from '../../src/mapping/built-in-maps.ts';
import { mapFinding } from '../../src/mapping/map-finding.ts';
import { compiledMapFor } from '../../src/transform-maps/service.ts';

// `npm run seed` as a developer runs it: a real process on an embedded PGlite in DATA_DIR. A seeded
// finding must be stored exactly as a synced one: Security Hub's ASFF as raw, mapped by the built-in
// transform map, written by the sync's ingest (assets, score factors, asset risk).

const root = resolve(import.meta.dirname, '../..');
const tempDirs: string[] = [];
const TENANT = 'seed-test';
// The Security Hub clock, fixed so that both runs generate the very same findings.
const NOW = '2026-03-01T00:00:00.000Z';
const ARGS = ['--findings', '250', '--tenant', TENANT, '--now', NOW];

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A data directory of the test's own: what another test seeded is never in it. */
function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hubgraph-seed-'));
  tempDirs.push(dir);
  return join(dir, '.data');
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function seed(dataDir: string, args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, DATA_DIR: dataDir };
  const child = spawn(process.execPath, ['--import', './src/module-hooks.ts', 'scripts/seed.ts', ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
}

function summaryOf(run: Run): Record<string, unknown> {
  expect(run.code, run.stderr).toBe(0);
  const lines = run.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

/** Opens the seeded directory in this process (the child has exited, so the lock is free). */
async function withDatabase<T>(dataDir: string, work: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({ dataDir });
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

describe('npm run seed', () => {
  it('writes Security Hub findings through the mapping and ingest a sync uses', {
    timeout: 120_000,
  }, async () => {
    const dataDir = freshDataDir();
    const summary = summaryOf(await seed(dataDir, ARGS));
    expect(summary).toMatchObject({
      tenant: TENANT,
      driver: 'pglite',
      created: 250,
      updated: 0,
      unchanged: 0,
      rejected: 0,
    });
    expect(typeof summary.seconds).toBe('number');

    await withDatabase(dataDir, async ({ db }) => {
      const rows = await db
        .select()
        .from(findings)
        .where(eq(findings.tenantId, TENANT))
        .orderBy(asc(findings.productArn), asc(findings.awsId));
      expect(rows).toHaveLength(250);
      for (const row of rows) {
        const raw = row.raw as unknown as AwsSecurityFinding;
        // The ASFF as Security Hub returns it after a provider's import.
        expect(raw.SchemaVersion).toBe('2018-10-08');
        expect(raw.ProductFields?.['aws/securityhub/FindingId']).toBe(`${raw.ProductArn}/${raw.Id}`);
        expect(raw.ProductFields?.['aws/securityhub/ProductName']).toBe(raw.ProductName);
        expect(raw.ProcessedAt).toBe(NOW);
        expect(raw.Region).toEqual(expect.any(String));
        expect(raw.FindingProviderFields).toBeTypeOf('object');
        expect(raw.Workflow?.Status).toEqual(expect.any(String));
        expect(row.productArn).toBe(raw.ProductArn);
        expect(row.awsId).toBe(raw.Id);
        expect(row.scoreFactors.scoringVersion).toEqual(expect.any(String));
        expect(row.scoreFactors.scoringVersion).toBe(row.scoringVersion);
        expect(row.detectionScore).toBeGreaterThanOrEqual(0);
        expect(row.detectionScore).toBeLessThanOrEqual(100);
        expect(row.lastSyncedAt).toBeInstanceOf(Date);
      }
      expect(rows.filter((row) => row.assetId !== null).length).toBeGreaterThan(200);
      expect(rows.some((row) => row.cves.length > 0)).toBe(true);

      const [assetCount] = await db.select({ n: count() }).from(assets).where(eq(assets.tenantId, TENANT));
      expect(assetCount!.n).toBeGreaterThan(0);
      const risky = await db
        .select()
        .from(assets)
        .where(and(eq(assets.tenantId, TENANT), gt(assets.riskScore, 0), isNotNull(assets.riskFactors)));
      expect(risky.length).toBeGreaterThan(0);
      expect(risky[0]!.riskFactors).toBeTypeOf('object');
      expect(Object.keys(risky[0]!.riskFactors!).length).toBeGreaterThan(0);

      // Mapping the stored raw again gives what is stored: the seed took the sync's mapping path.
      const map = (await compiledMapFor(db, TENANT, VULNERABILITY_MAP_KEY))!;
      const vulnerability = rows.find((row) => row.cves.length > 0)!;
      const again = mapFinding(vulnerability.raw, map, { defaultSeverity: 'MEDIUM' });
      expect(again.ok).toBe(true);
      if (!again.ok) return;
      expect(vulnerability.title).toBe(again.finding.title);
      expect(vulnerability.detectionScore).toBe(again.finding.detectionScore);
      expect(vulnerability.cves).toEqual(again.finding.cves);
      expect(vulnerability.dedupKey).toBe(again.finding.dedupKey);
      expect(vulnerability.scoreFactors).toEqual(again.finding.scoreFactors);
      for (const row of rows) {
        const outcome = mapFinding(row.raw, map, { defaultSeverity: 'MEDIUM' });
        expect(outcome.ok).toBe(true);
        if (!outcome.ok) continue;
        const { lastSyncedAt: _, assetIdentityKey: __, ...mapped } = outcome.finding;
        expect(row).toMatchObject(mapped);
      }
    });
  });

  it('puts the findings of every seed on one estate of --assets workloads', {
    timeout: 120_000,
  }, async () => {
    const dataDir = freshDataDir();
    const args = (seedNumber: number) => [
      ...['--findings', '300', '--tenant', TENANT, '--now', NOW, '--seed', String(seedNumber)],
      ...['--accounts', '1', '--regions', 'us-east-1', '--assets', '20'],
    ];
    const workloads = (database: Database) =>
      database.db
        .select({ id: assets.id, riskScore: assets.riskScore })
        .from(assets)
        .where(
          and(
            eq(assets.tenantId, TENANT),
            inArray(assets.resourceType, ['AwsEc2Instance', 'AwsEcrContainerImage', 'AwsLambdaFunction']),
          ),
        );
    expect(summaryOf(await seed(dataDir, args(1)))).toMatchObject({ created: 300, rejected: 0 });
    const first = await withDatabase(dataDir, workloads);
    expect(first).toHaveLength(20);
    expect(summaryOf(await seed(dataDir, args(2)))).toMatchObject({ created: 300, rejected: 0 });
    await withDatabase(dataDir, async (database) => {
      const second = await workloads(database);
      expect(second.map((asset) => asset.id).sort()).toEqual(first.map((asset) => asset.id).sort());
      // Risk is recomputed after the batch: the second seed's findings raise it.
      const total = (list: { riskScore: number }[]) => list.reduce((sum, asset) => sum + asset.riskScore, 0);
      expect(total(second)).toBeGreaterThan(total(first));
    });
  });

  it('leaves every finding unchanged when run again with the same arguments', {
    timeout: 120_000,
  }, async () => {
    const dataDir = freshDataDir();
    expect(summaryOf(await seed(dataDir, ARGS))).toMatchObject({ created: 250 });
    expect(summaryOf(await seed(dataDir, ARGS))).toMatchObject({
      tenant: TENANT,
      created: 0,
      updated: 0,
      unchanged: 250,
      rejected: 0,
    });
    const [stored] = await withDatabase(dataDir, ({ db }) =>
      db.select({ n: count() }).from(findings).where(eq(findings.tenantId, TENANT)),
    );
    expect(stored!.n).toBe(250);
  });

  // A seed process starts PGlite and runs every migration: slow on a loaded machine.
  it('sets the Security Hub clock to the start of the current UTC day by default', {
    timeout: 120_000,
  }, async () => {
    const day = () => new Date(new Date().toISOString().slice(0, 10)).toISOString();
    const before = day();
    const dataDir = freshDataDir();
    const summary = summaryOf(await seed(dataDir, ['--findings', '5', '--tenant', 'seed-default-now']));
    const after = day();
    expect(summary).toMatchObject({ created: 5, rejected: 0 });
    const rows = await withDatabase(dataDir, ({ db }) =>
      db.select({ raw: findings.raw }).from(findings).where(eq(findings.tenantId, 'seed-default-now')),
    );
    expect(rows).toHaveLength(5);
    for (const { raw } of rows) expect([before, after]).toContain(raw.ProcessedAt);
  });

  it('refuses a DATA_DIR another process holds, with exit code 3', async () => {
    const dataDir = freshDataDir();
    await withDatabase(dataDir, async () => {
      const run = await seed(dataDir, ARGS);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('in use by another Hubgraph process');
      expect(run.stdout).toBe('');
    });
  });

  it('rejects bad arguments with exit code 2 and the usage', async () => {
    const run = await seed(freshDataDir(), ['--findings', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--findings must be an integer');
    expect(run.stderr).toContain('Usage: npm run seed');
  });
});
