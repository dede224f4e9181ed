import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { ASFF_FINDING_SHAPE, type Shape } from './asff-shape.ts';

// What Hubgraph relies on in an ASFF finding, checked before anything reads it: every field has the
// type AWS's schema gives it, required fields are there, and the limits AWS documents hold
// (research/aws-api.md §4). Input is `unknown` — it comes off the wire or is pasted by a person.

export interface Problem {
  path: string;
  message: string;
}

export type AsffValidation = { ok: true; finding: AwsSecurityFinding } | { ok: false; problems: Problem[] };

const MAX_PROBLEMS = 25;

/** ISO-8601 as AWS accepts it in ASFF: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH[:]MM)`. */
const ASFF_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;

export function isAsffDate(value: unknown): value is string {
  return typeof value === 'string' && ASFF_DATE.test(value) && !Number.isNaN(Date.parse(value));
}

type Check = (value: unknown, path: string, problems: Problem[]) => void;
const compiled = new Map<Shape, Check>();

/** A type checker per shape, built once: walks only what the finding has. */
function checker(shape: Shape): Check {
  const cached = compiled.get(shape);
  if (cached) return cached;
  let check: Check;
  switch (shape.kind) {
    case 'string':
    case 'timestamp':
      check = (value, path, problems) => {
        if (typeof value !== 'string')
          problems.push({ path, message: `must be a string, not ${describe(value)}` });
      };
      break;
    case 'number':
      check = (value, path, problems) => {
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          problems.push({ path, message: `must be a number, not ${describe(value)}` });
        }
      };
      break;
    case 'boolean':
      check = (value, path, problems) => {
        if (typeof value !== 'boolean')
          problems.push({ path, message: `must be true or false, not ${describe(value)}` });
      };
      break;
    case 'list':
      check = (value, path, problems) => {
        if (!Array.isArray(value)) {
          problems.push({ path, message: `must be a list, not ${describe(value)}` });
          return;
        }
        const member = checker(shape.member());
        for (let i = 0; i < value.length && problems.length < MAX_PROBLEMS; i++)
          member(value[i], `${path}[${i}]`, problems);
      };
      break;
    case 'map':
      check = (value, path, problems) => {
        if (!isObject(value)) {
          problems.push({ path, message: `must be an object of key-value pairs, not ${describe(value)}` });
          return;
        }
        const member = checker(shape.value());
        for (const [key, item] of Object.entries(value)) {
          if (problems.length >= MAX_PROBLEMS) return;
          member(item, `${path}["${key}"]`, problems);
        }
      };
      break;
    case 'structure': {
      check = (value, path, problems) => {
        if (!isObject(value)) {
          problems.push({ path, message: `must be an object, not ${describe(value)}` });
          return;
        }
        for (const name of shape.required) {
          if (value[name] === undefined || value[name] === null) {
            problems.push({ path: join(path, name), message: 'is required' });
          }
        }
        for (const [name, item] of Object.entries(value)) {
          if (problems.length >= MAX_PROBLEMS) return;
          if (item === undefined || item === null) continue;
          const member = shape.members.get(name);
          // Unknown fields are not ours to refuse: AWS adds fields, and we keep the raw finding.
          if (member) checker(member())(item, join(path, name), problems);
        }
      };
      break;
    }
    default:
      check = () => {};
  }
  compiled.set(shape, check);
  return check;
}

const checkFindingTypes = checker(ASFF_FINDING_SHAPE);

/**
 * Type problems of a value against any shape: the OCSF path (ocsf/ocsf-validation.ts) checks its
 * own schema with the same rules and messages.
 */
export function shapeProblems(shape: Shape, value: unknown): Problem[] {
  const problems: Problem[] = [];
  checker(shape)(value, '', problems);
  return problems.slice(0, MAX_PROBLEMS);
}

type Valid = (value: unknown) => boolean;
const validators = new Map<Shape, Valid>();

/**
 * The same type rules as `checker`, as a yes/no that builds no paths and no problems: nearly every
 * finding is valid, and saying why is only needed when one is not. Never more lenient than
 * `checker` (`for…in` sees inherited fields too), so `true` here means `checker` finds nothing.
 */
