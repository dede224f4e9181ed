import type { Resolvers } from '../generated/graphql.ts';
import {
  cloneTransformMap,
  deleteTransformMap,
  listTransformMaps,
  previewTransform,
  updateTransformMap,
} from './service.ts';

export const transformMapResolvers: Resolvers = {
  Query: {
    transformMaps: (_, args, ctx) => listTransformMaps(ctx.tenant, args),
    transformMap: (_, { id }, ctx) => ctx.loaders.transformMaps.byId.load(id),
    transformPreview: (_, { mapId, finding, settings }, ctx) =>
      previewTransform(ctx.tenant, mapId, finding, settings),
  },
  Mutation: {
    transformMapClone: (_, { input }, ctx) => cloneTransformMap(ctx.tenant, input),
    transformMapUpdate: async (_, { input }, ctx) => {
      ctx.loaders.transformMaps.byId.clear(input.id);
      return updateTransformMap(ctx.tenant, input);
    },
    transformMapDelete: async (_, { input }, ctx) => {
      ctx.loaders.transformMaps.byId.clear(input.id);
      return deleteTransformMap(ctx.tenant, input);
    },
  },
  TransformMap: {
    __resolveReference: (reference, ctx) => ctx.loaders.transformMaps.byId.load(reference.id),
  },
  PreviewAsset: {
    tags: (asset) => Object.entries(asset.tags ?? {}).map(([key, value]) => ({ key, value })),
    internetExposed: (asset) => asset.internetExposed === true,
  },
};
