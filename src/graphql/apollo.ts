import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GraphQLSchema } from 'graphql';
import { operationLabel } from '../observability/metrics.ts';
import type { AppServices, GraphQLContext } from './context.ts';
import { formatGraphQLError, isInternalError } from './format-error.ts';
import { GATEWAY_SECRET_HEADER, selectsService, serviceRefusal } from './gateway.ts';
import { nulCharacterAt, nulCharacterError } from './input-guard.ts';
import { type CostGate, createArmor, extraValidationRules, parseOptions } from './limits.ts';

export function createApolloServer(
  app: AppServices,
  schema: GraphQLSchema,
  httpServer: Server,
  drainWebSockets: () => Promise<void>,
  costGate: CostGate,
): ApolloServer<GraphQLContext> {
  const { config } = app;
  const armor = createArmor(config).protect();
  return new ApolloServer<GraphQLContext>({
    schema,
    // Introspection is switched by our own rule (extraValidationRules), whose message names
    // GRAPHQL_INTROSPECTION; Apollo's would tell the operator to edit code.
    introspection: true,
    parseOptions: parseOptions(config),
    csrfPrevention: true,
    // main.ts owns SIGTERM/SIGINT: it drains HTTP, WebSockets, the event bus and the database in order.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: !config.production,
    validationRules: extraValidationRules(config, armor.validationRules),
    formatError: (formatted) => formatGraphQLError(formatted, config.production),
    plugins: [
      // graphql-armor is typed against Apollo's CommonJS build; the plugins are the same objects.
      ...(armor.plugins as unknown as ApolloServerPlugin<GraphQLContext>[]),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        async serverWillStart() {
          return { drainServer: drainWebSockets };
        },
      },
      // Subgraphs answer `apollo-federation-include-trace: ftv1` by default; only when asked to.
      config.graphql.inlineTracing
        ? ApolloServerPluginInlineTrace()
        : ApolloServerPluginInlineTraceDisabled(),
      config.production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ footer: false }),
      observabilityPlugin(app, costGate),
    ],
  });
}

/**
 * Input checks (NUL characters, `_service`, cost and the tenant's budget), metrics per operation,
 * one log line per failed operation, the request id on every error.
 */
function observabilityPlugin(app: AppServices, costGate: CostGate): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didResolveOperation({ document, request, contextValue, operationName }) {
          const where = nulCharacterAt(document, request.variables);
          if (where) throw nulCharacterError(where);
          if (selectsService(document)) {
            const refusal = serviceRefusal(app.config, request.http?.headers.get(GATEWAY_SECRET_HEADER));
            if (refusal) throw refusal;
          }
          const overBudget = costGate({
            tenantId: contextValue.tenantId,
            document,
            operationName,
            variables: request.variables,
          });
          if (overBudget) throw overBudget;
        },
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            if (isInternalError(error)) {
              contextValue.log.error(
                { err: error.originalError ?? error, operationName, path: error.path },
                'internal error',
              );
            } else {
              contextValue.log.debug(
                { code: error.extensions?.code, message: error.message, operationName },
                'client error',
              );
            }
          }
        },
        async willSendResponse({ response, contextValue, operation, operationName, errors }) {
          const labels = {
            operation: operationLabel(app.config.metrics.operations, operationName),
            type: operation?.operation ?? 'unknown',
          };
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          app.metrics.graphqlDuration.observe(labels, seconds);
          app.metrics.graphqlRequests.inc({ ...labels, outcome: errors?.length ? 'error' : 'ok' });
          // The context may be missing when creating it failed (e.g. authentication).
          const requestId = contextValue?.requestId;
          if (requestId && response.body.kind === 'single' && response.body.singleResult.errors) {
            response.body.singleResult.errors = response.body.singleResult.errors.map((error) => ({
              ...error,
              extensions: { ...error.extensions, requestId },
            }));
          }
        },
      };
    },
  };
}
