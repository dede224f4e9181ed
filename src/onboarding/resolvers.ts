import type { Resolvers } from '../generated/graphql.ts';
import {
  awsSetupOfConnector,
  awsSetupOfPrepared,
  prepareConnector,
  preparedConnectorById,
  regeneratePreparedExternalId,
} from './service.ts';

export const onboardingResolvers: Resolvers = {
  Query: {
    preparedConnector: (_, { id }, ctx) => preparedConnectorById(ctx.tenant, id),
  },
  Mutation: {
    connectorPrepare: (_, { input }, ctx) => prepareConnector(ctx.tenant, input),
    preparedConnectorRegenerateExternalId: (_, { input }, ctx) =>
      regeneratePreparedExternalId(ctx.tenant, input),
  },
  PreparedConnector: {
    awsSetup: (prepared, _, ctx) => awsSetupOfPrepared(ctx.tenant, prepared),
  },
  Connector: {
    awsSetup: (connector, _, ctx) => awsSetupOfConnector(ctx.tenant, connector),
  },
};
