import type { AwsSecurityFinding, AwsSecurityFindingFilters } from '@aws-sdk/client-securityhub';
import * as securityHub from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import {
  aControlAsff,
  aGuardDutyAsff,
  anInspectorEc2Asff,
  anInspectorEcrAsff,
  CVES,
} from '../../../src/emulator/generator/index.ts';
import {
  compareFindings,
  compileFindingFilters,
  FILTER_ATTRIBUTES,
  FilterValidationError,
} from '../../../src/emulator/securityhub/filters.ts';

const now = new Date('2026-11-01T00:00:00.000Z');
const inspector = anInspectorEc2Asff({ UpdatedAt: '2026-10-20T09:00:00.000Z' }, 1, CVES[0]!);
inspector.Resources![0]!.Tags = { Name: 'web-1', team: 'payments' };
(inspector.Resources![0]!.Details!.AwsEc2Instance as { IpV4Addresses: string[] }).IpV4Addresses = [
  '10.1.2.3',
  '54.20.30.40',
];
const ecr = anInspectorEcrAsff({ UpdatedAt: '2026-09-01T00:00:00.000Z' });
const control = aControlAsff({ UpdatedAt: '2026-10-31T12:00:00.000Z' });
const guardDuty = aGuardDutyAsff({
  UpdatedAt: '2026-10-30T00:00:00.000Z',
  Network: { Direction: 'IN', SourceIpV4: '198.51.100.7', DestinationPort: 22, SourceIpV6: '2001:db8::7' },
});
inspector.Severity = { Label: 'CRITICAL', Normalized: 90 };
ecr.Severity = { Label: 'MEDIUM', Normalized: 40 };
control.Severity = { Label: 'HIGH', Normalized: 70 };
guardDuty.Severity = { Label: 'LOW', Normalized: 20, Product: 2 };
const all = [inspector, ecr, control, guardDuty];

function select(filters: AwsSecurityFindingFilters): AwsSecurityFinding[] {
  const matches = compileFindingFilters(filters, now);
  return all.filter(matches);
}
const names = (findings: AwsSecurityFinding[]) =>
  findings.map((finding) => finding.ProductName + ':' + finding.Resources![0]!.Type);

describe('filter attributes', () => {
  it('handles every attribute of AwsSecurityFindingFilters in the installed SDK', () => {
    const schema = (securityHub as unknown as Record<string, unknown[]>).AwsSecurityFindingFilters$!;
    const sdkKeys = schema[4] as string[];
    expect([...FILTER_ATTRIBUTES.keys()].sort()).toEqual([...sdkKeys].sort());
    for (const attribute of FILTER_ATTRIBUTES.values()) {
      for (const finding of all) expect(Array.isArray(attribute.read(finding))).toBe(true);
    }
  });
});

