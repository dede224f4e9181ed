import { BlockList, isIP } from 'node:net';
import type {
  AwsSecurityFinding,
  AwsSecurityFindingFilters,
  SortCriterion,
} from '@aws-sdk/client-securityhub';
import * as securityHub from '@aws-sdk/client-securityhub';
import { compilePath } from '../../mapping/paths.ts';

// GetFindings' AwsSecurityFindingFilters, with AWS's documented semantics (research/aws-api.md §2):
// attributes AND together; positive comparisons on one attribute OR, negative ones AND; PREFIX is
// applied before the negatives; CONTAINS only with CONTAINS, NOT_CONTAINS only with NOT_CONTAINS;
// EQUALS never with NOT_EQUALS or PREFIX_NOT_EQUALS; at most 10 attributes and 20 values each.
// Strict on purpose: an emulator more lenient than AWS lets tests pass that production fails.

export class FilterValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterValidationError';
  }
}

type Kind = 'string' | 'number' | 'date' | 'boolean' | 'map' | 'ip' | 'keyword';

/** Filter attribute -> where it reads in the finding (paths in the mapping path language). */
const PATHS: Record<string, string> = {
  ProductArn: 'ProductArn',
  AwsAccountId: 'AwsAccountId',
  Id: 'Id',
  GeneratorId: 'GeneratorId',
  Region: 'Region',
  Type: 'Types[*]',
  FirstObservedAt: 'FirstObservedAt',
  LastObservedAt: 'LastObservedAt',
  CreatedAt: 'CreatedAt',
  UpdatedAt: 'UpdatedAt',
  SeverityProduct: 'Severity.Product',
  SeverityNormalized: 'Severity.Normalized',
  SeverityLabel: 'Severity.Label',
  Confidence: 'Confidence',
  Criticality: 'Criticality',
  Title: 'Title',
  Description: 'Description',
  RecommendationText: 'Remediation.Recommendation.Text',
  SourceUrl: 'SourceUrl',
  ProductFields: 'ProductFields',
  ProductName: 'ProductName',
  CompanyName: 'CompanyName',
  UserDefinedFields: 'UserDefinedFields',
  MalwareName: 'Malware[*].Name',
  MalwareType: 'Malware[*].Type',
  MalwarePath: 'Malware[*].Path',
  MalwareState: 'Malware[*].State',
  NetworkDirection: 'Network.Direction',
  NetworkProtocol: 'Network.Protocol',
  NetworkSourceIpV4: 'Network.SourceIpV4',
  NetworkSourceIpV6: 'Network.SourceIpV6',
  NetworkSourcePort: 'Network.SourcePort',
  NetworkSourceDomain: 'Network.SourceDomain',
  NetworkSourceMac: 'Network.SourceMac',
  NetworkDestinationIpV4: 'Network.DestinationIpV4',
  NetworkDestinationIpV6: 'Network.DestinationIpV6',
  NetworkDestinationPort: 'Network.DestinationPort',
  NetworkDestinationDomain: 'Network.DestinationDomain',
  ProcessName: 'Process.Name',
  ProcessPath: 'Process.Path',
  ProcessPid: 'Process.Pid',
  ProcessParentPid: 'Process.ParentPid',
  ProcessLaunchedAt: 'Process.LaunchedAt',
  ProcessTerminatedAt: 'Process.TerminatedAt',
  ThreatIntelIndicatorType: 'ThreatIntelIndicators[*].Type',
  ThreatIntelIndicatorValue: 'ThreatIntelIndicators[*].Value',
  ThreatIntelIndicatorCategory: 'ThreatIntelIndicators[*].Category',
  ThreatIntelIndicatorLastObservedAt: 'ThreatIntelIndicators[*].LastObservedAt',
  ThreatIntelIndicatorSource: 'ThreatIntelIndicators[*].Source',
  ThreatIntelIndicatorSourceUrl: 'ThreatIntelIndicators[*].SourceUrl',
  ResourceType: 'Resources[*].Type',
  ResourceId: 'Resources[*].Id',
  ResourcePartition: 'Resources[*].Partition',
  ResourceRegion: 'Resources[*].Region',
  ResourceTags: 'Resources[*].Tags',
  ResourceAwsEc2InstanceType: 'Resources[*].Details.AwsEc2Instance.Type',
  ResourceAwsEc2InstanceImageId: 'Resources[*].Details.AwsEc2Instance.ImageId',
  ResourceAwsEc2InstanceIpV4Addresses: 'Resources[*].Details.AwsEc2Instance.IpV4Addresses[*]',
  ResourceAwsEc2InstanceIpV6Addresses: 'Resources[*].Details.AwsEc2Instance.IpV6Addresses[*]',
  ResourceAwsEc2InstanceKeyName: 'Resources[*].Details.AwsEc2Instance.KeyName',
  ResourceAwsEc2InstanceIamInstanceProfileArn: 'Resources[*].Details.AwsEc2Instance.IamInstanceProfileArn',
  ResourceAwsEc2InstanceVpcId: 'Resources[*].Details.AwsEc2Instance.VpcId',
  ResourceAwsEc2InstanceSubnetId: 'Resources[*].Details.AwsEc2Instance.SubnetId',
  ResourceAwsEc2InstanceLaunchedAt: 'Resources[*].Details.AwsEc2Instance.LaunchedAt',
  ResourceAwsS3BucketOwnerId: 'Resources[*].Details.AwsS3Bucket.OwnerId',
  ResourceAwsS3BucketOwnerName: 'Resources[*].Details.AwsS3Bucket.OwnerName',
  ResourceAwsIamAccessKeyUserName: 'Resources[*].Details.AwsIamAccessKey.UserName',
  ResourceAwsIamAccessKeyPrincipalName: 'Resources[*].Details.AwsIamAccessKey.PrincipalName',
  ResourceAwsIamAccessKeyStatus: 'Resources[*].Details.AwsIamAccessKey.Status',
  ResourceAwsIamAccessKeyCreatedAt: 'Resources[*].Details.AwsIamAccessKey.CreatedAt',
  ResourceAwsIamUserUserName: 'Resources[*].Details.AwsIamUser.UserName',
  ResourceContainerName: 'Resources[*].Details.Container.Name',
  ResourceContainerImageId: 'Resources[*].Details.Container.ImageId',
  ResourceContainerImageName: 'Resources[*].Details.Container.ImageName',
  ResourceContainerLaunchedAt: 'Resources[*].Details.Container.LaunchedAt',
  ResourceDetailsOther: 'Resources[*].Details.Other',
  ComplianceStatus: 'Compliance.Status',
  VerificationState: 'VerificationState',
  WorkflowState: 'WorkflowState',
  WorkflowStatus: 'Workflow.Status',
  RecordState: 'RecordState',
  RelatedFindingsProductArn: 'RelatedFindings[*].ProductArn',
  RelatedFindingsId: 'RelatedFindings[*].Id',
  NoteText: 'Note.Text',
  NoteUpdatedAt: 'Note.UpdatedAt',
  NoteUpdatedBy: 'Note.UpdatedBy',
  FindingProviderFieldsConfidence: 'FindingProviderFields.Confidence',
  FindingProviderFieldsCriticality: 'FindingProviderFields.Criticality',
  FindingProviderFieldsRelatedFindingsId: 'FindingProviderFields.RelatedFindings[*].Id',
  FindingProviderFieldsRelatedFindingsProductArn: 'FindingProviderFields.RelatedFindings[*].ProductArn',
  FindingProviderFieldsSeverityLabel: 'FindingProviderFields.Severity.Label',
  FindingProviderFieldsSeverityOriginal: 'FindingProviderFields.Severity.Original',
  FindingProviderFieldsTypes: 'FindingProviderFields.Types[*]',
  Sample: 'Sample',
  ComplianceSecurityControlId: 'Compliance.SecurityControlId',
  ComplianceAssociatedStandardsId: 'Compliance.AssociatedStandards[*].StandardsId',
  VulnerabilitiesExploitAvailable: 'Vulnerabilities[*].ExploitAvailable',
  VulnerabilitiesFixAvailable: 'Vulnerabilities[*].FixAvailable',
  ComplianceSecurityControlParametersName: 'Compliance.SecurityControlParameters[*].Name',
  ComplianceSecurityControlParametersValue: 'Compliance.SecurityControlParameters[*].Value[*]',
  AwsAccountName: 'AwsAccountName',
  ResourceApplicationName: 'Resources[*].ApplicationName',
  ResourceApplicationArn: 'Resources[*].ApplicationArn',
  ResourceOwnerAccountId: 'Resources[*].Owner.Account.Id',
  ResourceOwnerOrgId: 'Resources[*].Owner.Org.Id',
  ResourceProvider: 'Resources[*].Provider',
};

