import { ASFF_FINDING_SHAPE, type Shape } from './asff-shape.ts';

// The source path language of transform maps: a small, compiled subset of JSONPath over ASFF (or,
// for OCSF maps, over OCSF: `finding_info.title`, `resources[0].uid_alt`), so a map reads like the
// format's documentation and runs at tens of thousands of findings per second.
//
//   Title                                   a field
//   Severity.Label                          a nested field
//   Resources[0].Id                         an element (Resources[-1]: the last one)
//   Resources[*].Id                         every element (the result is a list)
//   Vulnerabilities[*].Cvss[Version=3.1]    elements whose field equals a value (a list)
//   ProductFields["aws/securityhub/FindingId"]   a key of a map (quotes for keys with / or .)
//
// Each path is checked against the ASFF shape when a map is saved, and knows the type it yields.

export type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'where'; field: string; value: string }
  | { kind: 'key'; key: string };

export interface ValueType {
  /** string, number, boolean, list, map, structure, any */
  kind: string;
  /** The structure's name (e.g. Vulnerability), for messages. */
  name?: string;
  /** True when the path fans out ([*] or [Field=value]): the value is a list of these. */
  many: boolean;
  shape: Shape;
}

export interface CompiledPath {
  source: string;
  steps: Step[];
  type: ValueType;
  read(finding: unknown): unknown;
}

export class PathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathError';
  }
}

export function parsePath(source: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new PathError(`${what} at position ${i + 1} of \`${source}\``);
  };
  const readName = () => {
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
    if (!match) fail('expected a field name');
    i += match![0].length;
    return match![0];
  };
  if (source.trim() === '') throw new PathError('the path is empty');
  steps.push({ kind: 'field', name: readName() });
  while (i < source.length) {
    const char = source[i];
    if (char === '.') {
      i++;
      steps.push({ kind: 'field', name: readName() });
    } else if (char === '[') {
      const close = findClose(source, i);
      if (close < 0) fail('unclosed [');
      const inner = source.slice(i + 1, close).trim();
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^"(?:[^"\\]|\\.)*"$/.test(inner)) steps.push({ kind: 'key', key: unquote(inner, fail) });
      else {
        const where = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\]"]+))$/.exec(inner);
        if (!where) fail(`\`[${inner}]\` is not [n], [*], ["key"] or [Field=value]`);
        steps.push({
          kind: 'where',
          field: where![1]!,
          value: where![2] !== undefined ? unquote(`"${where![2]}"`, fail) : where![3]!.trim(),
        });
      }
      i = close + 1;
    } else {
      fail(`unexpected \`${char}\``);
    }
  }
  return steps;
}

/** A quoted key or value, read as a JSON string: an escape JSON does not know is the map's mistake. */
function unquote(quoted: string, fail: (what: string) => never): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return fail(`${quoted} is not a valid quoted text (escapes are JSON's: \\" \\\\ \\n \\uXXXX)`);
  }
}

function findClose(source: string, open: number): number {
  let quoted = false;
  for (let i = open + 1; i < source.length; i++) {
    const char = source[i];
    if (char === '\\' && quoted) i++;
    else if (char === '"') quoted = !quoted;
    else if (char === ']' && !quoted) return i;
  }
  return -1;
}

/** Checks every step against the document's shape (ASFF unless given) and returns the type the path yields. */
export function typeOfPath(steps: Step[], source: string, root: Shape = ASFF_FINDING_SHAPE): ValueType {
  let shape = root;
  let many = false;
  for (const step of steps) {
    switch (step.kind) {
      case 'field': {
        if (shape.kind === 'any' || shape.kind === 'document') return { kind: 'any', many, shape };
        if (shape.kind !== 'structure')
          throw new PathError(
            `\`${source}\`: .${step.name} is read from a ${shape.kind}, which has no fields`,
          );
        const member = shape.members.get(step.name);
        if (!member) {
          const close = [...shape.members.keys()].filter(
            (name) => name.toLowerCase() === step.name.toLowerCase(),
          );
          throw new PathError(
            `\`${source}\`: ${shape.name} has no field ${step.name}${close.length ? ` (did you mean ${close[0]}?)` : ''}`,
          );
        }
        shape = member();
        break;
      }
      case 'index':
      case 'all':
      case 'where': {
        if (shape.kind !== 'list')
          throw new PathError(
            `\`${source}\`: [${describeStep(step)}] needs a list, but this is a ${shape.kind}`,
          );
        const member = shape.member();
        if (step.kind === 'where') {
          if (member.kind !== 'structure' || !member.members.has(step.field)) {
            throw new PathError(`\`${source}\`: the list's elements have no field ${step.field} to compare`);
          }
        }
        if (step.kind !== 'index') many = true;
        shape = member;
        break;
      }
      case 'key':
        if (shape.kind !== 'map')
          throw new PathError(`\`${source}\`: ["${step.key}"] needs a map, but this is a ${shape.kind}`);
        shape = shape.value();
        break;
    }
  }
  return {
    kind: shape.kind === 'timestamp' ? 'string' : shape.kind,
    name: shape.kind === 'structure' ? shape.name : undefined,
    many,
    shape,
  };
}

function describeStep(step: Step): string {
  switch (step.kind) {
    case 'index':
      return String(step.index);
    case 'all':
      return '*';
    case 'where':
      return `${step.field}=${step.value}`;
    default:
      return '';
  }
}

/** `root`: the document the path reads, ASFF unless given (the OCSF maps pass OCSF_FINDING_SHAPE). */
export function compilePath(source: string, root: Shape = ASFF_FINDING_SHAPE): CompiledPath {
  const steps = parsePath(source);
  const type = typeOfPath(steps, source, root);
  return { source, steps, type, read: compileReader(steps, type.many) };
}

/** A reader specialised per path: no parsing or shape checks at run time, no allocation when single-valued. */
function compileReader(steps: Step[], many: boolean): (finding: unknown) => unknown {
  if (!many) {
    return (finding) => {
      let value: unknown = finding;
      for (const step of steps) {
        if (value === undefined || value === null) return undefined;
        value = stepOne(value, step);
      }
      return value ?? undefined;
    };
  }
  return (finding) => {
    const values: unknown[] = [];
    collect(finding, steps, 0, values);
    return values;
  };
}

/** Depth first, into one list: the values a many-valued path reaches, in document order. */
function collect(value: unknown, steps: Step[], at: number, into: unknown[]): void {
  if (value === undefined || value === null) return;
  if (at === steps.length) {
    into.push(value);
    return;
  }
  const step = steps[at]!;
  if (step.kind === 'all' || step.kind === 'where') {
    if (!Array.isArray(value)) return;
    for (const element of value) {
      if (
        step.kind === 'all' ||
        String((element as Record<string, unknown> | null)?.[step.field]) === step.value
      ) {
        // A list's own members are kept as they are, null included; only steps into them skip nulls.
        if (at + 1 === steps.length) into.push(element);
        else collect(element, steps, at + 1, into);
      }
    }
    return;
  }
  collect(stepOne(value, step), steps, at + 1, into);
}

function stepOne(value: unknown, step: Step): unknown {
  switch (step.kind) {
    case 'field':
      return typeof value === 'object' ? (value as Record<string, unknown>)[step.name] : undefined;
    case 'key':
      return typeof value === 'object' ? (value as Record<string, unknown>)[step.key] : undefined;
    case 'index':
      return Array.isArray(value) ? value.at(step.index) : undefined;
    default:
      return undefined;
  }
}
