import { CronExpressionParser } from 'cron-parser';
import { validateFindingFilters } from '../aws/finding-filters.ts';
import { PARTITIONS, partitionOfRegion } from '../aws/regions.ts';
import type {
  ConnectorAuthMode,
  ConnectorInput,
  ConnectorScheduleInput,
  ConnectorScopeInput,
  SecurityHubApi,
} from '../generated/graphql.ts';
import { scopeFiltersV2 } from '../sync/filters-v2.ts';
import { type UserErrorModel, userError } from '../user-errors.ts';

// A connector's settings, validated as a whole before anything is written: every mistake a user can
// make comes back as a userError with its field path and the fix, never as a failed sync later.

export interface ConnectorScope {
  dataTypes: string[];
  resourceTypes: string[];
  workflowStatuses: string[];
  recordStates: string[];
  severityLabels: string[];
  productNames: string[];
  awsFilters: Record<string, unknown> | null;
  /**
   * AWS Organizations scopes of a delegated administrator's V2 reads (GetFindingsV2 and
   * GetResourcesV2 `Scopes`), OR'd; empty: the whole organisation. Absent in scopes stored before.
   */
  organizations?: OrganizationScope[];
}

/** One `Scopes.AwsOrganizations` entry: an organisation, a unit of it, or both. */
export interface OrganizationScope {
  organizationId: string | null;
  organizationalUnitId: string | null;
}

export interface ConnectorSchedule {
  kind: 'ONCE' | 'RECURRING';
  intervalMinutes: number | null;
  cron: string | null;
  startAt: string | null;
  endAt: string | null;
}

export interface ConnectorSettings {
  name: string;
  description: string | null;
  authMode: ConnectorAuthMode;
  sourceMode: ConnectorAuthMode | null;
  accessKeyId: string | null;
  /** Plaintext, only between the request and encryption; undefined keeps the stored secret. */
  secretAccessKey: string | undefined;
  hasStoredSecret: boolean;
  roleArn: string | null;
  roleSessionName: string | null;
  sessionDurationSeconds: number;
  regions: string[];
  endpointOverride: string | null;
  scope: ConnectorScope;
  schedule: ConnectorSchedule | null;
  transformMapKey: string;
  defaultSeverity: string;
  writeBackEnabled: boolean;
  exportEnabled: boolean;
  containmentEnabled: boolean;
  /** CSPM, V2 or BOTH; null until chosen or detected. */
  api: SecurityHubApi | null;
}

export const MAX_DESCRIPTION = 164;
export const MAX_NAME = 100;
const ROLE_ARN = /^arn:(aws|aws-us-gov|aws-cn):iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const ACCESS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{12,124}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const MIN_INTERVAL_MINUTES = 5;

/** Scope fields that become Security Hub filter attributes (and count toward its limits). */
export const SCOPE_FILTER_ATTRIBUTES: Record<
  Exclude<keyof ConnectorScope, 'dataTypes' | 'awsFilters' | 'organizations'>,
  string
> = {
  resourceTypes: 'ResourceType',
  workflowStatuses: 'WorkflowStatus',
  recordStates: 'RecordState',
  severityLabels: 'SeverityLabel',
  productNames: 'ProductName',
};

export function scopeFromInput(scope: ConnectorScopeInput | null | undefined): ConnectorScope {
  return {
    dataTypes: scope?.dataTypes ?? ['ASSETS', 'FINDINGS'],
    resourceTypes: scope?.resourceTypes ?? [],
    workflowStatuses: scope?.workflowStatuses ?? [],
    recordStates: scope?.recordStates ?? [],
    severityLabels: scope?.severityLabels ?? [],
    productNames: scope?.productNames ?? [],
    awsFilters: (scope?.awsFilters as Record<string, unknown> | null | undefined) ?? null,
    organizations: (scope?.organizations ?? []).map((entry) => ({
      organizationId: entry.organizationId?.trim() || null,
      organizationalUnitId: entry.organizationalUnitId?.trim() || null,
    })),
  };
}

export function scheduleFromInput(
  schedule: ConnectorScheduleInput | null | undefined,
): ConnectorSchedule | null {
  if (!schedule) return null;
  return {
    kind: schedule.kind,
    intervalMinutes: schedule.intervalMinutes ?? null,
    cron: schedule.cron ?? null,
    startAt: schedule.startAt ? new Date(schedule.startAt).toISOString() : null,
    endAt: schedule.endAt ? new Date(schedule.endAt).toISOString() : null,
  };
}

