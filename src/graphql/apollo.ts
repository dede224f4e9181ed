import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLSchema, ParseOptions, ValidationRule } from 'graphql';
import type { Config } from '../config.ts';
import { operationLabel } from '../observability/metrics.ts';
import type { AppServices, GraphQLContext } from './context.ts';
import { formatGraphQLError, isInternalError } from './format-error.ts';
import { GATEWAY_SECRET_HEADER, selectsService, serviceRefusal } from './gateway.ts';
import { nulCharacterAt, nulCharacterError } from './input-guard.ts';
import { noIntrospection } from './introspection.ts';

/** Depth, cost, alias and token limits, shared by HTTP and WebSocket so neither is the weak door. */
export function createArmor(config: Config) {
  return new ApolloArmor({
    maxDepth: { n: config.graphql.maxDepth },
    costLimit: { maxCost: config.graphql.maxCost },
    maxAliases: { n: config.graphql.maxAliases },
    maxDirectives: { n: 50 },
    // graphql's own parser counts tokens (`parseOptions`): its refusal is a 400 parse error, where
    // armor's, thrown from a plugin hook, is answered as a 500.
    maxTokens: { enabled: false },
    // Field suggestions leak the schema even when introspection is off.
    blockFieldSuggestion: { enabled: config.production },
  });
}

/** How every transport parses a document: with the token limit, so a huge one is never built. */
export function parseOptions(config: Config): ParseOptions {
  return { maxLexicalTokens: config.graphql.maxTokens };
}

/** The rules every operation is checked against beyond GraphQL's own, over HTTP and WebSocket alike. */
export function extraValidationRules(config: Config, armorRules?: unknown[]): ValidationRule[] {
  return [
    ...((armorRules ?? createArmor(config).protect().validationRules) as ValidationRule[]),
    ...(config.graphql.introspection ? [] : [noIntrospection]),
  ];
}

export function createApolloServer(
  app: AppServices,
  schema: GraphQLSchema,
  httpServer: Server,
  drainWebSockets: () => Promise<void>,
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
      observabilityPlugin(app),
    ],
  });
}

/** Metrics per operation, one log line per failed operation, the request id on every error. */
function observabilityPlugin(app: AppServices): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didResolveOperation({ document, request }) {
          const where = nulCharacterAt(document, request.variables);
          if (where) throw nulCharacterError(where);
          if (selectsService(document)) {
            const refusal = serviceRefusal(app.config, request.http?.headers.get(GATEWAY_SECRET_HEADER));
            if (refusal) throw refusal;
          }
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
