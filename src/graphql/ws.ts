import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import {
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  parse,
  specifiedRules,
  type ValidationRule,
  validate,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { AuthenticationError, type Principal } from '../auth/authenticate.ts';
import { ensureTenant } from '../auth/tenants.ts';
import { tenantContext } from '../context.ts';
import { operationLabel } from '../observability/metrics.ts';
import { type AppServices, createLoaders, type GraphQLContext } from './context.ts';
import { formatGraphQLError, isInternalError } from './format-error.ts';
import { selectsService, serviceOverWebSocketRefusal } from './gateway.ts';
import { nulCharacterAt, nulCharacterError } from './input-guard.ts';
import { type CostGate, limitError, parseOptions } from './limits.ts';
import { NextFrames } from './next-frames.ts';
import { type NextSender, operationKey, subscribeShared } from './shared-execution.ts';

// graphql-ws on the same /graphql path. Apollo's context, validation rules and error policy do not
// apply to WebSockets by themselves, so each is applied here again: authentication from
// connectionParams, the same armor limits, the same tenant scoping and error masking.

type ConnectionExtra = {
  socket: WebSocket;
  principal?: Principal;
  connectionId?: string;
  /** Counted among its tenant's connections (released on close). */
  counted?: boolean;
  /** Ids of this connection's running subscriptions (each counted for its tenant too). */
  subscriptions?: Set<string>;
  expiryTimer?: NodeJS.Timeout;
};

/** setTimeout's longest delay; a token may live longer, so the timer is re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How long a client may take to send connection_init. */
const CONNECTION_INIT_WAIT_MS = 5_000;

/**
 * graphql-ws closes with the protocol's terse reasons ("Forbidden", "Unauthorized"); these say what
 * the person at the other end should do. Reasons we give ourselves pass through unchanged.
 */
const CLOSE_ADVICE: Record<string, string> = {
  '4400 Invalid message received':
    'Invalid message: send graphql-transport-ws JSON messages (connection_init, subscribe, ping, complete).',
  '4401 Unauthorized':
    'Subscribe came before connection_ack: send connection_init (with authorization) and wait for the ack.',
  '4403 Forbidden': 'Forbidden: send connectionParams.authorization = "Bearer <JWT>" in connection_init.',
  '4406 Subprotocol not acceptable':
    'Use the graphql-transport-ws subprotocol (the graphql-ws client); subscriptions-transport-ws is not served.',
  '4408 Connection initialisation timeout': `No connection_init within ${CONNECTION_INIT_WAIT_MS / 1000} s of connecting: send it first, with connectionParams.authorization.`,
  '4429 Too many initialisation requests': 'connection_init was sent twice: send it once per connection.',
  '1001 Going away':
    'Server shutting down: reconnect (to another replica) and resume each subscription with after: <last cursor>.',
};

/**
 * Where a WebSocket client puts its token: `connectionParams.authorization` (graphql-ws clients),
 * `connectionParams.connectionParams.token` (Apollo Router's passthrough subscriptions, which send
 * the propagated Authorization header there), or the upgrade request's own Authorization header.
 */
function webSocketAuthorization(
  params: Record<string, unknown>,
  upgradeHeader: string | undefined,
): string | undefined {
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const nested = params.connectionParams as Record<string, unknown> | undefined;
  const routerToken = text(nested?.token) ?? text(nested?.Authorization) ?? text(nested?.authorization);
  return (
    text(params.authorization) ??
    text(params.Authorization) ??
    (routerToken && !/^\S+\s/.test(routerToken) ? `Bearer ${routerToken}` : routerToken) ??
    upgradeHeader
  );
}

/** A WebSocket close reason is at most 123 bytes of UTF-8 (the frame's limit); ws throws beyond it. */
function closeReason(code: number, reason: string): string {
  const advised = CLOSE_ADVICE[`${code} ${reason}`] ?? reason;
  if (Buffer.byteLength(advised) <= 123) return advised;
  let cut = advised.slice(0, 120);
  while (Buffer.byteLength(`${cut}…`) > 123) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** A WebSocket session ends with its token: 4401 once it expires, so a reconnect brings a fresh one. */
function closeAtExpiry(extra: ConnectionExtra, expiresAt: Date): void {
  const left = expiresAt.getTime() - Date.now();
  extra.expiryTimer = setTimeout(
    () =>
      left > MAX_TIMER_MS
        ? closeAtExpiry(extra, expiresAt)
        : extra.socket.close(
            4401,
            'Token expired: reconnect with a new token in connectionParams.authorization.',
          ),
    Math.max(0, Math.min(left, MAX_TIMER_MS)),
  );
  extra.expiryTimer.unref();
}

/** Counts per key, forgetting keys at zero. */
class Counter {
  readonly #counts = new Map<string, number>();
  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }
  add(key: string, delta: number): void {
    const next = this.get(key) + delta;
    if (next <= 0) this.#counts.delete(key);
    else this.#counts.set(key, next);
  }
}

/** Bytes a connection may have queued before a sender waits for them to leave (backpressure). */
const SEND_HIGH_WATER_BYTES = 64 * 1024;

/**
 * Messages sent in one turn of the event loop leave in one write: an event batch sends one message
 * per subscriber, and a write (a system call) each cost more than producing them. graphql-ws waits
 * for each message's send callback before the next one of the same subscription; while little is
 * queued the callback comes at once, so a subscription's batch is sent in one turn, not one message
 * per turn. Past SEND_HIGH_WATER_BYTES it comes once the bytes have left: a slow client holds its
 * subscriptions back (until the event bus cuts them off), not the server's memory. Shared `next`
 * messages wait in `frames`; anything else sent goes after them.
 */
function corkUntilNextTurn(socket: WebSocket, frames: NextFrames | undefined): void {
  const raw = rawSocket(socket);
  if (!raw) return;
  const send = socket.send.bind(socket) as (...args: unknown[]) => void;
  let corked = false;
  socket.send = ((...args: unknown[]) => {
    frames?.flush();
    if (!corked) {
      corked = true;
      raw.cork();
      setImmediate(() => {
        corked = false;
        raw.uncork();
      });
    }
    const callback = args.at(-1);
    if (typeof callback === 'function' && raw.writableLength < SEND_HIGH_WATER_BYTES) {
      send(...args.slice(0, -1));
      callback();
    } else send(...args);
  }) as WebSocket['send'];
}

function rawSocket(socket: WebSocket): Socket | undefined {
  return (socket as unknown as { _socket?: Socket })._socket;
}

/** Each connection's waiting `next` messages (see next-frames.ts). */
const framesOf = new WeakMap<WebSocket, NextFrames>();

/**
 * Sends a result's JSON as subscription `id`'s `next` message, as graphql-ws would write it
 * (`{"id","type":"next","payload"}`), framed with the connection's other messages of this turn;
 * a promise, to wait on, once the connection has SEND_HIGH_WATER_BYTES queued.
 */
function nextSender(socket: WebSocket, id: string): NextSender {
  // Bytes, not strings: a message is one copy of each part, with no string for the heap to collect.
  const prefix = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  const frames = framesOf.get(socket);
  const raw = rawSocket(socket);
  return (payloadJson) => {
    if (socket.readyState !== socket.OPEN) return undefined;
    if (!frames || !raw) {
      socket.send(Buffer.concat([prefix, payloadJson, CLOSING_BRACE]), { binary: false });
      return undefined;
    }
    frames.add(prefix, payloadJson);
    if (raw.writableLength + frames.pendingBytes < SEND_HIGH_WATER_BYTES) return undefined;
    return frames.drained();
  };
}

const CLOSING_BRACE = Buffer.from('}');

export function attachWebSocketServer(
  app: AppServices,
  schema: GraphQLSchema,
  httpServer: Server,
  extraRules: ValidationRule[],
  costGate: CostGate,
): { drain: () => Promise<void> } {
  const limits = app.config.websocket;
  // maxPayload: `ws` refuses a bigger message from its frame header (1009), before reading it.
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: limits.maxMessageBytes,
  });
  const tooBig = `Message too big: at most ${limits.maxMessageBytes} bytes (HUBGRAPH_WS_MAX_MESSAGE_BYTES).`;
  // Registered before graphql-ws's own listener, so every close it makes carries advice.
  wsServer.on('connection', (socket) => {
    // `ws` has already closed with 1009 when it reports a message over maxPayload; that is the
    // client's doing, not an internal error for graphql-ws to report on the console.
    const emit = socket.emit.bind(socket);
    socket.emit = (event: string | symbol, ...args: unknown[]) => {
      if (event === 'error' && (args[0] as { code?: string })?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        app.log.info({ limit: limits.maxMessageBytes }, 'websocket message over the limit refused');
        return true;
      }
      return emit(event, ...args);
    };
    const raw = rawSocket(socket);
    const frames = raw ? new NextFrames(raw) : undefined;
    if (frames) framesOf.set(socket, frames);
    corkUntilNextTurn(socket, frames);
    const close = socket.close.bind(socket);
    socket.close = (code?: number, reason?: string | Buffer) => {
      frames?.flush();
      close(
        code,
        code === 1009
          ? closeReason(code, tooBig)
          : code === undefined || reason === undefined
            ? reason
            : closeReason(code, reason.toString()),
      );
    };
  });
  const rules = [...specifiedRules, ...extraRules];
  const parsing = parseOptions(app.config);
  // Per tenant, across this process's connections: one tenant cannot hold every socket or stream.
  const connectionsOf = new Counter();
  const subscriptionsOf = new Counter();
  const release = (extra: ConnectionExtra, id: string) => {
    if (extra.subscriptions?.delete(id)) subscriptionsOf.add(extra.principal!.tenantId, -1);
  };
  // Each subscription's operation key and sender of `next` messages (see shared-execution.ts), by its context.
  const sharing = new WeakMap<object, { key: string; sendNext: NextSender }>();
  const cleanup = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      schema,
      subscribe: (args) => {
        const { key, sendNext } = sharing.get(args.contextValue as object)!;
        return subscribeShared(args, key, sendNext);
      },
      connectionInitWaitTimeout: CONNECTION_INIT_WAIT_MS,
      onConnect: async (ctx) => {
        (ctx.extra as ConnectionExtra).connectionId = randomUUID();
        const authorization = webSocketAuthorization(
          ctx.connectionParams ?? {},
          (ctx.extra as { request?: IncomingMessage }).request?.headers.authorization,
        );
        const extra = ctx.extra as ConnectionExtra;
        try {
          const principal = await app.authenticate(authorization);
          if (connectionsOf.get(principal.tenantId) >= limits.maxConnectionsPerTenant) {
            extra.socket.close(
              1008,
              `Too many connections for this tenant: at most ${limits.maxConnectionsPerTenant} (HUBGRAPH_WS_MAX_CONNECTIONS_PER_TENANT).`,
            );
            return false;
          }
          // Counted before the first await, so connections arriving together cannot all pass the check.
          extra.principal = principal;
          extra.subscriptions = new Set();
          extra.counted = true;
          connectionsOf.add(principal.tenantId, 1);
          await ensureTenant(app.database.db, principal.tenantId);
          if (principal.expiresAt) closeAtExpiry(extra, principal.expiresAt);
          return true;
        } catch (error) {
          if (error instanceof AuthenticationError) {
            app.log.info({ reason: error.message }, 'websocket connection refused');
            // 4403 as graphql-ws would, but with the reason: what was wrong with the token.
            (ctx.extra as ConnectionExtra).socket.close(4403, `Unauthenticated: ${error.message}`);
            return false;
          }
          throw error;
        }
      },
      onSubscribe: (ctx, id, payload) => {
        const extra = ctx.extra as ConnectionExtra;
        let document: DocumentNode;
        try {
          document = parse(payload.query, parsing);
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(schema, document, rules);
        if (errors.length > 0) return errors;
        const nulAt = nulCharacterAt(document, payload.variables);
        if (nulAt) return [nulCharacterError(nulAt)];
        if (selectsService(document)) return [serviceOverWebSocketRefusal()];
        const principal = extra.principal!;
        const overBudget = costGate({
          tenantId: principal.tenantId,
          document,
          operationName: payload.operationName,
          variables: payload.variables,
        });
        if (overBudget) return [overBudget];
        if (extra.subscriptions!.size >= limits.maxSubscriptionsPerConnection)
          return [
            limitError(
              `Too many subscriptions on this connection: at most ${limits.maxSubscriptionsPerConnection} (HUBGRAPH_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION). Complete one first.`,
            ),
          ];
        if (subscriptionsOf.get(principal.tenantId) >= limits.maxSubscriptionsPerTenant)
          return [
            limitError(
              `Too many subscriptions for this tenant: at most ${limits.maxSubscriptionsPerTenant} (HUBGRAPH_WS_MAX_SUBSCRIPTIONS_PER_TENANT). Complete one first.`,
            ),
          ];
        extra.subscriptions!.add(id);
        subscriptionsOf.add(principal.tenantId, 1);
        const requestId = `${extra.connectionId}:${id}`;
        const log = app.log.child({ requestId, tenantId: principal.tenantId });
        const contextValue: GraphQLContext = {
          requestId,
          tenantId: principal.tenantId,
          subject: principal.subject,
          devMode: app.config.auth === undefined,
          db: app.database.db,
          log,
          loaders: createLoaders(app.database.db, principal.tenantId),
          app,
          tenant: tenantContext(app, principal.tenantId, log),
        };
        sharing.set(contextValue, {
          key: operationKey(principal.tenantId, payload.query, payload.operationName, payload.variables),
          sendNext: nextSender(extra.socket, id),
        });
        app.metrics.activeSubscriptions.inc({
          operation: operationLabel(app.config.metrics.operations, payload.operationName),
        });
        return {
          schema,
          document,
          variableValues: payload.variables,
          operationName: payload.operationName,
          contextValue,
        };
      },
      onClose: (ctx) => {
        const extra = ctx.extra as ConnectionExtra;
        clearTimeout(extra.expiryTimer);
        if (!extra.counted) return;
        extra.counted = false;
        connectionsOf.add(extra.principal!.tenantId, -1);
        for (const id of [...extra.subscriptions!]) release(extra, id);
      },
      onComplete: (ctx, id, payload) => {
        release(ctx.extra as ConnectionExtra, id);
        app.metrics.activeSubscriptions.dec({
          operation: operationLabel(app.config.metrics.operations, payload.operationName),
        });
      },
      onNext: (ctx, id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        return {
          ...result,
          errors: result.errors.map((error) => {
            if (isInternalError(error)) {
              app.log.error(
                {
                  err: error.originalError ?? error,
                  requestId: `${(ctx.extra as ConnectionExtra).connectionId}:${id}`,
                },
                'internal error',
              );
            }
            return formatGraphQLError(error.toJSON(), app.config.production);
          }),
        };
      },
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((error) =>
          formatGraphQLError(
            { ...error.toJSON(), extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...error.extensions } },
            app.config.production,
          ),
        ),
    },
    wsServer,
  );
  return {
    drain: async () => {
      await cleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
