import type { CompositeFilter, OcsfFindingFilters } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import type { ConnectorScope } from '../../../src/connectors/settings.ts';
import {
  compileV2Filters,
  FINDING_FILTER_SCHEMA,
  RESOURCE_FILTER_SCHEMA,
} from '../../../src/emulator/securityhub/ocsf-filters.ts';
import { scopeFilters, scopeHash } from '../../../src/sync/filters.ts';
import {
  MAX_COMPOSITE_FILTERS,
  MAX_FILTERS_PER_TYPE,
  resourceFiltersV2,
  SORT_BY_MODIFIED_TIME,
  scopeFiltersV2,
  scopeHashV2,
  scopesV2,
  sliceFiltersV2,
  validateFiltersV2,
} from '../../../src/sync/filters-v2.ts';
import { aConnectorScope } from '../../support/factories.ts';

// The connector scope (ASFF vocabulary) as GetFindingsV2's OCSF filters. Besides the shapes, each
// scope is run through the emulator's own filter engine against OCSF documents, so a mapping that
// looks right but selects the wrong findings fails; and the validator is held to what the emulator
// (which follows the SDK's enums and AWS's limits) refuses.

/** An OCSF finding with the fields the scope reads. */
function doc(overrides: {
  uid: string;
  severityId?: number;
  statusId?: number;
  activityId?: number;
  product?: string;
  productUid?: string;
  types?: string[];
  region?: string;
  modified?: string;
  tags?: { name: string; value: string }[];
  control?: string;
}) {
  return {
    activity_id: overrides.activityId ?? 2,
    severity_id: overrides.severityId ?? 3,
    status_id: overrides.statusId ?? 1,
    cloud: { account: { uid: '111111111111' }, region: overrides.region ?? 'us-east-1' },
    finding_info: { uid: overrides.uid, modified_time_dt: overrides.modified ?? '2026-06-01T12:00:00.000Z' },
    metadata: {
      uid: `m-${overrides.uid}`,
      product: {
        name: overrides.product ?? 'Inspector',
        uid: overrides.productUid ?? 'arn:aws:securityhub:us-east-1::productv2/aws/inspector',
      },
    },
    resources: (overrides.types ?? ['AWS::EC2::Instance']).map((type) => ({
      type,
      tags: overrides.tags ?? [],
    })),
    ...(overrides.control ? { compliance: { control: overrides.control } } : {}),
  };
}

const DOCUMENTS = [
  doc({ uid: 'high-new-ec2', severityId: 4, statusId: 1 }),
  doc({ uid: 'critical-notified-rds', severityId: 5, statusId: 2, types: ['AWS::RDS::DBInstance'] }),
  doc({ uid: 'low-suppressed-s3', severityId: 2, statusId: 3, types: ['AWS::S3::Bucket'] }),
  doc({ uid: 'medium-resolved-closed', severityId: 3, statusId: 4, activityId: 3 }),
  doc({
    uid: 'info-guardduty',
    severityId: 1,
    product: 'GuardDuty',
    productUid: 'arn:aws:securityhub:us-east-1::productv2/aws/guardduty',
  }),
  doc({ uid: 'exposure-asff-type', severityId: 4, types: ['AwsLambdaFunction'] }),
  doc({ uid: 'eu-tagged', region: 'eu-west-1', tags: [{ name: 'env', value: 'prod' }] }),
  doc({ uid: 'control', product: 'Security Hub', control: 'S3.1', modified: '2026-05-01T00:00:00.000Z' }),
];

function selected(filters: OcsfFindingFilters): string[] {
  const matches = compileV2Filters(filters, FINDING_FILTER_SCHEMA, new Date('2026-06-02T00:00:00Z'));
  return DOCUMENTS.filter(matches).map((each) => each.finding_info.uid);
}

