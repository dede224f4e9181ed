import type { Resolvers } from '../generated/graphql.ts';
import { keyOf, optionalKeyOf, toGlobalId } from '../global-id.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import type { ConnectorRunModel } from '../sync/model.ts';
import { runProgress } from '../sync/progress.ts';
import { cancelConnectorRun, runConnectorNow } from '../sync/service.ts';
import { runProgressEvents } from './run-subscriptions.ts';

/** A run's progress from its slices (loaded once per run per request). */
async function progressOf(run: ConnectorRunModel, ctx: GraphQLContext) {
  return runProgress(run, await ctx.loaders.runs.slices.load(run.id), ctx.tenant.clock.now());
}

const totals = (progress: Awaited<ReturnType<typeof progressOf>>) => ({
  pages: progress.pages,
  fetched: progress.fetched,
  created: progress.created,
  updated: progress.updated,
  unchanged: progress.unchanged,
  rejected: progress.rejected,
  resources: progress.resources,
  findingCountMismatches: progress.findingCountMismatches,
  throttled: progress.throttled,
  retries: progress.retries,
});

export const runResolvers: Resolvers = {
  Query: {
    run: (_, { id }, ctx) => ctx.loaders.runs.byId.load(keyOf('ConnectorRun', id, ['id'])),
  },
  Mutation: {
    connectorRunNow: async (_, { input }, ctx) => {
      const payload = await runConnectorNow(ctx.tenant, {
        ...input,
        id: keyOf('Connector', input.id, ['input', 'id']),
      });
      ctx.loaders.runs.activeOf.clearAll();
      return payload;
    },
    connectorRunCancel: async (_, { input }, ctx) => {
      const payload = await cancelConnectorRun(ctx.tenant, {
        runId: optionalKeyOf('ConnectorRun', input.runId, ['input', 'runId']),
        connectorId: optionalKeyOf('Connector', input.connectorId, ['input', 'connectorId']),
      });
      ctx.loaders.runs.activeOf.clearAll();
      return payload;
    },
  },
  Subscription: {
    connectorRunProgress: {
      subscribe: (_, { connectorId, after }, ctx) =>
        runProgressEvents(ctx, optionalKeyOf('Connector', connectorId, ['connectorId']), after),
    },
  },
  ConnectorRun: {
    id: (run) => toGlobalId('ConnectorRun', run.id),
    connector: async (run, _, ctx) => (await ctx.loaders.connectors.byId.load(run.connectorId))!,
    trigger: (run) => run.trigger as never,
    requestedMode: (run) => run.requestedMode as never,
    mode: (run) => run.mode as never,
    status: (run) => run.status as never,
    progress: async (run, _, ctx) => (await progressOf(run, ctx)).regions,
    totals: async (run, _, ctx) => totals(await progressOf(run, ctx)),
    findingsPerSecond: async (run, _, ctx) => (await progressOf(run, ctx)).findingsPerSecond,
    etaSeconds: async (run, _, ctx) => (await progressOf(run, ctx)).etaSeconds,
    durationMs: (run) =>
      run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
  },
  ConnectorRunProgressEvent: {
    connectorId: (event) => toGlobalId('Connector', event.connectorId),
    runId: (event) => toGlobalId('ConnectorRun', event.runId),
    status: (event) => event.status as never,
    mode: (event) => event.mode as never,
    totals: (event) => totals(event),
    run: (event, _, ctx) => ctx.loaders.runs.byId.load(event.runId),
  },
};
