import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { connectorInputFor, trustHubgraph } from '../src/emulator/connector.ts';
import { startEmulator } from '../src/emulator/index.ts';
import { startServer } from '../src/server.ts';
import { syncSettingsOf } from '../src/sync/settings.ts';
import { SyncWorker } from '../src/sync/worker.ts';

// `npm run demo [-- --once] [--findings N]`: Hubgraph end to end without an AWS account. Starts the
// AWS emulator (a Security Hub administrator account over two member accounts, two Regions, AWS's
// quotas), the service on an embedded database, then does what a user does: creates a connector
// through the GraphQL API, puts Hubgraph's external id into the role's trust policy, tests the
// connection, and runs the first sync while its progress streams over WebSocket.
// --once prints one JSON line and exits; otherwise the service keeps serving until Ctrl-C.

const { values } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    findings: { type: 'string', default: '3000' },
  },
});
const findingCount = Number(values.findings);
if (!Number.isInteger(findingCount) || findingCount < 1 || findingCount > 200_000) {
  process.stderr.write('Usage: npm run demo -- [--once] [--findings 1..200000]\n');
  process.exit(2);
}
const say = (line: string) => {
  if (!values.once) process.stdout.write(`${line}\n`);
};
const started = performance.now();

const emulator = await startEmulator({
  findings: findingCount,
  accounts: 2,
  administrator: true,
  regions: ['us-east-1', 'eu-west-1'],
  seed: 2026,
});
say(
  `AWS emulator (Security Hub + STS) at ${emulator.endpoint}: ${findingCount} findings in 2 accounts, 2 Regions`,
);

const config = loadConfig({
  ...process.env,
  DATA_DIR: process.env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'hubgraph-demo-')),
  PORT: values.once ? '0' : (process.env.PORT ?? '4000'),
  LOG_LEVEL: process.env.LOG_LEVEL ?? (values.once ? 'error' : 'warn'),
  // The connector points at the emulator instead of AWS.
  HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS: 'true',
  HUBGRAPH_ENDPOINT_ALLOWLIST: '127.0.0.0/8',
});
const app = await createApp(config);
const worker = new SyncWorker(app, app.jobs!, {
  concurrency: config.sync.concurrency,
  settings: syncSettingsOf(config),
});
await worker.start();
const server = await startServer(app, { port: config.port, host: config.host });
say(`Hubgraph at ${server.url} (embedded database in ${config.dataDir})`);

