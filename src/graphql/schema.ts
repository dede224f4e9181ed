import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { type DocumentNode, type GraphQLSchema, parse } from 'graphql';
import { allResolvers } from './resolvers.ts';

const SCHEMA_DIR = fileURLToPath(new URL('../../schema', import.meta.url));

/** schema/*.graphql as one document: the single source of truth for the API. */
export function loadTypeDefs(): DocumentNode {
  const files = readdirSync(SCHEMA_DIR)
    .filter((file) => file.endsWith('.graphql'))
    .sort();
  return parse(files.map((file) => readFileSync(`${SCHEMA_DIR}/${file}`, 'utf8')).join('\n'));
}

export function buildSchema(): GraphQLSchema {
  return buildSubgraphSchema([
    { typeDefs: loadTypeDefs(), resolvers: allResolvers() as GraphQLResolverMap<unknown> },
  ]);
}
