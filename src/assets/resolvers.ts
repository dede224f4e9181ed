import type { Resolvers } from '../generated/graphql.ts';
import { assetDetails } from './details.ts';
import { DEFAULT_ASSET_CRITICALITY } from './model.ts';
import { riskBand } from './risk-bands.ts';
import { assetByReference, searchAssets, setCriticality } from './service.ts';

export const assetResolvers: Resolvers = {
  Query: {
    assets: (_, args, ctx) => searchAssets(ctx, args),
    asset: (_, { id }, ctx) => ctx.loaders.assets.byId.load(id),
  },
  Mutation: {
    assetSetCriticality: (_, { input }, ctx) => setCriticality(ctx, input),
  },
  Asset: {
    __resolveReference: (reference, ctx) => assetByReference(ctx, reference),
    ec2Instance: (asset) => assetDetails(asset).ec2Instance,
    containerImage: (asset) => assetDetails(asset).containerImage,
    lambdaFunction: (asset) => assetDetails(asset).lambdaFunction,
    tags: (asset) => Object.entries(asset.tags ?? {}).map(([key, value]) => ({ key, value: String(value) })),
    criticality: (asset) => asset.criticality ?? DEFAULT_ASSET_CRITICALITY,
    criticalitySource: (asset) => asset.criticalitySource as never,
    riskBand: (asset) => riskBand(asset.riskScore),
    findingCounts: (asset, _, ctx) => ctx.loaders.findings.severityCounts.load(asset.id),
    findings: (asset, args, ctx) => ctx.loaders.findings.forAsset(args).load(asset.id),
    connector: (asset, _, ctx) =>
      asset.connectorId ? ctx.loaders.connectors.byId.load(asset.connectorId) : null,
  },
};
