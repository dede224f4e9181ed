import {
  AllowedOperators,
  type CompositeFilter,
  type DateFilter,
  type FindingScopes,
  MapFilterComparison,
  OcsfBooleanField,
  OcsfDateField,
  type OcsfFindingFilters,
  OcsfIpField,
  OcsfMapField,
  OcsfNumberField,
  OcsfStringField,
  type ResourcesCompositeFilter,
  type ResourcesFilters,
  ResourcesStringField,
  type SortCriterion,
  StringFilterComparison,
} from '@aws-sdk/client-securityhub';
import type { ConnectorScope } from '../connectors/settings.ts';
import { ocsfResourceType } from '../mapping/ocsf/resource-types.ts';
import { type UserErrorModel, userError } from '../user-errors.ts';
import { scopeHash } from './filters.ts';

// A connector's scope as the new Security Hub's filters (GetFindingsV2's OcsfFindingFilters): the
// scope is written in ASFF's vocabulary (SeverityLabel, WorkflowStatus, AwsEc2Instance), V2 filters
// OCSF fields (severity_id, status_id, AWS::EC2::Instance). Each scope dimension becomes one
// composite filter, its values OR'd (negative ones AND'd, as GetFindings treats them); the
// composites are AND'd. What V2 cannot express is a problem the caller reports — never dropped, or
// a V2 connector would read more than its scope (research/ocsf-v2.md §1).

/** GetFindingsV2's limits (SDK's GetFindingsV2Command docs; research/ocsf-v2.md §1). */
export const MAX_COMPOSITE_FILTERS = 10;
export const MAX_FILTERS_PER_TYPE = 20;

/** The slice window's field: `UpdatedAt`'s twin (the emulator copies one into the other). */
export const MODIFIED_TIME = OcsfDateField.FINDING_INFO_MODIFIED_TIME_DT;

/** Oldest change first, as V1's `UpdatedAt` sort: a slice's high-water mark only moves forward. */
export const SORT_BY_MODIFIED_TIME: SortCriterion[] = [{ Field: MODIFIED_TIME, SortOrder: 'asc' }];

/** OCSF severity_id of an ASFF Severity.Label (research §2). */
export const SEVERITY_ID: Record<string, number> = {
  INFORMATIONAL: 1,
  LOW: 2,
  MEDIUM: 3,
  HIGH: 4,
  CRITICAL: 5,
};

/** OCSF status_id of an ASFF Workflow.Status; NOTIFIED → 2 In Progress is our choice (research §2). */
export const STATUS_ID: Record<string, number> = { NEW: 1, NOTIFIED: 2, SUPPRESSED: 3, RESOLVED: 4 };

/**
 * ASFF RecordState as OCSF's activity_id: ARCHIVED is activity 3 "Close" (AWS's retention page keys
 * deletion on Close findings; the emulator's twins close archived findings), ACTIVE any other
 * activity (1 Create, 2 Update, 0/99). Not status_id 5 "Archived": status_id is the workflow status,
 * which BatchUpdateFindingsV2 sets and `workflowStatuses` already filters.
 */
const CLOSE_ACTIVITY = 3;

const COMPLIANCE_STATUS_ID: Record<string, number> = { PASSED: 1, WARNING: 2, FAILED: 3 };

type Kind = 'string' | 'number' | 'date' | 'map';
type Leaf = { kind: Kind; entry: { FieldName: string; Filter: Record<string, unknown> } };
/** A condition tree of at most two levels: a composite's own filters and its nested composites. */
interface Group {
  operator: 'AND' | 'OR';
  leaves: Leaf[];
  groups: Group[];
}

const MEMBER: Record<Kind, 'StringFilters' | 'NumberFilters' | 'DateFilters' | 'MapFilters'> = {
  string: 'StringFilters',
  number: 'NumberFilters',
  date: 'DateFilters',
  map: 'MapFilters',
};

