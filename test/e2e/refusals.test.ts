import { randomBytes, randomUUID } from 'node:crypto';
import { type Client, createClient, type ExecutionResult } from 'graphql-ws';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Database } from '../../src/db/client.ts';
import { eventCursor } from '../../src/events/cursor.ts';
import { ingestFindingsPage } from '../../src/findings/ingest.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { anInspectorEc2Finding } from '../support/factories.ts';
import {
  startTestServer,
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_JWT_SECRET,
  type TestServer,
  tokenFor,
} from '../support/server.ts';

// Refusals a person can act on, over a real HTTP server with real graphql-ws clients: a WebSocket
// refused for its token says why, a replay cursor beyond the event log says so, and introspection
// switched off names the variable that switches it on.

let database: Database;
let api: TestServer;
const owned: (() => Promise<unknown> | undefined)[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
  api = await startTestServer(database);
});

afterAll(async () => {
  await Promise.all(owned.splice(0).map((dispose) => dispose()));
  await api?.close();
  await database?.close();
});

const wsUrl = (server: TestServer) => server.url.replace(/^http/, 'ws');

function clientWith(server: TestServer, connectionParams: Record<string, unknown>): Client {
  const client = createClient({
    url: wsUrl(server),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams,
  });
  owned.push(async () => client.dispose());
  return client;
}

/**
 * The first result of an operation, or what the client reports as its error (a close event).
 *
 * Disposed after `next` returns, not inside it: graphql-ws's client (6.4.2) releases a subscription
 * twice when it is disposed in `next` and the server's `complete` for it arrives in the same packet
 * (as it does for an operation that fails at once). Its count of live subscriptions then reaches
 * zero early, it closes the socket under a subscription still running, and that one ends with
 * `complete` and no result.
 */
function firstResult(client: Client, query: string, variables: Record<string, unknown> = {}) {
  return new Promise<ExecutionResult>((resolve, reject) => {
    const stop = client.subscribe(
      { query, variables },
      {
        next: (result) => {
          resolve(result as ExecutionResult);
          queueMicrotask(stop);
        },
        error: reject,
        complete: () => reject(new Error(`completed without a result: ${query}`)),
      },
    );
  });
}

/** A raw connection, for what the graphql-ws client would never send. */
function rawSocket(server: TestServer, protocol = 'graphql-transport-ws') {
  const socket = new WebSocket(wsUrl(server), protocol);
  owned.push(async () => socket.terminate());
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    socket.on('open', () => resolve());
    socket.on('error', reject);
  });
  return { socket, closed, opened };
}

