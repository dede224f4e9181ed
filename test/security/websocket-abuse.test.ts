import { connect } from 'node:net';
import { createClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Database } from '../../src/db/client.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import {
  startTestServer,
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_JWT_SECRET,
  type TestServer,
  tokenFor,
} from '../support/server.ts';

// Abuse over WebSocket (issue 12, rows 1–3, 6 and 8), against production settings with small limits:
// what an authenticated client (or none) sent, and what must hold.

let database: Database;
let api: TestServer;
let wsUrl: string;

beforeAll(async () => {
  database = await openTestDatabase();
  api = await startTestServer(database, {
    NODE_ENV: 'production',
    HUBGRAPH_MASTER_KEY: 'a'.repeat(64),
    HUBGRAPH_WS_MAX_MESSAGE_BYTES: '65536',
    HUBGRAPH_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
    HUBGRAPH_WS_MAX_SUBSCRIPTIONS_PER_TENANT: '5',
    HUBGRAPH_WS_MAX_CONNECTIONS_PER_TENANT: '3',
  });
  wsUrl = api.url.replace(/^http/, 'ws');
});

afterAll(async () => {
  await api?.close();
  await database?.close();
});

interface Closed {
  code: number;
  reason: string;
}

/** A raw graphql-transport-ws socket: what a hostile client controls byte by byte. */
async function rawSocket(): Promise<{ socket: WebSocket; closed: Promise<Closed>; messages: unknown[] }> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const messages: unknown[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
  const closed = new Promise<Closed>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { socket, closed, messages };
}

async function initialised(tenantId: string) {
  const raw = await rawSocket();
  raw.socket.send(
    JSON.stringify({
      type: 'connection_init',
      payload: { authorization: `Bearer ${await tokenFor(tenantId)}` },
    }),
  );
  await until(() => raw.messages.some((message) => (message as { type: string }).type === 'connection_ack'));
  return raw;
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const SUBSCRIBE = (id: string, query = 'subscription { findingsChanged { cursor } }', variables = {}) =>
  JSON.stringify({ id, type: 'subscribe', payload: { query, variables } });

async function stillServes(): Promise<void> {
  const tenantId = await newTenant(database);
  const response = await api.graphql('{ viewer { tenantId } }', {}, { tenantId });
  expect(response.data).toEqual({ viewer: { tenantId } });
}

describe('message size (rows 1 and 2)', () => {
  it('closes 1009 on a message over the limit, naming the setting, and serves on', async () => {
    const tenantId = await newTenant(database);
    const { socket, closed } = await initialised(tenantId);
    socket.send(SUBSCRIBE('big', `subscription { findingsChanged { cursor } } # ${'x'.repeat(200_000)}`));
    expect(await closed).toEqual({
      code: 1009,
      reason: 'Message too big: at most 65536 bytes (HUBGRAPH_WS_MAX_MESSAGE_BYTES).',
    });
    await stillServes();
  });

  it('refuses a 100 MB frame from its header, before any of it arrives (no token needed to try)', async () => {
    const { port } = new URL(api.url);
    const socket = connect(Number(port), '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      [
        'GET /graphql HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Protocol: graphql-transport-ws',
        '',
        '',
      ].join('\r\n'),
    );
    await until(() => Buffer.concat(received).includes('\r\n\r\n'));
    // A masked text frame whose header announces 100 MB (64-bit length), then only 4 bytes of it.
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(100n * 1024n * 1024n, 2);
    socket.write(Buffer.concat([header, Buffer.from('abcd')]));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    await ended;
    const frames = Buffer.concat(received);
    const close = frames.subarray(frames.indexOf('\r\n\r\n') + 4);
    expect(close[0]).toBe(0x88); // a close frame…
    expect(close.readUInt16BE(2)).toBe(1009); // …with 1009 Message Too Big
    expect(close.subarray(4).toString()).toMatch(/HUBGRAPH_WS_MAX_MESSAGE_BYTES/);
    await stillServes();
  });

  it('refuses an oversized connection_init without a token the same way', async () => {
    const { socket, closed } = await rawSocket();
    socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(100_000) } }));
    expect((await closed).code).toBe(1009);
  });
});

