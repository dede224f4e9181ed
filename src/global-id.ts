import { quoteInput, UserInputError } from './errors.ts';

// Relay global object ids. Every `Node` (Finding, Asset, Connector, ConnectorRun, TransformMap, Export)
// exposes `id` as base64url("<Type>:<key>"), where the key is what the database knows it by (a
// UUID, or a built-in transform map's key). `node(id:)` needs nothing else to find the object, and
// the same `id` is the federation `@key` other subgraphs hold.
//
// Inputs accept the global id or the bare key, so clients (and other subgraphs' stored references)
// made before global ids existed keep working. The two never collide: a UUID or a built-in map's key
// never decodes to "<Type>:…".

export const NODE_TYPES = [
  'Finding',
  'Asset',
  'Connector',
  'ConnectorRun',
  'TransformMap',
  'Export',
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export type ArgumentPath = readonly (string | number)[];

export function toGlobalId(type: NodeType, key: string): string {
  return Buffer.from(`${type}:${key}`, 'utf8').toString('base64url');
}

/** The type and key of a global id; undefined for anything else (a bare key, garbage). */
export function parseGlobalId(id: string): { type: NodeType; key: string } | undefined {
  if (id.length > 512 || !/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
  const decoded = Buffer.from(id, 'base64url').toString('utf8');
  const colon = decoded.indexOf(':');
  const type = decoded.slice(0, colon) as NodeType;
  const key = decoded.slice(colon + 1);
  if (colon <= 0 || key === '' || !NODE_TYPES.includes(type)) return undefined;
  // Only the canonical spelling: one object, one id (base64url has no second form without padding).
  return toGlobalId(type, key) === id ? { type, key } : undefined;
}

/**
 * The key of an object of `type` named by an input: a global id of that type or a bare key (which
 * then matches whatever it matches, usually nothing). A global id of another type is a mistake
 * worth naming rather than an empty answer.
 */
export function keyOf(type: NodeType, id: string, path: ArgumentPath): string {
  const parsed = parseGlobalId(id);
  if (!parsed) return id;
  if (parsed.type !== type) {
    throw new UserInputError(
      `${quoteInput(id)} is the id of ${article(parsed.type)}; ${article(type)} id is expected here.`,
      path,
    );
  }
  return parsed.key;
}

/** `keyOf` for an optional input. */
export function optionalKeyOf(type: NodeType, id: string | null | undefined, path: ArgumentPath) {
  return id == null ? id : keyOf(type, id, path);
}

/** "a Finding", "an Asset": the type with its article. */
export const article = (type: NodeType) => (/^[AEIOU]/.test(type) ? `an ${type}` : `a ${type}`);
