import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsSecurityFinding, Resource } from '@aws-sdk/client-securityhub';
import { and, asc, eq, getTableColumns, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Database, type Db, openDatabase } from '../../src/db/client.ts';
import { jsonRowsInsert, rowsOf } from '../../src/db/json-rows.ts';
import { MIGRATIONS_FOLDER } from '../../src/db/migrate.ts';
import { assets, findings, tenants } from '../../src/db/schema.ts';
import { ingestFindingsPage } from '../../src/findings/ingest.ts';
import { VULNERABILITY_MAP } from '../../src/mapping/built-in-maps.ts';
import { type MapOutcome, mapFinding } from '../../src/mapping/map-finding.ts';
import { SCORING_VERSION } from '../../src/mapping/scoring-constants.ts';
import { compileTransformMap } from '../../src/mapping/transform-map.ts';

// drizzle/0002_asset-identity.sql on data stored before it: assets merged under a non-ARN resource
// Id are split into one asset per (partition, account, Region, type), each finding going to the
// asset of its own identity, with the same identity keys as the mapping computes for new findings.

const MIGRATION = '0002_asset-identity';

/** The assets columns as this migration leaves them: later migrations add their own. */
const {
  category: _category,
  configuration: _configuration,
  securityHubFindingCounts: _counts,
  inventoriedAt: _inventoriedAt,
  ...ASSET_COLUMNS
} = getTableColumns(assets);
const TENANT = 'migrated';

const compiled = compileTransformMap(VULNERABILITY_MAP);
if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
const map = compiled.map;

let sequence = 0;

/** A Prowler/Config-style finding about one resource, as Security Hub returns it. */
function aFinding(options: {
  account: string;
  region: string;
  resource: Resource;
  partition?: string;
  observed?: number;
}): AwsSecurityFinding {
  const n = ++sequence;
  const partition = options.partition ?? 'aws';
  const day = (offset: number) => new Date(Date.UTC(2026, 9, 1 + offset)).toISOString();
  return {
    SchemaVersion: '2018-10-08',
    Id: `prowler-${n}`,
    ProductArn: `arn:${partition}:securityhub:${options.region}::product/prowler/prowler`,
    ProductName: 'Prowler',
    GeneratorId: 'prowler-account_security_contact_information_is_registered',
    AwsAccountId: options.account,
    Region: options.region,
    CreatedAt: day(options.observed ?? n),
    UpdatedAt: day((options.observed ?? n) + 1),
    FirstObservedAt: day(options.observed ?? n),
    LastObservedAt: day((options.observed ?? n) + 1),
    Title: 'Security contact information is registered',
    Description: 'Maintain current security contact information for the account.',
    Severity: { Label: 'MEDIUM' },
    Resources: [options.resource],
  };
}

function mapped(finding: AwsSecurityFinding): Extract<MapOutcome, { ok: true }> {
  const outcome = mapFinding(finding, map, { defaultSeverity: 'MEDIUM' });
  if (!outcome.ok) throw new Error(outcome.reject.reason);
  return outcome;
}

/**
 * Every combination of two accounts, two Regions and two resource types, for one resource Id; with
 * `located`, the resource names its partition and Region itself (Prowler does, Config does not).
 */
function acrossAccountsRegionsTypes(id: string, types: [string, string], located: boolean) {
  return ['123456789012', '444455556666'].flatMap((account) =>
    ['eu-west-1', 'us-west-2'].flatMap((region) =>
      types.map((type) =>
        aFinding({
          account,
          region,
          resource: { Type: type, Id: id, ...(located ? { Partition: 'aws', Region: region } : {}) },
        }),
      ),
    ),
  );
}