const leaf = (kind: Kind, FieldName: string, Filter: Record<string, unknown>): Leaf => ({
  kind,
  entry: { FieldName, Filter },
});
const equals = (field: string, Value: string) => leaf('string', field, { Value, Comparison: 'EQUALS' });
const numberIs = (field: string, value: number) => leaf('number', field, { Eq: value });
/** A number other than `value`: V2's number filters have no "not equal". */
const numberIsNot = (field: string, value: number): Group => ({
  operator: 'OR',
  leaves: [leaf('number', field, { Lt: value }), leaf('number', field, { Gt: value })],
  groups: [],
});

/**
 * One dimension: any of `positives`, and every one of `negatives`. Over 20 positives of a kind are
 * split into nested OR composites of 20, as the limit is per composite.
 */
function dimension(positives: Leaf[], negatives: (Leaf | Group)[] = []): Group {
  const negativeLeaves = negatives.filter((n): n is Leaf => 'kind' in n);
  const negativeGroups = negatives.filter((n): n is Group => 'operator' in n);
  if (negatives.length === 0) {
    if (positives.length <= MAX_FILTERS_PER_TYPE) return { operator: 'OR', leaves: positives, groups: [] };
    const groups: Group[] = [];
    for (let i = 0; i < positives.length; i += MAX_FILTERS_PER_TYPE)
      groups.push({ operator: 'OR', leaves: positives.slice(i, i + MAX_FILTERS_PER_TYPE), groups: [] });
    return { operator: 'OR', leaves: [], groups };
  }
  const groups = [...negativeGroups];
  if (positives.length > 0) groups.push({ operator: 'OR', leaves: positives, groups: [] });
  return { operator: 'AND', leaves: negativeLeaves, groups };
}

function composite(group: Group): CompositeFilter {
  const result: Record<string, unknown> = { Operator: group.operator };
  for (const each of group.leaves) {
    const member = MEMBER[each.kind];
    result[member] = [...((result[member] as unknown[] | undefined) ?? []), each.entry];
  }
  if (group.groups.length > 0) result.NestedCompositeFilters = group.groups.map(composite);
  return result as CompositeFilter;
}

export interface ScopeFiltersV2 {
  /** The expressible part of the scope; use it only when `problems` is empty. */
  filters: OcsfFindingFilters;
  /** What V2 cannot express, with the scope field it comes from (`['scope', 'awsFilters', 'GeneratorId']`). */
  problems: UserErrorModel[];
}

/** The connector's scope as OcsfFindingFilters, with every part V2 cannot express as a problem. */
export function scopeFiltersV2(scope: ConnectorScope): ScopeFiltersV2 {
  const problems: UserErrorModel[] = [];
  const groups: Group[] = [];
  const enumDimension = (
    field: keyof ConnectorScope,
    values: string[],
    ids: Record<string, number>,
    ocsfField: string,
  ) => {
    const leaves: Leaf[] = [];
    values.forEach((value, index) => {
      const id = ids[value];
      if (id === undefined)
        problems.push(
          userError(
            ['scope', field, index],
            `${value} has no OCSF ${ocsfField} (known: ${Object.keys(ids).join(', ')}).`,
            'INVALID',
          ),
        );
      else leaves.push(numberIs(ocsfField, id));
    });
    if (leaves.length > 0) groups.push(dimension(leaves));
  };

  if (scope.severityLabels.length > 0)
    enumDimension('severityLabels', scope.severityLabels, SEVERITY_ID, OcsfNumberField.SEVERITY_ID);
  if (scope.workflowStatuses.length > 0)
    enumDimension('workflowStatuses', scope.workflowStatuses, STATUS_ID, OcsfNumberField.STATUS_ID);
  if (scope.recordStates.length > 0) {
    const states = recordStates(scope.recordStates, ['scope', 'recordStates'], problems);
    if (states) groups.push(states);
  }
  if (scope.productNames.length > 0)
    groups.push(
      dimension(scope.productNames.map((name) => equals(OcsfStringField.METADATA_PRODUCT_NAME, name))),
    );
  if (scope.resourceTypes.length > 0) {
    const leaves = resourceTypeLeaves(
      scope.resourceTypes.map((type) => ({ Value: type, Comparison: 'EQUALS' })),
      ['scope', 'resourceTypes'],
      problems,
    );
    if (leaves.length > 0) groups.push(dimension(leaves));
  }
  for (const [attribute, value] of Object.entries(scope.awsFilters ?? {})) {
    if (!Array.isArray(value) || value.length === 0) continue;
    const group = translateAwsFilter(attribute, value, ['scope', 'awsFilters', attribute], problems);
    if (group) groups.push(group);
  }

  const filters: OcsfFindingFilters = { CompositeOperator: 'AND', CompositeFilters: groups.map(composite) };
  // A slice adds its window and its Regions: check the filters as a slice will send them.
  for (const problem of validateFiltersV2(
    sliceFiltersV2(filters, { start: new Date(0), end: new Date(0) }, ['us-east-1']),
  ))
    problems.push({ ...problem, field: ['scope', ...problem.field] });
  return { filters, problems };
}