function validator(shape: Shape): Valid {
  const cached = validators.get(shape);
  if (cached) return cached;
  let valid: Valid;
  switch (shape.kind) {
    case 'string':
    case 'timestamp':
      valid = (value) => typeof value === 'string';
      break;
    case 'number':
      valid = (value) => typeof value === 'number' && Number.isFinite(value);
      break;
    case 'boolean':
      valid = (value) => typeof value === 'boolean';
      break;
    case 'list': {
      let member: Valid | undefined;
      valid = (value) => {
        if (!Array.isArray(value)) return false;
        member ??= validator(shape.member());
        for (const item of value) if (!member(item)) return false;
        return true;
      };
      break;
    }
    case 'map': {
      let member: Valid | undefined;
      valid = (value) => {
        if (!isObject(value)) return false;
        member ??= validator(shape.value());
        for (const key in value) if (!member(value[key])) return false;
        return true;
      };
      break;
    }
    case 'structure': {
      const members = new Map<string, Valid>();
      const memberValidator = (name: string): Valid | undefined => {
        let member = members.get(name);
        if (member === undefined) {
          const shapeOf = shape.members.get(name);
          if (!shapeOf) return undefined;
          member = validator(shapeOf());
          members.set(name, member);
        }
        return member;
      };
      valid = (value) => {
        if (!isObject(value)) return false;
        for (const name of shape.required)
          if (value[name] === undefined || value[name] === null) return false;
        for (const name in value) {
          const item = value[name];
          if (item === undefined || item === null) continue;
          const member = memberValidator(name);
          if (member && !member(item)) return false;
        }
        return true;
      };
      break;
    }
    default:
      valid = () => true;
  }
  validators.set(shape, valid);
  return valid;
}

const validFindingTypes = validator(ASFF_FINDING_SHAPE);