/** Every filter attribute the SDK defines, with its kind, read from the SDK's schema. */
export const FILTER_ATTRIBUTES: ReadonlyMap<
  string,
  { kind: Kind; read: (finding: AwsSecurityFinding) => unknown[] }
> = (() => {
  const schema = (securityHub as unknown as Record<string, unknown[]>).AwsSecurityFindingFilters$!;
  const names = schema[4] as string[];
  const lists = schema[5] as (() => unknown[])[];
  const kinds: Record<string, Kind> = {
    StringFilterList: 'string',
    NumberFilterList: 'number',
    DateFilterList: 'date',
    BooleanFilterList: 'boolean',
    MapFilterList: 'map',
    IpFilterList: 'ip',
    KeywordFilterList: 'keyword',
  };
  const attributes = new Map<string, { kind: Kind; read: (finding: AwsSecurityFinding) => unknown[] }>();
  names.forEach((name, index) => {
    const kind = kinds[String(lists[index]!()[2])];
    if (!kind) throw new Error(`unknown filter list type for ${name}`);
    if (kind === 'keyword') {
      // Deprecated by AWS; matches the value anywhere in the finding's text fields.
      attributes.set(name, {
        kind,
        read: (finding) => [finding.Title, finding.Description, ...(finding.Types ?? [])].filter(Boolean),
      });
      return;
    }
    const path = PATHS[name];
    if (!path) throw new Error(`no path for filter attribute ${name}`);
    const compiled = compilePath(path);
    attributes.set(name, {
      kind,
      read: (finding) => {
        const value = compiled.read(finding);
        if (value === undefined || value === null) return [];
        return compiled.type.many ? (value as unknown[]) : [value];
      },
    });
  });
  return attributes;
})();