/** ACTIVE and ARCHIVED as activity_id conditions; both (or neither) is no condition. */
function recordStates(values: string[], at: string[], problems: UserErrorModel[]): Group | undefined {
  const known = new Set<string>();
  values.forEach((value, index) => {
    if (value === 'ACTIVE' || value === 'ARCHIVED') known.add(value);
    else
      problems.push(
        userError([...at, index], `${value} is not a record state (ACTIVE, ARCHIVED).`, 'INVALID'),
      );
  });
  if (known.size !== 1) return undefined;
  return known.has('ARCHIVED')
    ? dimension([numberIs(OcsfNumberField.ACTIVITY_ID, CLOSE_ACTIVITY)])
    : dimension([], [numberIsNot(OcsfNumberField.ACTIVITY_ID, CLOSE_ACTIVITY)]);
}

/**
 * ASFF resource types as `resources.type` filters: the CloudFormation name the new Security Hub
 * uses, and the ASFF name as well where it differs (exposure findings send ASFF names; see
 * src/mapping/ocsf/resource-types.ts).
 */
function resourceTypeLeaves(
  filters: { Value?: unknown; Comparison?: unknown }[],
  at: string[],
  problems: UserErrorModel[],
  field: string = OcsfStringField.RESOURCES_TYPE,
): Leaf[] {
  const leaves: Leaf[] = [];
  filters.forEach((filter, index) => {
    const value = String(filter.Value ?? '');
    if (filter.Comparison !== 'EQUALS') {
      problems.push(
        userError(
          [...at, index],
          `A resource type filter on the new Security Hub takes EQUALS only (its types are named another way, so ${String(filter.Comparison)} ${value} would not mean the same).`,
          'INVALID',
        ),
      );
      return;
    }
    const ocsf = value.startsWith('Aws') ? ocsfResourceType(value) : value;
    if (ocsf === undefined) {
      problems.push(
        userError(
          [...at, index],
          `${value} has no known OCSF resource type; give it as the new Security Hub names it (AWS::Service::Resource).`,
          'INVALID',
        ),
      );
      return;
    }
    for (const name of new Set([ocsf, value])) leaves.push(equals(field, name));
  });
  return leaves;
}

/** ASFF string attributes with an OCSF string field of the same meaning. */
const STRING_FIELDS: Record<string, { field: string; value?: (value: string) => string }> = {
  AwsAccountId: { field: OcsfStringField.CLOUD_ACCOUNT_UID },
  AwsAccountName: { field: OcsfStringField.CLOUD_ACCOUNT_NAME },
  Region: { field: OcsfStringField.CLOUD_REGION },
  Id: { field: OcsfStringField.FINDING_INFO_UID },
  // V2 names AWS's products `productv2/…` (research §3).
  ProductArn: {
    field: OcsfStringField.METADATA_PRODUCT_UID,
    value: (v) => v.replace(':product/', ':productv2/'),
  },
  ProductName: { field: OcsfStringField.METADATA_PRODUCT_NAME },
  CompanyName: { field: OcsfStringField.METADATA_PRODUCT_VENDOR_NAME },
  Title: { field: OcsfStringField.FINDING_INFO_TITLE },
  Description: { field: OcsfStringField.FINDING_INFO_DESC },
  Type: { field: OcsfStringField.FINDING_INFO_TYPES },
  SourceUrl: { field: OcsfStringField.FINDING_INFO_SRC_URL },
  ComplianceSecurityControlId: { field: OcsfStringField.COMPLIANCE_CONTROL },
  ComplianceAssociatedStandardsId: { field: OcsfStringField.COMPLIANCE_STANDARDS },
  ResourcePartition: { field: OcsfStringField.RESOURCES_CLOUD_PARTITION },
  ResourceRegion: { field: OcsfStringField.RESOURCES_REGION },
  NoteText: { field: OcsfStringField.COMMENT },
};

