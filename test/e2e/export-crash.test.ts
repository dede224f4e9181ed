import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { CrashPoint } from '../../src/sync/crash-points.ts';
import {
  killAll,
  type ServiceProcess,
  startServiceProcess,
  storageForProcesses,
} from '../support/service-process.ts';
import { createConnectorOverApi } from '../support/sync.ts';
import { until } from '../support/wait.ts';

// The service killed with SIGKILL in the middle of a findingsExport — after recording the export and
// before sending anything, or after Security Hub took a batch and before Hubgraph committed the
// answer — then started again: a worker resumes the export from the outbox, and Security Hub holds
// every finding once. On PostgreSQL and on PGlite.

let emulator: RunningEmulator;
let account: string;
const storage = storageForProcesses();
const queue = `connector-run-${randomUUID().slice(0, 8)}`;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  emulator = await startEmulator({
    findings: 0,
    accounts: 1,
    quotas: false,
    seed: 79,
    regions: ['us-east-1'],
  });
  account = emulator.accounts[0]!;
});

afterEach(() => killAll(running));

afterAll(async () => {
  await emulator?.close();
  if (storage.dataDir) rmSync(storage.dataDir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}): Promise<ServiceProcess> {
  // A restarted worker takes over exports idle this long (a minute by default).
  const service = await startServiceProcess(storage, {
    HUBGRAPH_JOB_QUEUE: queue,
    HUBGRAPH_EXPORT_RESUME_SECONDS: '1',
    ...env,
  });
  running.push(service);
  return service;
}

const EXPORT = `mutation($input: FindingsExportInput!) { findingsExport(input: $input) { export { id } } }`;

function aScannerFinding(id: string, generatorId: string): Record<string, unknown> {
  return {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: `arn:aws:securityhub:us-east-1:${account}:product/${account}/default`,
    GeneratorId: generatorId,
    AwsAccountId: account,
    Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
    CreatedAt: '2026-11-30T10:00:00.000Z',
    UpdatedAt: '2026-11-30T10:00:00.000Z',
    Severity: { Label: 'HIGH' },
    Title: `Finding ${id}`,
    Description: 'Found by the tenant scanner.',
    Resources: [
      {
        Type: 'AwsEc2Instance',
        Id: `arn:aws:ec2:us-east-1:${account}:instance/i-${id}`,
        Region: 'us-east-1',
      },
    ],
  };
}

/** What Security Hub holds of a generator: each finding's Id, as many times as it is there. */
function inHub(generatorId: string): string[] {
  return [...emulator.emulator.store.hub(account, 'us-east-1').findings.values()]
    .filter((finding) => finding.GeneratorId === generatorId)
    .map((finding) => finding.Id!)
    .sort();
}

describe('a service killed in the middle of a findings export', () => {
  it('resumes it after a restart: every finding lands once, and the export ends done', async () => {
    const tenantId = `export-crash-${randomUUID().slice(0, 8)}`;
    let service = await start();
    const connectorId = await createConnectorOverApi(
      (query, variables) => service.graphql(tenantId, query, variables),
      emulator,
      emulator.roles[0]!.arn,
      { name: 'export-crash', exportEnabled: true },
    );
    await service.stop();

    const cases: CrashPoint[] = ['export-recorded', 'export-sent'];
    for (const point of cases) {
      const generatorId = `acme-scanner/${point}`;
      // Two batches: the crash after the first leaves the second unsent.
      const findings = Array.from({ length: 150 }, (_, n) => aScannerFinding(`${point}-${n}`, generatorId));
      service = await start({ HUBGRAPH_TEST_CRASH_AT: point });
      const answer = service
        .graphql(tenantId, EXPORT, { input: { connectorId, idempotencyKey: point, findings } })
        .catch((error: unknown) => error);
      const death = await service.exited;
      expect(death.signal, service.output().slice(-2000)).toBe('SIGKILL');
      expect(service.output()).toContain(`at ${point}`);
      expect(await answer).toBeInstanceOf(Error);
      expect(inHub(generatorId)).toHaveLength(point === 'export-recorded' ? 0 : 100);

      service = await start();
      const { exports } = await service.graphql<{
        exports: { nodes: { id: string; idempotencyKey: string }[] };
      }>(tenantId, `{ exports(first: 10) { nodes { id idempotencyKey } } }`);
      const exportId = exports.nodes.find((node) => node.idempotencyKey === point)!.id;
      const done = await until(
        `the restarted service to finish the export interrupted at ${point}`,
        async () => {
          const { export: record } = await service.graphql<{
            export: { status: string; succeededCount: number; pendingCount: number };
          }>(tenantId, `query($id: ID!) { export(id: $id) { status succeededCount pendingCount } }`, {
            id: exportId,
          });
          return record.status === 'IN_PROGRESS' ? undefined : record;
        },
        { timeoutMs: 90_000 },
      ).catch((error: Error) => {
        throw new Error(`${error.message}:\n${service.output().slice(-3000)}`);
      });
      expect(done).toEqual({ status: 'SUCCEEDED', succeededCount: 150, pendingCount: 0 });
      expect(inHub(generatorId)).toEqual(findings.map((finding) => finding.Id as string).sort());
      // Asked again with its key after the crash: the same export, nothing sent again.
      const again = await service.graphql<{ findingsExport: { export: { id: string } } }>(tenantId, EXPORT, {
        input: { connectorId, idempotencyKey: point, findings },
      });
      expect(again.findingsExport.export.id).toBe(exportId);
      await service.stop();
    }
  }, 300_000);
});
