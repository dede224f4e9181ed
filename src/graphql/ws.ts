import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
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
import { WebSocketServer } from 'ws';
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
  principal?: Principal;
  connectionId?: string;
};

export function attachWebSocketServer(
  app: AppServices,
  schema: GraphQLSchema,
  httpServer: Server,
  extraRules: ValidationRule[],
): { drain: () => Promise<void> } {
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const rules = [...specifiedRules, ...extraRules];
  const cleanup = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      schema,
      connectionInitWaitTimeout: 5_000,
      onConnect: async (ctx) => {
        (ctx.extra as ConnectionExtra).connectionId = randomUUID();
        const params = ctx.connectionParams ?? {};
        const authorization =
          typeof params.authorization === 'string'
            ? params.authorization
            : typeof params.Authorization === 'string'
              ? params.Authorization
              : undefined;
        try {
          const principal = await app.authenticate(authorization);
          await ensureTenant(app.database.db, principal.tenantId);
          (ctx.extra as ConnectionExtra).principal = principal;
          return true;
        } catch (error) {
          if (error instanceof AuthenticationError) {
            app.log.info({ reason: error.message }, 'websocket connection refused');
            return false; // closes with 4403 Forbidden
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