/** ASFF enumerations that OCSF holds as numbers. */
const ENUM_FIELDS: Record<string, { field: string; ids: Record<string, number> }> = {
  SeverityLabel: { field: OcsfNumberField.SEVERITY_ID, ids: SEVERITY_ID },
  WorkflowStatus: { field: OcsfNumberField.STATUS_ID, ids: STATUS_ID },
  ComplianceStatus: { field: OcsfNumberField.COMPLIANCE_STATUS_ID, ids: COMPLIANCE_STATUS_ID },
};

const DATE_FIELDS: Record<string, string> = {
  CreatedAt: OcsfDateField.FINDING_INFO_CREATED_TIME_DT,
  UpdatedAt: OcsfDateField.FINDING_INFO_MODIFIED_TIME_DT,
  FirstObservedAt: OcsfDateField.FINDING_INFO_FIRST_SEEN_TIME_DT,
  LastObservedAt: OcsfDateField.FINDING_INFO_LAST_SEEN_TIME_DT,
};

const NUMBER_FIELDS: Record<string, string> = { Confidence: OcsfNumberField.CONFIDENCE_SCORE };
const MAP_FIELDS: Record<string, string> = { ResourceTags: OcsfMapField.RESOURCES_TAGS };

const NEGATIVE = new Set(['NOT_EQUALS', 'PREFIX_NOT_EQUALS', 'NOT_CONTAINS']);

/** One attribute of the scope's raw ASFF filters (AwsSecurityFindingFilters) as a V2 dimension. */
function translateAwsFilter(
  attribute: string,
  filters: Record<string, unknown>[],
  at: string[],
  problems: UserErrorModel[],
): Group | undefined {
  const positives: Leaf[] = [];
  const negatives: (Leaf | Group)[] = [];
  const refuse = (index: number | undefined, message: string) => {
    problems.push(userError(index === undefined ? at : [...at, index], message, 'INVALID'));
  };
  const string = STRING_FIELDS[attribute];
  const enumeration = ENUM_FIELDS[attribute];
  if (attribute === 'ResourceType') {
    const leaves = resourceTypeLeaves(filters, at, problems);
    return leaves.length > 0 ? dimension(leaves) : undefined;
  }
  if (attribute === 'RecordState') {
    const values: string[] = [];
    filters.forEach((filter, index) => {
      if (filter.Comparison === 'EQUALS') values.push(String(filter.Value));
      else if (filter.Comparison === 'NOT_EQUALS')
        values.push(
          filter.Value === 'ARCHIVED'
            ? 'ACTIVE'
            : filter.Value === 'ACTIVE'
              ? 'ARCHIVED'
              : String(filter.Value),
        );
      else refuse(index, `RecordState takes EQUALS or NOT_EQUALS, not ${String(filter.Comparison)}.`);
    });
    return values.length > 0 ? recordStates(values, at, problems) : undefined;
  }
  if (string) {
    for (const [index, filter] of filters.entries()) {
      const comparison = String(filter.Comparison);
      if (!(Object.values(StringFilterComparison) as string[]).includes(comparison)) {
        refuse(index, `${comparison} is not a string comparison of the new Security Hub.`);
        continue;
      }
      const value = String(filter.Value ?? '');
      const entry = leaf('string', string.field, {
        Value: string.value ? string.value(value) : value,
        Comparison: comparison,
      });
      (NEGATIVE.has(comparison) ? negatives : positives).push(entry);
    }
  } else if (enumeration) {
    for (const [index, filter] of filters.entries()) {
      const id = enumeration.ids[String(filter.Value)];
      if (id === undefined) {
        refuse(
          index,
          `${String(filter.Value)} has no OCSF ${enumeration.field} (known: ${Object.keys(enumeration.ids).join(', ')}).`,
        );
        continue;
      }
      if (filter.Comparison === 'EQUALS') positives.push(numberIs(enumeration.field, id));
      else if (filter.Comparison === 'NOT_EQUALS') negatives.push(numberIsNot(enumeration.field, id));
      else
        refuse(
          index,
          `${attribute} on the new Security Hub is a number (${enumeration.field}): EQUALS or NOT_EQUALS only, not ${String(filter.Comparison)}.`,
        );
    }
  } else if (DATE_FIELDS[attribute]) {
    for (const filter of filters) {
      const { Start, End, DateRange } = filter as DateFilter;
      positives.push(
        leaf('date', DATE_FIELDS[attribute]!, {
          ...(Start ? { Start } : {}),
          ...(End ? { End } : {}),
          ...(DateRange ? { DateRange } : {}),
        }),
      );
    }
    // ASFF ANDs the date filters of an attribute (each is a range the value must lie in).
    return { operator: 'AND', leaves: positives, groups: [] };
  } else if (NUMBER_FIELDS[attribute]) {
    for (const filter of filters) positives.push(leaf('number', NUMBER_FIELDS[attribute]!, { ...filter }));
    return { operator: 'AND', leaves: positives, groups: [] };
  } else if (MAP_FIELDS[attribute]) {
    for (const [index, filter] of filters.entries()) {
      const comparison = String(filter.Comparison);
      if (!(Object.values(MapFilterComparison) as string[]).includes(comparison)) {
        refuse(index, `${comparison} is not a map comparison of the new Security Hub.`);
        continue;
      }
      const entry = leaf('map', MAP_FIELDS[attribute]!, {
        Key: filter.Key,
        Value: filter.Value,
        Comparison: comparison,
      });
      (NEGATIVE.has(comparison) ? negatives : positives).push(entry);
    }
  } else {
    refuse(
      undefined,
      `${attribute} has no OCSF field GetFindingsV2 can filter on: remove it from awsFilters, or keep this connector on CSPM.`,
    );
    return undefined;
  }
  return positives.length + negatives.length > 0 ? dimension(positives, negatives) : undefined;
}

