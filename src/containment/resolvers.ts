import type { Resolvers } from '../generated/graphql.ts';
import { parseGlobalId } from '../global-id.ts';
import type { ContainmentChangeModel } from './model.ts';
import { listContainmentActions } from './queries.ts';
import { ipAllow, ipBlock, PROTOCOL_OF_NUMBER } from './service.ts';

export const containmentResolvers: Resolvers = {
  Mutation: {
    ipBlock: (_, { input }, ctx) => ipBlock(ctx.tenant, input, ctx.subject ?? null),
    ipAllow: (_, { input }, ctx) => ipAllow(ctx.tenant, input, ctx.subject ?? null),
  },
  Query: {
    containmentActions: (_, { findingId, ...page }, ctx) => {
      const parsed = findingId ? parseGlobalId(findingId) : undefined;
      const key = parsed?.type === 'Finding' ? parsed.key : (findingId ?? undefined);
      return listContainmentActions(ctx.tenant.db, ctx.tenantId, page, key);
    },
  },
  Finding: {
    containmentActions: (finding, page, ctx) =>
      listContainmentActions(ctx.tenant.db, ctx.tenantId, page, finding.id),
  },
  ContainmentActionConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
  ContainmentAction: {
    accountId: (action) => action.awsAccountId,
    protocol: (action) => PROTOCOL_OF_NUMBER[action.protocol] ?? 'ALL',
    changes: (action) => action.changes as unknown as ContainmentChangeModel[],
    finding: (action, _, ctx) => (action.findingId ? ctx.loaders.findings.byId.load(action.findingId) : null),
    connector: (action, _, ctx) =>
      action.connectorId ? ctx.loaders.connectors.byId.load(action.connectorId) : null,
  },
};
