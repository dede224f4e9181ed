import type { Resolvers } from '../generated/graphql.ts';
import { keyOf, optionalKeyOf, toGlobalId } from '../global-id.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import type { ExportModel } from './model.ts';
import { listExports, listFailedFindings, regionCountsOf } from './queries.ts';
import { DEFAULT_EXPORT_SETTINGS, exportFindings } from './service.ts';
import { findingsExportProgress } from './subscriptions.ts';

const countsOf = (record: ExportModel, ctx: GraphQLContext) => ctx.loaders.exports.counts.load(record.id);

export const exportResolvers: Resolvers = {
  Query: {
    export: (_, { id }, ctx) => ctx.loaders.exports.byId.load(keyOf('Export', id, ['id'])),
    exports: (_, { connectorId, ...args }, ctx) =>
      listExports(
        ctx.db,
        ctx.tenantId,
        optionalKeyOf('Connector', connectorId, ['connectorId']) ?? undefined,
        args,
      ),
  },
  Mutation: {
    findingsExport: async (_, { input }, ctx) => {
      const payload = await exportFindings(
        ctx.tenant,
        { ...input, connectorId: keyOf('Connector', input.connectorId, ['input', 'connectorId']) },
        ctx.subject ?? null,
        // The job that resumes it waits as long as the workers do before taking an idle export over.
        { ...DEFAULT_EXPORT_SETTINGS, resumeAfterIdleMs: ctx.app.config.export.resumeAfterSeconds * 1000 },
      );
      ctx.loaders.exports.counts.clearAll();
      return payload;
    },
  },
  Subscription: {
    findingsExportProgress: {
      subscribe: (_, { exportId, after }, ctx) =>
        findingsExportProgress(ctx, keyOf('Export', exportId, ['exportId']), after),
    },
  },
  Connector: {
    exports: (connector, args, ctx) => listExports(ctx.db, ctx.tenantId, connector.id, args),
  },
  Export: {
    id: (record) => toGlobalId('Export', record.id),
    connector: async (record, _, ctx) => (await ctx.loaders.connectors.byId.load(record.connectorId))!,
    status: async (record, _, ctx) => {
      if (record.status !== 'DONE') return 'IN_PROGRESS';
      const counts = await countsOf(record, ctx);
      if (counts.failedCount === 0) return 'SUCCEEDED';
      return counts.succeededCount === 0 ? 'FAILED' : 'PARTIALLY_SUCCEEDED';
    },
    totalCount: async (record, _, ctx) => (await countsOf(record, ctx)).totalCount,
    succeededCount: async (record, _, ctx) => (await countsOf(record, ctx)).succeededCount,
    failedCount: async (record, _, ctx) => (await countsOf(record, ctx)).failedCount,
    pendingCount: async (record, _, ctx) => (await countsOf(record, ctx)).pendingCount,
    archivedCount: async (record, _, ctx) => (await countsOf(record, ctx)).archivedCount,
    regions: async (record, _, ctx) => {
      const routed = await regionCountsOf(ctx.db, record.id);
      const known = new Map(record.regions.map((state) => [state.region, state]));
      return [...new Set([...known.keys(), ...routed.keys()])].sort().map((region) => ({
        region,
        accepted: known.get(region)?.accepted ?? null,
        reason: known.get(region)?.reason ?? null,
        findingCount: routed.get(region) ?? 0,
      }));
    },
    failedFindings: (record, args, ctx) => listFailedFindings(ctx.db, ctx.tenantId, record.id, args),
  },
  ExportConnection: { totalCount: (connection) => connection.totalCount() },
  ExportFailedFindingConnection: { totalCount: (connection) => connection.totalCount() },
  ExportFailedFinding: {
    finding: (failed, _, ctx) => (failed.findingId ? ctx.loaders.findings.byId.load(failed.findingId) : null),
  },
  FindingsExportProgressEvent: {
    exportId: (event) => toGlobalId('Export', event.exportId),
    export: (event, _, ctx) => ctx.loaders.exports.byId.load(event.exportId),
  },
};