/**
 * The scope with one slice's window on `finding_info.modified_time_dt` — inclusive at both ends,
 * as the emulator applies it and as V1's `UpdatedAt` is read (AWS documents no exclusivity; if End
 * were exclusive, the next slice, whose Start is this End, reads the findings at that instant) —
 * and, for an aggregation stream, the Regions it reads. V2 has no one-filter-per-attribute rule, so
 * the Regions sit beside any Region filter of the scope (both must hold).
 */
export function sliceFiltersV2(
  scope: OcsfFindingFilters,
  window: { start: Date; end: Date },
  regions?: readonly string[],
): OcsfFindingFilters {
  const composites = [...(scope.CompositeFilters ?? [])];
  composites.push(
    composite({
      operator: 'AND',
      leaves: [
        leaf('date', MODIFIED_TIME, { Start: window.start.toISOString(), End: window.end.toISOString() }),
      ],
      groups: [],
    }),
  );
  if (regions && regions.length > 0)
    composites.push(
      composite(dimension(regions.map((region) => equals(OcsfStringField.CLOUD_REGION, region)))),
    );
  return { CompositeOperator: 'AND', CompositeFilters: composites };
}

/**
 * Names the V2 scope a cursor was read under (never equal to a V1 scope's hash: the key differs);
 * organisation scopes are part of it (another set of accounts is another read). Without them the
 * hash is what it was before they existed, so no cursor is lost.
 */
export function scopeHashV2(filters: OcsfFindingFilters, scopes?: FindingScopes): string {
  return scopeHash({ OcsfFindingFilters: filters, ...(scopes ? { Scopes: scopes } : {}) });
}

/**
 * The connector's organisation scopes as V2's `Scopes` (GetFindingsV2 and GetResourcesV2 take the
 * same shape); undefined when it has none: the delegated administrator then reads the whole
 * organisation, a member its own account.
 */
