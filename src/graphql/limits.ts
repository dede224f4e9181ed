import { HeaderMap } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';
import type { Config } from '../config.ts';
import { ErrorCode } from '../errors.ts';
import { operationCost } from './cost.ts';
import { noIntrospection } from './introspection.ts';
import { TenantCostBudget } from './tenant-budget.ts';

// Every limit an operation meets, in one place, applied by HTTP (apollo.ts) and WebSocket (ws.ts)
// through the same code so that neither is the weak door.

/** Depth, alias and directive limits (graphql-armor); field suggestions off in production. */
export function createArmor(config: Config) {
  return new ApolloArmor({
    maxDepth: { n: config.graphql.maxDepth },
    // Counted by operationCost (cost.ts) instead, which reads `first`, variables and `@cost`:
    // the same number the per-tenant budget is kept in.
    costLimit: { enabled: false },
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

/** A limit the client went over: says which and by how much (400 over HTTP). */
export function limitError(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.LIMIT_EXCEEDED, http: { status: 400 } },
  });
}

export interface OperationRequest {
  tenantId: string;
  document: DocumentNode;
  operationName: string | null | undefined;
  variables: Readonly<Record<string, unknown>> | null | undefined;
}

/**
 * What an operation costs, checked against the per-operation limit and then taken from its tenant's
 * budget: a tenant that spends faster than its refill waits (429 with Retry-After), and another
 * tenant's requests never queue behind it. One gate per process, shared by HTTP and WebSocket.
 */
export type CostGate = (request: OperationRequest) => GraphQLError | undefined;

export function createCostGate(config: Config, schema: GraphQLSchema): CostGate {
  const budget = new TenantCostBudget(config.graphql.tenantCostPerSecond, config.graphql.tenantCostBurst);
  return (request) => {
    const cost = operationCost(schema, request.document, request.operationName, request.variables);
    const max = config.graphql.maxCost;
    if (cost > max) {
      return limitError(
        `Operation cost ${cost} is over the limit of ${max} (GRAPHQL_MAX_COST) by ${cost - max}: ask for fewer items (\`first\`), fewer nested lists or fewer aggregates (\`findingStats\`) per operation.`,
      );
    }
    const waitSeconds = budget.take(request.tenantId, cost);
    if (waitSeconds === undefined) return undefined;
    return new GraphQLError(
      `This tenant has spent its query budget (${config.graphql.tenantCostPerSecond} cost units per second, bursts up to ${config.graphql.tenantCostBurst}; GRAPHQL_TENANT_COST_PER_SECOND, GRAPHQL_TENANT_COST_BURST): this operation costs ${cost}. Retry in ${waitSeconds} s, or ask for less per operation.`,
      {
        extensions: {
          code: ErrorCode.RATE_LIMITED,
          cost,
          retryAfterSeconds: waitSeconds,
          http: { status: 429, headers: new HeaderMap([['retry-after', String(waitSeconds)]]) },
        },
      },
    );
  };
}
