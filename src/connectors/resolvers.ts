import type { Resolvers } from '../generated/graphql.ts';
import { maskAccessKeyId } from './masking.ts';
import { listConnectors, listRuns } from './queries.ts';
import {
  createConnector,
  deleteConnector,
  regenerateExternalId,
  setConnectorEnabled,
  testConnector,
  updateConnector,
} from './service.ts';
import { connectionTestProgress, connectorStateChanges } from './subscriptions.ts';

export const connectorResolvers: Resolvers = {
  Query: {
    connectors: (_, args, ctx) => listConnectors(ctx.db, ctx.tenantId, args),
    connector: (_, { id }, ctx) => ctx.loaders.connectors.byId.load(id),
  },
  Mutation: {
    connectorCreate: (_, { input }, ctx) => createConnector(ctx, input),
    connectorUpdate: (_, { input }, ctx) => updateConnector(ctx, input),
    connectorDelete: (_, { input }, ctx) => deleteConnector(ctx, input),
    connectorSetEnabled: (_, { input }, ctx) => setConnectorEnabled(ctx, input),
    connectorTest: (_, { input }, ctx) => testConnector(ctx, input),
    connectorRegenerateExternalId: (_, { input }, ctx) => regenerateExternalId(ctx, input),
  },
  Subscription: {
    connectorStateChanged: {
      subscribe: (_, { connectorId, after }, ctx) => connectorStateChanges(ctx, connectorId, after),
    },
    connectorTestProgress: {
      subscribe: (_, { connectorId, testId, after }, ctx) =>
        connectionTestProgress(ctx, connectorId, testId, after),
    },
  },
  ConnectorStateEvent: {
    state: (event) => event.state as never,
    previousState: (event) => event.previousState as never,
    connector: (event, _, ctx) => ctx.loaders.connectors.byId.load(event.connectorId),
  },
  Connector: {
    __resolveReference: (reference, ctx) => ctx.loaders.connectors.byId.load(reference.id),
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
      };
    },
    schedule: (connector) => (connector.schedule as never) ?? null,
    defaultSeverity: (connector) => connector.defaultSeverity as never,
    lastTest: (connector) => (connector.lastTest as never) ?? null,
    transformMap: (connector, _, ctx) => ctx.loaders.transformMaps.byId.load(connector.transformMapKey),
    runs: (connector, args, ctx) => listRuns(ctx.db, ctx.tenantId, connector.id, args),
  },
  ConnectorRun: {
    connector: async (run, _, ctx) => (await ctx.loaders.connectors.byId.load(run.connectorId))!,
    trigger: (run) => run.trigger as never,
    status: (run) => run.status as never,
    progress: async (run, _, ctx) =>
      (await ctx.loaders.connectors.checkpointsByRun.load(run.id)).map((checkpoint) => {
        const counts = checkpoint.counts;
        return {
          accountId: checkpoint.accountId || null,
          region: checkpoint.region,
          pages: checkpoint.pages,
          fetched: counts.fetched ?? 0,
          created: counts.created ?? 0,
          updated: counts.updated ?? 0,
          unchanged: counts.unchanged ?? 0,
          rejected: counts.rejected ?? 0,
          throttled: counts.throttled ?? 0,
          done: checkpoint.done,
        };
      }),
  },
};
