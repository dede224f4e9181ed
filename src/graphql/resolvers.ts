import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { assetResolvers } from '../assets/resolvers.ts';
import { connectorResolvers } from '../connectors/resolvers.ts';
import { runResolvers } from '../connectors/run-resolvers.ts';
import { containmentResolvers } from '../containment/resolvers.ts';
import { exportResolvers } from '../export/resolvers.ts';
import { findingResolvers } from '../findings/resolvers.ts';
import type { Resolvers } from '../generated/graphql.ts';
import { toGlobalId } from '../global-id.ts';
import { onboardingResolvers } from '../onboarding/resolvers.ts';
import { transformMapResolvers } from '../transform-maps/resolvers.ts';
import { writeBackResolvers } from '../writeback/resolvers.ts';
import { nodeResolvers } from './node.ts';

const lazy = <T>(value: T | (() => Promise<T>)) =>
  typeof value === 'function' ? (value as () => Promise<T>)() : value;

/** What every connection type shares: lazily computed counts and page edges. */
const connection = { totalCount: (parent: { totalCount: () => Promise<number> }) => parent.totalCount() };

const commonResolvers: Resolvers = {
  DateTime: DateTimeResolver,
  JSON: JSONResolver,
  Query: {
    viewer: (_, __, ctx) => ({ tenantId: ctx.tenantId, devMode: ctx.devMode }),
  },
  PageInfo: {
    hasNextPage: (pageInfo) => lazy(pageInfo.hasNextPage),
    hasPreviousPage: (pageInfo) => lazy(pageInfo.hasPreviousPage),
  },
  FindingConnection: connection,
  AssetConnection: connection,
  ConnectorConnection: connection,
  ConnectorRunConnection: connection,
  TransformMapConnection: connection,
  FindingChangeEvent: {
    findingId: (event) => toGlobalId('Finding', event.findingId),
    finding: (event, _, ctx) => ctx.loaders.findings.byId.load(event.findingId),
  },
};

/** Resolver maps of every domain, merged per type. */
export function allResolvers(): Resolvers {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const resolvers of [
    commonResolvers,
    nodeResolvers,
    findingResolvers,
    assetResolvers,
    connectorResolvers,
    onboardingResolvers,
    runResolvers,
    transformMapResolvers,
    writeBackResolvers,
    exportResolvers,
    containmentResolvers,
  ]) {
    for (const [typeName, fields] of Object.entries(resolvers)) {
      merged[typeName] = Object.assign(merged[typeName] ?? {}, fields);
    }
  }
  return merged as Resolvers;
}
