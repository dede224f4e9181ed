import { type Client, createClient } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Database } from '../../src/db/client.ts';
import { ingestFindingsPage } from '../../src/findings/ingest.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { anInspectorEc2Finding } from '../support/factories.ts';
import { startTestServer, type TestServer, tokenFor } from '../support/server.ts';

let database: Database;
let api: TestServer;
const clients: Client[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
  api = await startTestServer(database);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
});

afterAll(async () => {
  await api?.close();
  await database?.close();
});

function wsUrl(): string {
  return api.url.replace(/^http/, 'ws');
}

async function clientFor(tenantId: string | null): Promise<Client> {
  const token = tenantId ? await tokenFor(tenantId) : undefined;
  const client = createClient({
    url: wsUrl(),
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
  clients.push(client);
  return client;
}

interface ChangeEvent {
  cursor: string;
  type: string;
  findingId: string;
  changedFields: string[];
  finding: { awsId: string; workflowStatus: string; findingSeverity: number } | null;
}

const SUBSCRIPTION = /* GraphQL */ `
  subscription Changes($filter: FindingFilter, $after: String) {
    findingsChanged(filter: $filter, after: $after) {
      cursor type findingId changedFields occurredAt
      finding { awsId workflowStatus findingSeverity }
    }
  }
`;

/** Collects events until `count` have arrived (or fails after a timeout). */
function collect(client: Client, variables: Record<string, unknown>, count: number) {
  const events: ChangeEvent[] = [];
  let unsubscribe = () => {};
  const done = new Promise<ChangeEvent[]>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out with ${events.length}/${count} events`)),
      10_000,
    );
    unsubscribe = client.subscribe<{ findingsChanged: ChangeEvent }>(
      { query: SUBSCRIPTION, variables },
      {
        next: (result) => {
          if (result.errors) {
            clearTimeout(timer);
            reject(new Error(JSON.stringify(result.errors)));
            return;
          }
          events.push(result.data!.findingsChanged);
          if (events.length >= count) {
            clearTimeout(timer);
            resolve(events);
          }
        },
        error: (error) => {
          clearTimeout(timer);
          // A close event (with its code) or the GraphQL errors, as the client reports them.
          reject(Array.isArray(error) ? new Error(JSON.stringify(error)) : error);
        },
        complete: () => {},
      },
    );
  });
  return { done, events, stop: () => unsubscribe() };
}

/** Waits until the server has registered the subscription (it replays/joins before events flow). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('findingsChanged over graphql-ws', () => {
  it('delivers events of new and changed findings that match the filter, live', async () => {
    const tenantId = await newTenant(database);
    const client = await clientFor(tenantId);
    const critical = collect(client, { filter: { severityLabels: ['CRITICAL'] } }, 2);
    await settle();
    const first = anInspectorEc2Finding({ severity: 'CRITICAL' });
    await ingestFindingsPage(database.db, tenantId, [first, anInspectorEc2Finding({ severity: 'LOW' })]);
    const updated = structuredClone(first);
    updated.finding.awsUpdatedAt = new Date(first.finding.awsUpdatedAt.getTime() + 60_000);
    updated.finding.workflowStatus = 'NOTIFIED';
    updated.finding.raw = { ...first.finding.raw, Workflow: { Status: 'NOTIFIED' } };
    await ingestFindingsPage(database.db, tenantId, [updated]);

    const events = await critical.done;
    expect(events.map((event) => event.type)).toEqual(['CREATED', 'UPDATED']);
    expect(events.every((event) => event.finding?.awsId === first.finding.awsId)).toBe(true);
    expect(events[1]!.finding!.workflowStatus).toBe('NOTIFIED');
    expect(events[1]!.changedFields).toEqual(['Workflow']);
    expect(BigInt(events[1]!.cursor)).toBeGreaterThan(BigInt(events[0]!.cursor));
  });

  it('replays what was missed after a cursor, then goes live', async () => {
    const tenantId = await newTenant(database);
    const client = await clientFor(tenantId);
    const live = collect(client, {}, 1);
    await settle();
    await ingestFindingsPage(database.db, tenantId, [anInspectorEc2Finding()]);
    const [firstEvent] = await live.done;
    live.stop();

    // While nobody listens, three more findings arrive.
    const missed = [anInspectorEc2Finding(), anInspectorEc2Finding(), anInspectorEc2Finding()];
    await ingestFindingsPage(database.db, tenantId, missed);

    const resumed = collect(client, { after: firstEvent!.cursor }, 4);
    await settle();
    const later = anInspectorEc2Finding();
    await ingestFindingsPage(database.db, tenantId, [later]);
    const events = await resumed.done;
    expect(events.map((event) => event.finding!.awsId)).toEqual(
      [...missed, later].map((item) => item.finding.awsId),
    );
    const cursors = events.map((event) => BigInt(event.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('rejects a malformed cursor and a bad filter with BAD_USER_INPUT', async () => {
    const tenantId = await newTenant(database);
    const client = await clientFor(tenantId);
    await expect(collect(client, { after: 'yesterday' }, 1).done).rejects.toThrow(/BAD_USER_INPUT/);
    await expect(collect(client, { filter: { detectionScore: { min: 500 } } }, 1).done).rejects.toThrow(
      /BAD_USER_INPUT/,
    );
  });

  it('refuses a connection without a valid token (4403) and never mixes tenants', async () => {
    const anonymous = await clientFor(null);
    await expect(collect(anonymous, {}, 1).done).rejects.toMatchObject({ code: 4403 });

    const tenantA = await newTenant(database);
    const tenantB = await newTenant(database);
    const spy = collect(await clientFor(tenantB), { after: '0' }, 1);
    await settle();
    await ingestFindingsPage(database.db, tenantA, [anInspectorEc2Finding(), anInspectorEc2Finding()]);
    const own = anInspectorEc2Finding();
    await ingestFindingsPage(database.db, tenantB, [own]);
    const [event] = await spy.done;
    expect(event!.finding!.awsId).toBe(own.finding.awsId);
  });

  it('applies the same depth limit over WebSocket as over HTTP', async () => {
    const tenantId = await newTenant(database);
    const client = await clientFor(tenantId);
    const nested = (depth: number): string =>
      depth === 0 ? 'id' : `asset { findings { nodes { ${nested(depth - 1)} } } }`;
    const deep = `subscription { findingsChanged { finding { ${nested(6)} } } }`;
    const result = new Promise((resolve, reject) => {
      client.subscribe({ query: deep }, { next: resolve, error: reject, complete: () => {} });
    });
    await expect(result).rejects.toSatisfy((errors: unknown) => JSON.stringify(errors).includes('depth'));
  });
});