describe('scopeFiltersV2 selects what the ASFF scope selects', () => {
  const cases: { name: string; scope: Partial<ConnectorScope>; expected: string[] }[] = [
    { name: 'an empty scope: everything', scope: {}, expected: DOCUMENTS.map((d) => d.finding_info.uid) },
    {
      name: 'severity labels → severity_id',
      scope: { severityLabels: ['HIGH', 'CRITICAL'] },
      expected: ['high-new-ec2', 'critical-notified-rds', 'exposure-asff-type'],
    },
    {
      name: 'workflow NOTIFIED → status_id 2, SUPPRESSED → 3 (not 4)',
      scope: { workflowStatuses: ['NOTIFIED', 'SUPPRESSED'] },
      expected: ['critical-notified-rds', 'low-suppressed-s3'],
    },
    {
      name: 'RESOLVED → status_id 4',
      scope: { workflowStatuses: ['RESOLVED'] },
      expected: ['medium-resolved-closed'],
    },
    {
      name: 'record state ARCHIVED → activity Close',
      scope: { recordStates: ['ARCHIVED'] },
      expected: ['medium-resolved-closed'],
    },
    {
      name: 'record state ACTIVE → any other activity',
      scope: { recordStates: ['ACTIVE'] },
      expected: DOCUMENTS.map((d) => d.finding_info.uid).filter((uid) => uid !== 'medium-resolved-closed'),
    },
    {
      name: 'both record states: no condition',
      scope: { recordStates: ['ACTIVE', 'ARCHIVED'] },
      expected: DOCUMENTS.map((d) => d.finding_info.uid),
    },
    {
      name: 'product names → metadata.product.name',
      scope: { productNames: ['GuardDuty'] },
      expected: ['info-guardduty'],
    },
    {
      name: 'ASFF resource types → CloudFormation types (and the ASFF name exposure findings send)',
      scope: { resourceTypes: ['AwsRdsDbInstance', 'AwsLambdaFunction'] },
      expected: ['critical-notified-rds', 'exposure-asff-type'],
    },
    {
      name: 'dimensions are AND-ed',
      scope: {
        severityLabels: ['HIGH', 'CRITICAL'],
        resourceTypes: ['AwsEc2Instance'],
        workflowStatuses: ['NEW'],
      },
      expected: ['high-new-ec2'],
    },
    {
      name: 'awsFilters: ProductArn is rewritten to productv2/',
      scope: {
        awsFilters: {
          ProductArn: [
            { Value: 'arn:aws:securityhub:us-east-1::product/aws/guardduty', Comparison: 'EQUALS' },
          ],
        },
      },
      expected: ['info-guardduty'],
    },
    {
      name: 'awsFilters: WorkflowStatus NOT_EQUALS, SeverityLabel EQUALS',
      scope: {
        awsFilters: {
          WorkflowStatus: [
            { Value: 'SUPPRESSED', Comparison: 'NOT_EQUALS' },
            { Value: 'RESOLVED', Comparison: 'NOT_EQUALS' },
          ],
          SeverityLabel: [
            { Value: 'LOW', Comparison: 'EQUALS' },
            { Value: 'MEDIUM', Comparison: 'EQUALS' },
            { Value: 'HIGH', Comparison: 'EQUALS' },
          ],
        },
      },
      expected: ['high-new-ec2', 'exposure-asff-type', 'eu-tagged', 'control'],
    },
    {
      name: 'awsFilters: Region, ResourceTags, RecordState',
      scope: {
        awsFilters: {
          Region: [{ Value: 'eu-west-1', Comparison: 'EQUALS' }],
          ResourceTags: [{ Key: 'env', Value: 'prod', Comparison: 'EQUALS' }],
          RecordState: [{ Value: 'ARCHIVED', Comparison: 'NOT_EQUALS' }],
        },
      },
      expected: ['eu-tagged'],
    },
    {
      name: 'awsFilters: string negatives AND-ed, positives OR-ed',
      scope: {
        awsFilters: {
          ProductName: [
            { Value: 'Security', Comparison: 'PREFIX' },
            { Value: 'GuardDuty', Comparison: 'EQUALS' },
            { Value: 'Inspector', Comparison: 'NOT_EQUALS' },
          ],
        },
      },
      expected: ['info-guardduty', 'control'],
    },
    {
      name: 'awsFilters: UpdatedAt and ComplianceSecurityControlId',
      scope: {
        awsFilters: {
          UpdatedAt: [{ Start: '2026-04-01T00:00:00Z', End: '2026-05-15T00:00:00Z' }],
          ComplianceSecurityControlId: [{ Value: 'S3.1', Comparison: 'EQUALS' }],
        },
      },
      expected: ['control'],
    },
  ];
  for (const { name, scope, expected } of cases)
    it(name, () => {
      const { filters, problems } = scopeFiltersV2(aConnectorScope(scope));
      expect(problems).toEqual([]);
      expect(validateFiltersV2(filters)).toEqual([]);
      expect(selected(filters).sort()).toEqual([...expected].sort());
    });

  it('writes severity and workflow as number filters on severity_id and status_id', () => {
    const { filters } = scopeFiltersV2(
      aConnectorScope({
        severityLabels: ['CRITICAL'],
        workflowStatuses: ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'],
      }),
    );
    expect(filters).toEqual({
      CompositeOperator: 'AND',
      CompositeFilters: [
        { Operator: 'OR', NumberFilters: [{ FieldName: 'severity_id', Filter: { Eq: 5 } }] },
        {
          Operator: 'OR',
          NumberFilters: [1, 2, 4, 3].map((Eq) => ({ FieldName: 'status_id', Filter: { Eq } })),
        },
      ],
    });
  });

  it('splits more than 20 resource-type values into nested OR composites', () => {
    const types = [
      'AwsEc2Instance',
      'AwsRdsDbInstance',
      'AwsS3Bucket',
      'AwsLambdaFunction',
      'AwsIamRole',
      'AwsIamUser',
      'AwsKmsKey',
      'AwsSqsQueue',
      'AwsSnsTopic',
      'AwsEksCluster',
      'AwsEcsCluster',
      'AwsEc2Volume',
    ];
    const { filters, problems } = scopeFiltersV2(aConnectorScope({ resourceTypes: types }));
    expect(problems).toEqual([]);
    const [dimension] = filters.CompositeFilters!;
    expect(dimension!.StringFilters).toBeUndefined();
    expect(dimension!.NestedCompositeFilters!.map((each) => each.StringFilters!.length)).toEqual([20, 4]);
    expect(selected(filters).sort()).toEqual(
      [
        'high-new-ec2',
        'critical-notified-rds',
        'low-suppressed-s3',
        'medium-resolved-closed',
        'info-guardduty',
        'exposure-asff-type',
        'eu-tagged',
        'control',
      ].sort(),
    );
  });
});