const prowlerAccount = acrossAccountsRegionsTypes('123456789012', ['AwsAccount', 'Other'], true);
const configAccount = acrossAccountsRegionsTypes(
  'AWS::::Account:123456789012',
  ['AwsAccount', 'AwsIamUser'],
  false,
);
// Separators, quotes, escapes and a control character: the SQL key must match the TypeScript one.
const awkwardId = 'No trails, "quoted" \\ back|slash [x] \u0001 ☃';
const awkward = [
  aFinding({
    account: '123456789012',
    region: 'cn-north-1',
    partition: 'aws-cn',
    resource: { Type: 'AwsCloudTrailTrail', Id: awkwardId },
  }),
  aFinding({
    account: '123456789012',
    region: 'eu-central-1',
    resource: { Type: 'AwsCloudTrailTrail', Id: awkwardId, Partition: 'aws', Region: 'eu-west-3' },
  }),
];
const instanceArn = 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0a1b2c3d4e5f67890';
const onInstance = aFinding({
  account: '123456789012',
  region: 'eu-west-1',
  resource: { Type: 'AwsEc2Instance', Id: instanceArn, Partition: 'aws', Region: 'eu-west-1' },
});

const MERGED_ID = randomUUID();
const CONFIG_MERGED_ID = randomUUID();
const AWKWARD_MERGED_ID = randomUUID();
const INSTANCE_ID = randomUUID();
const ORPHAN_ID = randomUUID();

interface Migrated {
  db: Db;
  drop: () => Promise<void>;
  /** Rows of the ARN asset and of the asset without findings, as they were before the migration. */
  before: { instance: Record<string, unknown>; orphan: Record<string, unknown> };
}

/** A database with the old code's data, migrated by drizzle/0002_asset-identity.sql. */
async function migratedDatabase(): Promise<Migrated> {
  const { database, drop } = await freshDatabase();
  const db = database.db;
  const tags = migrationTags();
  const mine = tags.indexOf(MIGRATION);
  expect(mine).toBeGreaterThan(0);
  for (const tag of tags.slice(0, mine)) await applyMigration(db, tag);
  await storeAsBefore(db);
  const before = { instance: await assetRow(db, INSTANCE_ID), orphan: await assetRow(db, ORPHAN_ID) };
  await applyMigration(db, MIGRATION);
  return { db, drop, before };
}