const MAX_ATTRIBUTES = 10;
const MAX_VALUES = 20;
const STRING_COMPARISONS = new Set([
  'EQUALS',
  'PREFIX',
  'NOT_EQUALS',
  'PREFIX_NOT_EQUALS',
  'CONTAINS',
  'NOT_CONTAINS',
]);
const MAP_COMPARISONS = new Set(['EQUALS', 'NOT_EQUALS', 'CONTAINS', 'NOT_CONTAINS']);
const POSITIVE = new Set(['EQUALS', 'PREFIX', 'CONTAINS']);
const ASFF_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;
const DAY = 86_400_000;

type Predicate = (finding: AwsSecurityFinding) => boolean;

/** Validates the filters as AWS does and compiles them to one predicate; throws FilterValidationError. */
export function compileFindingFilters(filters: AwsSecurityFindingFilters | undefined, now: Date): Predicate {
  if (filters === undefined || filters === null) return () => true;
  if (typeof filters !== 'object' || Array.isArray(filters))
    throw new FilterValidationError('Filters must be an object.');
  const used = Object.entries(filters).filter(([, value]) => value !== undefined && value !== null);
  for (const [name] of used) {
    if (!FILTER_ATTRIBUTES.has(name))
      throw new FilterValidationError(`Filters.${name} is not a valid filter attribute.`);
  }
  const active = used.filter(([, value]) => !(Array.isArray(value) && value.length === 0));
  if (active.length > MAX_ATTRIBUTES) {
    throw new FilterValidationError(
      `The number of filter attributes (${active.length}) exceeds the limit of ${MAX_ATTRIBUTES}.`,
    );
  }
  const predicates = active.map(([name, value]) => {
    if (!Array.isArray(value)) throw new FilterValidationError(`Filters.${name} must be a list of filters.`);
    if (value.length > MAX_VALUES) {
      throw new FilterValidationError(
        `The number of values (${value.length}) for filter attribute ${name} exceeds the limit of ${MAX_VALUES}.`,
      );
    }
    const attribute = FILTER_ATTRIBUTES.get(name)!;
    const read = attribute.read;
    switch (attribute.kind) {
      case 'string':
        return stringPredicate(name, value, (finding) => read(finding).map(String));
      case 'map':
        return mapPredicate(name, value, read);
      case 'number':
        return numberPredicate(name, value, read);
      case 'date':
        return datePredicate(name, value, read, now);
      case 'boolean':
        return booleanPredicate(name, value, read);
      case 'ip':
        return ipPredicate(name, value, read);
      case 'keyword':
        return keywordPredicate(name, value, read);
      default:
        throw new FilterValidationError(`Filters.${name} is not supported.`);
    }
  });
  return (finding) => predicates.every((predicate) => predicate(finding));
}

