import { parseArgs } from 'node:util';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { ensureTenant } from '../src/auth/tenants.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { type Database, openDatabase } from '../src/db/client.ts';
import { DataDirLockedError } from '../src/db/data-dir-lock.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import { fixedEstate, generateFindingChunks, memberAccountIds } from '../src/emulator/generator/index.ts';
import { importFinding } from '../src/emulator/securityhub/operations.ts';
import { SecurityHubStore } from '../src/emulator/securityhub/store.ts';
import { applyPageEffects, type IngestItem, ingestFindingsPage } from '../src/findings/ingest.ts';
import { VULNERABILITY_MAP_KEY } from '../src/mapping/built-in-maps.ts';
import { mapFinding } from '../src/mapping/map-finding.ts';
import { compiledMapFor } from '../src/transform-maps/service.ts';

// `npm run seed -- --findings 100000 [--tenant dev] [--seed 1] [--accounts 2]
//   [--regions us-east-1,eu-west-1] [--assets 50000] [--now 2025-06-01T00:00:00Z]`
// fills the configured database (DATABASE_URL, else PGlite in DATA_DIR) the way a sync would: the
// emulator's generator makes ASFF findings, Security Hub's import semantics (as the emulator applies
// them when a provider imports) complete them, and each page of 100 is mapped with the built-in
// transform map and written by the sync's own ingest. A seeded finding is stored exactly as a synced
// one: its raw ASFF, score factors, assets and asset risk.
//
// `--assets N` fixes the estate: about N workloads spread evenly over the accounts and Regions (plus
// each account's own account, bucket and user resources), the same for every `--seed` (it depends on
// --assets, --accounts and --regions only), so seeds run one after another or side by side add
// findings on the same assets. Without it every chunk of 2,000 findings brings a small estate of its own.
//
// Group primaries and asset risk are recomputed in batches, as a sync run does (a page's effects are
// handed to `afterCommit`): once PENDING_EFFECTS_MAX groups and assets await it, and at the end.
// Recomputing an asset reads all its findings: after every page, a large estate's were read again
// and again.
//
// Deterministic: the same arguments give the same findings (the same Ids, timestamps and ASFF), so
// seeding again leaves them unchanged. The Security Hub clock (`--now`, default the start of the
// current UTC day) sets CreatedAt/UpdatedAt (the 60 days before it) and ProcessedAt.
//
// Exit codes: 0 done, 1 failed, 2 bad arguments or configuration, 3 DATA_DIR in use by another process.

/** Findings per page, as GetFindings returns them. */
const PAGE_SIZE = 100;
const PROGRESS_EVERY = 10_000;
const MAX_REJECTS_PRINTED = 20;
/** Groups and assets awaiting recomputation before it is done (at most ≈ 50 MB of ids and keys). */
const PENDING_EFFECTS_MAX = 500_000;