/** A database of this test's own: migrations are applied one by one, from nothing. */
async function freshDatabase(): Promise<{ database: Database; drop: () => Promise<void> }> {
  const url = inject('databaseUrl');
  if (!url) {
    const database = await openDatabase({ dataDir: 'memory://' });
    return { database, drop: () => database.close() };
  }
  const name = `hubgraph_migration_${randomUUID().replaceAll('-', '')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const database = await openDatabase({ url: target.toString(), poolMax: 1 });
  return {
    database,
    drop: async () => {
      await database.close();
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

function migrationTags(): string[] {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
    entries: { idx: number; tag: string }[];
  };
  return [...journal.entries].sort((a, b) => a.idx - b.idx).map((entry) => entry.tag);
}

/** One migration, as drizzle's migrator applies it: its statements in one transaction. */
async function applyMigration(target: Db, tag: string): Promise<void> {
  const statements = readFileSync(join(MIGRATIONS_FOLDER, `${tag}.sql`), 'utf8')
    .split('--> statement-breakpoint')
    .filter((statement) => statement.trim() !== '');
  await target.transaction(async (tx) => {
    for (const statement of statements) await tx.execute(sql.raw(statement));
  });
}

/** Assets as the old code stored them (one row per resource Id) and findings linked to them. */
async function storeAsBefore(db: Db): Promise<void> {
  await db.insert(tenants).values({ id: TENANT });
  // The merged rows show whatever their last finding said.
  await insertOldAsset(db, {
    id: MERGED_ID,
    resourceArn: '123456789012',
    resourceType: 'Other',
    name: 'production root',
    awsAccountId: '444455556666',
    region: 'us-west-2',
    partition: 'aws',
    details: { Other: { Owner: 'platform' } },
    tags: { Team: 'platform' },
    criticality: 5,
    criticalitySource: 'USER',
    riskScore: 910,
    scoringVersion: SCORING_VERSION,
  });
  await insertOldAsset(db, {
    id: CONFIG_MERGED_ID,
    resourceArn: 'AWS::::Account:123456789012',
    resourceType: 'AwsIamUser',
    name: null,
    awsAccountId: '444455556666',
    region: null,
    partition: null,
    details: null,
    tags: {},
    criticality: 4,
    criticalitySource: 'TAG',
    riskScore: 700,
    scoringVersion: SCORING_VERSION,
  });
  await insertOldAsset(db, {
    id: AWKWARD_MERGED_ID,
    resourceArn: awkwardId,
    resourceType: 'AwsCloudTrailTrail',
    name: awkwardId,
    awsAccountId: '123456789012',
    region: 'eu-west-3',
    partition: 'aws',
    details: null,
    tags: {},
    criticality: null,
    criticalitySource: 'DEFAULT',
    riskScore: 300,
    scoringVersion: SCORING_VERSION,
  });
  await insertOldAsset(db, {
    id: INSTANCE_ID,
    resourceArn: instanceArn,
    resourceType: 'AwsEc2Instance',
    name: 'web-1',
    awsAccountId: '123456789012',
    region: 'eu-west-1',
    partition: 'aws',
    details: { AwsEc2Instance: { Type: 't3.medium' } },
    tags: { Name: 'web-1' },
    criticality: 3,
    criticalitySource: 'USER',
    riskScore: 550,
    scoringVersion: SCORING_VERSION,
  });
  await insertOldAsset(db, {
    id: ORPHAN_ID,
    resourceArn: 'No trails',
    resourceType: 'AwsCloudTrailTrail',
    name: 'No trails',
    awsAccountId: '123456789012',
    region: 'eu-west-1',
    partition: 'aws',
    details: null,
    tags: {},
    criticality: null,
    criticalitySource: 'DEFAULT',
    riskScore: 0,
    scoringVersion: SCORING_VERSION,
  });
  const linked: [AwsSecurityFinding[], string][] = [
    [prowlerAccount, MERGED_ID],
    [configAccount, CONFIG_MERGED_ID],
    [awkward, AWKWARD_MERGED_ID],
    [[onInstance], INSTANCE_ID],
  ];
  for (const [list, assetId] of linked) {
    for (const finding of list) {
      // Only the columns that existed before this migration (later ones add their own).
      const {
        assetIdentityKey: _,
        vulnerablePackageName: _name,
        vulnerablePackageVersion: _version,
        fixedVersion: _fixed,
        format: _format,
        ...columns
      } = mapped(finding).finding;
      // Only the given columns (drizzle would name every column of today's table).
      const row = { ...columns, tenantId: TENANT, assetId };
      await db.execute(sql`insert into ${findings} ${jsonRowsInsert(findings, Object.keys(row), [row])}`);
    }
  }
}

interface OldAsset {
  id: string;
  resourceArn: string;
  resourceType: string;
  name: string | null;
  awsAccountId: string;
  region: string | null;
  partition: string | null;
  details: unknown;
  tags: Record<string, string>;
  criticality: number | null;
  criticalitySource: string;
  riskScore: number;
  scoringVersion: string;
}

/** Raw SQL: the assets table of src/db/schema.ts has columns the old one had not. */
async function insertOldAsset(db: Db, asset: OldAsset): Promise<void> {
  await db.execute(sql`
    insert into assets (id, tenant_id, resource_arn, resource_id, resource_type, name, aws_account_id, region,
                        partition, details, tags, criticality, criticality_source, risk_score, risk_factors,
                        scoring_version, first_seen_at, last_seen_at)
    values (${asset.id}::uuid, ${TENANT}, ${asset.resourceArn}, ${asset.resourceArn}, ${asset.resourceType},
            ${asset.name}, ${asset.awsAccountId}, ${asset.region}, ${asset.partition},
            ${asset.details === null ? null : JSON.stringify(asset.details)}::jsonb, ${JSON.stringify(asset.tags)}::jsonb,
            ${asset.criticality}::smallint, ${asset.criticalitySource}, ${asset.riskScore},
            ${JSON.stringify({ score: asset.riskScore })}::jsonb, ${asset.scoringVersion},
            '2026-01-01T00:00:00Z'::timestamptz, '2026-12-31T00:00:00Z'::timestamptz)`);
}

/** A row as the database has it, every column (also those src/db/schema.ts does not know). */
async function assetRow(db: Db, id: string): Promise<Record<string, unknown>> {
  return rowsOf<Record<string, unknown>>(
    await db.execute(sql`select * from assets where id = ${id}::uuid`),
  )[0]!;
}

async function storedAssets(db: Db) {
  return db
    .select(ASSET_COLUMNS)
    .from(assets)
    .where(eq(assets.tenantId, TENANT))
    .orderBy(asc(assets.identityKey));
}

/** Each stored finding with its asset. */
async function findingsWithAssets(db: Db) {
  return db
    .select({ awsId: findings.awsId, raw: findings.raw, asset: ASSET_COLUMNS })
    .from(findings)
    .innerJoin(assets, eq(assets.id, findings.assetId))
    .where(eq(findings.tenantId, TENANT));
}

describe('the asset identity migration', () => {
  let migrated: Migrated;
  let db: Db;

  beforeAll(async () => {
    migrated = await migratedDatabase();
    db = migrated.db;
  }, 120_000);

  afterAll(async () => {
    await migrated?.drop();
  });

  it('splits each merged non-ARN asset into one asset per partition, account, Region and type', async () => {
    const rows = await storedAssets(db);
    const byId = (resourceArn: string) => rows.filter((row) => row.resourceArn === resourceArn);
    expect(byId('123456789012')).toHaveLength(8);
    expect(byId('AWS::::Account:123456789012')).toHaveLength(8);
    expect(byId(awkwardId)).toHaveLength(2);
    expect(rows).toHaveLength(8 + 8 + 2 + 1 + 1);
    expect(new Set(rows.map((row) => row.identityKey)).size).toBe(rows.length);
  });

  it("links every finding to an asset of its own resource's type, Region, account and partition", async () => {
    const linked = await findingsWithAssets(db);
    expect(linked).toHaveLength(prowlerAccount.length + configAccount.length + awkward.length + 1);
    for (const { raw, asset } of linked) {
      const finding = raw as unknown as AwsSecurityFinding;
      const resource = finding.Resources![0]!;
      expect(asset).toMatchObject({
        resourceArn: resource.Id,
        resourceType: resource.Type,
        awsAccountId: finding.AwsAccountId,
        region: resource.Region ?? finding.Region,
        partition: resource.Partition ?? finding.ProductArn!.split(':')[1],
      });
    }
    // Every finding here is about a resource of its own: one finding per asset.
    expect(new Set(linked.map(({ asset }) => asset.id)).size).toBe(linked.length);
  });

  it('computes the same identity keys as the mapping does for the same findings', async () => {
    for (const { raw, asset } of await findingsWithAssets(db)) {
      expect(asset.identityKey).toBe(mapped(raw as unknown as AwsSecurityFinding).finding.assetIdentityKey);
    }
  });

  it('keeps what the merged asset knew (name, details, tags, a criticality set by hand) on every part', async () => {
    const rows = await storedAssets(db);
    const parts = rows.filter((row) => row.resourceArn === '123456789012');
    for (const part of parts) {
      expect(part).toMatchObject({
        name: 'production root',
        details: { Other: { Owner: 'platform' } },
        tags: { Team: 'platform' },
        criticality: 5,
        criticalitySource: 'USER',
      });
    }
    const configParts = rows.filter((row) => row.resourceArn === 'AWS::::Account:123456789012');
    expect(configParts.every((part) => part.criticality === 4 && part.criticalitySource === 'TAG')).toBe(
      true,
    );
  });

  it('reuses the merged row for the identity it showed, and dates each part by its own findings', async () => {
    const [reused] = await db.select(ASSET_COLUMNS).from(assets).where(eq(assets.id, MERGED_ID));
    expect(reused).toMatchObject({
      resourceType: 'Other',
      awsAccountId: '444455556666',
      region: 'us-west-2',
      identityKey: '["aws","444455556666","us-west-2","Other","123456789012"]',
    });
    for (const { raw, asset } of await findingsWithAssets(db)) {
      if (asset.id === INSTANCE_ID) continue;
      const finding = raw as unknown as AwsSecurityFinding;
      expect(asset.firstSeenAt).toEqual(new Date(finding.FirstObservedAt!));
      expect(asset.lastSeenAt).toEqual(new Date(finding.LastObservedAt!));
    }
  });

  it('marks the risk of split assets stale, keeping the merged score until it is recomputed', async () => {
    const rows = await storedAssets(db);
    const split = rows.filter((row) => row.id !== INSTANCE_ID && row.id !== ORPHAN_ID);
    expect(split).toHaveLength(18);
    for (const row of split) expect(row.scoringVersion).not.toBe(SCORING_VERSION);
    expect(rows.filter((row) => row.resourceArn === '123456789012').map((row) => row.riskScore)).toEqual(
      Array(8).fill(910),
    );
  });

  it('leaves an ARN asset as it was, its identity the ARN', async () => {
    const { identity_key, ...rest } = await assetRow(db, INSTANCE_ID);
    expect(identity_key).toBe(instanceArn);
    expect(rest).toEqual(migrated.before.instance);
  });

  it('gives an asset no finding points at the identity of its own columns', async () => {
    const { identity_key, ...rest } = await assetRow(db, ORPHAN_ID);
    expect(identity_key).toBe('["aws","123456789012","eu-west-1","AwsCloudTrailTrail","No trails"]');
    expect(rest).toEqual(migrated.before.orphan);
  });

  it('leaves no work tables or functions behind, and makes the identity unique per tenant', async () => {
    const duplicate = db.execute(sql`
      insert into assets (tenant_id, identity_key, resource_arn, resource_id, resource_type, tags, first_seen_at, last_seen_at)
      values (${TENANT}, ${instanceArn}, ${instanceArn}, 'i', 'AwsEc2Instance', '{}'::jsonb, now(), now())`);
    await expect(duplicate).rejects.toThrow();
    const leftovers = rowsOf<{ name: string }>(
      await db.execute(sql`
        select relname as name from pg_class where relname like 'asset_identity_%'
        union all select proname from pg_proc where proname = 'asset_identity_key'`),
    );
    expect(leftovers).toEqual([]);
  });
});

describe('a sync after the asset identity migration', () => {
  let migrated: Migrated;

  beforeAll(async () => {
    migrated = await migratedDatabase();
    // The sync is today's code: it runs on the schema every later migration gives.
    const tags = migrationTags();
    for (const tag of tags.slice(tags.indexOf(MIGRATION) + 1)) await applyMigration(migrated.db, tag);
  }, 120_000);

  afterAll(async () => {
    await migrated?.drop();
  });

  it('finds the split assets: no new assets, the same links, risk recomputed, criticality kept', async () => {
    const { db } = migrated;
    const before = await findingsWithAssets(db);
    const all = [...prowlerAccount, ...configAccount, ...awkward, onInstance];
    const result = await ingestFindingsPage(
      db,
      TENANT,
      all.map((finding) => {
        const outcome = mapped(finding);
        return { finding: outcome.finding, assets: outcome.assets };
      }),
    );
    expect(result).toMatchObject({ created: 0, unchanged: all.length });
    const rows = await storedAssets(db);
    expect(rows).toHaveLength(20);
    const after = await findingsWithAssets(db);
    expect(new Map(after.map((row) => [row.awsId, row.asset.id]))).toEqual(
      new Map(before.map((row) => [row.awsId, row.asset.id])),
    );
    // The page re-scored every asset it touched: none is stale any more.
    for (const row of rows.filter((row) => row.id !== ORPHAN_ID))
      expect(row.scoringVersion).toBe(SCORING_VERSION);
    const [part] = await db
      .select()
      .from(assets)
      .where(and(eq(assets.tenantId, TENANT), eq(assets.id, MERGED_ID)));
    expect(part).toMatchObject({ criticality: 5, criticalitySource: 'USER' });
  });
});
