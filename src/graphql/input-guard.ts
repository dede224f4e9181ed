import { type DocumentNode, GraphQLError, visit } from 'graphql';
import { ErrorCode } from '../errors.ts';

// Input PostgreSQL cannot store is refused at the door, for every operation and transport alike:
// a NUL character in any string (text and jsonb refuse it) would otherwise surface as a database
// error deep inside a resolver.

/** Where in the operation a string holds a NUL character, or undefined when none does. */
export function nulCharacterAt(document: DocumentNode, variables: unknown): string | undefined {
  const inVariables = nulIn(variables, 'variables');
  if (inVariables) return inVariables;
  let found: string | undefined;
  visit(document, {
    StringValue(node) {
      if (found === undefined && node.value.includes('\u0000'))
        found = `the document (line ${node.loc?.startToken.line ?? '?'})`;
    },
  });
  return found;
}

function nulIn(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulIn(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) return `${path} (a key)`;
      const found = nulIn(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/** The refusal for a NUL character: a 400 that says where. */
export function nulCharacterError(where: string): GraphQLError {
  return new GraphQLError(
    `Text may not contain the NUL character (\\u0000), which cannot be stored: remove it from ${where}.`,
    { extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } } },
  );
}