describe('string comparisons', () => {
  it('EQUALS, PREFIX and CONTAINS; values are case-sensitive', () => {
    expect(select({ ProductName: [{ Value: 'Inspector', Comparison: 'EQUALS' }] })).toEqual([inspector, ecr]);
    expect(select({ ProductName: [{ Value: 'inspector', Comparison: 'EQUALS' }] })).toEqual([]);
    expect(select({ GeneratorId: [{ Value: 'arn:aws:guardduty', Comparison: 'PREFIX' }] })).toEqual([
      guardDuty,
    ]);
    expect(select({ Title: [{ Value: 'log4j', Comparison: 'CONTAINS' }] })).toEqual([inspector]);
  });

  it('ORs positive comparisons on one attribute', () => {
    expect(
      select({
        ProductName: [
          { Value: 'GuardDuty', Comparison: 'EQUALS' },
          { Value: 'Security', Comparison: 'PREFIX' },
        ],
      }),
    ).toEqual([control, guardDuty]);
  });

  it('ANDs negative comparisons on one attribute, and a missing field passes them', () => {
    expect(
      names(
        select({
          ProductName: [
            { Value: 'Inspector', Comparison: 'NOT_EQUALS' },
            { Value: 'Guard', Comparison: 'PREFIX_NOT_EQUALS' },
          ],
        }),
      ),
    ).toEqual(['Security Hub:AwsEc2Instance']);
    expect(select({ NoteText: [{ Value: 'x', Comparison: 'NOT_EQUALS' }] })).toHaveLength(4);
    expect(
      select({
        Title: [
          { Value: 'curl', Comparison: 'NOT_CONTAINS' },
          { Value: 'log4j', Comparison: 'NOT_CONTAINS' },
        ],
      }),
    ).toEqual([ecr, control, guardDuty]);
  });

  it('applies PREFIX first, then the negatives', () => {
    const result = select({
      ProductArn: [
        { Value: 'arn:aws:securityhub:us-east-1::product/aws/', Comparison: 'PREFIX' },
        { Value: 'arn:aws:securityhub:us-east-1::product/aws/inspector', Comparison: 'NOT_EQUALS' },
      ],
    });
    expect(result).toEqual([control, guardDuty]);
  });

  it('ANDs different attributes', () => {
    expect(
      select({
        ProductName: [{ Value: 'Inspector', Comparison: 'EQUALS' }],
        ResourceType: [{ Value: 'AwsEcrContainerImage', Comparison: 'EQUALS' }],
      }),
    ).toEqual([ecr]);
  });

  it('matches list attributes when any element matches, and negatives when none does', () => {
    expect(select({ Type: [{ Value: 'TTPs/', Comparison: 'PREFIX' }] })).toEqual([guardDuty]);
    expect(
      select({ ComplianceAssociatedStandardsId: [{ Value: 'standards/cis', Comparison: 'PREFIX' }] }),
    ).toEqual([control]);
    expect(
      select({ ResourceId: [{ Value: inspector.Resources![0]!.Id!, Comparison: 'NOT_EQUALS' }] }),
    ).toEqual([ecr, control, guardDuty]);
  });

  const invalid: [string, AwsSecurityFindingFilters, RegExp][] = [
    [
      'CONTAINS with EQUALS',
      {
        Title: [
          { Value: 'a', Comparison: 'CONTAINS' },
          { Value: 'b', Comparison: 'EQUALS' },
        ],
      },
      /CONTAINS can only be combined/,
    ],
    [
      'NOT_CONTAINS with NOT_EQUALS',
      {
        Title: [
          { Value: 'a', Comparison: 'NOT_CONTAINS' },
          { Value: 'b', Comparison: 'NOT_EQUALS' },
        ],
      },
      /NOT_CONTAINS can only be combined/,
    ],
    [
      'EQUALS with NOT_EQUALS',
      {
        Title: [
          { Value: 'a', Comparison: 'EQUALS' },
          { Value: 'b', Comparison: 'NOT_EQUALS' },
        ],
      },
      /EQUALS cannot be combined/,
    ],
    [
      'EQUALS with PREFIX_NOT_EQUALS',
      {
        Title: [
          { Value: 'a', Comparison: 'EQUALS' },
          { Value: 'b', Comparison: 'PREFIX_NOT_EQUALS' },
        ],
      },
      /EQUALS cannot be combined/,
    ],
    ['CONTAINS_WORD (V2 only)', { Title: [{ Value: 'a', Comparison: 'CONTAINS_WORD' }] }, /V2 APIs/],
    [
      'an unknown comparison',
      { Title: [{ Value: 'a', Comparison: 'LIKE' as never }] },
      /Comparison must be one of/,
    ],
    [
      'a value that is not a string',
      { Title: [{ Value: 5 as never, Comparison: 'EQUALS' }] },
      /string Value/,
    ],
    [
      'an unknown attribute',
      { Colour: [{ Value: 'red', Comparison: 'EQUALS' }] } as never,
      /not a valid filter attribute/,
    ],
    [
      'more than 10 attributes',
      Object.fromEntries(
        [
          'Title',
          'Description',
          'Id',
          'Region',
          'ProductName',
          'CompanyName',
          'GeneratorId',
          'ProductArn',
          'AwsAccountId',
          'SourceUrl',
          'RecordState',
        ].map((key) => [key, [{ Value: 'x', Comparison: 'EQUALS' }]]),
      ),
      /exceeds the limit of 10/,
    ],
    [
      'more than 20 values',
      { Title: Array.from({ length: 21 }, (_, i) => ({ Value: `t${i}`, Comparison: 'EQUALS' as const })) },
      /exceeds the limit of 20/,
    ],
  ];
  for (const [name, filters, message] of invalid) {
    it(`rejects ${name}`, () => {
      expect(() => compileFindingFilters(filters, now)).toThrow(FilterValidationError);
      expect(() => compileFindingFilters(filters, now)).toThrow(message);
    });
  }
});