export function settingsFromInput(input: ConnectorInput): ConnectorSettings {
  return {
    name: input.name.trim(),
    description: input.description ?? null,
    authMode: input.auth.mode,
    sourceMode: input.auth.sourceMode ?? null,
    accessKeyId: input.auth.accessKeyId?.trim() ?? null,
    secretAccessKey: input.auth.secretAccessKey ?? undefined,
    hasStoredSecret: false,
    roleArn: input.auth.roleArn?.trim() ?? null,
    roleSessionName: input.auth.roleSessionName ?? null,
    sessionDurationSeconds: input.auth.sessionDurationSeconds ?? 3600,
    regions: input.regions,
    endpointOverride: input.endpointOverride ?? null,
    scope: scopeFromInput(input.scope),
    schedule: scheduleFromInput(input.schedule),
    transformMapKey: input.transformMapId ?? 'aws-security-hub-vulnerability',
    defaultSeverity: input.defaultSeverity ?? 'MEDIUM',
    writeBackEnabled: input.writeBackEnabled ?? false,
    exportEnabled: input.exportEnabled ?? false,
    containmentEnabled: input.containmentEnabled ?? false,
    api: input.api ?? null,
  };
}

/** A default session name from the connector name: AWS's characters only. */
export function defaultSessionName(name: string): string {
  const slug = name
    .replace(/[^\w+=,.@-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 54);
  return `hubgraph-${slug || 'connector'}`.slice(0, 64);
}

export function validateSettings(
  settings: ConnectorSettings,
  options: { allowCustomEndpoints: boolean; now: Date },
): UserErrorModel[] {
  const errors: UserErrorModel[] = [];
  const at = (...field: (string | number)[]) => ['input', ...field];

  if (settings.name === '') errors.push(userError(at('name'), 'A connector needs a name.', 'REQUIRED'));
  if (settings.name.length > MAX_NAME)
    errors.push(userError(at('name'), `A name has at most ${MAX_NAME} characters.`, 'TOO_LONG'));
  if ((settings.description?.length ?? 0) > MAX_DESCRIPTION) {
    errors.push(
      userError(
        at('description'),
        `A description has at most ${MAX_DESCRIPTION} characters; this one has ${settings.description!.length}.`,
        'TOO_LONG',
      ),
    );
  }

  const partition = validateRegions(settings.regions, errors);
  validateAuth(settings, partition, errors);

  validateEndpointOverride(settings.endpointOverride, options.allowCustomEndpoints, errors);

  validateScope(settings.scope, errors);
  validateOrganizations(settings, errors);
  // The new Security Hub filters on OCSF fields: a scope it cannot express is refused, not widened.
  if (settings.api === 'V2' || settings.api === 'BOTH')
    for (const problem of scopeFiltersV2(settings.scope).problems)
      errors.push({ ...problem, field: ['input', ...problem.field] });
  if (settings.schedule) validateSchedule(settings.schedule, options.now, errors);
  return errors;
}

/** An endpoint override: only where the operator allows them, and only scheme, host and port. */
export function validateEndpointOverride(
  endpointOverride: string | null,
  allowCustomEndpoints: boolean,
  errors: UserErrorModel[],
): void {
  if (endpointOverride === null) return;
  const at = ['input', 'endpointOverride'];
  if (!allowCustomEndpoints) {
    errors.push(
      userError(
        at,
        'Custom endpoints are off on this service: credentials go to AWS only. An operator can allow them with HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS=true (for an emulator, VPC endpoints or FIPS).',
        'NOT_ALLOWED',
      ),
    );
  } else if (!isEndpointUrl(endpointOverride)) {
    errors.push(
      userError(
        at,
        'An endpoint is a URL with scheme, host and optional port, e.g. https://vpce-0abc.securityhub.us-east-1.vpce.amazonaws.com.',
        'INVALID',
      ),
    );
  }
}

/**
 * Scheme, host and optional port only: no path, query or fragment, and no user info, which would
 * let `https://securityhub.us-east-1.amazonaws.com@evil.example` read as AWS while going elsewhere.
 */
function isEndpointUrl(value: string): boolean {
  return /^https?:\/\/[^/?#@\s]+\/?$/.test(value) && URL.canParse(value);
}

/** The Regions' one partition (undefined when they have none or several, each reported). */
export function validateRegions(regions: string[], errors: UserErrorModel[]): string | undefined {
  if (regions.length === 0) {
    errors.push(userError(['input', 'regions'], 'Choose at least one Region.', 'REQUIRED'));
    return undefined;
  }
  if (regions.length > 30)
    errors.push(userError(['input', 'regions'], 'At most 30 Regions per connector.', 'OUT_OF_RANGE'));
  const partitions = new Set<string>();
  regions.forEach((region, index) => {
    const partition = partitionOfRegion(region);
    if (!partition) {
      errors.push(
        userError(
          ['input', 'regions', index],
          `"${region}" is not an AWS Region Hubgraph knows (e.g. us-east-1, eu-west-1, us-gov-west-1, cn-north-1).`,
          'INVALID',
        ),
      );
      return;
    }
    partitions.add(partition.id);
    if (regions.indexOf(region) !== index)
      errors.push(userError(['input', 'regions', index], `${region} is listed twice.`, 'DUPLICATE'));
  });
  if (partitions.size > 1) {
    const names = [...partitions]
      .map((id) => PARTITIONS.find((partition) => partition.id === id)!.name)
      .join(' and ');
    errors.push(
      userError(
        ['input', 'regions'],
        `The Regions span ${names}: credentials work in one partition only; create one connector per partition.`,
        'INVALID',
      ),
    );
  }
  return partitions.size === 1 ? [...partitions][0] : undefined;
}

function validateAuth(
  settings: ConnectorSettings,
  partition: string | undefined,
  errors: UserErrorModel[],
): void {
  const at = (field: string) => ['input', 'auth', field];
  const usesKeys =
    settings.authMode === 'ACCESS_KEY' ||
    (settings.authMode === 'ASSUME_ROLE' && settings.sourceMode === 'ACCESS_KEY');
  if (settings.authMode === 'ASSUME_ROLE') {
    if (settings.sourceMode === 'ASSUME_ROLE')
      errors.push(
        userError(
          at('sourceMode'),
          'The identity that assumes the role is DEFAULT_CHAIN or ACCESS_KEY.',
          'INVALID',
        ),
      );
    if (!settings.roleArn) {
      errors.push(
        userError(
          at('roleArn'),
          'ASSUME_ROLE needs the ARN of the role to assume, e.g. arn:aws:iam::123456789012:role/HubgraphSecurityHubReadOnly.',
          'REQUIRED',
        ),
      );
    } else if (!ROLE_ARN.test(settings.roleArn)) {
      errors.push(
        userError(
          at('roleArn'),
          `"${settings.roleArn}" is not an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<name>).`,
          'INVALID',
        ),
      );
    } else if (partition && settings.roleArn.split(':')[1] !== partition) {
      errors.push(
        userError(
          at('roleArn'),
          `The role is in partition ${settings.roleArn.split(':')[1]} but the Regions are in ${partition}.`,
          'INVALID',
        ),
      );
    }
  } else {
    if (settings.sourceMode)
      errors.push(userError(at('sourceMode'), 'sourceMode only applies to ASSUME_ROLE.', 'NOT_ALLOWED'));
    if (settings.roleArn)
      errors.push(userError(at('roleArn'), 'A role ARN only applies to ASSUME_ROLE.', 'NOT_ALLOWED'));
  }
  if (usesKeys) {
    if (!settings.accessKeyId)
      errors.push(userError(at('accessKeyId'), 'An access key id is required (AKIA… or ASIA…).', 'REQUIRED'));
    else if (!ACCESS_KEY_ID.test(settings.accessKeyId))
      errors.push(
        userError(
          at('accessKeyId'),
          'An access key id looks like AKIAIOSFODNN7EXAMPLE (AKIA or ASIA, then capitals and digits).',
          'INVALID',
        ),
      );
    if (settings.secretAccessKey === undefined && !settings.hasStoredSecret) {
      errors.push(
        userError(at('secretAccessKey'), 'The secret access key is required with an access key.', 'REQUIRED'),
      );
    } else if (
      settings.secretAccessKey !== undefined &&
      (settings.secretAccessKey.length < 16 || settings.secretAccessKey.length > 128)
    ) {
      errors.push(
        userError(
          at('secretAccessKey'),
          'A secret access key has 16 to 128 characters (usually 40).',
          'INVALID',
        ),
      );
    }
  } else if (settings.accessKeyId || settings.secretAccessKey !== undefined) {
    errors.push(
      userError(
        at('accessKeyId'),
        `Access keys are not used with ${settings.authMode === 'ASSUME_ROLE' ? 'ASSUME_ROLE from DEFAULT_CHAIN' : settings.authMode}; remove them or choose ACCESS_KEY.`,
        'NOT_ALLOWED',
      ),
    );
  }
  if (settings.roleSessionName !== null && !SESSION_NAME.test(settings.roleSessionName)) {
    errors.push(
      userError(
        at('roleSessionName'),
        'A session name has 2 to 64 letters, digits or + = , . @ _ -.',
        'INVALID',
      ),
    );
  }
  if (
    !Number.isInteger(settings.sessionDurationSeconds) ||
    settings.sessionDurationSeconds < 900 ||
    settings.sessionDurationSeconds > 43_200
  ) {
    errors.push(
      userError(
        at('sessionDurationSeconds'),
        `A session lasts 900 to 43200 seconds (15 minutes to 12 hours); got ${settings.sessionDurationSeconds}.`,
        'OUT_OF_RANGE',
      ),
    );
  }
}

function validateScope(scope: ConnectorScope, errors: UserErrorModel[]): void {
  const at = (...field: (string | number)[]) => ['input', 'scope', ...field];
  if (scope.dataTypes.length === 0)
    errors.push(userError(at('dataTypes'), 'Choose what to sync: ASSETS, FINDINGS or both.', 'REQUIRED'));
  for (const [field, attribute] of Object.entries(SCOPE_FILTER_ATTRIBUTES)) {
    const values = scope[field as keyof typeof SCOPE_FILTER_ATTRIBUTES];
    if (values.length > 20) {
      errors.push(
        userError(
          at(field),
          `Security Hub filters take at most 20 values per attribute (${attribute}); got ${values.length}.`,
          'OUT_OF_RANGE',
        ),
      );
    }
    if (values.length > 0 && scope.awsFilters?.[attribute] !== undefined) {
      errors.push(
        userError(
          at('awsFilters', attribute),
          `${attribute} is set both by scope.${field} and in awsFilters; keep one.`,
          'DUPLICATE',
        ),
      );
    }
  }
  for (const problem of validateFindingFilters(scope.awsFilters, ['input', 'scope', 'awsFilters'])) {
    errors.push(
      userError(
        problem.path,
        problem.message,
        problem.message.includes('exceeds the limit') ? 'OUT_OF_RANGE' : 'INVALID',
      ),
    );
  }
  const attributes =
    Object.entries(SCOPE_FILTER_ATTRIBUTES).filter(
      ([field]) => scope[field as keyof typeof SCOPE_FILTER_ATTRIBUTES].length > 0,
    ).length + Object.keys(scope.awsFilters ?? {}).length;
  // Security Hub takes 10 filter attributes per request, and every sync request spends one on the
  // `UpdatedAt` window it reads.
  if (attributes > 9)
    errors.push(
      userError(
        at(),
        `The scope filters on ${attributes} attributes; Security Hub allows 10 per request and the sync needs one for UpdatedAt, so at most 9.`,
        'OUT_OF_RANGE',
      ),
    );
  if (scope.awsFilters?.UpdatedAt !== undefined)
    errors.push(
      userError(
        at('awsFilters', 'UpdatedAt'),
        'The sync reads by UpdatedAt itself (incrementally, from where the last run ended); filter on CreatedAt, LastObservedAt or another date instead.',
        'NOT_ALLOWED',
      ),
    );
}

/** GetFindingsV2's limit on `Scopes.AwsOrganizations` (research/ocsf-v2.md §1). */
export const MAX_ORGANIZATION_SCOPES = 10;
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ORGANIZATIONAL_UNIT_ID = /^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/;

/**
 * Organisation scopes: AWS's id formats, at most 10, and only where the new Security Hub is read —
 * CSPM has no Scopes, and silently reading the whole organisation there would widen the scope.
 */
function validateOrganizations(settings: ConnectorSettings, errors: UserErrorModel[]): void {
  const organizations = settings.scope.organizations ?? [];
  if (organizations.length === 0) return;
  const at = (...field: (string | number)[]) => ['input', 'scope', 'organizations', ...field];
  if (settings.api === 'CSPM')
    errors.push(
      userError(
        at(),
        'Organisation scopes are for the new Security Hub (a delegated administrator reading GetFindingsV2); Security Hub CSPM has no such scope. Set api to V2 or BOTH, or narrow a CSPM connector by account with scope.awsFilters.AwsAccountId.',
        'NOT_ALLOWED',
      ),
    );
  if (organizations.length > MAX_ORGANIZATION_SCOPES)
    errors.push(
      userError(
        at(),
        `The new Security Hub takes at most ${MAX_ORGANIZATION_SCOPES} organisation scopes per request; got ${organizations.length}.`,
        'OUT_OF_RANGE',
      ),
    );
  organizations.forEach((entry, index) => {
    if (!entry.organizationId && !entry.organizationalUnitId)
      errors.push(
        userError(
          at(index),
          'Give an organizationId (o-…), an organizationalUnitId (ou-…), or both.',
          'REQUIRED',
        ),
      );
    if (entry.organizationId && !ORGANIZATION_ID.test(entry.organizationId))
      errors.push(
        userError(
          at(index, 'organizationId'),
          `${entry.organizationId} is not an organisation id: AWS Organizations names one o- and 10 to 32 lowercase letters or digits, e.g. o-a1b2c3d4e5.`,
          'INVALID',
        ),
      );
    if (entry.organizationalUnitId && !ORGANIZATIONAL_UNIT_ID.test(entry.organizationalUnitId))
      errors.push(
        userError(
          at(index, 'organizationalUnitId'),
          `${entry.organizationalUnitId} is not an organizational unit id: AWS Organizations names one ou-<root>-<unit>, e.g. ou-ab12-cd34ef56.`,
          'INVALID',
        ),
      );
  });
}

function validateSchedule(schedule: ConnectorSchedule, now: Date, errors: UserErrorModel[]): void {
  const at = (field: string) => ['input', 'schedule', field];
  if (schedule.kind === 'ONCE') {
    if (schedule.intervalMinutes !== null || schedule.cron !== null)
      errors.push(
        userError(at('kind'), 'A ONCE schedule has no interval or cron; use RECURRING.', 'INVALID'),
      );
  } else if ((schedule.intervalMinutes === null) === (schedule.cron === null)) {
    errors.push(
      userError(
        at('intervalMinutes'),
        'A RECURRING schedule needs either intervalMinutes or cron (not both).',
        'REQUIRED',
      ),
    );
  } else if (
    schedule.intervalMinutes !== null &&
    (schedule.intervalMinutes < MIN_INTERVAL_MINUTES || schedule.intervalMinutes > 31 * 24 * 60)
  ) {
    errors.push(
      userError(
        at('intervalMinutes'),
        `Syncs run at most every ${MIN_INTERVAL_MINUTES} minutes (and at least monthly); got ${schedule.intervalMinutes}.`,
        'OUT_OF_RANGE',
      ),
    );
  } else if (schedule.cron !== null) {
    try {
      const runs = CronExpressionParser.parse(schedule.cron, { tz: 'UTC', currentDate: now });
      const first = runs.next().getTime();
      const second = runs.next().getTime();
      if (second - first < MIN_INTERVAL_MINUTES * 60_000) {
        errors.push(
          userError(
            at('cron'),
            `"${schedule.cron}" runs more often than every ${MIN_INTERVAL_MINUTES} minutes.`,
            'OUT_OF_RANGE',
          ),
        );
      }
    } catch (error) {
      errors.push(
        userError(
          at('cron'),
          `"${schedule.cron}" is not a cron expression (${(error as Error).message}); e.g. "0 */6 * * *".`,
          'INVALID',
        ),
      );
    }
  }
  if (schedule.startAt && schedule.endAt && Date.parse(schedule.endAt) <= Date.parse(schedule.startAt)) {
    errors.push(userError(at('endAt'), 'The schedule must end after it starts.', 'INVALID'));
  }
  if (schedule.endAt && Date.parse(schedule.endAt) <= now.getTime()) {
    errors.push(userError(at('endAt'), 'The schedule would end in the past.', 'INVALID'));
  }
}

/**
 * The next run time of a schedule, or null when it has none left. An interval counts from its
 * start (the job engine's RRULE is anchored there too), so it does not drift with each save.
 */
export function nextRunAt(schedule: ConnectorSchedule | null, now: Date, createdAt: Date = now): Date | null {
  if (!schedule) return null;
  const start = schedule.startAt ? new Date(schedule.startAt) : createdAt;
  let next: Date;
  if (schedule.kind === 'ONCE') next = start.getTime() > now.getTime() ? start : now;
  else if (schedule.intervalMinutes !== null) {
    const step = schedule.intervalMinutes * 60_000;
    const elapsed = now.getTime() - start.getTime();
    next = elapsed <= 0 ? start : new Date(start.getTime() + Math.ceil(elapsed / step) * step);
  } else {
    const from = start.getTime() > now.getTime() ? start : now;
    next = CronExpressionParser.parse(schedule.cron!, {
      tz: 'UTC',
      currentDate: new Date(from.getTime() - 1),
    })
      .next()
      .toDate();
  }
  if (schedule.endAt && next.getTime() > Date.parse(schedule.endAt)) return null;
  return next;
}