const usage =
  'Usage: npm run seed -- --findings N [--tenant ID] [--seed N] [--accounts 1..50] ' +
  '[--regions us-east-1,eu-west-1] [--assets N] [--now ISO-8601]\n';

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}`);
  process.exit(2);
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      findings: { type: 'string', default: '1000' },
      tenant: { type: 'string', default: 'dev' },
      seed: { type: 'string', default: '1' },
      accounts: { type: 'string', default: '2' },
      regions: { type: 'string', default: 'us-east-1,eu-west-1' },
      assets: { type: 'string' },
      now: { type: 'string' },
    },
  }));
} catch (error) {
  fail((error as Error).message);
}

const integer = (name: string, min: number, max: number): number => {
  const parsed = Number(values[name]);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max)
    fail(`--${name} must be an integer from ${min} to ${max}; got "${values[name]}"`);
  return parsed;
};
const count = integer('findings', 1, 10_000_000);
const seed = integer('seed', 0, 2 ** 31);
const accountIds = memberAccountIds(integer('accounts', 1, 50));
const regions = [
  ...new Set(
    values
      .regions!.split(',')
      .map((region) => region.trim())
      .filter(Boolean),
  ),
];
if (regions.length === 0 || regions.some((region) => !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)))
  fail(`--regions must be a comma-separated list of AWS Regions; got "${values.regions}"`);
const hubNow = values.now === undefined ? startOfUtcDay(new Date()) : new Date(values.now);
if (Number.isNaN(hubNow.getTime())) fail(`--now must be an ISO-8601 time; got "${values.now}"`);
const tenantId = values.tenant!;
const estate =
  values.assets === undefined
    ? undefined
    : fixedEstate(integer('assets', 1, 10_000_000), accountIds.length, regions.length);

let database: Database;
try {
  const config = loadConfig();
  database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolMax: 2 });
} catch (error) {
  if (error instanceof DataDirLockedError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(3);
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

try {
  await migrateDatabase(database);
  await ensureTenant(database.db, tenantId);
  const map = await compiledMapFor(database.db, tenantId, VULNERABILITY_MAP_KEY);
  if (!map) throw new Error(`the built-in transform map ${VULNERABILITY_MAP_KEY} does not compile`);

  const started = performance.now();
  // When this "sync" read the findings: after Security Hub processed them.
  const syncedAt = new Date();
  const totals = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  let processed = 0;
  let nextProgress = PROGRESS_EVERY;
  const pending = { dedupKeys: new Set<string>(), assetIds: new Set<string>() };
  const applyPending = async () => {
    await applyPageEffects(database.db, tenantId, {
      dedupKeys: [...pending.dedupKeys],
      assetIds: [...pending.assetIds],
    });
    pending.dedupKeys.clear();
    pending.assetIds.clear();
  };

  let chunk = 0;
  for (const generated of generateFindingChunks({ seed, count, accountIds, regions, now: hubNow, estate })) {
    // Security Hub as a provider's BatchImportFindings leaves it: Region, ProductName, CompanyName,
    // ProcessedAt, ProductFields aws/securityhub/*, FindingProviderFields, Workflow, RecordState.
    const store = new SecurityHubStore();
    for (const finding of generated) {
      const hub = store.enable(finding.AwsAccountId!, finding.Region!, hubNow);
      importFinding(hub, finding, hubNow, 'provider');
    }
    const imported = store.allHubs().flatMap((hub) => [...hub.findings.values()]);
    if (imported.length === 0) throw new Error(`chunk ${chunk} produced no findings`);
    chunk += 1;

    for (let offset = 0; offset < imported.length; offset += PAGE_SIZE) {
      const page = imported.slice(offset, offset + PAGE_SIZE);
      const result = await ingestFindingsPage(database.db, tenantId, mapPage(page), {
        afterCommit: (effects) => {
          for (const key of effects.dedupKeys) pending.dedupKeys.add(key);
          for (const id of effects.assetIds) pending.assetIds.add(id);
        },
      });
      if (pending.dedupKeys.size + pending.assetIds.size >= PENDING_EFFECTS_MAX) await applyPending();
      totals.created += result.created;
      totals.updated += result.updated;
      totals.unchanged += result.unchanged;
      processed += page.length;
      if (processed >= nextProgress) {
        process.stderr.write(
          `seed: ${processed}/${count} findings (${totals.created} created, ${totals.updated} updated, ` +
            `${totals.unchanged} unchanged, ${totals.rejected} rejected) in ${elapsed(started)}s\n`,
        );
        while (nextProgress <= processed) nextProgress += PROGRESS_EVERY;
      }
    }
  }

  await applyPending();
  process.stdout.write(
    `${JSON.stringify({ tenant: tenantId, driver: database.driver, ...totals, seconds: elapsed(started) })}\n`,
  );

  /** What the sync does with a page: map each finding; keep the rejects counted and named. */
  function mapPage(page: AwsSecurityFinding[]): IngestItem[] {
    const items: IngestItem[] = [];
    for (const finding of page) {
      const outcome = mapFinding(finding, map!, { defaultSeverity: 'MEDIUM' });
      if (!outcome.ok) {
        totals.rejected += 1;
        if (totals.rejected <= MAX_REJECTS_PRINTED)
          process.stderr.write(
            `seed: rejected ${outcome.reject.productArn ?? '?'} ${outcome.reject.awsId ?? '?'}: ${outcome.reject.reason}\n`,
          );
        continue;
      }
      items.push({ finding: { ...outcome.finding, lastSyncedAt: syncedAt }, assets: outcome.assets });
    }
    return items;
  }
} finally {
  await database.close();
}

function startOfUtcDay(time: Date): Date {
  return new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate()));
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) / 100) / 10;
}