describe('map filters', () => {
  it('compares a key of a map with the string rules', () => {
    expect(select({ ResourceTags: [{ Key: 'team', Value: 'payments', Comparison: 'EQUALS' }] })).toEqual([
      inspector,
    ]);
    expect(select({ ResourceTags: [{ Key: 'team', Value: 'pay', Comparison: 'CONTAINS' }] })).toEqual([
      inspector,
    ]);
    expect(
      select({
        ProductFields: [{ Key: 'aws/securityhub/ProductName', Value: 'GuardDuty', Comparison: 'NOT_EQUALS' }],
      }),
    ).toEqual([inspector, ecr, control]);
    expect(
      select({
        ResourceTags: [
          { Key: 'team', Value: 'payments', Comparison: 'EQUALS' },
          { Key: 'Name', Value: 'web-2', Comparison: 'EQUALS' },
        ],
      }),
    ).toEqual([]);
  });

  it('rejects a map filter without a key or with PREFIX', () => {
    expect(() =>
      compileFindingFilters({ ResourceTags: [{ Value: 'x', Comparison: 'EQUALS' }] }, now),
    ).toThrow(/needs a Key/);
    expect(() =>
      compileFindingFilters({ ResourceTags: [{ Key: 'a', Value: 'x', Comparison: 'PREFIX' as never }] }, now),
    ).toThrow(/Comparison must be one of EQUALS, NOT_EQUALS, CONTAINS, NOT_CONTAINS/);
  });
});

describe('date filters', () => {
  it('takes Start and End (with offsets), inclusive', () => {
    expect(
      select({ UpdatedAt: [{ Start: '2026-10-30T00:00:00Z', End: '2026-10-31T13:00:00+01:00' }] }),
    ).toEqual([control, guardDuty]);
  });

  it('takes a DateRange WITHIN or OLDER_THAN the emulator clock', () => {
    expect(select({ UpdatedAt: [{ DateRange: { Value: 3, Unit: 'DAYS' } }] })).toEqual([control, guardDuty]);
    expect(
      select({ UpdatedAt: [{ DateRange: { Value: 30, Unit: 'DAYS', Comparison: 'OLDER_THAN' } as never }] }),
    ).toEqual([ecr]);
  });

  const invalid: [string, unknown, RegExp][] = [
    ['Start alone', { UpdatedAt: [{ Start: '2026-10-01T00:00:00Z' }] }, /both Start and End/],
    [
      'a malformed date',
      { UpdatedAt: [{ Start: '2026-10-01', End: '2026-10-02T00:00:00Z' }] },
      /not a valid date-time/,
    ],
    [
      'Start after End',
      { UpdatedAt: [{ Start: '2026-10-02T00:00:00Z', End: '2026-10-01T00:00:00Z' }] },
      /must not be after/,
    ],
    [
      'a DateRange in hours',
      { UpdatedAt: [{ DateRange: { Value: 3, Unit: 'HOURS' } }] },
      /Unit must be DAYS/,
    ],
  ];
  for (const [name, filters, message] of invalid) {
    it(`rejects ${name}`, () => expect(() => compileFindingFilters(filters as never, now)).toThrow(message));
  }
});