const LABELS = new Set(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
const WORKFLOW = new Set(['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED']);
const RECORD_STATES = new Set(['ACTIVE', 'ARCHIVED']);
const COMPLIANCE = new Set(['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE']);
const FIX = new Set(['YES', 'NO', 'PARTIAL']);
const EXPLOIT = new Set(['YES', 'NO']);

/**
 * Which limits apply. `import`: everything BatchImportFindings enforces on its input (the emulator,
 * and findings Hubgraph writes to Security Hub). `read`: what holds for every finding GetFindings
 * returns. AWS checks imports, then adds to findings itself — GuardDuty sends 50 ProductFields and
 * Security Hub adds its own `aws/securityhub/*` keys — so import limits must not reject what AWS
 * returns. The read path keeps the required fields, types, closed value sets and ranges (AWS checks
 * those on every write), and only Hubgraph's own limit on the lengths it indexes.
 */
export type ValidationMode = 'read' | 'import';

/** Longest Id or ProductArn Hubgraph stores: they form a unique index (AWS's own import limit is 512). */
export const MAX_INDEXED_LENGTH = 1024;

export function validateAsff(input: unknown, mode: ValidationMode = 'read'): AsffValidation {
  const problems: Problem[] = [];
  if (!isObject(input))
    return {
      ok: false,
      problems: [{ path: '', message: `a finding must be a JSON object, not ${describe(input)}` }],
    };
  if (!validFindingTypes(input)) checkFindingTypes(input, '', problems);
  if (problems.length === 0) checkLimits(input as unknown as AwsSecurityFinding, mode, problems);
  return problems.length === 0
    ? { ok: true, finding: input as unknown as AwsSecurityFinding }
    : { ok: false, problems: problems.slice(0, MAX_PROBLEMS) };
}

/** AWS's documented limits and closed value sets, on a finding whose types are already right. */
function checkLimits(finding: AwsSecurityFinding, mode: ValidationMode, problems: Problem[]): void {
  const importing = mode === 'import';
  const limit = (path: string, value: string | undefined, max: number) => {
    if (value !== undefined && value.length > max)
      problems.push({ path, message: `is ${value.length} characters; at most ${max} are allowed` });
  };
  const oneOf = (path: string, value: string | undefined, allowed: Set<string>) => {
    if (value !== undefined && !allowed.has(value))
      problems.push({ path, message: `must be one of ${[...allowed].join(', ')}; got "${value}"` });
  };
  const date = (path: string, value: string | undefined) => {
    if (value !== undefined && !isAsffDate(value)) {
      problems.push({
        path,
        message: `must be an ISO-8601 date-time with a time zone (e.g. 2026-01-31T12:00:00.000Z); got "${value}"`,
      });
    }
  };
  const range = (path: string, value: number | undefined, min: number, max: number) => {
    if (value !== undefined && (value < min || value > max))
      problems.push({ path, message: `must be between ${min} and ${max}; got ${value}` });
  };

  if (finding.SchemaVersion !== '2018-10-08') {
    problems.push({ path: 'SchemaVersion', message: `must be "2018-10-08"; got "${finding.SchemaVersion}"` });
  }
  if (importing) {
    limit('Id', finding.Id, 512);
    limit('GeneratorId', finding.GeneratorId, 512);
    limit('Title', finding.Title, 256);
    limit('Description', finding.Description, 1024);
  } else {
    for (const field of ['Id', 'ProductArn'] as const) {
      const length = finding[field]?.length ?? 0;
      if (length > MAX_INDEXED_LENGTH)
        problems.push({
          path: field,
          message: `is ${length} characters; Hubgraph stores at most ${MAX_INDEXED_LENGTH} (AWS imports at most 512)`,
        });
    }
  }
  if (!finding.ProductArn?.startsWith('arn:'))
    problems.push({ path: 'ProductArn', message: `must be an ARN; got "${finding.ProductArn}"` });
  if (!/^\d{12}$/.test(finding.AwsAccountId ?? '')) {
    problems.push({
      path: 'AwsAccountId',
      message: `must be a 12-digit AWS account id; got "${finding.AwsAccountId}"`,
    });
  }
  for (const field of [
    'CreatedAt',
    'UpdatedAt',
    'FirstObservedAt',
    'LastObservedAt',
    'ProcessedAt',
  ] as const) {
    date(field, finding[field] as string | undefined);
  }
  const resources = finding.Resources ?? [];
  if (resources.length < 1 || (importing && resources.length > 32)) {
    problems.push({
      path: 'Resources',
      message: importing
        ? `must list 1 to 32 resources; got ${resources.length}`
        : 'must list at least one resource',
    });
  }
  resources.forEach((resource, index) => {
    if (resource.Type === '')
      problems.push({ path: `Resources[${index}].Type`, message: 'must not be empty' });
    if (resource.Id === '') problems.push({ path: `Resources[${index}].Id`, message: 'must not be empty' });
  });
  oneOf('Severity.Label', finding.Severity?.Label, LABELS);
  range('Severity.Normalized', finding.Severity?.Normalized, 0, 100);
  if (importing) limit('Severity.Original', finding.Severity?.Original, 64);
  oneOf('Workflow.Status', finding.Workflow?.Status, WORKFLOW);
  oneOf('RecordState', finding.RecordState, RECORD_STATES);
  oneOf('Compliance.Status', finding.Compliance?.Status, COMPLIANCE);
  range('Confidence', finding.Confidence, 0, 100);
  range('Criticality', finding.Criticality, 0, 100);
  if (importing) checkImportCounts(finding, limit, problems);
  finding.Vulnerabilities?.forEach((vulnerability, v) => {
    const at = `Vulnerabilities[${v}]`;
    oneOf(`${at}.FixAvailable`, vulnerability.FixAvailable, FIX);
    oneOf(`${at}.ExploitAvailable`, vulnerability.ExploitAvailable, EXPLOIT);
    range(`${at}.EpssScore`, vulnerability.EpssScore, 0, 1);
    date(`${at}.LastKnownExploitAt`, vulnerability.LastKnownExploitAt);
    vulnerability.Cvss?.forEach((cvss, c) => {
      range(`${at}.Cvss[${c}].BaseScore`, cvss.BaseScore, 0, 10);
    });
  });
}

/** Counts and sizes only BatchImportFindings enforces (AWS's own products exceed them when read). */
function checkImportCounts(
  finding: AwsSecurityFinding,
  limit: (path: string, value: string | undefined, max: number) => void,
  problems: Problem[],
): void {
  if ((finding.Types?.length ?? 0) > 50)
    problems.push({ path: 'Types', message: 'at most 50 types are allowed' });
  const productFields = Object.entries(finding.ProductFields ?? {});
  if (productFields.length > 50)
    problems.push({
      path: 'ProductFields',
      message: `at most 50 fields are allowed; got ${productFields.length}`,
    });
  for (const [key, value] of productFields) {
    limit(`ProductFields["${key}"]`, value, 2048);
    if (key.length > 128)
      problems.push({
        path: `ProductFields["${key.slice(0, 20)}…"]`,
        message: 'keys are at most 128 characters',
      });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string')
    return `the string "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}
