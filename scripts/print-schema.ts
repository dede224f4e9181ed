import { printSubgraphSchema } from '@apollo/subgraph';
import { buildSchema } from '../src/graphql/schema.ts';

// `npm run schema:print`: the subgraph SDL as routers and composition tools see it (with @key etc.).
process.stdout.write(`${printSubgraphSchema(buildSchema())}\n`);
