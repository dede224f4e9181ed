import { parseArgs } from 'node:util';
import { ensureTenant } from '../src/auth/tenants.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import { type IngestItem, ingestFindingsPage } from '../src/findings/ingest.ts';
import { aRealisticEstate } from '../test/support/factories.ts';

// `npm run seed -- --findings 100000 [--tenant dev] [--seed 1]`: fills the configured database
// (DATABASE_URL, else PGlite in DATA_DIR) with a realistic estate, through the same ingest path a
// sync uses, so the API has something to show.

const { values } = parseArgs({
  options: {
    findings: { type: 'string', default: '1000' },
    tenant: { type: 'string', default: 'dev' },
    seed: { type: 'string', default: '1' },
    batch: { type: 'string', default: '500' },
  },
});
const count = Number(values.findings);
const batchSize = Number(values.batch);
if (
  !Number.isInteger(count) ||
  count < 1 ||
  !Number.isInteger(batchSize) ||
  batchSize < 1 ||
  batchSize > 1000
) {
  process.stderr.write('Usage: npm run seed -- --findings N [--tenant ID] [--seed N] [--batch 1..1000]\n');
  process.exit(2);
}

const config = loadConfig();
const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolMax: 2 });
await migrateDatabase(database);
await ensureTenant(database.db, values.tenant);

const started = performance.now();
const totals = { created: 0, updated: 0, unchanged: 0 };
let batch: IngestItem[] = [];
const flush = async () => {
  const result = await ingestFindingsPage(database.db, values.tenant, batch);
  totals.created += result.created;
  totals.updated += result.updated;
  totals.unchanged += result.unchanged;
  batch = [];
};
for (const item of aRealisticEstate({ findings: count, seed: Number(values.seed) })) {
  batch.push(item);
  if (batch.length >= batchSize) await flush();
}
if (batch.length > 0) await flush();
const seconds = (performance.now() - started) / 1000;
await database.close();
process.stdout.write(
  `${JSON.stringify({ tenant: values.tenant, driver: database.driver, ...totals, seconds: Math.round(seconds * 10) / 10 })}\n`,
);
