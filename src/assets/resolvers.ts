import { UserInputError } from '../errors.ts';
import type { Resolvers } from '../generated/graphql.ts';
import { keyOf, toGlobalId } from '../global-id.ts';
import { assetDetails } from './details.ts';
import { DEFAULT_ASSET_CRITICALITY } from './model.ts';
import { riskBand } from './risk-bands.ts';
import { searchAssets, setCriticality } from './service.ts';

export const assetResolvers: Resolvers = {
  Query: {
    assets: (_, args, ctx) => searchAssets(ctx.tenant, args),
    asset: (_, { id }, ctx) => ctx.loaders.assets.byId.load(keyOf('Asset', id, ['id'])),
  },
  Mutation: {
    assetSetCriticality: async (_, { input }, ctx) => {
      const id = keyOf('Asset', input.id, ['input', 'id']);
      const payload = await setCriticality(ctx.tenant, { ...input, id });
      ctx.loaders.assets.byId.clear(id);
      return payload;
    },
  },
  Asset: {
    // Either key: `id`, or `resourceArn` (batched per request by the loaders). A `resourceArn`
    // that is not an ARN resolves to null: the same Id may be one asset per account, Region and type.
    __resolveReference: (reference: { id?: string; resourceArn?: string }, ctx) => {
      if (reference.id !== undefined)
        return ctx.loaders.assets.byId.load(keyOf('Asset', reference.id, ['representations', 'id']));
      if (reference.resourceArn !== undefined) return ctx.loaders.assets.byArn.load(reference.resourceArn);
      throw new UserInputError('An Asset reference needs `id` or `resourceArn`.', ['representations']);
    },
    id: (asset) => toGlobalId('Asset', asset.id),
    ec2Instance: (asset) => assetDetails(asset).ec2Instance,
    containerImage: (asset) => assetDetails(asset).containerImage,
    lambdaFunction: (asset) => assetDetails(asset).lambdaFunction,
    tags: (asset) => Object.entries(asset.tags ?? {}).map(([key, value]) => ({ key, value: String(value) })),
    criticality: (asset) => asset.criticality ?? DEFAULT_ASSET_CRITICALITY,
    criticalitySource: (asset) => asset.criticalitySource as never,
    riskBand: (asset) => riskBand(asset.riskScore),
    findingCounts: (asset, _, ctx) => ctx.loaders.findings.severityCounts.load(asset.id),
    findings: (asset, args, ctx) => ctx.loaders.findings.forAsset(args).load(asset.id),
    securityHubFindingCount: (asset) =>
      asset.securityHubFindingCounts
        ? Object.values(asset.securityHubFindingCounts).reduce((sum, count) => sum + count, 0)
        : null,
    connector: (asset, _, ctx) =>
      asset.connectorId ? ctx.loaders.connectors.byId.load(asset.connectorId) : null,
  },
};
