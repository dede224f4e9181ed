import type { Resource, SoftwarePackage, Vulnerability } from '@aws-sdk/client-securityhub';
import { isAsffDate } from './asff-validation.ts';
import { resourceName } from './assets.ts';
import { type CvssMajor, cvssBaseOfVersion } from './cvss.ts';
import { highestScoring } from './detection-score.ts';
import { asffPackage, asffResource, asffVulnerability, ocsfTime } from './ocsf/asff-view.ts';
import type { OcsfAffectedPackage, OcsfFinding, OcsfResource, OcsfVulnerability } from './ocsf/ocsf-types.ts';
import { asffResourceType } from './ocsf/resource-types.ts';
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
      input.kind === 'structure' &&
      (input.name === 'Vulnerability' || input.name === 'Cvss' || input.name === 'OcsfVulnerability')
        ? undefined
        : 'needs Vulnerabilities or Cvss entries (e.g. `Vulnerabilities[*]`, or OCSF `vulnerabilities[*]`)',
    yields: () => 'number',
    checkArgs: (args) => {
      const version = (args as { version?: unknown } | undefined)?.version;
      return version === '2' || version === '3' || version === '4'
        ? undefined
        : 'needs { "version": "2" | "3" | "4" }';
    },
    apply: (value, args) => {
      const items = (Array.isArray(value) ? value : value === undefined ? [] : [value])
        .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
        // OCSF vulnerabilities are read as the ASFF ones they correspond to, so both score alike.
        .map((item) => ('cve' in item ? asffVulnerability(item as OcsfVulnerability) : item)) as Record<
        string,
        unknown
      >[];
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
      input.kind === 'string' ||
      (input.kind === 'structure' &&
        (input.name === 'SoftwarePackage' || input.name === 'OcsfAffectedPackage'))
        ? undefined
        : 'needs a text or VulnerablePackages (e.g. `Vulnerabilities[*].VulnerablePackages[*]`, or OCSF `vulnerabilities[*].affected_packages[*]`)',
    yields: () => 'string',
    checkArgs: noArgs,
    apply: (value) => {
      const items = Array.isArray(value) ? value : [value];
      const texts = items.flatMap((item) => {
        if (typeof item === 'string') return isPlaceholder(item) ? [] : [item.trim()];
        if (typeof item !== 'object' || item === null) return [];
        return packageFix(isOcsfPackage(item) ? asffPackage(item) : (item as SoftwarePackage));
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
      input.kind === 'structure' &&
      (input.name === 'Resource' || input.name === 'OcsfResource') &&
      !input.many
        ? undefined
        : 'needs a single resource (e.g. `Resources[0]`, or OCSF `resources[0]`)',
    yields: () => 'string',
    checkArgs: noArgs,
    apply: (value) =>
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (resourceName(asAsffResource(value)) ?? undefined)
        : undefined,
  },
  resourceArn: {
    name: 'resourceArn',
    description:
      "An OCSF resource's identity as ASFF names it: its ARN (Security Hub puts it in `uid_alt`), else for an EC2 instance the ARN built from its id, Region and owner account, else an account as `AWS::::Account:<id>`, else its uid.",
    accepts: (input) =>
      input.kind === 'structure' && input.name === 'OcsfResource' && !input.many
        ? undefined
        : 'needs a single OCSF resource (e.g. `resources[0]`)',
    yields: () => 'string',
    checkArgs: noArgs,
    apply: (value) =>
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? asAsffResource(value).Id || undefined
        : undefined,
  },
  asffResourceType: {
    name: 'asffResourceType',
    description:
      'A CloudFormation-style resource type as ASFF names it: `AWS::EC2::Instance` → `AwsEc2Instance`, `AWS::::Account` → `AwsAccount`; other names pass through.',
    accepts: (input) => (input.kind === 'string' && !input.many ? undefined : 'needs a single resource type'),
    yields: () => 'string',
    checkArgs: noArgs,
    apply: (value) => (typeof value === 'string' && value !== '' ? asffResourceType(value) : undefined),
  },
  ocsfTime: {
    name: 'ocsfTime',
    description:
      'An OCSF timestamp, normalised to UTC: a `*_time_dt` date-time text (any zone, up to nanoseconds) or a `*_time` number of epoch milliseconds.',
    accepts: (input) =>
      (input.kind === 'string' || input.kind === 'number') && !input.many
        ? undefined
        : 'needs a single date-time text or epoch-milliseconds number',
    yields: () => 'date',
    checkArgs: noArgs,
    apply: (value, _args, context) => {
      if (value === undefined) return undefined;
      const time = typeof value === 'number' ? ocsfTime(undefined, value) : ocsfTime(value, undefined);
      if (!time) context.warn(`ocsfTime: ${JSON.stringify(value)} is not a date-time`);
      return time;
    },
  },
  ocsfSeverityLevel: {
    name: 'ocsfSeverityLevel',
    description:
      "An OCSF severity_id to Hubgraph's level: 1 Informational … 5 Critical as they are, 6 (Fatal) as 5; 0 (Unknown) and 99 (Other) give nothing, so the connector's default applies.",
    accepts: (input) => (input.kind === 'number' && !input.many ? undefined : 'needs a single severity_id'),
    yields: () => 'number',
    checkArgs: noArgs,
    apply: (value) =>
      typeof value === 'number' && value >= 1 && value <= 6 ? Math.min(5, value) : undefined,
  },
  anyTrue: {
    name: 'anyTrue',
    description: 'Several true/false values as one: true if any is true, false if all are false.',
    accepts: (input) => (input.kind === 'boolean' ? undefined : 'needs true/false values'),
    yields: () => 'boolean',
    checkArgs: noArgs,
    apply: (value) => {
      const values = (Array.isArray(value) ? value : [value]).filter((item) => typeof item === 'boolean');
      return values.length === 0 ? undefined : values.includes(true);
    },
  },
  allTrue: {
    name: 'allTrue',
    description: 'Several true/false values as one: true only if every one is true.',
    accepts: (input) => (input.kind === 'boolean' ? undefined : 'needs true/false values'),
    yields: () => 'boolean',
    checkArgs: noArgs,
    apply: (value) => {
      const values = (Array.isArray(value) ? value : [value]).filter((item) => typeof item === 'boolean');
      return values.length === 0 ? undefined : values.every(Boolean);
    },
  },
};

/** An ASFF resource as it is, an OCSF one read as the ASFF resource it corresponds to. */
function asAsffResource(value: object): Resource {
  const ocsf = value as OcsfResource & Resource;
  if (ocsf.Id !== undefined || ocsf.Type !== undefined) return ocsf;
  // Only the resource is at hand: its own Region and owner account stand in for the finding's.
  const finding = {
    class_uid: 0,
    metadata: {},
    cloud: { region: ocsf.region, account: { uid: ocsf.owner?.account?.uid } },
  } satisfies OcsfFinding;
  return asffResource(ocsf, finding);
}

function isOcsfPackage(item: object): item is OcsfAffectedPackage {
  return 'name' in item || 'fixed_in_version' in item || 'remediation' in item;
}

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