describe('scopeFiltersV2 reports what V2 cannot express', () => {
  const cases: {
    name: string;
    scope: Partial<ConnectorScope>;
    field: string[];
    message: RegExp;
    code?: string;
  }[] = [
    {
      name: 'an unknown severity label',
      scope: { severityLabels: ['SEVERE'] },
      field: ['scope', 'severityLabels', '0'],
      message: /SEVERE has no OCSF severity_id/,
    },
    {
      name: 'an unknown workflow status',
      scope: { workflowStatuses: ['NEW', 'DONE'] },
      field: ['scope', 'workflowStatuses', '1'],
      message: /DONE/,
    },
    {
      name: 'an unknown record state',
      scope: { recordStates: ['DELETED'] },
      field: ['scope', 'recordStates', '0'],
      message: /DELETED is not a record state/,
    },
    {
      name: 'an ASFF resource type with no known CloudFormation name',
      scope: { resourceTypes: ['AwsEc2Instance', 'AwsQuantumComputer'] },
      field: ['scope', 'resourceTypes', '1'],
      message: /AwsQuantumComputer has no known OCSF resource type/,
    },
    {
      name: 'an ASFF attribute with no OCSF field',
      scope: { awsFilters: { GeneratorId: [{ Value: 'x', Comparison: 'EQUALS' }] } },
      field: ['scope', 'awsFilters', 'GeneratorId'],
      message: /GeneratorId has no OCSF field GetFindingsV2 can filter on/,
    },
    {
      name: 'a resource-id filter (V2 keeps the ARN in uid_alt, which it cannot filter on)',
      scope: { awsFilters: { ResourceId: [{ Value: 'arn:aws:s3:::b', Comparison: 'EQUALS' }] } },
      field: ['scope', 'awsFilters', 'ResourceId'],
      message: /ResourceId has no OCSF field/,
    },
    {
      name: 'a PREFIX on an attribute V2 holds as a number',
      scope: { awsFilters: { SeverityLabel: [{ Value: 'HIGH', Comparison: 'PREFIX' }] } },
      field: ['scope', 'awsFilters', 'SeverityLabel', '0'],
      message: /EQUALS or NOT_EQUALS only/,
    },
    {
      name: 'a PREFIX on resource types (the two vocabularies do not share prefixes)',
      scope: { awsFilters: { ResourceType: [{ Value: 'AwsEc2', Comparison: 'PREFIX' }] } },
      field: ['scope', 'awsFilters', 'ResourceType', '0'],
      message: /EQUALS only/,
    },
    {
      name: 'more composites than GetFindingsV2 takes once a slice adds its window and Regions',
      scope: {
        severityLabels: ['HIGH'],
        workflowStatuses: ['NEW'],
        recordStates: ['ACTIVE'],
        productNames: ['Inspector'],
        resourceTypes: ['AwsEc2Instance'],
        awsFilters: {
          AwsAccountId: [{ Value: '111111111111', Comparison: 'EQUALS' }],
          Title: [{ Value: 'x', Comparison: 'PREFIX' }],
          Type: [{ Value: 'y', Comparison: 'PREFIX' }],
          // 8 dimensions + window + Regions = 10: fits; one more does not.
          Description: [{ Value: 'z', Comparison: 'PREFIX' }],
        },
      },
      field: ['scope', 'CompositeFilters'],
      message: /11 composite filters; GetFindingsV2 takes at most 10/,
      code: 'OUT_OF_RANGE',
    },
    {
      name: 'more values of a type than 10 nested composites of 20 hold',
      scope: { productNames: Array.from({ length: 201 }, (_, i) => `product-${i}`) },
      field: ['scope', 'CompositeFilters', '0', 'NestedCompositeFilters'],
      message: /11 nested composite filters; at most 10/,
      code: 'OUT_OF_RANGE',
    },
  ];
  for (const { name, scope, field, message, code } of cases)
    it(name, () => {
      const { problems } = scopeFiltersV2(aConnectorScope(scope));
      expect(problems).toContainEqual({
        field,
        message: expect.stringMatching(message),
        code: code ?? 'INVALID',
      });
    });

  it('fits exactly 8 dimensions beside the window and the Regions', () => {
    const { filters, problems } = scopeFiltersV2(
      aConnectorScope({
        severityLabels: ['HIGH'],
        workflowStatuses: ['NEW'],
        recordStates: ['ACTIVE'],
        productNames: ['Inspector'],
        resourceTypes: ['AwsEc2Instance'],
        awsFilters: {
          AwsAccountId: [{ Value: '111111111111', Comparison: 'EQUALS' }],
          Title: [{ Value: 'x', Comparison: 'PREFIX' }],
          Type: [{ Value: 'y', Comparison: 'PREFIX' }],
        },
      }),
    );
    expect(problems).toEqual([]);
    expect(filters.CompositeFilters).toHaveLength(MAX_COMPOSITE_FILTERS - 2);
  });
});

