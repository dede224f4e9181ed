import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Database } from '../../src/db/client.ts';
import { onStatement } from '../../src/db/statements.ts';
import { ingestFindingsPage } from '../../src/findings/ingest.ts';
import { sharedExecutionCounts } from '../../src/graphql/shared-execution.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { anInspectorEc2Finding } from '../support/factories.ts';
import { startTestServer, type TestServer, tokenFor } from '../support/server.ts';
import { until } from '../support/wait.ts';

// Issue 12, row 3: 3,000 subscriptions selecting `finding { asset }` during a 500-finding ingest
// ran ≈ 14,900 SQL statements — the filter check and each nested field resolved per subscriber.
// The work of an event batch is now done once per batch, whatever the number of subscribers; and
// each event's result is executed and serialised once per operation (issue 12: 3,000 executions
// and serialisations of each event saturated the event loop).

let database: Database;
let api: TestServer;

beforeAll(async () => {
  database = await openTestDatabase();
  api = await startTestServer(database);
});

afterAll(async () => {
  await api?.close();
  await database?.close();
});

const SUBSCRIPTION = `subscription($filter: FindingFilter) {
  findingsChanged(filter: $filter) { cursor type finding { awsId severity { label } asset { id identityKey resourceType } } }
}`;

/** Subscribers over a few connections; resolves once every one of them is live. */
async function subscribers(tenantId: string, count: number) {
  const clients: Client[] = [];
  for (let i = 0; i < Math.min(count, 4); i += 1) {
    clients.push(
      createClient({
        url: api.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${await tokenFor(tenantId)}` },
      }),
    );
  }
  const received: string[][] = [];
  const failures: unknown[] = [];
  const stops: (() => void)[] = [];
  for (let i = 0; i < count; i += 1) {
    const mine: string[] = [];
    received.push(mine);
    stops.push(
      clients[i % clients.length]!.subscribe<{
        findingsChanged: { finding: { awsId: string; asset: unknown } };
      }>(
        // Half filter on severity, half don't: filters shared by many subscribers are checked once.
        {
          query: SUBSCRIPTION,
          variables: i % 2 ? { filter: { severityLabels: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] } } : {},
        },
        {
          next: (result) => {
            const event = result.data?.findingsChanged;
            if (event?.finding?.asset) mine.push(event.finding.awsId);
          },
          error: (error) => failures.push(error),
          complete: () => {},
        },
      ),
    );
  }
  // Every subscription is registered once a probe reaches each of them.
  const probes = new Set<string>();
  await until(
    'every subscriber live',
    async () => {
      const probe = anInspectorEc2Finding({ severity: 'HIGH' });
      probes.add(probe.finding.awsId);
      await ingestFindingsPage(database.db, tenantId, [probe]);
      if (failures.length > 0) throw new Error(`a subscription failed: ${JSON.stringify(failures[0])}`);
      return received.every((events) => events.some((id) => probes.has(id))) || undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  return {
    received: () => received.map((events) => events.filter((id) => !probes.has(id))),
    async close() {
      for (const stop of stops) stop();
      for (const client of clients) await client.dispose();
    },
  };
}

/**
 * What an ingest of `count` findings costs until its events reached every subscriber: SQL
 * statements, and executions and serialisations of subscription results.
 */
async function workToDeliver(subscriberCount: number, findingCount: number) {
  const tenantId = await newTenant(database);
  const subs = await subscribers(tenantId, subscriberCount);
  try {
    let statements = 0;
    const before = sharedExecutionCounts();
    const stop = onStatement(() => {
      statements += 1;
    });
    try {
      const items = Array.from({ length: findingCount }, () => anInspectorEc2Finding({ severity: 'HIGH' }));
      await ingestFindingsPage(database.db, tenantId, items);
      await until(
        `${findingCount} events at each of ${subscriberCount} subscribers`,
        () => subs.received().every((events) => events.length >= findingCount) || undefined,
        { timeoutMs: 60_000, intervalMs: 50 },
      );
      for (const events of subs.received()) {
        expect(new Set(events)).toEqual(new Set(items.map((item) => item.finding.awsId)));
      }
    } finally {
      stop();
    }
    const after = sharedExecutionCounts();
    return {
      statements,
      executions: after.executions - before.executions,
      serialisations: after.serialisations - before.serialisations,
    };
  } finally {
    await subs.close();
  }
}

describe('subscription fan-out (row 3)', () => {
  it('resolves an event batch for 200 subscribers with the statements one subscriber needs', async () => {
    const one = await workToDeliver(1, 50);
    const many = await workToDeliver(200, 50);
    // Per batch: one filter check per distinct filter, one load of the findings, one of their
    // assets. Before, every subscriber repeated all of it: 20,208 statements here, against 108 for one.
    expect(many.statements).toBeLessThanOrEqual(one.statements + 6);
    // Each event executed and serialised once per operation: the subscribers hold two (with and
    // without a filter). Before, once per subscriber: 10,000 of each here. (A probe of the
    // subscribers' start may still be on its way, and count too.)
    const perOperation = (work: { executions: number }, operations: number) => work.executions / operations;
    expect(perOperation(one, 1)).toBeGreaterThanOrEqual(50);
    expect(perOperation(one, 1)).toBeLessThanOrEqual(53);
    expect(perOperation(many, 2)).toBeGreaterThanOrEqual(50);
    expect(perOperation(many, 2)).toBeLessThanOrEqual(53);
    expect(one.serialisations).toBe(one.executions);
    expect(many.serialisations).toBe(many.executions);
  }, 180_000);

  it('sends shared results as ordinary next messages, and none to a subscription once completed', async () => {
    const tenantId = await newTenant(database);
    // A raw graphql-transport-ws connection: what goes over the wire, message by message.
    const socket = new WebSocket(api.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const messages: { id?: string; type: string; payload?: { data?: unknown } }[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.once('open', resolve));
    try {
      socket.send(
        JSON.stringify({
          type: 'connection_init',
          payload: { authorization: `Bearer ${await tokenFor(tenantId)}` },
        }),
      );
      await until('connection_ack', () => messages.some((m) => m.type === 'connection_ack') || undefined);
      for (const id of ['kept', 'completed'])
        socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: SUBSCRIPTION } }));
      const nextOf = (id: string) => messages.filter((m) => m.id === id && m.type === 'next');
      await until(
        'both subscriptions live',
        async () => {
          await ingestFindingsPage(database.db, tenantId, [anInspectorEc2Finding({ severity: 'HIGH' })]);
          return (nextOf('kept').length > 0 && nextOf('completed').length > 0) || undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      socket.send(JSON.stringify({ id: 'completed', type: 'complete' }));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const before = { kept: nextOf('kept').length, completed: nextOf('completed').length };
      const items = Array.from({ length: 30 }, () => anInspectorEc2Finding({ severity: 'HIGH' }));
      await ingestFindingsPage(database.db, tenantId, items);
      await until(
        'the kept subscription has the new events',
        () => nextOf('kept').length >= before.kept + items.length || undefined,
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      expect(nextOf('completed')).toHaveLength(before.completed);
      // Exactly graphql-ws's `next` message: id, type, and the execution result as payload.
      const last = nextOf('kept').at(-1)!;
      expect(Object.keys(last).sort()).toEqual(['id', 'payload', 'type']);
      expect(last.payload).toEqual({
        data: { findingsChanged: expect.objectContaining({ type: 'CREATED', finding: expect.any(Object) }) },
      });
    } finally {
      socket.close();
    }
  }, 120_000);

  it('shares results only within a tenant: the same operation of another tenant sees none of them', async () => {
    const [mine, theirs] = [await newTenant(database), await newTenant(database)];
    const mySubs = await subscribers(mine, 20);
    const theirSubs = await subscribers(theirs, 20);
    try {
      const items = Array.from({ length: 20 }, () => anInspectorEc2Finding({ severity: 'HIGH' }));
      await ingestFindingsPage(database.db, mine, items);
      await until(
        'every subscriber of the ingesting tenant has its events',
        () => mySubs.received().every((events) => events.length >= items.length) || undefined,
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      // Ours have reached our subscribers before the other tenant's probe is written; a result of
      // ours shared with theirs would have been sent to them alongside.
      const probe = anInspectorEc2Finding({ severity: 'HIGH' });
      await ingestFindingsPage(database.db, theirs, [probe]);
      await until(
        "the other tenant's probe at each of its subscribers",
        () => theirSubs.received().every((events) => events.length > 0) || undefined,
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      for (const events of theirSubs.received()) expect(events).toEqual([probe.finding.awsId]);
    } finally {
      await mySubs.close();
      await theirSubs.close();
    }
  }, 120_000);
});