describe('number, boolean, IP and keyword filters', () => {
  it('compares numbers with Gte/Lte/Gt/Lt/Eq', () => {
    expect(select({ SeverityNormalized: [{ Gte: 70 }] })).toEqual([inspector, control]);
    expect(select({ SeverityNormalized: [{ Gt: 20, Lte: 70 }] })).toEqual([ecr, control]);
    expect(select({ NetworkDestinationPort: [{ Eq: 22 }] })).toEqual([guardDuty]);
    // Eq on an attribute every finding has: only the equal one matches.
    expect(select({ SeverityNormalized: [{ Eq: 40 }] })).toEqual([ecr]);
    expect(select({ SeverityNormalized: [{ Eq: 41 }] })).toEqual([]);
    expect(select({ SeverityNormalized: [{ Gt: 89 }, { Lt: 21 }] })).toEqual([inspector, guardDuty]);
    expect(() => compileFindingFilters({ SeverityNormalized: [{}] }, now)).toThrow(/needs Gte/);
    expect(() => compileFindingFilters({ SeverityNormalized: [{ Eq: 1, Gte: 0 }] }, now)).toThrow(
      /Eq cannot be combined/,
    );
  });

  it('compares booleans', () => {
    const sample = { ...ecr, Sample: true };
    expect(compileFindingFilters({ Sample: [{ Value: true }] }, now)(sample)).toBe(true);
    expect(compileFindingFilters({ Sample: [{ Value: false }] }, now)(sample)).toBe(false);
    expect(compileFindingFilters({ Sample: [{ Value: false }] }, now)(ecr)).toBe(true);
  });

  it('matches IPv4 and IPv6 addresses inside a CIDR block', () => {
    expect(select({ ResourceAwsEc2InstanceIpV4Addresses: [{ Cidr: '54.20.0.0/16' }] })).toEqual([inspector]);
    expect(select({ NetworkSourceIpV4: [{ Cidr: '198.51.100.0/24' }] })).toEqual([guardDuty]);
    expect(select({ NetworkSourceIpV6: [{ Cidr: '2001:db8::/32' }] })).toEqual([guardDuty]);
    expect(select({ NetworkSourceIpV4: [{ Cidr: '10.0.0.0/8' }] })).toEqual([]);
    expect(() => compileFindingFilters({ NetworkSourceIpV4: [{ Cidr: '300.1.1.1/8' }] }, now)).toThrow(
      /not a valid CIDR/,
    );
    expect(() => compileFindingFilters({ NetworkSourceIpV4: [{ Cidr: '10.0.0.0/33' }] }, now)).toThrow(
      /not a valid CIDR/,
    );
  });

  it('matches the deprecated Keyword filter in the finding text', () => {
    expect(select({ Keyword: [{ Value: 'log4j' }] })).toEqual([inspector]);
  });
});

describe('sorting', () => {
  it('sorts by the given criteria with a stable tie-break, newest update first by default', () => {
    expect([...all].sort(compareFindings(undefined))).toEqual([control, guardDuty, inspector, ecr]);
    expect([...all].sort(compareFindings([{ Field: 'UpdatedAt', SortOrder: 'asc' }]))).toEqual([
      ecr,
      inspector,
      guardDuty,
      control,
    ]);
    expect(
      [...all].sort(
        compareFindings([
          { Field: 'SeverityNormalized', SortOrder: 'desc' },
          { Field: 'Title', SortOrder: 'asc' },
        ]),
      ),
    ).toEqual([inspector, control, ecr, guardDuty]);
  });

  it('puts findings without the sort attribute last, ascending and descending', () => {
    const high = { ...control, Criticality: 60 };
    const low = { ...ecr, Criticality: 10 };
    // The two without a Criticality tie, and break it on ProductArn: guardduty before inspector.
    const findings = [inspector, high, guardDuty, low];
    const sorted = (SortOrder: 'asc' | 'desc') =>
      [...findings].sort(compareFindings([{ Field: 'Criticality', SortOrder }]));
    expect(sorted('asc')).toEqual([low, high, guardDuty, inspector]);
    expect(sorted('desc')).toEqual([high, low, guardDuty, inspector]);
  });

  it('rejects an unknown field or order', () => {
    expect(() => compareFindings([{ Field: 'Colour', SortOrder: 'asc' }])).toThrow(/not a sortable/);
    expect(() => compareFindings([{ Field: 'UpdatedAt', SortOrder: 'up' as never }])).toThrow(/asc or desc/);
  });
});

