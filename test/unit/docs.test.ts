import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { type DocumentNode, type GraphQLSchema, isExecutableDefinitionNode, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/graphql/schema.ts';

// The docs keep up with the code: every environment variable src/config.ts reads is named in the
// README or docs/, every relative link in them leads to a file of the repository (a clone has
// nothing outside it), and every GraphQL operation in them is one the schema accepts.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.md'))
    .map((file) => join('docs', file));
  return ['README.md', 'TESTING.md', 'BENCHMARKS.md', ...docs].filter((file) => existsSync(join(ROOT, file)));
}

/** The variables of the zod schema over process.env: the keys of `envSchema = z.object({ … })`. */
function configVariables(source: string): string[] {
  const start = source.indexOf('const envSchema = z');
  const end = source.indexOf('.superRefine(', start);
  if (start < 0 || end < 0)
    throw new Error('src/config.ts no longer has `const envSchema = z.object({…}).superRefine(`');
  return [...source.slice(start, end).matchAll(/^ {4}([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1]!);
}

function undocumented(variables: string[], docs: string): string[] {
  return variables.filter((name) => !new RegExp(`(^|[^A-Z0-9_])${name}([^A-Z0-9_]|$)`).test(docs));
}

describe('environment variables', () => {
  const variables = configVariables(read('src/config.ts'));
  const docs = markdownFiles()
    .filter((file) => file === 'README.md' || file.startsWith('docs'))
    .map(read)
    .join('\n');

  it('are read from src/config.ts (the parser still finds them)', () => {
    expect(variables.length).toBeGreaterThan(30);
    expect(variables).toEqual(
      expect.arrayContaining(['NODE_ENV', 'PORT', 'HUBGRAPH_AWS_CA_BUNDLE', 'HUBGRAPH_JOB_QUEUE']),
    );
  });

  it('are each named in the README or docs/', () => {
    expect(undocumented(variables, docs)).toEqual([]);
  });

  it('a variable the docs do not name is reported (the check is real)', () => {
    const source = read('src/config.ts').replace(
      '    PORT:',
      '    HUBGRAPH_NOT_DOCUMENTED: z.string().optional(),\n    PORT:',
    );
    expect(undocumented(configVariables(source), docs)).toEqual(['HUBGRAPH_NOT_DOCUMENTED']);
  });

  it('the README says NODE_ENV=production switches the production checks on, and names HUBGRAPH_AWS_CA_BUNDLE', () => {
    const readme = read('README.md');
    expect(readme).toMatch(/NODE_ENV=production`?:? it\s+switches the production checks on/);
    expect(readme).toContain('`HUBGRAPH_AWS_CA_BUNDLE`');
  });
});

describe('commands', () => {
  it('every `npm run <script>` in the README and docs is a script of package.json', () => {
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: object }).scripts);
    const named = markdownFiles().flatMap((file) =>
      [...read(file).matchAll(/npm run ([a-z][\w:-]*[\w])/g)].map((match) => `${file}: ${match[1]}`),
    );
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter((entry) => !scripts.includes(entry.split(': ')[1]!))).toEqual([]);
  });
});

describe('links', () => {
  it('every relative link or quoted ./ ../ path in the README and docs/ leads to a file of the repository', () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      const text = read(file);
      const targets = [
        ...[...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!),
        ...[...text.matchAll(/`(\.\.?\/[^`\s]+)`/g)].map((match) => match[1]!),
      ];
      for (const target of targets) {
        if (/^(https?:|mailto:|#)/.test(target)) continue;
        const path = join(ROOT, dirname(file), target.split('#')[0]!);
        if (!existsSync(path) || relative(ROOT, path).startsWith('..')) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('the supergraph guide', () => {
  it("forwards the Authorization header in router.yaml, and says that Hubgraph's _service needs a JWT", () => {
    expect(read('docs/supergraph/router.yaml')).toMatch(/propagate:\s*\n\s*named: authorization/);
    expect(read('docs/supergraph/supergraph.yaml')).toMatch(
      /introspection_headers:\s*\n\s*Authorization: Bearer/,
    );
    expect(read('docs/supergraph.md')).toMatch(/`_service` needs a JWT/);
    expect(read('docs/supergraph.md')).toContain(
      'rover supergraph compose --config docs/supergraph/supergraph.yaml',
    );
  });
});

/** Each ```graphql block of the README and docs/, with where it starts. */
function graphqlBlocks(): { at: string; file: string; text: string }[] {
  return markdownFiles()
    .filter((file) => file === 'README.md' || file.startsWith('docs'))
    .flatMap((file) => {
      const text = read(file);
      return [...text.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => ({
        at: `${file}:${text.slice(0, match.index).split('\n').length}`,
        file,
        text: match[1]!,
      }));
    });
}

/** The operations of a block (a block may also show schema, e.g. another subgraph's types). */
function operationsOf(document: DocumentNode): DocumentNode {
  return { ...document, definitions: document.definitions.filter(isExecutableDefinitionNode) };
}

describe('GraphQL in the README and docs/', () => {
  // What a reader pastes into GraphiQL or sends through the router. The supergraph guide's queries
  // are for the supergraph it composes: Hubgraph beside the companion subgraph of tickets.graphql.
  const hubgraph = buildSchema();
  const composed = composeServices([
    { name: 'hubgraph', typeDefs: parse(printSubgraphSchema(hubgraph)), url: 'http://hubgraph' },
    { name: 'tickets', typeDefs: parse(read('docs/supergraph/tickets.graphql')), url: 'http://tickets' },
  ]);
  if (composed.errors) throw composed.errors[0];
  const supergraph = composed.schema.toAPISchema().toGraphQLJSSchema();
  const schemaFor = (file: string): GraphQLSchema => (file === 'docs/supergraph.md' ? supergraph : hubgraph);
  const blocks = graphqlBlocks();

  it('are found (the check is real)', () => {
    expect(blocks.length).toBeGreaterThan(15);
    const wrong = parse('{ findings(first: 5) { nodes { noSuchField } } }');
    expect(validate(hubgraph, wrong)).not.toEqual([]);
  });

  for (const block of blocks) {
    it(`${block.at} parses, and its operations validate`, () => {
      const document = parse(block.text);
      expect(document.definitions.length).toBeGreaterThan(0);
      const errors = validate(schemaFor(block.file), operationsOf(document));
      expect(errors.map((error) => error.message)).toEqual([]);
    });
  }
});
