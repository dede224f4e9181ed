import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
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

// The service killed with SIGKILL in the middle of a findingsUpdate — after recording the request
// and before sending it, or after Security Hub applied it and before Hubgraph committed the answer —
// then started again: it resumes the request from the outbox, and Security Hub and Hubgraph end as
// after an uninterrupted update. On PostgreSQL and on PGlite.

let emulator: RunningEmulator;
const storage = storageForProcesses();
const queue = `connector-run-${randomUUID().slice(0, 8)}`;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  emulator = await startEmulator({
    findings: 30,
    accounts: 1,
    quotas: false,
    seed: 73,
    regions: ['us-east-1'],
  });
});

afterEach(() => killAll(running));

afterAll(async () => {
  await emulator?.close();
  if (storage.dataDir) rmSync(storage.dataDir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}): Promise<ServiceProcess> {
  // A restarted worker takes over requests idle this long (a minute by default).
  const service = await startServiceProcess(storage, {
    HUBGRAPH_JOB_QUEUE: queue,
    HUBGRAPH_WRITEBACK_RESUME_SECONDS: '1',
    ...env,
  });
  running.push(service);
  return service;
}

const UPDATE = `mutation($input: FindingsUpdateInput!) { findingsUpdate(input: $input) { processedCount } }`;
const CHANGES = { workflowStatus: 'NOTIFIED', confidence: 91, types: ['TTPs/Discovery'] };

interface Listed {
  id: string;
  awsId: string;
  productArn: string;
}

function inHub(finding: Listed): AwsSecurityFinding {
  for (const hub of emulator.emulator.store.allHubs())
    for (const stored of hub.findings.values())
      if (stored.Id === finding.awsId && stored.ProductArn === finding.productArn) return stored;
  throw new Error(`${finding.awsId} is not in Security Hub`);
}

const view = (finding: AwsSecurityFinding) => ({
  workflow: finding.Workflow?.Status,
  confidence: finding.Confidence,
  types: finding.Types,
});

describe('a service killed in the middle of a findings update', () => {
  it('resumes it after a restart: Security Hub and Hubgraph end as without the crash', async () => {
    const tenantId = `wb-crash-${randomUUID().slice(0, 8)}`;
    let service = await start();
    const connectorId = await createConnectorOverApi(
      (query, variables) => service.graphql(tenantId, query, variables),
      emulator,
      emulator.roles[0]!.arn,
      { name: 'wb-crash', writeBackEnabled: true },
    );
    const { connectorRunNow } = await service.graphql<{ connectorRunNow: { run: { id: string } } }>(
      tenantId,
      `mutation($id: ID!) { connectorRunNow(input: { id: $id }) { run { id } } }`,
      { id: connectorId },
    );
    await until(
      'the first sync to succeed',
      async () => {
        const { run } = await service.graphql<{ run: { status: string } }>(
          tenantId,
          `query($id: ID!) { run(id: $id) { status } }`,
          { id: connectorRunNow.run.id },
        );
        return run.status === 'SUCCEEDED' ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const { findings } = await service.graphql<{ findings: { nodes: Listed[] } }>(
      tenantId,
      `{ findings(first: 6, orderBy: { field: UPDATED_AT, direction: ASC }) { nodes { id awsId productArn } } }`,
    );
    const [recorded, sent, twins] = [
      findings.nodes.slice(0, 2),
      findings.nodes.slice(2, 4),
      findings.nodes.slice(4, 6),
    ];
    const updatedAt = new Map(findings.nodes.map((finding) => [finding.id, inHub(finding).UpdatedAt]));

    // Uninterrupted, for comparison.
    const uninterrupted = await service.graphql<{ findingsUpdate: { processedCount: number } }>(
      tenantId,
      UPDATE,
      {
        input: { ids: twins.map((finding) => finding.id), changes: CHANGES },
      },
    );
    expect(uninterrupted.findingsUpdate.processedCount).toBe(2);
    await service.stop();

    const cases: [CrashPoint, Listed[]][] = [
      ['writeback-recorded', recorded],
      ['writeback-sent', sent],
    ];
    for (const [point, chosen] of cases) {
      service = await start({ HUBGRAPH_TEST_CRASH_AT: point });
      const answer = service
        .graphql(tenantId, UPDATE, { input: { ids: chosen.map((finding) => finding.id), changes: CHANGES } })
        .catch((error: unknown) => error);
      const death = await service.exited;
      expect(death.signal, service.output().slice(-2000)).toBe('SIGKILL');
      expect(service.output()).toContain(`at ${point}`);
      expect(await answer).toBeInstanceOf(Error);
      if (point === 'writeback-recorded')
        expect(chosen.map(inHub).map(view)).not.toEqual(twins.map(inHub).map(view));
      else expect(chosen.map(inHub).map(view)).toEqual(twins.map(inHub).map(view));

      service = await start();
      await until(
        `the restarted service to finish the update interrupted at ${point}`,
        async () => {
          const { nodes } = (
            await service.graphql<{
              findings: { nodes: { workflowStatus: string; confidence: number | null }[] };
            }>(
              tenantId,
              `query($ids: [ID!]) { findings(filter: { ids: $ids }) { nodes { workflowStatus confidence } } }`,
              { ids: chosen.map((finding) => finding.id) },
            )
          ).findings;
          return nodes.every((node) => node.workflowStatus === 'NOTIFIED' && node.confidence === 91)
            ? true
            : undefined;
        },
        { timeoutMs: 60_000 },
      ).catch((error: Error) => {
        throw new Error(`${error.message}:\n${service.output().slice(-3000)}`);
      });
      expect(chosen.map(inHub).map(view)).toEqual(twins.map(inHub).map(view));
      for (const finding of chosen) expect(inHub(finding).UpdatedAt).toBe(updatedAt.get(finding.id));
      // Hubgraph's record holds the request once, processed.
      const { finding } = await service.graphql<{ finding: { history: { nodes: { source: string }[] } } }>(
        tenantId,
        `query($id: ID!) { finding(id: $id) { history { nodes { source } } } }`,
        { id: chosen[0]!.id },
      );
      expect(finding.history.nodes.filter((entry) => entry.source === 'HUBGRAPH')).toHaveLength(1);
      await service.stop();
    }
  }, 300_000);
});