describe('edges of the comparisons', () => {
  const matches = (filters: AwsSecurityFindingFilters, finding: AwsSecurityFinding) =>
    compileFindingFilters(filters, now)(finding);

  it('takes no filters (absent or null) as "everything"', () => {
    expect(all.filter(compileFindingFilters(undefined, now))).toEqual(all);
    expect(all.filter(compileFindingFilters(null as never, now))).toEqual(all);
  });

  it('NOT_EQUALS and PREFIX_NOT_EQUALS leave out the findings that have the value', () => {
    const region = inspector.Region!;
    expect(select({ Region: [{ Value: region, Comparison: 'NOT_EQUALS' }] })).not.toContain(inspector);
    expect(
      select({
        ProductName: [{ Value: inspector.ProductName!.slice(0, 3), Comparison: 'PREFIX_NOT_EQUALS' }],
      }),
    ).toEqual(all.filter((finding) => !finding.ProductName!.startsWith(inspector.ProductName!.slice(0, 3))));
  });

  it('a field that is null is missing, not the text "null"', () => {
    const nullRegion = { ...ecr, Region: null as never };
    expect(matches({ Region: [{ Value: 'null', Comparison: 'EQUALS' }] }, nullRegion)).toBe(false);
    expect(matches({ Region: [{ Value: 'null', Comparison: 'NOT_EQUALS' }] }, nullRegion)).toBe(true);
  });

  it('a map filter reads the key in every map of a list, ORs positives on one key and skips non-strings', () => {
    const twoResources: AwsSecurityFinding = {
      ...ecr,
      Resources: [
        { ...ecr.Resources![0]!, Tags: { env: 7 as never } },
        { ...ecr.Resources![0]!, Tags: { env: 'prod' } },
      ],
    };
    expect(
      matches({ ResourceTags: [{ Key: 'env', Value: 'prod', Comparison: 'EQUALS' }] }, twoResources),
    ).toBe(true);
    expect(
      matches(
        {
          ResourceTags: [
            { Key: 'env', Value: 'dev', Comparison: 'EQUALS' },
            { Key: 'env', Value: 'prod', Comparison: 'EQUALS' },
          ],
        },
        twoResources,
      ),
    ).toBe(true);
    expect(matches({ ResourceTags: [{ Key: 'env', Value: '7', Comparison: 'EQUALS' }] }, twoResources)).toBe(
      false,
    );
  });

  it('a number filter ignores values that are not numbers, and Lt excludes its bound', () => {
    const asText = { ...ecr, Severity: { Label: 'HIGH' as const, Normalized: '90' as never } };
    expect(matches({ SeverityNormalized: [{ Gte: 1 }] }, asText)).toBe(false);
    expect(matches({ SeverityNormalized: [{ Lt: 40 }] }, ecr)).toBe(false);
    expect(matches({ SeverityNormalized: [{ Lt: 41 }] }, ecr)).toBe(true);
  });

  it('DateRange: every finding is either WITHIN n days or OLDER_THAN n days, never both, at the boundary too', () => {
    const at = (iso: string) => ({ ...ecr, UpdatedAt: iso });
    const boundary = at(new Date(now.getTime() - 30 * 86_400_000).toISOString());
    const justBefore = at(new Date(now.getTime() - 30 * 86_400_000 - 1).toISOString());
    for (const finding of [boundary, justBefore, inspector, ecr, control]) {
      const within = matches({ UpdatedAt: [{ DateRange: { Value: 30, Unit: 'DAYS' } }] }, finding);
      const older = matches(
        { UpdatedAt: [{ DateRange: { Value: 30, Unit: 'DAYS', Comparison: 'OLDER_THAN' } as never }] },
        finding,
      );
      expect([within, older].filter(Boolean)).toHaveLength(1);
    }
    expect(
      matches(
        { UpdatedAt: [{ DateRange: { Value: 30, Unit: 'DAYS', Comparison: 'OLDER_THAN' } as never }] },
        boundary,
      ),
    ).toBe(false);
  });

  it('a date filter matches when any date of a list is in any of its windows, and ignores non-dates', () => {
    const indicators = {
      ...ecr,
      ThreatIntelIndicators: [
        { LastObservedAt: '2026-01-01T00:00:00.000Z' },
        { LastObservedAt: '2026-10-15T00:00:00.000Z' },
        { LastObservedAt: 1_760_486_400_000 as never },
      ],
    };
    const window = (Start: string, End: string) => ({ Start, End });
    expect(
      matches(
        { ThreatIntelIndicatorLastObservedAt: [window('2026-10-01T00:00:00Z', '2026-10-31T00:00:00Z')] },
        indicators,
      ),
    ).toBe(true);
    expect(
      matches(
        {
          ThreatIntelIndicatorLastObservedAt: [
            window('2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z'),
            window('2026-10-10T00:00:00Z', '2026-10-20T00:00:00Z'),
          ],
        },
        indicators,
      ),
    ).toBe(true);
    // 1_760_486_400_000 is 2025-10-15 as epoch milliseconds: a number is not an ASFF date.
    expect(
      matches(
        { ThreatIntelIndicatorLastObservedAt: [window('2025-10-01T00:00:00Z', '2025-10-31T00:00:00Z')] },
        indicators,
      ),
    ).toBe(false);
  });

  it('booleans: conditions OR, and a missing value counts as false only', () => {
    expect(matches({ Sample: [{ Value: true }] }, ecr)).toBe(false);
    expect(matches({ Sample: [{ Value: true }, { Value: false }] }, ecr)).toBe(true);
    expect(matches({ Sample: [{ Value: true }, { Value: false }] }, { ...ecr, Sample: true })).toBe(true);
  });

  it('IP filters: blocks OR, families never cross, and a value that is no address matches nothing', () => {
    const blocks = [{ Cidr: '203.0.113.0/24' }, { Cidr: '198.51.100.0/24' }];
    expect(matches({ NetworkSourceIpV4: blocks }, guardDuty)).toBe(true);
    expect(matches({ NetworkSourceIpV4: [{ Cidr: '::/0' }] }, guardDuty)).toBe(false);
    expect(matches({ NetworkSourceIpV6: [{ Cidr: '0.0.0.0/0' }] }, guardDuty)).toBe(false);
    const notAnAddress = { ...guardDuty, Network: { SourceIpV4: 'unknown' } };
    expect(matches({ NetworkSourceIpV4: [{ Cidr: '0.0.0.0/0' }] }, notAnAddress)).toBe(false);
    const numeric = { ...guardDuty, Network: { SourceIpV4: 3_325_256_711 as never } };
    expect(matches({ NetworkSourceIpV4: [{ Cidr: '0.0.0.0/0' }] }, numeric)).toBe(false);
  });

  it('Keyword: conditions OR, and the finding types are searched too', () => {
    const type = control.Types![0]!;
    expect(matches({ Keyword: [{ Value: type }] }, control)).toBe(true);
    expect(matches({ Keyword: [{ Value: 'no such word' }, { Value: type }] }, control)).toBe(true);
  });
});

