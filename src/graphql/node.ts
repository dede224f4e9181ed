import { UserInputError } from '../errors.ts';
import type { Resolvers } from '../generated/graphql.ts';
import { type NodeType, parseGlobalId } from '../global-id.ts';
import type { GraphQLContext } from './context.ts';

// Relay's `node(id:)` and `nodes(ids:)`: the global id names the type, the type names the loader.
// The loaders are the request's own (tenant-scoped, batched): `nodes` over 50 findings is one
// statement, and another tenant's id finds nothing, exactly like `finding(id:)`.

const MAX_NODES = 100;

/** Which type each object returned as a `Node` is (the models themselves do not say). */
const typeOfNode = new WeakMap<object, NodeType>();

function parseNodeId(id: string, path: readonly (string | number)[]) {
  const parsed = parseGlobalId(id);
  if (!parsed) {
    throw new UserInputError(
      `"${id}" is not a global id: pass the \`id\` of a Finding, Asset, Connector, ConnectorRun, TransformMap or Export as this API returned it.`,
      path,
    );
  }
  return parsed;
}

async function loadNode(ctx: GraphQLContext, { type, key }: { type: NodeType; key: string }) {
  const { loaders } = ctx;
  const load = {
    Finding: () => loaders.findings.byId.load(key),
    Asset: () => loaders.assets.byId.load(key),
    Connector: () => loaders.connectors.byId.load(key),
    ConnectorRun: () => loaders.runs.byId.load(key),
    TransformMap: () => loaders.transformMaps.byId.load(key),
    Export: () => loaders.exports.byId.load(key),
  }[type];
  const node = await load();
  if (node) typeOfNode.set(node, type);
  return node;
}

export const nodeResolvers: Resolvers = {
  Query: {
    node: (_, { id }, ctx) => loadNode(ctx, parseNodeId(id, ['id'])),
    nodes: (_, { ids }, ctx) => {
      if (ids.length > MAX_NODES) {
        throw new UserInputError(`At most ${MAX_NODES} ids per request; got ${ids.length}.`, ['ids']);
      }
      // Every id is checked before any is loaded: a malformed one fails the field as a whole.
      const parsed = ids.map((id, index) => parseNodeId(id, ['ids', index]));
      return Promise.all(parsed.map((node) => loadNode(ctx, node)));
    },
  },
  Node: {
    __resolveType: (node) => typeOfNode.get(node)!,
  },
};
