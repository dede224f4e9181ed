import type { Resolvers } from '../generated/graphql.ts';
import { listTransformMaps } from './service.ts';

export const transformMapResolvers: Resolvers = {
  Query: {
    transformMaps: (_, args, ctx) => listTransformMaps(ctx, args),
    transformMap: (_, { id }, ctx) => ctx.loaders.transformMaps.byId.load(id),
  },
  TransformMap: {
    __resolveReference: (reference, ctx) => ctx.loaders.transformMaps.byId.load(reference.id),
  },
};