describe('subscriptions and connections per tenant (row 3)', () => {
  it('caps subscriptions per connection, saying the limit, and frees a slot on complete', async () => {
    const tenantId = await newTenant(database);
    const { socket, messages } = await initialised(tenantId);
    for (const id of ['1', '2', '3', '4']) socket.send(SUBSCRIBE(id));
    await until(() => messages.some((message) => (message as { id?: string }).id === '4'));
    expect(messages.find((message) => (message as { id?: string }).id === '4')).toMatchObject({
      type: 'error',
      payload: [
        {
          message:
            'Too many subscriptions on this connection: at most 3 (HUBGRAPH_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION). Complete one first.',
          extensions: { code: 'LIMIT_EXCEEDED' },
        },
      ],
    });
    socket.send(JSON.stringify({ id: '1', type: 'complete' }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    messages.length = 0;
    socket.send(SUBSCRIBE('5'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(messages.filter((message) => (message as { type: string }).type === 'error')).toEqual([]);
    socket.close();
  });

  it('caps subscriptions per tenant across connections, and gives them back when sockets close', async () => {
    const tenantId = await newTenant(database);
    const first = await initialised(tenantId);
    const second = await initialised(tenantId);
    for (const id of ['a', 'b', 'c']) first.socket.send(SUBSCRIBE(id));
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const id of ['d', 'e', 'f']) second.socket.send(SUBSCRIBE(id));
    await until(() => second.messages.some((message) => (message as { id?: string }).id === 'f'));
    expect(second.messages.find((message) => (message as { id?: string }).id === 'f')).toMatchObject({
      type: 'error',
      payload: [{ message: expect.stringMatching(/HUBGRAPH_WS_MAX_SUBSCRIPTIONS_PER_TENANT/) }],
    });
    first.socket.close();
    await first.closed;
    await new Promise((resolve) => setTimeout(resolve, 200));
    second.messages.length = 0;
    second.socket.send(SUBSCRIBE('g'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second.messages.filter((message) => (message as { type: string }).type === 'error')).toEqual([]);
    second.socket.close();
  });

  it('caps connections per tenant with a close that names the setting; another tenant is not affected', async () => {
    const tenantId = await newTenant(database);
    const open = [await initialised(tenantId), await initialised(tenantId), await initialised(tenantId)];
    const fourth = await rawSocket();
    fourth.socket.send(
      JSON.stringify({
        type: 'connection_init',
        payload: { authorization: `Bearer ${await tokenFor(tenantId)}` },
      }),
    );
    expect(await fourth.closed).toEqual({
      code: 1008,
      reason: 'Too many connections for this tenant: at most 3 (HUBGRAPH_WS_MAX_CONNECTIONS_PER_TENANT).',
    });
    const other = await initialised(await newTenant(database));
    other.socket.close();
    for (const { socket } of open) socket.close();
  });
});

describe('sessions end with their tokens (row 6)', () => {
  it('closes 4401 with a reason when the token expires', async () => {
    const tenantId = await newTenant(database);
    const token = await new SignJWT({ tenant_id: tenantId })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const { socket, closed, messages } = await rawSocket();
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await until(() => messages.length > 0);
    expect(messages[0]).toMatchObject({ type: 'connection_ack' });
    expect(await closed).toEqual({
      code: 4401,
      reason: 'Token expired: reconnect with a new token in connectionParams.authorization.',
    });
  });
});

describe('what the schema keeps to itself, and limits every transport shares (rows 8 and 10)', () => {
  async function errorsOf(query: string, variables: Record<string, unknown> = {}) {
    const tenantId = await newTenant(database);
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${await tokenFor(tenantId)}` },
    });
    try {
      return await new Promise<{ message: string; extensions?: Record<string, unknown> }[]>((resolve) => {
        client.subscribe(
          { query, variables },
          {
            next: () => {},
            error: (error) => resolve(error as { message: string }[]),
            complete: () => resolve([]),
          },
        );
      });
    } finally {
      await client.dispose();
    }
  }

  it('refuses introspection and hides field suggestions over WebSocket in production', async () => {
    const introspection = await errorsOf('query { __schema { types { name } } }');
    expect(introspection[0]?.message).toMatch(/GRAPHQL_INTROSPECTION=true/);
    const typo = await errorsOf('subscription { findingsChanged { cursr } }');
    expect(typo[0]?.message).toMatch(/Cannot query field "cursr"/);
    expect(typo[0]?.message).not.toMatch(/Did you mean/);
  });

  it('never serves _service over WebSocket', async () => {
    const errors = await errorsOf('query { _service { sdl } }');
    expect(errors[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(errors[0]?.message).toMatch(/not served over WebSocket/);
  });

  it('applies the token limit and refuses NUL characters over WebSocket too', async () => {
    const tokens = await errorsOf(`query { ${'x '.repeat(6000)}}`);
    expect(tokens[0]?.message).toMatch(/more that 5000 tokens/);
    const nul = await errorsOf(
      'subscription ($filter: FindingFilter) { findingsChanged(filter: $filter) { cursor } }',
      {
        filter: { search: 'a\u0000' },
      },
    );
    expect(nul[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('_service over HTTP (row 8)', () => {
  it('is refused in production until HUBGRAPH_GATEWAY_SECRET is set, naming it', async () => {
    const response = await api.graphql('{ _service { sdl } }', {}, { tenantId: await newTenant(database) });
    expect(response.status).toBe(403);
    expect(response.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(response.errors?.[0]?.message).toMatch(/HUBGRAPH_GATEWAY_SECRET/);
  });

  it('answers only a request carrying the gateway secret', async () => {
    const secret = 'gateway-secret-0123456789';
    const gatewayed = await startTestServer(database, {
      NODE_ENV: 'production',
      HUBGRAPH_MASTER_KEY: 'a'.repeat(64),
      HUBGRAPH_GATEWAY_SECRET: secret,
    });
    try {
      const tenantId = await newTenant(database);
      const without = await gatewayed.graphql('{ _service { sdl } }', {}, { tenantId });
      expect(without.status).toBe(403);
      const wrong = await gatewayed.graphql(
        '{ _service { sdl } }',
        {},
        {
          tenantId,
          headers: { 'x-hubgraph-gateway-secret': `${secret}x` },
        },
      );
      expect(wrong.status).toBe(403);
      const right = await gatewayed.graphql<{ _service: { sdl: string } }>(
        '{ _service { sdl } }',
        {},
        {
          tenantId,
          headers: { 'x-hubgraph-gateway-secret': secret },
        },
      );
      expect(right.data?._service.sdl).toMatch(/type Finding/);
    } finally {
      await gatewayed.close();
    }
  });
});