describe('sorting edge cases', () => {
  it('an empty criteria list is the default order; a criterion without SortOrder is ascending', () => {
    expect([...all].sort(compareFindings([]))).toEqual([...all].sort(compareFindings(undefined)));
    expect([...all].sort(compareFindings([{ Field: 'UpdatedAt' }]))).toEqual([
      ecr,
      inspector,
      guardDuty,
      control,
    ]);
  });

  it('compares dates as instants, not as text, and puts a finding without the date last', () => {
    const earlyWithOffset = { ...ecr, Id: 'a', UpdatedAt: '2026-10-01T01:00:00+02:00' };
    const laterInUtc = { ...ecr, Id: 'b', UpdatedAt: '2026-09-30T23:30:00Z' };
    const undated = { ...ecr, Id: 'c', UpdatedAt: undefined };
    expect(
      [undated, laterInUtc, earlyWithOffset].sort(
        compareFindings([{ Field: 'UpdatedAt', SortOrder: 'asc' }]),
      ),
    ).toEqual([earlyWithOffset, laterInUtc, undated]);
  });

  it('breaks ties on ProductArn, then Id, both ways round', () => {
    const a = { ...ecr, ProductArn: 'arn:a', Id: '2' };
    const b = { ...ecr, ProductArn: 'arn:b', Id: '1' };
    const c = { ...ecr, ProductArn: 'arn:b', Id: '3' };
    const compare = compareFindings([{ Field: 'UpdatedAt', SortOrder: 'desc' }]);
    expect([c, b, a].sort(compare)).toEqual([a, b, c]);
    expect([a, b, c].sort(compare)).toEqual([a, b, c]);
    expect(compare(b, { ...b })).toBe(0);
  });

  it('rejects criteria that are not a list, an empty criterion, and map or keyword fields', () => {
    expect(() => compareFindings('UpdatedAt' as never)).toThrow(/must be a list/);
    expect(() => compareFindings([null as never])).toThrow(/SortCriteria\[0\]\.Field "undefined"/);
    expect(() => compareFindings([{ Field: 7 as never }])).toThrow(/not a sortable/);
    expect(() => compareFindings([{ Field: 'ResourceTags' }])).toThrow(/not a sortable/);
    expect(() => compareFindings([{ Field: 'Keyword' }])).toThrow(/not a sortable/);
  });
});