describe('a WebSocket refused', () => {
  it('for a missing token closes with 4403 and says how to send one', async () => {
    const refusal = firstResult(clientWith(api, {}), '{ viewer { tenantId } }');
    await expect(refusal).rejects.toMatchObject({
      code: 4403,
      reason: expect.stringMatching(
        /^Unauthenticated: Send a JWT as `Authorization: Bearer <token>`.*connectionParams\.authorization/,
      ),
    });
  });

  it('for a bad token closes with 4403 and says what is wrong with it', async () => {
    const expired = await new SignJWT({ tenant_id: 't-1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    await expect(
      firstResult(clientWith(api, { authorization: `Bearer ${expired}` }), '{ viewer { tenantId } }'),
    ).rejects.toMatchObject({ code: 4403, reason: 'Unauthenticated: The token has expired; get a new one.' });
    await expect(
      firstResult(clientWith(api, { authorization: 'Bearer not.a.jwt' }), '{ viewer { tenantId } }'),
    ).rejects.toMatchObject({
      code: 4403,
      reason: expect.stringMatching(/^Unauthenticated: The token is not valid/),
    });
  });

  it('for subscribing before connection_ack closes with 4401 and says to send connection_init first', async () => {
    const { socket, closed, opened } = rawSocket(api);
    await opened;
    socket.send(
      JSON.stringify({ type: 'subscribe', id: '1', payload: { query: '{ viewer { tenantId } }' } }),
    );
    expect(await closed).toEqual({
      code: 4401,
      reason: expect.stringContaining('send connection_init (with authorization) and wait for the ack'),
    });
  });

  it('for a message that is not the protocol closes with 4400 and says what is expected', async () => {
    const { socket, closed, opened } = rawSocket(api);
    await opened;
    socket.send('hello');
    expect(await closed).toEqual({
      code: 4400,
      reason: expect.stringContaining('graphql-transport-ws JSON'),
    });
  });
});

describe('a WebSocket accepted behind a router', () => {
  it("takes the token where Apollo Router's passthrough subscriptions put it", async () => {
    const tenantId = await newTenant(database);
    const token = await tokenFor(tenantId);
    // The router sends the propagated Authorization header as connectionParams.token.
    const client = clientWith(api, { connectionParams: { token: `Bearer ${token}` } });
    expect(await firstResult(client, '{ viewer { tenantId } }')).toEqual({ data: { viewer: { tenantId } } });
  });

  it("takes the upgrade request's Authorization header", async () => {
    const tenantId = await newTenant(database);
    const authorization = `Bearer ${await tokenFor(tenantId)}`;
    class WebSocketWithHeader extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { authorization } });
      }
    }
    const client = createClient({ url: wsUrl(api), webSocketImpl: WebSocketWithHeader, retryAttempts: 0 });
    owned.push(async () => client.dispose());
    expect(await firstResult(client, '{ viewer { tenantId } }')).toEqual({ data: { viewer: { tenantId } } });
  });
});

describe('a replay cursor beyond the head of the event log', () => {
  let tenantId: string;
  let client: Client;

  beforeAll(async () => {
    tenantId = await newTenant(database);
    await ingestFindingsPage(database.db, tenantId, [anInspectorEc2Finding()]);
    client = clientWith(api, { authorization: `Bearer ${await tokenFor(tenantId)}` });
  });

  const SUBSCRIPTIONS: [string, string][] = [
    ['findingsChanged', 'subscription($after: String) { findingsChanged(after: $after) { cursor } }'],
    [
      'connectorStateChanged',
      'subscription($after: String) { connectorStateChanged(after: $after) { cursor } }',
    ],
    [
      'connectorTestProgress',
      'subscription($after: String) { connectorTestProgress(after: $after) { cursor } }',
    ],
    [
      'connectorRunProgress',
      'subscription($after: String) { connectorRunProgress(after: $after) { cursor } }',
    ],
    [
      'findingsUpdateProgress',
      `subscription($after: String) { findingsUpdateProgress(requestId: "${randomUUID()}", after: $after) { cursor } }`,
    ],
    [
      'findingsExportProgress',
      `subscription($after: String) { findingsExportProgress(exportId: "${randomUUID()}", after: $after) { cursor } }`,
    ],
  ];

  for (const [name, query] of SUBSCRIPTIONS) {
    it(`is refused by ${name} with BAD_USER_INPUT that says so`, async () => {
      // A well-formed cursor of this tenant, for an event id the log has not reached.
      const beyond = eventCursor({ tenantId, app: api.app }, 2n ** 62n);
      const result = await firstResult(client, query, { after: beyond });
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.[0]).toMatchObject({
        message: expect.stringContaining('beyond the head of the event log'),
        extensions: { code: 'BAD_USER_INPUT', argumentPath: ['after'] },
      });
    });

    it(`refuses by ${name} an event id in place of a cursor, and another tenant's cursor, alike`, async () => {
      const otherTenants = eventCursor({ tenantId: await newTenant(database), app: api.app }, 1n);
      // Both at once: one after the other would race the client's lazy close of the socket.
      const results = await Promise.all(
        ['99999999999', otherTenants].map((after) => firstResult(client, query, { after })),
      );
      for (const result of results) {
        expect(result.data ?? null).toBeNull();
        expect(result.errors?.[0]).toMatchObject({
          message:
            '`after` must be the `cursor` of an event this API delivered to you, or "0" to replay every stored event.',
          extensions: { code: 'BAD_USER_INPUT', argumentPath: ['after'] },
        });
      }
    });
  }

  it('is not a cursor the log has delivered: the newest cursor and "0" replay as before', async () => {
    // Held open through the test: the client closes its socket once it has no subscription left
    // (lazy), and a subscribe racing that close could be lost with the closing socket.
    const hold = client.subscribe(
      { query: 'subscription { connectorStateChanged { cursor } }' },
      { next: () => {}, error: () => {}, complete: () => {} },
    );
    owned.push(async () => hold());
    const first = await firstResult(client, 'subscription { findingsChanged(after: "0") { cursor type } }');
    expect(first.errors).toBeUndefined();
    const newest = (first.data as { findingsChanged: { cursor: string } }).findingsChanged.cursor;
    // Replaying from the newest cursor waits for what comes next instead of failing.
    const next = firstResult(
      client,
      'subscription($after: String) { findingsChanged(after: $after) { cursor } }',
      {
        after: newest,
      },
    );
    await ingestFindingsPage(database.db, tenantId, [anInspectorEc2Finding()]);
    const delivered = await next;
    expect(delivered.errors).toBeUndefined();
    expect((delivered.data as { findingsChanged: { cursor: string } }).findingsChanged.cursor).not.toBe(
      newest,
    );
  });
});