async function graphql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(`GraphQL error: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

const shutdown = async (code: number) => {
  await server.stop();
  await worker.stop(5_000);
  await app.close();
  await emulator.close();
  process.exit(code);
};

try {
  // 1. The connector, as a user creates it: the administrator account's read-only role, assumed
  //    with Hubgraph's own access key (stored encrypted), both Regions.
  const role = emulator.administrator!;
  const { connectorCreate } = await graphql<{
    connectorCreate: {
      connector: { id: string; auth: { externalId: string } } | null;
      userErrors: { field: string[]; message: string }[];
    };
  }>(
    `mutation($input: ConnectorInput!) {
      connectorCreate(input: $input) { connector { id auth { externalId } } userErrors { field message } }
    }`,
    {
      input: connectorInputFor(emulator, role.arn, {
        name: 'Security Hub administrator (demo)',
        regions: emulator.regions,
      }),
    },
  );
  const connector = connectorCreate.connector;
  if (!connector) throw new Error(`connectorCreate: ${JSON.stringify(connectorCreate.userErrors)}`);
  say(`Connector ${connector.id} created; its external id is ${connector.auth.externalId}`);

  // 2. The role's trust policy gets Hubgraph's external id (in AWS: IAM console or CloudFormation).
  await trustHubgraph(emulator, role.arn, connector.auth.externalId);
  say(`Trust policy of ${role.arn} now requires that external id`);

  // 3. The connection test: five checks, each with its fix when it fails.
  const { connectorTest } = await graphql<{
    connectorTest: {
      result: { passed: boolean; checks: { name: string; status: string; message: string }[] };
    };
  }>(
    `mutation($id: ID!) { connectorTest(input: { id: $id }) { result { passed checks { name status message } } } }`,
    { id: connector.id },
  );
  for (const check of connectorTest.result.checks)
    say(`  ${check.status.padEnd(7)} ${check.name}: ${check.message}`);
  if (!connectorTest.result.passed) throw new Error('the connection test failed');

  // 4. The first sync, its progress streamed over graphql-ws.
  const ws = createClient({ url: server.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket });
  const finished = new Promise<{ status: string; error: string | null; fetched: number }>(
    (resolve, reject) => {
      ws.subscribe<{
        connectorRunProgress: {
          status: string;
          fraction: number | null;
          etaSeconds: number | null;
          findingsPerSecond: number;
          error: string | null;
          totals: { fetched: number; created: number };
        };
      }>(
        {
          query: `subscription($id: ID) { connectorRunProgress(connectorId: $id) {
          status fraction etaSeconds findingsPerSecond error totals { fetched created } } }`,
          variables: { id: connector.id },
        },
        {
          next: ({ data }) => {
            const event = data!.connectorRunProgress;
            if (!values.once) drawProgress(event);
            if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(event.status))
              resolve({ status: event.status, error: event.error, fetched: event.totals.fetched });
          },
          error: reject,
          complete: () => {},
        },
      );
    },
  );
  const { connectorRunNow } = await graphql<{ connectorRunNow: { run: { id: string } } }>(
    `mutation($id: ID!) { connectorRunNow(input: { id: $id }) { run { id } } }`,
    { id: connector.id },
  );
  const outcome = await finished;
  await ws.dispose();
  if (!values.once) process.stdout.write('\n');
  if (outcome.status !== 'SUCCEEDED') throw new Error(`the sync ${outcome.status}: ${outcome.error}`);

  const { findings, findingStats, assets } = await graphql<{
    findings: { totalCount: number };
    findingStats: { total: number; bySeverity: { label: string; count: number }[] };
    assets: { totalCount: number };
  }>(
    `{ findings(first: 1) { totalCount } findingStats { total bySeverity { label count } } assets(first: 1) { totalCount } }`,
  );
  const summary = {
    ok: true,
    url: server.url,
    runId: connectorRunNow.run.id,
    status: outcome.status,
    findings: findings.totalCount,
    /** Distinct problems: findings that report the same one (a control under several standards) count once. */
    problems: findingStats.total,
    assets: assets.totalCount,
    bySeverity: Object.fromEntries(findingStats.bySeverity.map((entry) => [entry.label, entry.count])),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
  if (values.once) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    await shutdown(0);
  }
  say(
    `\n${summary.findings} findings (${summary.problems} distinct problems) on ${summary.assets} assets are in Hubgraph. GraphQL: ${server.url}`,
  );
  say(`Try, e.g. with curl:\n\n  curl -s ${server.url} -H 'content-type: application/json' \\`);
  say(
    `    -d '{"query":"{ findings(first: 5, orderBy: {field: DETECTION_SCORE, direction: DESC}) { nodes { findingName detectionScore awsAccountId region asset { name riskScore } } } }"}'`,
  );
  say('\nCtrl-C stops the demo.');
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
} catch (error) {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  if (values.once) process.stdout.write(`${JSON.stringify({ ok: false, error: String(error) })}\n`);
  await shutdown(1);
}

function drawProgress(event: {
  status: string;
  fraction: number | null;
  etaSeconds: number | null;
  findingsPerSecond: number;
  totals: { fetched: number };
}): void {
  const fraction = event.fraction ?? 0;
  const width = 30;
  const filled = Math.round(fraction * width);
  const eta = event.etaSeconds === null ? '' : ` ETA ${event.etaSeconds}s`;
  process.stdout.write(
    `\r  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%  ${event.totals.fetched} findings read  ${Math.round(event.findingsPerSecond)}/s${eta}  ${event.status}   `,
  );
}