describe('filters over odd shapes', () => {
  const matches = (filters: AwsSecurityFindingFilters, finding: AwsSecurityFinding) =>
    compileFindingFilters(filters, now)(finding);

  it('Keyword reads only the text a finding has: no "undefined" for a missing description or types', () => {
    const bare = { ...control, Description: undefined, Types: undefined };
    expect(matches({ Keyword: [{ Value: 'undefined' }] }, bare)).toBe(false);
    expect(matches({ Keyword: [{ Value: control.Title!.slice(0, 5) }] }, bare)).toBe(true);
  });

  it('a map filter skips resources without tags and tag values that are not text', () => {
    const odd: AwsSecurityFinding = {
      ...ecr,
      Resources: [
        { ...ecr.Resources![0]!, Tags: null as never },
        { ...ecr.Resources![0]!, Tags: { env: 7 as never } },
      ],
    };
    expect(matches({ ResourceTags: [{ Key: 'env', Value: '7', Comparison: 'CONTAINS' }] }, odd)).toBe(false);
    expect(matches({ ResourceTags: [{ Key: 'env', Value: 'p', Comparison: 'NOT_EQUALS' }] }, odd)).toBe(true);
  });

  it('orders two findings of one product by Id, whichever comes first', () => {
    const compare = compareFindings([{ Field: 'UpdatedAt', SortOrder: 'desc' }]);
    const one = { ...ecr, ProductArn: 'arn:b', Id: '1' };
    const three = { ...ecr, ProductArn: 'arn:b', Id: '3' };
    expect(compare(three, one)).toBe(1);
    expect(compare(one, three)).toBe(-1);
  });

  it('raises its own error type, named for logs', () => {
    const error = (() => {
      try {
        compareFindings([{ Field: 'Colour' }]);
      } catch (raised) {
        return raised;
      }
    })();
    expect(error).toBeInstanceOf(FilterValidationError);
    expect((error as Error).name).toBe('FilterValidationError');
  });
});