export function scopesV2(scope: ConnectorScope): FindingScopes | undefined {
  const organizations = scope.organizations ?? [];
  if (organizations.length === 0) return undefined;
  return {
    AwsOrganizations: organizations.map((entry) => ({
      ...(entry.organizationId ? { OrganizationId: entry.organizationId } : {}),
      ...(entry.organizationalUnitId ? { OrganizationalUnitId: entry.organizationalUnitId } : {}),
    })),
  };
}

/**
 * GetResourcesV2's filters for a stream: the parts of the connector's scope the inventory has
 * fields for — accounts (`awsFilters.AwsAccountId` as AccountId) and resource types (ResourceType,
 * by both names as for findings) — and the stream's Regions when it reads an aggregation Region.
 * The finding-only dimensions (severity, workflow, product…) do not narrow the inventory: a resource
 * is an asset whatever its findings are. Problems are the findings scope's to report (connectorUpdate
 * refuses them); here what cannot be expressed is left out.
 */
export function resourceFiltersV2(
  scope: ConnectorScope,
  regions?: readonly string[],
): ResourcesFilters | undefined {
  const ignored: UserErrorModel[] = [];
  const groups: Group[] = [];
  const accounts = scope.awsFilters?.AwsAccountId;
  if (Array.isArray(accounts) && accounts.length > 0) {
    const positives: Leaf[] = [];
    const negatives: Leaf[] = [];
    for (const filter of accounts as { Value?: unknown; Comparison?: unknown }[]) {
      if (typeof filter?.Value !== 'string') continue;
      const comparison = String(filter.Comparison ?? 'EQUALS');
      const entry = leaf('string', ResourcesStringField.ACCOUNT_ID, {
        Value: filter.Value,
        Comparison: comparison,
      });
      (NEGATIVE.has(comparison) ? negatives : positives).push(entry);
    }
    if (positives.length + negatives.length > 0) groups.push(dimension(positives, negatives));
  }
  const types = [
    ...scope.resourceTypes.map((type) => ({ Value: type, Comparison: 'EQUALS' })),
    ...(Array.isArray(scope.awsFilters?.ResourceType)
      ? (scope.awsFilters.ResourceType as { Value?: unknown; Comparison?: unknown }[])
      : []),
  ];
  if (types.length > 0) {
    const leaves = resourceTypeLeaves(types, [], ignored, ResourcesStringField.RESOURCE_TYPE);
    if (leaves.length > 0) groups.push(dimension(leaves));
  }
  if (regions && regions.length > 0)
    groups.push(dimension(regions.map((region) => equals(ResourcesStringField.REGION, region))));
  if (groups.length === 0) return undefined;
  return {
    CompositeOperator: 'AND',
    CompositeFilters: groups.map((group) => composite(group) as ResourcesCompositeFilter),
  };
}

const FIELDS: Record<string, ReadonlySet<string>> = {
  StringFilters: new Set(Object.values(OcsfStringField)),
  DateFilters: new Set(Object.values(OcsfDateField)),
  NumberFilters: new Set(Object.values(OcsfNumberField)),
  BooleanFilters: new Set(Object.values(OcsfBooleanField)),
  MapFilters: new Set(Object.values(OcsfMapField)),
  IpFilters: new Set(Object.values(OcsfIpField)),
};

const OPERATORS = new Set<string>(Object.values(AllowedOperators));

/**
 * Every problem GetFindingsV2 would refuse these filters for (empty: valid): at most 10 composite
 * filters (and 10 nested in each), 20 filters of each type per composite, nested composites one
 * level deep (the API's "three layers"), field names and comparisons from the SDK's enums.
 */
