import * as securityHub from '@aws-sdk/client-securityhub';

// The shape of an ASFF finding, read from the Security Hub SDK's own schema (the same one it uses
// on the wire), so path validation and type checks cover every field AWS defines — none typed by hand.

export type Shape =
  | { kind: 'string' | 'number' | 'boolean' | 'timestamp' | 'document' | 'any' }
  | { kind: 'list'; member: () => Shape }
  | { kind: 'map'; value: () => Shape }
  | {
      kind: 'structure';
      name: string;
      members: ReadonlyMap<string, () => Shape>;
      required: readonly string[];
    };

type SchemaRef = number | unknown[] | (() => unknown);

const SIMPLE: Record<number, Shape> = {
  0: { kind: 'string' },
  1: { kind: 'number' },
  2: { kind: 'boolean' },
  4: { kind: 'timestamp' },
  15: { kind: 'document' },
};
const ANY: Shape = { kind: 'any' };
const cache = new Map<unknown, Shape>();

/** Smithy's runtime schema: structures [3, ns, name, traits, names, schemas, requiredCount], lists [1, …, member], maps [2, …, key, value]; numbers are simple types, 64 = list of, 128 = map of. */
function toShape(reference: SchemaRef): Shape {
  const schema = typeof reference === 'function' ? reference() : reference;
  if (typeof schema === 'number') {
    if (schema & 64) return { kind: 'list', member: () => SIMPLE[schema & 63] ?? ANY };
    if (schema & 128) return { kind: 'map', value: () => SIMPLE[schema & 63] ?? ANY };
    return SIMPLE[schema] ?? ANY;
  }
  if (!Array.isArray(schema)) return ANY;
  const cached = cache.get(schema);
  if (cached) return cached;
  let shape: Shape;
  switch (schema[0]) {
    case 1:
      shape = { kind: 'list', member: memo(() => toShape(schema[4] as SchemaRef)) };
      break;
    case 2:
      shape = { kind: 'map', value: memo(() => toShape(schema[5] as SchemaRef)) };
      break;
    case 3: {
      const names = schema[4] as string[];
      const schemas = schema[5] as SchemaRef[];
      const requiredCount = typeof schema[6] === 'number' ? schema[6] : 0;
      shape = {
        kind: 'structure',
        name: String(schema[2]),
        members: new Map(names.map((name, index) => [name, memo(() => toShape(schemas[index]!))])),
        required: names.slice(0, requiredCount),
      };
      break;
    }
    default:
      shape = ANY;
  }
  cache.set(schema, shape);
  return shape;
}

function memo<T>(compute: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= compute();
    return value;
  };
}

const schemas = securityHub as unknown as Record<string, unknown[]>;

/** The ASFF finding (`AwsSecurityFinding`), root of every source path. */
export const ASFF_FINDING_SHAPE: Shape = toShape(schemas.AwsSecurityFinding$!);