interface StringCondition {
  Value?: unknown;
  Comparison?: unknown;
}

function stringPredicate(
  name: string,
  conditions: StringCondition[],
  values: (finding: AwsSecurityFinding) => string[],
  allowed = STRING_COMPARISONS,
): Predicate {
  for (const condition of conditions) {
    if (typeof condition?.Value !== 'string')
      throw new FilterValidationError(`Filters.${name}: every filter needs a string Value.`);
    if (condition.Comparison === 'CONTAINS_WORD') {
      throw new FilterValidationError(
        `Filters.${name}: CONTAINS_WORD is supported only by the V2 APIs (GetFindingsV2).`,
      );
    }
    if (typeof condition.Comparison !== 'string' || !allowed.has(condition.Comparison)) {
      throw new FilterValidationError(
        `Filters.${name}: Comparison must be one of ${[...allowed].join(', ')}.`,
      );
    }
  }
  const comparisons = new Set(conditions.map((condition) => condition.Comparison as string));
  if (comparisons.has('CONTAINS') && comparisons.size > 1) {
    throw new FilterValidationError(
      `Filters.${name}: CONTAINS can only be combined with other CONTAINS filters.`,
    );
  }
  if (comparisons.has('NOT_CONTAINS') && comparisons.size > 1) {
    throw new FilterValidationError(
      `Filters.${name}: NOT_CONTAINS can only be combined with other NOT_CONTAINS filters.`,
    );
  }
  if (comparisons.has('EQUALS') && (comparisons.has('NOT_EQUALS') || comparisons.has('PREFIX_NOT_EQUALS'))) {
    throw new FilterValidationError(
      `Filters.${name}: EQUALS cannot be combined with NOT_EQUALS or PREFIX_NOT_EQUALS.`,
    );
  }
  const positives = conditions.filter((condition) => POSITIVE.has(condition.Comparison as string));
  const negatives = conditions.filter((condition) => !POSITIVE.has(condition.Comparison as string));
  return (finding) => {
    const present = values(finding);
    if (
      positives.length > 0 &&
      !positives.some((condition) => present.some((value) => matches(condition, value)))
    )
      return false;
    return negatives.every((condition) => !present.some((value) => matches(condition, value)));
  };
}

/** Whether a value matches a comparison's positive form (NOT_EQUALS x matches when value is x). */
function matches(condition: StringCondition, value: string): boolean {
  const target = condition.Value as string;
  switch (condition.Comparison) {
    case 'EQUALS':
    case 'NOT_EQUALS':
      return value === target;
    case 'PREFIX':
    case 'PREFIX_NOT_EQUALS':
      return value.startsWith(target);
    case 'CONTAINS':
    case 'NOT_CONTAINS':
      return value.includes(target);
    default:
      return false;
  }
}

function mapPredicate(
  name: string,
  conditions: (StringCondition & { Key?: unknown })[],
  read: (finding: AwsSecurityFinding) => unknown[],
): Predicate {
  for (const condition of conditions) {
    if (typeof condition?.Key !== 'string' || condition.Key === '')
      throw new FilterValidationError(`Filters.${name}: every map filter needs a Key.`);
  }
  // Conditions on different keys behave like different attributes (AND); on one key, as a string filter.
  const byKey = new Map<string, StringCondition[]>();
  for (const condition of conditions)
    byKey.set(condition.Key as string, [...(byKey.get(condition.Key as string) ?? []), condition]);
  const predicates = [...byKey].map(([key, keyed]) =>
    stringPredicate(
      `${name}[${key}]`,
      keyed,
      (finding) =>
        read(finding)
          .map((map) => (map as Record<string, unknown>)?.[key])
          .filter((value): value is string => typeof value === 'string'),
      MAP_COMPARISONS,
    ),
  );
  return (finding) => predicates.every((predicate) => predicate(finding));
}

