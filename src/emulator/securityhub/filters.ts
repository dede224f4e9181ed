import { BlockList, isIP } from 'node:net';
import type {
  AwsSecurityFinding,
  AwsSecurityFindingFilters,
  SortCriterion,
} from '@aws-sdk/client-securityhub';
import { FILTER_KINDS, type FilterKind, validateFindingFilters } from '../../aws/finding-filters.ts';
import { compilePath } from '../../mapping/paths.ts';

// GetFindings' AwsSecurityFindingFilters evaluated with AWS's documented semantics
// (research/aws-api.md §2): attributes AND together; positive comparisons on one attribute OR,
// negative ones AND; PREFIX is applied before the negatives. Validation (limits, comparison rules)
// is src/aws/finding-filters.ts, shared with connectors: strict on purpose, because an emulator more
// lenient than AWS lets tests pass that production fails.

export class FilterValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterValidationError';
  }
}

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

/** Every filter attribute the SDK defines: its kind and how to read it from a finding. */
export const FILTER_ATTRIBUTES: ReadonlyMap<
  string,
  { kind: FilterKind; read: (finding: AwsSecurityFinding) => unknown[] }
> = new Map(
  [...FILTER_KINDS].map(([name, kind]) => {
    if (kind === 'keyword') {
      // Deprecated by AWS; matches the value anywhere in the finding's text fields.
      const read = (finding: AwsSecurityFinding): unknown[] =>
        [finding.Title, finding.Description, ...(finding.Types ?? [])].filter(Boolean);
      return [name, { kind, read }] as [
        string,
        { kind: FilterKind; read: (finding: AwsSecurityFinding) => unknown[] },
      ];
    }
    const path = PATHS[name];
    if (!path) throw new Error(`no path for filter attribute ${name}`);
    const compiled = compilePath(path);
    const read = (finding: AwsSecurityFinding) => {
      const value = compiled.read(finding);
      if (value === undefined || value === null) return [];
      return compiled.type.many ? (value as unknown[]) : [value];
    };
    return [name, { kind, read }] as [
      string,
      { kind: FilterKind; read: (finding: AwsSecurityFinding) => unknown[] },
    ];
  }),
);

const POSITIVE = new Set(['EQUALS', 'PREFIX', 'CONTAINS']);
const DAY = 86_400_000;

type Predicate = (finding: AwsSecurityFinding) => boolean;

/** Validates the filters as AWS does and compiles them to one predicate; throws FilterValidationError. */
export function compileFindingFilters(filters: AwsSecurityFindingFilters | undefined, now: Date): Predicate {
  const problems = validateFindingFilters(filters);
  if (problems.length > 0) throw new FilterValidationError(problems[0]!.message);
  if (filters === undefined || filters === null) return () => true;
  const active = Object.entries(filters).filter(([, value]) => Array.isArray(value) && value.length > 0) as [
    string,
    Record<string, unknown>[],
  ][];
  const predicates = active.map(([name, conditions]) => {
    const { kind, read } = FILTER_ATTRIBUTES.get(name)!;
    switch (kind) {
      case 'string':
        return stringPredicate(conditions, (finding) => read(finding).map(String));
      case 'map':
        return mapPredicate(conditions, read);
      case 'number':
        return numberPredicate(conditions, read);
      case 'date':
        return datePredicate(conditions, read, now);
      case 'boolean':
        return booleanPredicate(conditions, read);
      case 'ip':
        return ipPredicate(conditions, read);
      case 'keyword':
        return keywordPredicate(conditions, read);
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
  conditions: StringCondition[],
  values: (finding: AwsSecurityFinding) => string[],
): Predicate {
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

/** Conditions on different keys behave like different attributes (AND); on one key, as a string filter. */
function mapPredicate(
  conditions: (StringCondition & { Key?: unknown })[],
  read: (finding: AwsSecurityFinding) => unknown[],
): Predicate {
  const byKey = new Map<string, StringCondition[]>();
  for (const condition of conditions)
    byKey.set(condition.Key as string, [...(byKey.get(condition.Key as string) ?? []), condition]);
  const predicates = [...byKey].map(([key, keyed]) =>
    stringPredicate(keyed, (finding) =>
      read(finding)
        .map((map) => (map as Record<string, unknown>)?.[key])
        .filter((value): value is string => typeof value === 'string'),
    ),
  );
  return (finding) => predicates.every((predicate) => predicate(finding));
}

function numberPredicate(
  conditions: Record<string, unknown>[],
  read: (finding: AwsSecurityFinding) => unknown[],
): Predicate {
  const bounds = conditions as { Gte?: number; Lte?: number; Eq?: number; Gt?: number; Lt?: number }[];
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
  conditions: Record<string, unknown>[],
  read: (finding: AwsSecurityFinding) => unknown[],
  now: Date,
): Predicate {
  const windows = conditions.map((condition) => {
    const range = condition.DateRange as { Value: number; Comparison?: string } | undefined;
    if (!range)
      return { from: Date.parse(condition.Start as string), to: Date.parse(condition.End as string) };
    const cutoff = now.getTime() - range.Value * DAY;
    return (range.Comparison ?? 'WITHIN') === 'WITHIN'
      ? { from: cutoff, to: now.getTime() }
      : { from: Number.NEGATIVE_INFINITY, to: cutoff - 1 };
  });
  return (finding) => {
    const times = read(finding)
      .map((value) => (typeof value === 'string' ? Date.parse(value) : Number.NaN))
      .filter((time) => !Number.isNaN(time));
    return windows.some((window) => times.some((time) => time >= window.from && time <= window.to));
  };
}

function booleanPredicate(
  conditions: { Value?: unknown }[],
  read: (finding: AwsSecurityFinding) => unknown[],
): Predicate {
  return (finding) => {
    const values = read(finding);
    return conditions.some(
      (condition) => values.includes(condition.Value) || (values.length === 0 && condition.Value === false),
    );
  };
}

function ipPredicate(
  conditions: { Cidr?: unknown }[],
  read: (finding: AwsSecurityFinding) => unknown[],
): Predicate {
  const blocks = conditions.map((condition) => {
    const [address, prefix] = String(condition.Cidr).split('/') as [string, string];
    const type = isIP(address) === 4 ? ('ipv4' as const) : ('ipv6' as const);
    const list = new BlockList();
    list.addSubnet(address, Number(prefix), type);
    return { list, type };
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
  conditions: { Value?: unknown }[],
  read: (finding: AwsSecurityFinding) => unknown[],
): Predicate {
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
