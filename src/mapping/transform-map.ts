import type { Shape } from './asff-shape.ts';
import { ASFF_FINDING_SHAPE } from './asff-shape.ts';
import { isAsffDate } from './asff-validation.ts';
import { OCSF_FINDING_SHAPE } from './ocsf/ocsf-shape.ts';
import { type CompiledPath, compilePath, PathError, type ValueType } from './paths.ts';
import { type TargetType, TRANSFORMS, type Transform } from './transforms.ts';

// A transform map: which ASFF path feeds each Hubgraph finding field, through which transform.
// Compiled once (paths parsed and type-checked against ASFF), then applied to many findings.

export interface TransformMapEntryDefinition {
  target: string;
  /** A path, or alternatives separated by `??` (the first that has a value, after the transform, wins). */
  source: string;
  transform?: string | null;
  args?: Record<string, unknown> | null;
  /** A finding whose path yields nothing for this entry is rejected (not only warned about). */
  required?: boolean;
  description?: string | null;
}

/** The document format a map's source paths read. */
export type SourceFormat = 'ASFF' | 'OCSF';

export interface TransformMapDefinition {
  key?: string | null;
  name: string;
  /** What the source paths read: ASFF (the default) or OCSF (findings from GetFindingsV2). */
  format?: SourceFormat | null;
  description?: string | null;
  entries: TransformMapEntryDefinition[];
}

export interface TargetField {
  type: TargetType;
  /** Every map must provide it. */
  required: boolean;
  description: string;
}

/** The finding fields a map can fill: the industry's vulnerability map, read where ASFF keeps them. */
export const TARGET_FIELDS: Record<string, TargetField> = {
  externalAssetId: {
    type: 'string',
    required: true,
    description: 'Identity of the affected asset (its resource ARN).',
  },
  findingName: { type: 'string', required: true, description: 'The finding title people see.' },
  externalFindingId: { type: 'string', required: true, description: "Security Hub's own id of the finding." },
  findingSeverity: {
    type: 'number',
    required: true,
    description: 'Severity level 1 (informational) to 5 (critical).',
  },
  findingDescription: { type: 'string', required: true, description: 'What was found.' },
  findingFirstFoundOn: { type: 'date', required: true, description: 'When the problem was first observed.' },
  findingLastFoundOn: { type: 'date', required: true, description: 'When the problem was last observed.' },
  productName: {
    type: 'string',
    required: true,
    description: 'The product that reported it (Inspector, GuardDuty, …).',
  },
  recommendation: { type: 'string', required: false, description: 'What to do about it.' },
  vulnerablePackageName: {
    type: 'string',
    required: false,
    description: 'The vulnerable package, for package vulnerabilities.',
  },
  vulnerablePackageVersion: {
    type: 'string',
    required: false,
    description: 'The installed version of the vulnerable package.',
  },
  fixedVersion: { type: 'string', required: false, description: 'The version that fixes the vulnerability.' },
  cvssV2Base: { type: 'number', required: false, description: 'CVSS v2 base score.' },
  cvss3Base: { type: 'number', required: false, description: 'CVSS v3.x base score.' },
  isExploitAvailable: {
    type: 'boolean',
    required: false,
    description: 'Whether an exploit is known to exist.',
  },
  isPatchAvailable: { type: 'boolean', required: false, description: 'Whether a fix is available.' },
  references: { type: 'string[]', required: false, description: 'Reference URLs.' },
  assetName: { type: 'string', required: false, description: 'The asset name people know it by.' },
  cloudInstanceId: { type: 'string', required: false, description: 'The instance id, for EC2 instances.' },
  systemType: { type: 'string', required: false, description: 'The resource type.' },
};

export type TransformMapErrorCode = 'INVALID' | 'REQUIRED' | 'NOT_ALLOWED' | 'DUPLICATE' | 'TOO_LONG';

export interface TransformMapError {
  field: (string | number)[];
  message: string;
  code: TransformMapErrorCode;
}

interface CompiledEntry {
  definition: TransformMapEntryDefinition;
  target: string;
  targetType: TargetType;
  paths: CompiledPath[];
  transform: Transform | undefined;
  args: Record<string, unknown>;
  required: boolean;
}

export interface AppliedMap {
  values: Record<string, unknown>;
  warnings: string[];
  /** Required entries that produced no value: the finding cannot be stored as mapped. */
  missing: { target: string; source: string }[];
}