export function validateFiltersV2(filters: OcsfFindingFilters): UserErrorModel[] {
  const problems: UserErrorModel[] = [];
  const fail = (at: (string | number)[], message: string, code: 'INVALID' | 'OUT_OF_RANGE' = 'INVALID') =>
    problems.push(userError(at, message, code));
  if (filters.CompositeOperator !== undefined && !OPERATORS.has(filters.CompositeOperator))
    fail(['CompositeOperator'], `CompositeOperator must be AND or OR, not ${filters.CompositeOperator}.`);
  const composites = filters.CompositeFilters ?? [];
  if (composites.length > MAX_COMPOSITE_FILTERS)
    fail(
      ['CompositeFilters'],
      `${composites.length} composite filters; GetFindingsV2 takes at most ${MAX_COMPOSITE_FILTERS} (a slice adds 1 for its window and 1 for its Regions).`,
      'OUT_OF_RANGE',
    );
  const check = (item: CompositeFilter, at: (string | number)[], nested: boolean) => {
    if (item.Operator !== undefined && !OPERATORS.has(item.Operator))
      fail([...at, 'Operator'], `Operator must be AND or OR, not ${item.Operator}.`);
    for (const [member, fields] of Object.entries(FIELDS)) {
      const entries = ((item as Record<string, unknown>)[member] ?? []) as {
        FieldName?: string;
        Filter?: Record<string, unknown>;
      }[];
      if (entries.length > MAX_FILTERS_PER_TYPE)
        fail(
          [...at, member],
          `${entries.length} ${member} in one composite filter; GetFindingsV2 takes at most ${MAX_FILTERS_PER_TYPE}.`,
          'OUT_OF_RANGE',
        );
      entries.forEach((entry, index) => {
        const where = [...at, member, index];
        if (!fields.has(entry.FieldName ?? ''))
          fail(
            [...where, 'FieldName'],
            `${String(entry.FieldName)} is not a field GetFindingsV2 filters with ${member}.`,
          );
        const problem = filterProblem(member, entry.Filter ?? {});
        if (problem) fail([...where, 'Filter'], problem);
      });
    }
    const children = item.NestedCompositeFilters ?? [];
    if (children.length > 0 && nested)
      fail(
        [...at, 'NestedCompositeFilters'],
        'A nested composite filter cannot nest further (three layers in all).',
      );
    if (children.length > MAX_COMPOSITE_FILTERS)
      fail(
        [...at, 'NestedCompositeFilters'],
        `${children.length} nested composite filters; at most ${MAX_COMPOSITE_FILTERS}.`,
        'OUT_OF_RANGE',
      );
    for (const [index, child] of children.entries())
      check(child, [...at, 'NestedCompositeFilters', index], true);
  };
  for (const [index, item] of composites.entries()) check(item, ['CompositeFilters', index], false);
  return problems;
}

function filterProblem(member: string, filter: Record<string, unknown>): string | undefined {
  switch (member) {
    case 'StringFilters':
      if (typeof filter.Value !== 'string') return 'A string filter needs a Value.';
      if (!(Object.values(StringFilterComparison) as unknown[]).includes(filter.Comparison))
        return `${String(filter.Comparison)} is not a string comparison (${Object.values(StringFilterComparison).join(', ')}).`;
      return undefined;
    case 'MapFilters':
      if (typeof filter.Key !== 'string' || typeof filter.Value !== 'string')
        return 'A map filter needs a Key and a Value.';
      if (!(Object.values(MapFilterComparison) as unknown[]).includes(filter.Comparison))
        return `${String(filter.Comparison)} is not a map comparison (${Object.values(MapFilterComparison).join(', ')}).`;
      return undefined;
    case 'NumberFilters':
      return ['Gte', 'Lte', 'Eq', 'Gt', 'Lt'].some((key) => typeof filter[key] === 'number')
        ? undefined
        : 'A number filter needs Gte, Lte, Eq, Gt or Lt.';
    case 'DateFilters': {
      if (filter.DateRange && (filter.Start || filter.End))
        return 'A date filter takes Start/End or DateRange, not both.';
      if (!filter.DateRange && !filter.Start && !filter.End)
        return 'A date filter needs Start, End or DateRange.';
      for (const key of ['Start', 'End'])
        if (filter[key] !== undefined && Number.isNaN(Date.parse(String(filter[key]))))
          return `${key} is not an ISO 8601 date-time.`;
      return undefined;
    }
    case 'BooleanFilters':
      return typeof filter.Value === 'boolean' ? undefined : 'A boolean filter needs a Value.';
    case 'IpFilters':
      return typeof filter.Cidr === 'string' ? undefined : 'An IP filter needs a Cidr.';
    default:
      return undefined;
  }
}
