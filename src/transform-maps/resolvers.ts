import type { Resolvers } from '../generated/graphql.ts';
import { keyOf, toGlobalId } from '../global-id.ts';
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
    transformMap: (_, { id }, ctx) => ctx.loaders.transformMaps.byId.load(keyOf('TransformMap', id, ['id'])),
    transformPreview: (_, { mapId, finding, settings }, ctx) =>
      previewTransform(ctx.tenant, keyOf('TransformMap', mapId, ['mapId']), finding, settings),
  },
  Mutation: {
    transformMapClone: (_, { input }, ctx) =>
      cloneTransformMap(ctx.tenant, { ...input, id: keyOf('TransformMap', input.id, ['input', 'id']) }),
    transformMapUpdate: async (_, { input }, ctx) => {
      const id = keyOf('TransformMap', input.id, ['input', 'id']);
      ctx.loaders.transformMaps.byId.clear(id);
      return updateTransformMap(ctx.tenant, { ...input, id });
    },
    transformMapDelete: async (_, { input }, ctx) => {
      const id = keyOf('TransformMap', input.id, ['input', 'id']);
      ctx.loaders.transformMaps.byId.clear(id);
      return deleteTransformMap(ctx.tenant, { ...input, id });
    },
  },
  TransformMapDeletePayload: {
    deletedId: (payload) => (payload.deletedId ? toGlobalId('TransformMap', payload.deletedId) : null),
  },
  TransformMap: {
    __resolveReference: (reference, ctx) =>
      ctx.loaders.transformMaps.byId.load(keyOf('TransformMap', reference.id, ['representations', 'id'])),
    id: (map) => toGlobalId('TransformMap', map.id),
  },
  PreviewAsset: {
    tags: (asset) => Object.entries(asset.tags ?? {}).map(([key, value]) => ({ key, value })),
    internetExposed: (asset) => asset.internetExposed === true,
  },
};
