import { type Client, createClient } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Database } from '../../src/db/client.ts';
import { ingestFindingsPage } from '../../src/findings/ingest.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { anInspectorEc2Finding, type Label } from '../support/factories.ts';
import { startTestServer, type TestServer, tokenFor } from '../support/server.ts';
import { until } from '../support/wait.ts';

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

interface Subscription {
  events: ChangeEvent[];
  /** Resolves with the events so far once `enough` holds; rejects with the subscription's error. */
  until(what: string, enough: (events: ChangeEvent[]) => boolean): Promise<ChangeEvent[]>;
  stop(): void;
}

function subscribe(client: Client, variables: Record<string, unknown>): Subscription {
  const events: ChangeEvent[] = [];
  let failure: unknown;
  const stop = client.subscribe<{ findingsChanged: ChangeEvent }>(
    { query: SUBSCRIPTION, variables },
    {
      next: (result) => {
        if (result.errors) failure = new Error(JSON.stringify(result.errors));
        else events.push(result.data!.findingsChanged);
      },
      // A close event (with its code) or the GraphQL errors, as the client reports them.
      error: (error) => {
        failure = Array.isArray(error) ? new Error(JSON.stringify(error)) : error;
      },
      complete: () => {},
    },
  );
  return {
    events,
    until: (what, enough) =>
      until(
        what,
        () => {
          if (failure) throw failure;
          return enough(events) ? events : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 20 },
      ),
    stop,
  };
}

/** Resolves with the first `count` events. */
const firstEvents = (subscription: Subscription, count: number) =>
  subscription
    .until(`${count} events (so far: ${subscription.events.length})`, (events) => events.length >= count)
    .then((events) => events.slice(0, count));

/**
 * Without `after`, a subscription starts wherever the event log is when the server registers it,
 * which the client cannot see. Until it is live, this ingests a probe finding (of `severity`, to
 * match the subscription's filter) every few milliseconds; the first probe delivered proves it is.
 * Returns the probes' ids, for the caller to leave out.
 */
async function untilLive(
  tenantId: string,
  subscription: Subscription,
  severity: Label = 'CRITICAL',
): Promise<Set<string>> {
  const probes = new Set<string>();
  await until(
    'the subscription to go live',
    async () => {
      if (subscription.events.some((event) => probes.has(event.finding?.awsId ?? ''))) return true;
      const probe = anInspectorEc2Finding({ severity });
      probes.add(probe.finding.awsId);
      await ingestFindingsPage(database.db, tenantId, [probe]);
      return undefined;
    },
    { timeoutMs: 10_000, intervalMs: 50 },
  );
  return probes;
}

describe('findingsChanged over graphql-ws', () => {
  it('delivers events of new and changed findings that match the filter, live', async () => {
    const tenantId = await newTenant(database);
    const client = await clientFor(tenantId);
    const critical = subscribe(client, { filter: { severityLabels: ['CRITICAL'] } });
    const probes = await untilLive(tenantId, critical);
    const first = anInspectorEc2Finding({ severity: 'CRITICAL' });
    await ingestFindingsPage(database.db, tenantId, [first, anInspectorEc2Finding({ severity: 'LOW' })]);
    const updated = structuredClone(first);
    updated.finding.awsUpdatedAt = new Date(first.finding.awsUpdatedAt.getTime() + 60_000);
    updated.finding.workflowStatus = 'NOTIFIED';
    updated.finding.raw = { ...first.finding.raw, Workflow: { Status: 'NOTIFIED' } };
    await ingestFindingsPage(database.db, tenantId, [updated]);

    const notProbes = (all: ChangeEvent[]) => all.filter((event) => !probes.has(event.finding?.awsId ?? ''));
    const events = notProbes(await critical.until('the two events', (all) => notProbes(all).length >= 2));
    expect(events.map((event) => event.type)).toEqual(['CREATED', 'UPDATED']);
    expect(events.every((event) => event.finding?.awsId === first.finding.awsId)).toBe(true);
    expect(events[1]!.finding!.workflowStatus).toBe('NOTIFIED');
    expect(events[1]!.changedFields).toEqual(['Workflow']);
    expect(events[1]!.cursor).not.toBe(events[0]!.cursor);
  });

  it('replays what was missed after a cursor, then goes live', async () => {
    const tenantId = await newTenant(database);
    const client = await clientFor(tenantId);
    // From the tenant's first event: delivered whether it commits before or after the server registers it.
    const live = subscribe(client, { after: '0' });
    await ingestFindingsPage(database.db, tenantId, [anInspectorEc2Finding()]);
    const [firstEvent] = await firstEvents(live, 1);
    live.stop();

    // While nobody listens, three more findings arrive.
    const missed = [anInspectorEc2Finding(), anInspectorEc2Finding(), anInspectorEc2Finding()];
    await ingestFindingsPage(database.db, tenantId, missed);

    const resumed = subscribe(client, { after: firstEvent!.cursor });
    // Once the missed three are replayed the subscription is registered: what commits next is live.
    await firstEvents(resumed, 3);
    const later = anInspectorEc2Finding();
    await ingestFindingsPage(database.db, tenantId, [later]);
    const events = await firstEvents(resumed, 4);
    expect(events.map((event) => event.finding!.awsId)).toEqual(
      [...missed, later].map((item) => item.finding.awsId),
    );
    // Each cursor resumes right after its event.
    const fromSecond = subscribe(client, { after: events[1]!.cursor });
    expect((await firstEvents(fromSecond, 2)).map((event) => event.finding!.awsId)).toEqual(
      events.slice(2).map((event) => event.finding!.awsId),
    );
  });

  it('rejects a malformed cursor and a bad filter with BAD_USER_INPUT', async () => {
    const tenantId = await newTenant(database);
    const client = await clientFor(tenantId);
    await expect(firstEvents(subscribe(client, { after: 'yesterday' }), 1)).rejects.toThrow(/BAD_USER_INPUT/);
    await expect(
      firstEvents(subscribe(client, { filter: { detectionScore: { min: 500 } } }), 1),
    ).rejects.toThrow(/BAD_USER_INPUT/);
  });

  it('refuses a connection without a valid token (4403) and never mixes tenants', async () => {
    const anonymous = await clientFor(null);
    await expect(firstEvents(subscribe(anonymous, {}), 1)).rejects.toMatchObject({ code: 4403 });

    const tenantA = await newTenant(database);
    const tenantB = await newTenant(database);
    // From B's first event on: whatever the timing, B would be shown A's findings if tenants mixed.
    const spy = subscribe(await clientFor(tenantB), { after: '0' });
    await ingestFindingsPage(database.db, tenantA, [anInspectorEc2Finding(), anInspectorEc2Finding()]);
    const own = anInspectorEc2Finding();
    await ingestFindingsPage(database.db, tenantB, [own]);
    const [event] = await firstEvents(spy, 1);
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
