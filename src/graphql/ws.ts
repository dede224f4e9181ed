import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
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

// graphql-ws on the same /graphql path. Apollo's context, validation rules and error policy do not
// apply to WebSockets by themselves, so each is applied here again: authentication from
// connectionParams, the same armor limits, the same tenant scoping and error masking.

type ConnectionExtra = {
  socket: WebSocket;
  principal?: Principal;
  connectionId?: string;
};

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

export function attachWebSocketServer(
  app: AppServices,
  schema: GraphQLSchema,
  httpServer: Server,
  extraRules: ValidationRule[],
): { drain: () => Promise<void> } {
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  // Registered before graphql-ws's own listener, so every close it makes carries advice.
  wsServer.on('connection', (socket) => {
    const close = socket.close.bind(socket);
    socket.close = (code?: number, reason?: string | Buffer) =>
      close(code, code === undefined || reason === undefined ? reason : closeReason(code, reason.toString()));
  });
  const rules = [...specifiedRules, ...extraRules];
  const cleanup = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      schema,
      connectionInitWaitTimeout: CONNECTION_INIT_WAIT_MS,
      onConnect: async (ctx) => {
        (ctx.extra as ConnectionExtra).connectionId = randomUUID();
        const authorization = webSocketAuthorization(
          ctx.connectionParams ?? {},
          (ctx.extra as { request?: IncomingMessage }).request?.headers.authorization,
        );
        try {
          const principal = await app.authenticate(authorization);
          await ensureTenant(app.database.db, principal.tenantId);
          (ctx.extra as ConnectionExtra).principal = principal;
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
          document = parse(payload.query);
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(schema, document, rules);
        if (errors.length > 0) return errors;
        const principal = extra.principal!;
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
      onComplete: (_ctx, _id, payload) => {
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
