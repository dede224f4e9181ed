import type { Resource, SoftwarePackage, Vulnerability } from '@aws-sdk/client-securityhub';
import { isAsffDate } from './asff-validation.ts';
import { resourceName } from './assets.ts';
import { type CvssMajor, cvssBaseOfVersion } from './cvss.ts';
import { highestScoring } from './detection-score.ts';
import type { ValueType } from './paths.ts';

// Named transforms a transform-map entry may apply to what its path reads. Each declares what it
// accepts and what it yields, so a map is type-checked when it is saved, not when data arrives.

export type TargetType = 'string' | 'number' | 'boolean' | 'date' | 'string[]';

export interface TransformContext {
  warn(message: string): void;
}

export interface Transform {
  name: string;
  description: string;
  /** Why the input cannot be used, or undefined when it can. */
  accepts(input: ValueType): string | undefined;
  /** The type of the result, given the input type. */
  yields(input: ValueType): TargetType | 'same';
  /** Validates arguments; returns a message when they are wrong. */
  checkArgs(args: unknown): string | undefined;
  apply(value: unknown, args: Record<string, unknown>, context: TransformContext): unknown;
}

const noArgs = (args: unknown) =>
  args === undefined || args === null || (typeof args === 'object' && Object.keys(args).length === 0)
    ? undefined
    : 'takes no arguments';

const LEVEL: Record<string, number> = { INFORMATIONAL: 1, LOW: 2, MEDIUM: 3, HIGH: 4, CRITICAL: 5 };

