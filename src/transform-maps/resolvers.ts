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
    transformMaps: (_, args, ctx) => listTransformMaps(ctx, args),
    transformMap: (_, { id }, ctx) => ctx.loaders.transformMaps.byId.load(id),
    transformPreview: (_, { mapId, finding, settings }, ctx) =>
      previewTransform(ctx, mapId, finding, settings),
  },
  Mutation: {
    transformMapClone: (_, { input }, ctx) => cloneTransformMap(ctx, input),
    transformMapUpdate: (_, { input }, ctx) => updateTransformMap(ctx, input),
    transformMapDelete: (_, { input }, ctx) => deleteTransformMap(ctx, input),
  },
  TransformMap: {
    __resolveReference: (reference, ctx) => ctx.loaders.transformMaps.byId.load(reference.id),
  },
  PreviewAsset: {
    tags: (asset) => Object.entries(asset.tags ?? {}).map(([key, value]) => ({ key, value })),
    internetExposed: (asset) => asset.internetExposed === true,
  },
};