function numberPredicate(
  name: string,
  conditions: Record<string, unknown>[],
  read: (finding: AwsSecurityFinding) => unknown[],
): Predicate {
  const bounds = conditions.map((condition) => {
    const keys = ['Gte', 'Lte', 'Eq', 'Gt', 'Lt'].filter(
      (key) => condition?.[key] !== undefined && condition[key] !== null,
    );
    if (keys.length === 0)
      throw new FilterValidationError(`Filters.${name}: a number filter needs Gte, Lte, Eq, Gt or Lt.`);
    for (const key of keys) {
      if (typeof condition[key] !== 'number' || !Number.isFinite(condition[key]))
        throw new FilterValidationError(`Filters.${name}.${key} must be a number.`);
    }
    if (keys.includes('Eq') && keys.length > 1)
      throw new FilterValidationError(`Filters.${name}: Eq cannot be combined with other bounds.`);
    return condition as { Gte?: number; Lte?: number; Eq?: number; Gt?: number; Lt?: number };
  });
  return (finding) => {
    const numbers = read(finding).filter((value): value is number => typeof value === 'number');
    return bounds.some((bound) =>
      numbers.some(
        (value) =>
          (bound.Eq === undefined || value === bound.Eq) &&
          (bound.Gte === undefined || value >= bound.Gte) &&
          (bound.Lte === undefined || value <= bound.Lte) &&
          (bound.Gt === undefined || value > bound.Gt) &&
          (bound.Lt === undefined || value < bound.Lt),
      ),
    );
  };
}

function datePredicate(
  name: string,
  conditions: Record<string, unknown>[],
  read: (finding: AwsSecurityFinding) => unknown[],
  now: Date,
): Predicate {
  const windows = conditions.map((condition) => {
    const range = condition?.DateRange as
      | { Value?: unknown; Unit?: unknown; Comparison?: unknown }
      | undefined;
    const hasStart = condition?.Start !== undefined && condition.Start !== null;
    const hasEnd = condition?.End !== undefined && condition.End !== null;
    if (range) {
      if (hasStart || hasEnd)
        throw new FilterValidationError(`Filters.${name}: use either Start and End, or DateRange, not both.`);
      if (!Number.isInteger(range.Value) || (range.Value as number) < 1)
        throw new FilterValidationError(`Filters.${name}.DateRange.Value must be a positive whole number.`);
      if (range.Unit !== 'DAYS')
        throw new FilterValidationError(`Filters.${name}.DateRange.Unit must be DAYS.`);
      const comparison = range.Comparison ?? 'WITHIN';
      if (comparison !== 'WITHIN' && comparison !== 'OLDER_THAN')
        throw new FilterValidationError(`Filters.${name}.DateRange.Comparison must be WITHIN or OLDER_THAN.`);
      const cutoff = now.getTime() - (range.Value as number) * DAY;
      return comparison === 'WITHIN'
        ? { from: cutoff, to: now.getTime() }
        : { from: Number.NEGATIVE_INFINITY, to: cutoff - 1 };
    }
    if (!hasStart || !hasEnd) {
      throw new FilterValidationError(
        `Filters.${name}: a date filter needs both Start and End (or a DateRange).`,
      );
    }
    const start = parseDate(name, 'Start', condition.Start);
    const end = parseDate(name, 'End', condition.End);
    if (start > end) throw new FilterValidationError(`Filters.${name}: Start must not be after End.`);
    return { from: start, to: end };
  });
  return (finding) => {
    const times = read(finding)
      .map((value) => (typeof value === 'string' ? Date.parse(value) : Number.NaN))
      .filter((time) => !Number.isNaN(time));
    return windows.some((window) => times.some((time) => time >= window.from && time <= window.to));
  };
}

function parseDate(name: string, field: string, value: unknown): number {
  if (typeof value !== 'string' || !ASFF_DATE.test(value) || Number.isNaN(Date.parse(value))) {
    throw new FilterValidationError(
      `Filters.${name}.${field} is not a valid date-time (expected e.g. 2026-01-31T12:00:00.000Z): ${String(value)}`,
    );
  }
  return Date.parse(value);
}