export const TRANSFORMS: Record<string, Transform> = {
  severityLevel: {
    name: 'severityLevel',
    description:
      "A Security Hub severity label to Hubgraph's level: INFORMATIONAL 1, LOW 2, MEDIUM 3, HIGH 4, CRITICAL 5.",
    accepts: (input) =>
      input.kind === 'string' && !input.many ? undefined : 'needs a single severity label (a string)',
    yields: () => 'number',
    checkArgs: noArgs,
    apply: (value, _args, context) => {
      if (value === undefined) return undefined;
      const level = LEVEL[String(value).toUpperCase()];
      if (level === undefined) context.warn(`severityLevel: "${String(value)}" is not a severity label`);
      return level;
    },
  },
  cvssBaseScore: {
    name: 'cvssBaseScore',
    description:
      'The CVSS base score of one major version ({ "version": "2" | "3" | "4" }, however the entry spells it: 3.1, V3, CVSS:3.1) from Vulnerabilities or Cvss entries. Of Vulnerabilities, the one the detection score rests on. The entry the score uses when it is of that version (adjusted first, else the highest of v4/v3, else v2); otherwise that version\'s adjusted entry, else its highest.',
    accepts: (input) =>
      input.kind === 'structure' && (input.name === 'Vulnerability' || input.name === 'Cvss')
        ? undefined
        : 'needs Vulnerabilities or Cvss entries (e.g. `Vulnerabilities[*]`)',
    yields: () => 'number',
    checkArgs: (args) => {
      const version = (args as { version?: unknown } | undefined)?.version;
      return version === '2' || version === '3' || version === '4'
        ? undefined
        : 'needs { "version": "2" | "3" | "4" }';
    },
    apply: (value, args) => {
      const items = (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(
        (item): item is Record<string, unknown> => typeof item === 'object' && item !== null,
      );
      // Vulnerabilities: the entries of the one the score rests on, so fields and factors agree.
      const entries = items.some((item) => Array.isArray(item.Cvss))
        ? (highestScoring(items as unknown as Vulnerability[])?.vulnerability.Cvss ?? [])
        : items;
      return cvssBaseOfVersion(entries, String(args.version) as CvssMajor);
    },
  },
  recommendation: {
    name: 'recommendation',
    description:
      'What to do: from vulnerable packages, each package\'s own remediation (else "Update <name> <version> to <fixed>"); from a text, the text unless it is a placeholder ("None Provided", Inspector\'s "Remediation is available. Please refer to the Fixed version…"), so the next alternative speaks.',
    accepts: (input) =>
      input.kind === 'string' || (input.kind === 'structure' && input.name === 'SoftwarePackage')
        ? undefined
        : 'needs a text or VulnerablePackages (e.g. `Vulnerabilities[*].VulnerablePackages[*]`)',
    yields: () => 'string',
    checkArgs: noArgs,
    apply: (value) => {
      const items = Array.isArray(value) ? value : [value];
      const texts = items.flatMap((item) => {
        if (typeof item === 'string') return isPlaceholder(item) ? [] : [item.trim()];
        return typeof item === 'object' && item !== null ? packageFix(item as SoftwarePackage) : [];
      });
      return texts.length > 0 ? [...new Set(texts)].join('; ') : undefined;
    },
  },
  yesNoToBoolean: {
    name: 'yesNoToBoolean',
    description:
      'YES to true, NO to false; PARTIAL to the `partial` argument (default false: a partial fix leaves the finding unpatched). Several values: true if any is YES.',
    accepts: (input) => (input.kind === 'string' ? undefined : 'needs YES/NO/PARTIAL strings'),
    yields: () => 'boolean',
    checkArgs: (args) => {
      if (args === undefined || args === null) return undefined;
      const partial = (args as { partial?: unknown }).partial;
      return partial === undefined || typeof partial === 'boolean'
        ? undefined
        : '`partial` must be true or false';
    },
    apply: (value, args) => {
      const values = (Array.isArray(value) ? value : [value]).filter((item) => item !== undefined);
      if (values.length === 0) return undefined;
      if (values.includes('YES')) return true;
      if (values.includes('PARTIAL')) return args.partial === true;
      return values.every((item) => item === 'NO') ? false : undefined;
    },
  },
  first: {
    name: 'first',
    description: 'The first of several values (a single value passes through).',
    accepts: () => undefined,
    yields: () => 'same',
    checkArgs: noArgs,
    apply: (value) =>
      Array.isArray(value) ? value.find((item) => item !== undefined && item !== null) : value,
  },
  join: {
    name: 'join',
    description: 'Several strings as one, with `separator` (default ", ").',
    accepts: (input) => (input.kind === 'string' || input.kind === 'list' ? undefined : 'needs strings'),
    yields: () => 'string',
    checkArgs: (args) => {
      const separator = (args as { separator?: unknown } | undefined)?.separator;
      return separator === undefined || typeof separator === 'string'
        ? undefined
        : '`separator` must be a string';
    },
    apply: (value, args) => {
      const values = (Array.isArray(value) ? value.flat() : [value]).filter(
        (item) => typeof item === 'string' && item !== '',
      );
      return values.length
        ? values.join(typeof args.separator === 'string' ? args.separator : ', ')
        : undefined;
    },
  },
  date: {
    name: 'date',
    description: 'An ASFF date-time string, checked and normalised to UTC.',
    accepts: (input) =>
      input.kind === 'string' && !input.many ? undefined : 'needs a single date-time string',
    yields: () => 'date',
    checkArgs: noArgs,
    apply: (value, _args, context) => {
      if (value === undefined) return undefined;
      // Date.parse alone would read "1" as 2001 and a zone-less time in the server's zone.
      if (!isAsffDate(value)) {
        context.warn(`date: "${String(value)}" is not a date-time`);
        return undefined;
      }
      return new Date(value).toISOString();
    },
  },
  lastSegment: {
    name: 'lastSegment',
    description:
      'The part after the last `/` (or `separator`): e.g. the instance id `i-0abc…` from an instance ARN. Of several values, the first.',
    accepts: (input) => (input.kind === 'string' ? undefined : 'needs a string'),
    yields: () => 'string',
    checkArgs: (args) => {
      const separator = (args as { separator?: unknown } | undefined)?.separator;
      return separator === undefined || (typeof separator === 'string' && separator !== '')
        ? undefined
        : '`separator` must be a non-empty string';
    },
    apply: (input, args) => {
      const value = Array.isArray(input) ? input.find((item) => typeof item === 'string') : input;
      if (typeof value !== 'string') return undefined;
      const separator = typeof args.separator === 'string' ? args.separator : '/';
      return value.split(separator).at(-1) || undefined;
    },
  },
  resourceName: {
    name: 'resourceName',
    description:
      "A resource's name, as its asset is named: the Name tag, else its details' name (bucket, function, user of an access key, role, image, cluster…), else the name in its ARN, else a non-ARN Id that is not a placeholder.",
    accepts: (input) =>
      input.kind === 'structure' && input.name === 'Resource' && !input.many
        ? undefined
        : 'needs a single resource (e.g. `Resources[0]`)',
    yields: () => 'string',
    checkArgs: noArgs,
    apply: (value) =>
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (resourceName(value as Resource) ?? undefined)
        : undefined,
  },
};

/**
 * Texts products put where a recommendation goes when they have none: Inspector writes "None
 * Provided", or a sentence pointing at the fixed version, which the package's own fix states better.
 */
const PLACEHOLDERS = [
  /^none provided\.?$/i,
  /^remediation is available\. please refer to the fixed version/i,
  /^n\/?a$/i,
];

function isPlaceholder(text: string): boolean {
  const trimmed = text.trim();
  return trimmed === '' || PLACEHOLDERS.some((pattern) => pattern.test(trimmed));
}

/** A package's own remediation, else an upgrade to its fixed version, else nothing. */
function packageFix(pkg: SoftwarePackage): string[] {
  if (typeof pkg.Remediation === 'string' && !isPlaceholder(pkg.Remediation)) return [pkg.Remediation.trim()];
  if (typeof pkg.Name === 'string' && typeof pkg.FixedInVersion === 'string' && pkg.FixedInVersion !== '')
    return [
      `Update ${pkg.Name}${typeof pkg.Version === 'string' ? ` ${pkg.Version}` : ''} to ${pkg.FixedInVersion}`,
    ];
  return [];
}