export interface CompiledTransformMap {
  key: string | null;
  name: string;
  definition: TransformMapDefinition;
  apply(finding: unknown): AppliedMap;
}

const MAX_ENTRIES = 100;

export function compileTransformMap(
  definition: TransformMapDefinition,
): { ok: true; map: CompiledTransformMap } | { ok: false; errors: TransformMapError[] } {
  const errors: TransformMapError[] = [];
  if (!definition.name?.trim())
    errors.push({ field: ['name'], message: 'A map needs a name.', code: 'REQUIRED' });
  if ((definition.name?.length ?? 0) > 100)
    errors.push({ field: ['name'], message: 'A name has at most 100 characters.', code: 'TOO_LONG' });
  if (!Array.isArray(definition.entries)) {
    errors.push({ field: ['entries'], message: 'A map needs a list of entries.', code: 'REQUIRED' });
    return { ok: false, errors };
  }
  if (definition.entries.length > MAX_ENTRIES) {
    errors.push({
      field: ['entries'],
      message: `A map has at most ${MAX_ENTRIES} entries.`,
      code: 'TOO_LONG',
    });
  }
  const compiled: CompiledEntry[] = [];
  const mapped = new Map<string, number>();
  const root = definition.format === 'OCSF' ? OCSF_FINDING_SHAPE : ASFF_FINDING_SHAPE;
  definition.entries.forEach((entry, index) => {
    const entryErrors = compileEntry(entry, index, mapped, root);
    if ('errors' in entryErrors) errors.push(...entryErrors.errors);
    else compiled.push(entryErrors.entry);
  });
  for (const [target, field] of Object.entries(TARGET_FIELDS)) {
    if (field.required && !mapped.has(target)) {
      errors.push({
        field: ['entries'],
        message: `The map must fill \`${target}\` (${field.description}).`,
        code: 'REQUIRED',
      });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    map: {
      key: definition.key ?? null,
      name: definition.name,
      definition,
      apply: (finding) => applyEntries(compiled, finding),
    },
  };
}

function compileEntry(
  entry: TransformMapEntryDefinition,
  index: number,
  mapped: Map<string, number>,
  root: Shape,
): { entry: CompiledEntry } | { errors: TransformMapError[] } {
  const errors: TransformMapError[] = [];
  const at = (field: string): (string | number)[] => ['entries', index, field];
  const target = TARGET_FIELDS[entry?.target];
  if (!target) {
    errors.push({
      field: at('target'),
      message: `\`${entry?.target}\` is not a field a map can fill. Fields: ${Object.keys(TARGET_FIELDS).join(', ')}.`,
      code: 'NOT_ALLOWED',
    });
  } else if (mapped.has(entry.target)) {
    errors.push({
      field: at('target'),
      message: `\`${entry.target}\` is already filled by entry ${mapped.get(entry.target)}.`,
      code: 'DUPLICATE',
    });
  } else {
    mapped.set(entry.target, index);
  }
  const paths: CompiledPath[] = [];
  const alternatives =
    typeof entry?.source === 'string' ? entry.source.split('??').map((part) => part.trim()) : [];
  if (alternatives.length === 0 || alternatives.some((part) => part === '')) {
    errors.push({
      field: at('source'),
      message: 'A source path is required (e.g. `Title` or `FirstObservedAt ?? CreatedAt`).',
      code: 'REQUIRED',
    });
  }
  for (const alternative of alternatives.filter(Boolean)) {
    try {
      paths.push(compilePath(alternative, root));
    } catch (error) {
      if (!(error instanceof PathError)) throw error;
      errors.push({ field: at('source'), message: error.message, code: 'INVALID' });
    }
  }
  const transform = entry?.transform ? TRANSFORMS[entry.transform] : undefined;
  if (entry?.transform && !transform) {
    errors.push({
      field: at('transform'),
      message: `Unknown transform \`${entry.transform}\`. Transforms: ${Object.keys(TRANSFORMS).join(', ')}.`,
      code: 'NOT_ALLOWED',
    });
  }
  const argsProblem = transform?.checkArgs(entry.args ?? undefined);
  if (argsProblem)
    errors.push({ field: at('args'), message: `${transform!.name} ${argsProblem}.`, code: 'INVALID' });
  if (!transform && entry?.args && Object.keys(entry.args).length > 0) {
    errors.push({ field: at('args'), message: 'Arguments need a transform to go with.', code: 'INVALID' });
  }
  if (errors.length === 0 && target) {
    for (const path of paths) {
      const problem = typeProblem(path.type, transform, target.type);
      if (problem)
        errors.push({
          field: at(transform && problem.startsWith('transform') ? 'transform' : 'source'),
          message: `\`${path.source}\`: ${problem}`,
          code: 'INVALID',
        });
    }
  }
  if (errors.length > 0) return { errors };
  return {
    entry: {
      definition: entry,
      target: entry.target,
      targetType: target!.type,
      paths,
      transform,
      args: entry.args ?? {},
      required: entry.required === true,
    },
  };
}

/** Why what a path yields (after its transform) cannot fill a target, or undefined when it can. */
function typeProblem(
  input: ValueType,
  transform: Transform | undefined,
  target: TargetType,
): string | undefined {
  if (input.kind === 'any') return undefined;
  if (transform) {
    const refused = transform.accepts(input);
    if (refused) return `transform ${transform.name} ${refused}; the path yields ${describeType(input)}.`;
    const yields = transform.yields(input);
    const output: ValueType =
      yields === 'same'
        ? { ...input, many: false, kind: input.kind === 'list' ? memberKind(input) : input.kind }
        : {
            kind: yields === 'date' ? 'string' : yields === 'string[]' ? 'list' : yields,
            many: false,
            shape: input.shape,
          };
    return fits(output, target, yields === 'date')
      ? undefined
      : `transform ${transform.name} yields ${describeType(output)}, but the field needs ${target}.`;
  }
  if (fits(input, target, false)) return undefined;
  const hint = input.many && target !== 'string[]' ? ' Add the transform `first`, or `join` for text.' : '';
  return `yields ${describeType(input)}, but the field needs ${target}.${hint}`;
}

function memberKind(input: ValueType): string {
  const shape = input.shape;
  return shape.kind === 'list' ? shape.member().kind : 'any';
}

function fits(value: ValueType, target: TargetType, isDate: boolean): boolean {
  switch (target) {
    case 'string':
      return !value.many && value.kind === 'string';
    case 'date':
      return !value.many && (value.kind === 'string' || isDate);
    case 'number':
      return !value.many && value.kind === 'number';
    case 'boolean':
      return !value.many && value.kind === 'boolean';
    case 'string[]':
      return value.kind === 'string' || (value.kind === 'list' && memberKind(value) === 'string');
  }
}

function describeType(value: ValueType): string {
  const what = value.kind === 'structure' ? `${value.name} object` : value.kind;
  return value.many ? `several ${what} values` : `a ${what}`;
}

function applyEntries(entries: CompiledEntry[], finding: unknown): AppliedMap {
  const values: Record<string, unknown> = {};
  const warnings: string[] = [];
  const missing: AppliedMap['missing'] = [];
  for (const entry of entries) {
    // The first alternative that yields a value after its transform wins: a transform may decline
    // what a path reads (a placeholder text, an invalid date) and let the next alternative speak.
    let value: unknown;
    for (const path of entry.paths) {
      value = path.read(finding);
      if (entry.transform && !(isEmpty(value) && entry.paths.length > 1)) {
        value = entry.transform.apply(value, entry.args, {
          warn: (message) => warnings.push(`${entry.target}: ${message}`),
        });
      }
      if (!isEmpty(value)) break;
    }
    value = coerce(value, entry.targetType, entry.target, warnings);
    if (isEmpty(value)) {
      if (entry.required) missing.push({ target: entry.target, source: entry.definition.source });
      continue;
    }
    values[entry.target] = value;
  }
  return { values, warnings, missing };
}

/** Last line of defence for `any`-typed paths: the right shape, or nothing plus a warning. */
function coerce(value: unknown, type: TargetType, target: string, warnings: string[]): unknown {
  if (isEmpty(value)) return undefined;
  switch (type) {
    case 'string[]': {
      const list = (Array.isArray(value) ? value.flat(2) : [value]).filter(
        (item): item is string => typeof item === 'string' && item !== '',
      );
      return [...new Set(list)];
    }
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'date':
      if (isAsffDate(value)) return new Date(value).toISOString();
      break;
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      break;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      break;
  }
  warnings.push(`${target}: ignored ${JSON.stringify(value).slice(0, 60)}, which is not a ${type}`);
  return undefined;
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)
  );
}