describe('sliceFiltersV2', () => {
  it('adds the inclusive modified_time window and the Regions read, beside a Region filter of the scope', () => {
    const { filters } = scopeFiltersV2(
      aConnectorScope({ awsFilters: { Region: [{ Value: 'eu-west-1', Comparison: 'EQUALS' }] } }),
    );
    const slice = sliceFiltersV2(
      filters,
      { start: new Date('2026-06-01T12:00:00.000Z'), end: new Date('2026-06-01T12:00:00.000Z') },
      ['us-east-1', 'eu-west-1'],
    );
    expect(slice.CompositeFilters!.slice(1)).toEqual([
      {
        Operator: 'AND',
        DateFilters: [
          {
            FieldName: 'finding_info.modified_time_dt',
            Filter: { Start: '2026-06-01T12:00:00.000Z', End: '2026-06-01T12:00:00.000Z' },
          },
        ],
      },
      {
        Operator: 'OR',
        StringFilters: ['us-east-1', 'eu-west-1'].map((Value) => ({
          FieldName: 'cloud.region',
          Filter: { Value, Comparison: 'EQUALS' },
        })),
      },
    ]);
    // Both bounds inclusive: the one finding modified exactly then, in the scope's Region.
    expect(selected(slice)).toEqual(['eu-tagged']);
    expect(filters.CompositeFilters).toHaveLength(1);
    expect(SORT_BY_MODIFIED_TIME).toEqual([{ Field: 'finding_info.modified_time_dt', SortOrder: 'asc' }]);
  });
});

