import type { ConnectorInput, Resolvers } from '../generated/graphql.ts';
import { type ArgumentPath, keyOf, optionalKeyOf, toGlobalId } from '../global-id.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { listRuns } from '../sync/queries.ts';
import { maskAccessKeyId } from './masking.ts';
import { listConnectors } from './queries.ts';
import {
  createConnector,
  deleteConnector,
  regenerateExternalId,
  setConnectorEnabled,
  settingsOf,
  testConnector,
  updateConnector,
} from './service.ts';
import { nextRunAt } from './settings.ts';
import { connectionTestProgress, connectorStateChanges } from './subscriptions.ts';

/** After a mutation, the request's loaders must not answer with the connector as it was before. */
async function fresh<T>(ctx: GraphQLContext, result: Promise<T>): Promise<T> {
  const value = await result;
  ctx.loaders.connectors.byId.clearAll();
  return value;
}

/** Global ids (or bare keys) in an input -> the keys the service works with. */
const withKeys = <T extends { id: string }>(input: T): T => ({
  ...input,
  id: keyOf('Connector', input.id, ['input', 'id']),
});
const withMapKey = <T extends Pick<ConnectorInput, 'transformMapId'>>(input: T, path: ArgumentPath): T => ({
  ...input,
  transformMapId: optionalKeyOf('TransformMap', input.transformMapId, [...path, 'transformMapId']),
});

export const connectorResolvers: Resolvers = {
  Query: {
    connectors: (_, args, ctx) => listConnectors(ctx.db, ctx.tenantId, args),
    connector: (_, { id }, ctx) => ctx.loaders.connectors.byId.load(keyOf('Connector', id, ['id'])),
  },
  Mutation: {
    connectorCreate: (_, { input }, ctx) => createConnector(ctx.tenant, withMapKey(input, ['input'])),
    connectorUpdate: (_, { input }, ctx) =>
      fresh(ctx, updateConnector(ctx.tenant, withMapKey(withKeys(input), ['input']))),
    connectorDelete: (_, { input }, ctx) => fresh(ctx, deleteConnector(ctx.tenant, withKeys(input))),
    connectorSetEnabled: (_, { input }, ctx) => fresh(ctx, setConnectorEnabled(ctx.tenant, withKeys(input))),
    connectorTest: (_, { input }, ctx) =>
      fresh(
        ctx,
        testConnector(ctx.tenant, {
          ...input,
          id: optionalKeyOf('Connector', input.id, ['input', 'id']),
          draft: input.draft && withMapKey(input.draft, ['input', 'draft']),
        }),
      ),
    connectorRegenerateExternalId: (_, { input }, ctx) =>
      fresh(ctx, regenerateExternalId(ctx.tenant, withKeys(input))),
  },
  Subscription: {
    connectorStateChanged: {
      subscribe: (_, { connectorId, after }, ctx) =>
        connectorStateChanges(ctx, optionalKeyOf('Connector', connectorId, ['connectorId']), after),
    },
    connectorTestProgress: {
      subscribe: (_, { connectorId, testId, after }, ctx) =>
        connectionTestProgress(ctx, optionalKeyOf('Connector', connectorId, ['connectorId']), testId, after),
    },
  },
  ConnectorDeletePayload: {
    deletedId: (payload) => (payload.deletedId ? toGlobalId('Connector', payload.deletedId) : null),
  },
  ConnectionTestEvent: {
    connectorId: (event) => event.connectorId && toGlobalId('Connector', event.connectorId),
  },
  ConnectorStateEvent: {
    connectorId: (event) => toGlobalId('Connector', event.connectorId),
    state: (event) => event.state as never,
    previousState: (event) => event.previousState as never,
    connector: (event, _, ctx) => ctx.loaders.connectors.byId.load(event.connectorId),
  },
  Connector: {
    __resolveReference: (reference, ctx) =>
      ctx.loaders.connectors.byId.load(keyOf('Connector', reference.id, ['representations', 'id'])),
    id: (connector) => toGlobalId('Connector', connector.id),
    state: (connector) => connector.state as never,
    auth: (connector) => ({
      mode: connector.authMode as never,
      sourceMode: connector.sourceMode as never,
      accessKeyId: connector.accessKeyId ? maskAccessKeyId(connector.accessKeyId) : null,
      roleArn: connector.roleArn,
      externalId: connector.externalId,
      baseAccountId: connector.baseAccountId,
      roleSessionName: connector.roleSessionName,
      sessionDurationSeconds: connector.sessionDurationSeconds,
    }),
    scope: (connector) => {
      const scope = connector.scope as Record<string, unknown>;
      const list = (key: string) => (Array.isArray(scope[key]) ? (scope[key] as never[]) : []);
      return {
        dataTypes: list('dataTypes'),
        resourceTypes: list('resourceTypes'),
        workflowStatuses: list('workflowStatuses'),
        recordStates: list('recordStates'),
        severityLabels: list('severityLabels'),
        productNames: list('productNames'),
        awsFilters: scope.awsFilters ?? null,
        organizations: list('organizations'),
      };
    },
    schedule: (connector) => (connector.schedule as never) ?? null,
    nextRunAt: (connector, _, ctx) =>
      connector.enabled
        ? nextRunAt(settingsOf(connector).schedule, ctx.tenant.clock.now(), connector.createdAt)
        : null,
    defaultSeverity: (connector) => connector.defaultSeverity as never,
    lastTest: (connector) => (connector.lastTest as never) ?? null,
    transformMap: (connector, _, ctx) => ctx.loaders.transformMaps.byId.load(connector.transformMapKey),
    runs: (connector, args, ctx) => listRuns(ctx.db, ctx.tenantId, connector.id, args),
    activeRun: (connector, _, ctx) => ctx.loaders.runs.activeOf.load(connector.id),
  },
};
