import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Database } from '../../src/db/client.ts';
import { findingUpdates } from '../../src/db/schema.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { SyncWorker } from '../../src/sync/worker.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { type TestServer, tokenFor } from '../support/server.ts';
import { createConnectorOverApi, startApiWithWorker } from '../support/sync.ts';
import { until } from '../support/wait.ts';

// Triage write-back as an analyst's tool sees it: findingsUpdate over HTTP, per-finding results,
// and a findingsChanged subscriber told what changed.

let database: Database;
let emulator: RunningEmulator;
let api: TestServer;
let worker: SyncWorker;
let tenantId: string;
const clients: Client[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
  ({ api, worker } = await startApiWithWorker(database));
  emulator = await startEmulator({
    findings: 40,
    accounts: 1,
    quotas: false,
    seed: 67,
    regions: ['us-east-1'],
  });
  tenantId = await newTenant(database, 'findings-update');
  await syncedConnector();
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
  await worker?.stop(5_000);
  await api?.close();
  await emulator?.close();
  await database?.close();
});

const gql = <T>(query: string, variables?: Record<string, unknown>) =>
  api.graphql<T>(query, variables, { tenantId });

async function syncedConnector(): Promise<string> {
  const id = await createConnectorOverApi(
    async <T>(query: string, variables?: Record<string, unknown>) => (await gql<T>(query, variables)).data!,
    emulator,
    emulator.roles[0]!.arn,
    { writeBackEnabled: true },
  );
  const queued = await gql<{ connectorRunNow: { run: { id: string } } }>(
    `mutation($input: ConnectorRunNowInput!) { connectorRunNow(input: $input) { run { id } } }`,
    { input: { id } },
  );
  const runId = queued.data!.connectorRunNow.run.id;
  await until('the first sync to succeed', async () => {
    const run = await gql<{ run: { status: string } }>(`query($id: ID!) { run(id: $id) { status } }`, {
      id: runId,
    });
    const status = run.data!.run.status;
    if (status === 'FAILED') throw new Error('the sync failed');
    return status === 'SUCCEEDED' ? status : undefined;
  });
  return id;
}

/**
 * Findings `from` to `from + count` in an order no write-back changes (UpdatedAt): each test takes
 * its own, whatever order the tests run in.
 */
async function findingsAt(
  from: number,
  count: number,
): Promise<{ id: string; awsId: string; productArn: string }[]> {
  const listed = await gql<{ findings: { nodes: { id: string; awsId: string; productArn: string }[] } }>(
    `{ findings(first: 20, orderBy: { field: UPDATED_AT, direction: ASC }) { nodes { id awsId productArn } } }`,
  );
  const chosen = listed.data!.findings.nodes.slice(from, from + count);
  expect(chosen).toHaveLength(count);
  return chosen;
}