describe('validateFiltersV2 refuses what GetFindingsV2 refuses', () => {
  const string = (FieldName: string, Value = 'x', Comparison = 'EQUALS') => ({
    FieldName,
    Filter: { Value, Comparison },
  });
  const composite = (overrides: Record<string, unknown>) => overrides as CompositeFilter;
  const cases: { name: string; filters: OcsfFindingFilters; problem?: RegExp }[] = [
    {
      name: 'valid',
      filters: { CompositeFilters: [composite({ StringFilters: [string('cloud.region')] })] },
    },
    {
      name: 'more than 10 composites',
      filters: {
        CompositeFilters: Array.from({ length: 11 }, () =>
          composite({ StringFilters: [string('cloud.region')] }),
        ),
      },
      problem: /11 composite filters/,
    },
    {
      name: 'more than 20 filters of a type in a composite',
      filters: {
        CompositeFilters: [
          composite({
            StringFilters: Array.from({ length: MAX_FILTERS_PER_TYPE + 1 }, () => string('cloud.region')),
          }),
        ],
      },
      problem: /21 StringFilters/,
    },
    {
      name: 'a field of another type',
      filters: { CompositeFilters: [composite({ StringFilters: [string('severity_id')] })] },
      problem: /severity_id is not a field GetFindingsV2 filters with StringFilters/,
    },
    {
      name: 'an ASFF attribute name',
      filters: { CompositeFilters: [composite({ StringFilters: [string('ResourceType')] })] },
      problem: /ResourceType is not a field/,
    },
    {
      name: 'an unknown comparison',
      filters: { CompositeFilters: [composite({ StringFilters: [string('cloud.region', 'x', 'LIKE')] })] },
      problem: /LIKE is not a string comparison/,
    },
    {
      name: 'a number filter without a bound',
      filters: {
        CompositeFilters: [composite({ NumberFilters: [{ FieldName: 'severity_id', Filter: {} }] })],
      },
      problem: /needs Gte, Lte, Eq, Gt or Lt/,
    },
    {
      name: 'a date filter with both Start and DateRange',
      filters: {
        CompositeFilters: [
          composite({
            DateFilters: [
              {
                FieldName: 'finding_info.modified_time_dt',
                Filter: { Start: '2026-01-01T00:00:00Z', DateRange: { Value: 1, Unit: 'DAYS' } },
              },
            ],
          }),
        ],
      },
      problem: /Start\/End or DateRange, not both/,
    },
    {
      name: 'a fourth layer of nesting',
      filters: {
        CompositeFilters: [
          composite({
            NestedCompositeFilters: [
              composite({ NestedCompositeFilters: [composite({ StringFilters: [string('cloud.region')] })] }),
            ],
          }),
        ],
      },
      problem: /cannot nest further/,
    },
    {
      name: 'an unknown operator',
      filters: { CompositeOperator: 'XOR' as 'AND', CompositeFilters: [] },
      problem: /CompositeOperator must be AND or OR/,
    },
  ];
  for (const { name, filters, problem } of cases)
    it(name, () => {
      const problems = validateFiltersV2(filters);
      const emulator = () => compileV2Filters(filters, FINDING_FILTER_SCHEMA, new Date());
      if (problem) {
        expect(problems.map((each) => each.message)).toContainEqual(expect.stringMatching(problem));
        expect(emulator).toThrow();
      } else {
        expect(problems).toEqual([]);
        expect(emulator).not.toThrow();
      }
    });
});