function booleanPredicate(
  name: string,
  conditions: { Value?: unknown }[],
  read: (finding: AwsSecurityFinding) => unknown[],
): Predicate {
  for (const condition of conditions) {
    if (typeof condition?.Value !== 'boolean')
      throw new FilterValidationError(`Filters.${name}.Value must be true or false.`);
  }
  return (finding) => {
    const values = read(finding);
    return conditions.some(
      (condition) => values.includes(condition.Value) || (values.length === 0 && condition.Value === false),
    );
  };
}

function ipPredicate(
  name: string,
  conditions: { Cidr?: unknown }[],
  read: (finding: AwsSecurityFinding) => unknown[],
): Predicate {
  const blocks = conditions.map((condition) => {
    const cidr = condition?.Cidr;
    const match = typeof cidr === 'string' ? /^([^/]+)\/(\d{1,3})$/.exec(cidr) : null;
    const family = match ? isIP(match[1]!) : 0;
    const prefix = match ? Number(match[2]) : -1;
    if (!match || family === 0 || prefix > (family === 4 ? 32 : 128)) {
      throw new FilterValidationError(`Filters.${name}.Cidr is not a valid CIDR block: ${String(cidr)}`);
    }
    const list = new BlockList();
    list.addSubnet(match[1]!, prefix, family === 4 ? 'ipv4' : 'ipv6');
    return { list, type: family === 4 ? ('ipv4' as const) : ('ipv6' as const) };
  });
  return (finding) =>
    read(finding).some((value) => {
      if (typeof value !== 'string') return false;
      const family = isIP(value);
      return (
        family !== 0 &&
        blocks.some(
          (block) => block.type === (family === 4 ? 'ipv4' : 'ipv6') && block.list.check(value, block.type),
        )
      );
    });
}

function keywordPredicate(
  name: string,
  conditions: { Value?: unknown }[],
  read: (finding: AwsSecurityFinding) => unknown[],
): Predicate {
  for (const condition of conditions) {
    if (typeof condition?.Value !== 'string' || condition.Value === '')
      throw new FilterValidationError(`Filters.${name}.Value must be a non-empty string.`);
  }
  return (finding) => {
    const texts = read(finding).map(String);
    return conditions.some((condition) => texts.some((text) => text.includes(condition.Value as string)));
  };
}

/** Validates SortCriteria and returns a comparator; ties break on (ProductArn, Id), so order is total. */
export function compareFindings(
  sort: SortCriterion[] | undefined,
): (a: AwsSecurityFinding, b: AwsSecurityFinding) => number {
  // AWS does not document its default order; newest update first is what clients expect.
  const criteria = sort && sort.length > 0 ? sort : [{ Field: 'UpdatedAt', SortOrder: 'desc' as const }];
  if (!Array.isArray(criteria)) throw new FilterValidationError('SortCriteria must be a list.');
  const keys = criteria.map((criterion, index) => {
    const field = criterion?.Field;
    const attribute = typeof field === 'string' ? FILTER_ATTRIBUTES.get(field) : undefined;
    if (!attribute || attribute.kind === 'map' || attribute.kind === 'keyword') {
      throw new FilterValidationError(
        `SortCriteria[${index}].Field "${String(field)}" is not a sortable finding attribute.`,
      );
    }
    const order = criterion.SortOrder ?? 'asc';
    if (order !== 'asc' && order !== 'desc')
      throw new FilterValidationError(`SortCriteria[${index}].SortOrder must be asc or desc.`);
    const sign = order === 'asc' ? 1 : -1;
    const isDate = attribute.kind === 'date';
    const value = (finding: AwsSecurityFinding) => {
      const first = attribute.read(finding)[0];
      if (first === undefined) return undefined;
      return isDate ? Date.parse(String(first)) : (first as string | number | boolean);
    };
    return { value, sign };
  });
  return (a, b) => {
    for (const key of keys) {
      const x = key.value(a);
      const y = key.value(b);
      if (x === y) continue;
      // Findings without the attribute sort last, whatever the direction.
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      return (x < y ? -1 : 1) * key.sign;
    }
    return a.ProductArn! < b.ProductArn!
      ? -1
      : a.ProductArn! > b.ProductArn!
        ? 1
        : a.Id! < b.Id!
          ? -1
          : a.Id! > b.Id!
            ? 1
            : 0;
  };
}