function wsClient(): Promise<Client> {
  return tokenFor(tenantId).then((token) => {
    const client = createClient({
      url: api.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    clients.push(client);
    return client;
  });
}

describe('findingsUpdate over GraphQL', () => {
  it('writes back, answers per finding, records who asked, and a findingsChanged subscriber sees UPDATED with changedFields', async () => {
    const chosen = await findingsAt(0, 2);

    const client = await wsClient();
    const seen: {
      type: string;
      findingId: string;
      changedFields: string[];
      finding: { workflowStatus: string };
    }[] = [];
    client.subscribe<{ findingsChanged: (typeof seen)[number] }>(
      {
        query: `subscription($filter: FindingFilter, $after: String) { findingsChanged(filter: $filter, after: $after) {
          type findingId changedFields finding { workflowStatus } } }`,
        variables: { filter: { ids: chosen.map((finding) => finding.id) }, after: '0' },
      },
      { next: (result) => seen.push(result.data!.findingsChanged), error: () => {}, complete: () => {} },
    );

    const response = await gql<{
      findingsUpdate: {
        requestId: string;
        processedCount: number;
        unprocessedCount: number;
        results: {
          findingId: string;
          status: string;
          errorCode: string | null;
          finding: { workflowStatus: string; note: { text: string } };
        }[];
        userErrors: unknown[];
      };
    }>(
      `mutation($input: FindingsUpdateInput!) { findingsUpdate(input: $input) {
        requestId processedCount unprocessedCount
        results { findingId status errorCode finding { workflowStatus note { text } } }
        userErrors { field message code } } }`,
      {
        input: {
          ids: chosen.map((finding) => finding.id),
          changes: { workflowStatus: 'NOTIFIED', note: { text: 'looking into it', updatedBy: 'alice' } },
        },
      },
    );
    expect(response.errors).toBeUndefined();
    const payload = response.data!.findingsUpdate;
    expect(payload.userErrors).toEqual([]);
    expect(payload.processedCount).toBe(2);
    expect(payload.results.map((result) => result.finding)).toEqual([
      { workflowStatus: 'NOTIFIED', note: { text: 'looking into it' } },
      { workflowStatus: 'NOTIFIED', note: { text: 'looking into it' } },
    ]);
    const [request] = await database.db
      .select()
      .from(findingUpdates)
      .where(eq(findingUpdates.id, payload.requestId));
    expect(request!.requestedBy).toBe('user-1');

    const updates = await until('UPDATED events for both findings', () => {
      const updated = seen.filter((event) => event.type === 'UPDATED');
      return new Set(updated.map((event) => event.findingId)).size === 2 ? updated : undefined;
    });
    for (const event of updates) {
      expect(event.changedFields).toEqual(expect.arrayContaining(['Note', 'Workflow']));
      expect(event.finding.workflowStatus).toBe('NOTIFIED');
    }
  }, 60_000);

  it('streams the steps of a request on findingsUpdateProgress: recorded, answers per finding, finished', async () => {
    const chosen = await findingsAt(2, 3);
    // One of them is gone from Security Hub: its answer is FindingNotFound.
    const hub = emulator.emulator.store.hub(emulator.accounts[0]!, 'us-east-1');
    const key = [...hub.findings.keys()].find((k) => hub.findings.get(k)!.Id === chosen[2]!.awsId)!;
    hub.findings.delete(key);
    const requestId = randomUUID();
    const client = await wsClient();
    type Step = {
      type: string;
      total: number;
      processedCount: number;
      unprocessedCount: number;
      pendingCount: number;
      results: {
        findingId: string;
        status: string;
        errorCode: string | null;
        finding: { confidence: number | null };
      }[];
    };
    const steps: Step[] = [];
    let failure: unknown;
    client.subscribe<{ findingsUpdateProgress: Step }>(
      {
        query: `subscription($requestId: ID!, $after: String) { findingsUpdateProgress(requestId: $requestId, after: $after) {
          type total processedCount unprocessedCount pendingCount
          results { findingId status errorCode finding { confidence } } } }`,
        variables: { requestId, after: '0' },
      },
      {
        next: (result) => {
          if (result.errors) failure = result.errors;
          else steps.push(result.data!.findingsUpdateProgress);
        },
        error: (error) => {
          failure = error;
        },
        complete: () => {},
      },
    );
    const response = await gql<{ findingsUpdate: { requestId: string; userErrors: unknown[] } }>(
      `mutation($input: FindingsUpdateInput!) { findingsUpdate(input: $input) { requestId userErrors { field message code } } }`,
      { input: { requestId, ids: chosen.map((finding) => finding.id), changes: { confidence: 64 } } },
    );
    expect(response.data!.findingsUpdate).toEqual({ requestId, userErrors: [] });
    await until('the FINISHED step', () => {
      if (failure) throw new Error(JSON.stringify(failure));
      return steps.some((step) => step.type === 'FINISHED') ? true : undefined;
    });
    expect(steps[0]).toMatchObject({ type: 'RECORDED', total: 3, pendingCount: 3, results: [] });
    expect(steps.at(-1)).toMatchObject({
      type: 'FINISHED',
      total: 3,
      processedCount: 2,
      unprocessedCount: 1,
      pendingCount: 0,
    });
    const results = steps.flatMap((step) => step.results);
    expect(results).toHaveLength(3);
    expect(results.find((result) => result.findingId === chosen[2]!.id)).toMatchObject({
      status: 'UNPROCESSED',
      errorCode: 'FindingNotFound',
    });
    for (const finding of chosen.slice(0, 2))
      expect(results.find((result) => result.findingId === finding.id)).toMatchObject({
        status: 'PROCESSED',
        errorCode: null,
        finding: { confidence: 64 },
      });

    const again = await gql<{ findingsUpdate: { userErrors: { field: string[]; code: string }[] } }>(
      `mutation($input: FindingsUpdateInput!) { findingsUpdate(input: $input) { userErrors { field message code } } }`,
      { input: { requestId, ids: [chosen[0]!.id], changes: { confidence: 1 } } },
    );
    expect(again.data!.findingsUpdate.userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'requestId'], code: 'DUPLICATE' }),
    ]);
  }, 60_000);

  it('Finding.history merges Security Hub records with who asked in Hubgraph, newest first, paged', async () => {
    const [finding] = await findingsAt(6, 1);
    const updated = await gql<{ findingsUpdate: { requestId: string; processedCount: number } }>(
      `mutation($input: FindingsUpdateInput!) { findingsUpdate(input: $input) { requestId processedCount } }`,
      {
        input: {
          ids: [finding!.id],
          changes: { workflowStatus: 'NOTIFIED', note: { text: 'mine', updatedBy: 'alice' } },
        },
      },
    );
    expect(updated.data!.findingsUpdate.processedCount).toBe(1);
    type Entry = {
      at: string;
      source: string;
      operation: string;
      actor: string | null;
      findingCreated: boolean;
      requestId: string | null;
      changes: { field: string; oldValue: string | null; newValue: string | null }[];
    };
    type History = {
      nodes: Entry[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      securityHubUnavailable: string | null;
    };
    const history = async (first: number, after?: string | null) =>
      (
        await gql<{ finding: { history: History } }>(
          `query($id: ID!, $first: Int, $after: String) { finding(id: $id) { history(first: $first, after: $after) {
            nodes { at source operation actor findingCreated requestId changes { field oldValue newValue } }
            pageInfo { hasNextPage endCursor } securityHubUnavailable } } }`,
          { id: finding!.id, first, after },
        )
      ).data!.finding.history;

    const all = await history(50);
    expect(all.securityHubUnavailable).toBeNull();
    const times = all.nodes.map((entry) => Date.parse(entry.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const ours = all.nodes.find((entry) => entry.source === 'HUBGRAPH')!;
    expect(ours).toMatchObject({
      operation: 'FINDINGS_UPDATE',
      actor: 'user-1',
      requestId: updated.data!.findingsUpdate.requestId,
    });
    expect(ours.changes.map((change) => change.field)).toEqual(['Note', 'Workflow']);
    const theirs = all.nodes.find(
      (entry) => entry.source === 'SECURITY_HUB' && entry.operation === 'BATCH_UPDATE_FINDINGS',
    )!;
    expect(theirs.actor).toMatch(/assumed-role/);
    expect(theirs.changes.find((change) => change.field === 'Workflow')?.newValue).toMatch(/NOTIFIED/);
    expect(all.nodes.at(-1)).toMatchObject({
      source: 'SECURITY_HUB',
      operation: 'BATCH_IMPORT_FINDINGS',
      findingCreated: true,
    });

    // Paged one at a time, the same entries in the same order.
    const paged: Entry[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await history(1, after);
      paged.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(paged).toEqual(all.nodes);

    // Without securityhub:GetFindingHistory, Hubgraph's record remains and the reason is given.
    const role = emulator.emulator.identity.role(emulator.roles[0]!.arn)!;
    const actions = [...role.actions];
    role.actions = actions.filter((action) => action !== 'securityhub:GetFindingHistory');
    try {
      const partial = await history(50);
      expect(partial.securityHubUnavailable).toMatch(/securityhub:GetFindingHistory/);
      expect(partial.nodes.map((entry) => entry.source)).toEqual(['HUBGRAPH']);
    } finally {
      role.actions = actions;
    }
  }, 60_000);
});