describe('scopeHashV2', () => {
  it('names the V2 scope, apart from V1 scope hashes, and changes when the scope does', () => {
    const empty = scopeFiltersV2(aConnectorScope()).filters;
    const high = scopeFiltersV2(aConnectorScope({ severityLabels: ['HIGH'] })).filters;
    expect(scopeHashV2(empty)).toBe(scopeHashV2(scopeFiltersV2(aConnectorScope()).filters));
    expect(scopeHashV2(high)).not.toBe(scopeHashV2(empty));
    expect(scopeHashV2(empty)).not.toBe(scopeHash(scopeFilters(aConnectorScope())));
    expect(scopeHashV2(empty)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('resourceFiltersV2 (GetResourcesV2) and scopesV2', () => {
  const RESOURCES = [
    { ResourceId: 'i-1', AccountId: '111111111111', Region: 'us-east-1', ResourceType: 'AWS::EC2::Instance' },
    { ResourceId: 'b-1', AccountId: '111111111111', Region: 'eu-west-1', ResourceType: 'AWS::S3::Bucket' },
    { ResourceId: 'i-2', AccountId: '222222222222', Region: 'us-east-1', ResourceType: 'AWS::EC2::Instance' },
    { ResourceId: 'l-1', AccountId: '333333333333', Region: 'us-east-1', ResourceType: 'AwsLambdaFunction' },
  ];
  const chosen = (scope: ConnectorScope, regions?: string[]) => {
    const filters = resourceFiltersV2(scope, regions);
    const matches = compileV2Filters(filters, RESOURCE_FILTER_SCHEMA, new Date());
    return RESOURCES.filter(matches).map((resource) => resource.ResourceId);
  };

  it('sends no filters for a scope the inventory has no fields for', () => {
    expect(
      resourceFiltersV2(aConnectorScope({ severityLabels: ['HIGH'], productNames: ['Inspector'] })),
    ).toBe(undefined);
  });

  it("narrows the inventory by the scope's accounts, resource types (both names) and the stream's Regions", () => {
    const accounts = {
      AwsAccountId: [
        { Value: '111111111111', Comparison: 'EQUALS' },
        { Value: '333333333333', Comparison: 'EQUALS' },
      ],
    };
    expect(chosen(aConnectorScope({ awsFilters: accounts }))).toEqual(['i-1', 'b-1', 'l-1']);
    expect(
      chosen(
        aConnectorScope({
          awsFilters: { AwsAccountId: [{ Value: '111111111111', Comparison: 'NOT_EQUALS' }] },
        }),
      ),
    ).toEqual(['i-2', 'l-1']);
    expect(chosen(aConnectorScope({ resourceTypes: ['AwsEc2Instance', 'AwsLambdaFunction'] }))).toEqual([
      'i-1',
      'i-2',
      'l-1',
    ]);
    expect(
      chosen(aConnectorScope({ awsFilters: accounts, resourceTypes: ['AwsEc2Instance'] }), ['us-east-1']),
    ).toEqual(['i-1']);
  });

  it('sends organisation scopes as AwsOrganizations, and keeps the cursor hash of a scope without them', () => {
    expect(scopesV2(aConnectorScope())).toBeUndefined();
    expect(
      scopesV2(
        aConnectorScope({
          organizations: [
            { organizationId: 'o-a1b2c3d4e5', organizationalUnitId: null },
            { organizationId: null, organizationalUnitId: 'ou-ab12-cd34ef56' },
          ],
        }),
      ),
    ).toEqual({
      AwsOrganizations: [{ OrganizationId: 'o-a1b2c3d4e5' }, { OrganizationalUnitId: 'ou-ab12-cd34ef56' }],
    });
    const { filters } = scopeFiltersV2(aConnectorScope());
    expect(scopeHashV2(filters, undefined)).toBe(scopeHashV2(filters));
    expect(scopeHashV2(filters, { AwsOrganizations: [{ OrganizationId: 'o-a1b2c3d4e5' }] })).not.toBe(
      scopeHashV2(filters),
    );
  });
});