describe('introspection switched off', () => {
  let production: TestServer;

  const GATEWAY_SECRET = 'gateway-secret-of-the-router';
  beforeAll(async () => {
    // Production's default: off.
    production = await startTestServer(database, {
      NODE_ENV: 'production',
      HUBGRAPH_MASTER_KEY: randomBytes(32).toString('base64'),
      HUBGRAPH_GATEWAY_SECRET: GATEWAY_SECRET,
    });
  });

  afterAll(async () => {
    await production?.close();
  });

  it('says over HTTP which variable turns it on', async () => {
    const tenantId = await newTenant(database);
    const response = await production.graphql('{ __schema { queryType { name } } }', {}, { tenantId });
    expect(response.errors?.[0]).toMatchObject({
      message: expect.stringContaining('Set GRAPHQL_INTROSPECTION=true to turn it on'),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it('holds over WebSocket too, with the same message', async () => {
    const tenantId = await newTenant(database);
    const client = clientWith(production, { authorization: `Bearer ${await tokenFor(tenantId)}` });
    const refusal = firstResult(client, '{ __type(name: "Finding") { name } }');
    await expect(refusal).rejects.toEqual([
      expect.objectContaining({
        message: expect.stringContaining('GRAPHQL_INTROSPECTION=true'),
        extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }),
      }),
    ]);
  });

  it('leaves the federation SDL and __typename to the router (which sends the gateway secret)', async () => {
    const tenantId = await newTenant(database);
    const response = await production.graphql<{ _service: { sdl: string }; __typename: string }>(
      '{ __typename _service { sdl } }',
      {},
      { tenantId, headers: { 'x-hubgraph-gateway-secret': GATEWAY_SECRET } },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!._service.sdl).toContain('interface Node');
  });

  it('is on when GRAPHQL_INTROSPECTION=true, in production too', async () => {
    const open = await startTestServer(database, {
      NODE_ENV: 'production',
      HUBGRAPH_MASTER_KEY: randomBytes(32).toString('base64'),
      GRAPHQL_INTROSPECTION: 'true',
    });
    try {
      const response = await open.graphql<{ __schema: { queryType: { name: string } } }>(
        '{ __schema { queryType { name } } }',
        {},
        { tenantId: await newTenant(database) },
      );
      expect(response.errors).toBeUndefined();
      expect(response.data!.__schema.queryType.name).toBe('Query');
    } finally {
      await open.close();
    }
  });
});
