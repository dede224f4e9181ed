import { describe, expect, it } from 'vitest';
import {
  compileV2Filters,
  compileV2Sort,
  FINDING_FILTER_SCHEMA,
  V2ValidationError,
} from '../../../src/emulator/securityhub/ocsf-filters.ts';

// GetFindingsV2's filter semantics on small hand-made documents: what each comparison means over a
// field with several values (resources[], vulnerabilities[]), and what is refused.

const NOW = new Date('2026-11-30T00:00:00.000Z');

const aFinding = (overrides: Record<string, unknown> = {}) => ({
  class_name: 'Vulnerability Finding',
  severity_id: 4,
  finding_info: {
    uid: 'arn:aws:inspector2:us-east-1:111111111111:finding/abc',
    title: 'CVE-2024-1 - openssl',
    modified_time_dt: '2026-11-20T00:00:00.000Z',
  },
  resources: [
    { uid: 'i-1', tags: [{ name: 'team', value: 'payments' }] },
    { uid: 'i-2', tags: [{ name: 'team', value: 'platform' }] },
  ],
  vulnerabilities: [{ is_exploit_available: true }],
  evidences: [{ src_endpoint: { ip: '198.51.100.7' } }],
  ...overrides,
});

const matches = (filters: unknown, document = aFinding()) =>
  compileV2Filters(filters, FINDING_FILTER_SCHEMA, NOW)(document);

const one = (kind: string, FieldName: string, Filter: unknown) => ({
  CompositeFilters: [{ [kind]: [{ FieldName, Filter }] }],
});

describe('GetFindingsV2 filters', () => {
  it('matches a positive comparison on any value of a many-valued field, a negative one only when no value matches', () => {
    expect(matches(one('StringFilters', 'resources.uid', { Value: 'i-2', Comparison: 'EQUALS' }))).toBe(true);
    expect(matches(one('StringFilters', 'resources.uid', { Value: 'i-2', Comparison: 'NOT_EQUALS' }))).toBe(
      false,
    );
    expect(matches(one('StringFilters', 'resources.uid', { Value: 'i-9', Comparison: 'NOT_EQUALS' }))).toBe(
      true,
    );
    expect(
      matches(one('StringFilters', 'resources.uid', { Value: 'i-', Comparison: 'PREFIX_NOT_EQUALS' })),
    ).toBe(false);
  });

  it('is case-sensitive, and CONTAINS_WORD matches whole words only', () => {
    const title = (Value: string, Comparison: string) =>
      matches(one('StringFilters', 'finding_info.title', { Value, Comparison }));
    expect(title('OpenSSL', 'CONTAINS')).toBe(false);
    expect(title('openssl', 'CONTAINS_WORD')).toBe(true);
    expect(title('opens', 'CONTAINS_WORD')).toBe(false);
    expect(title('opens', 'CONTAINS')).toBe(true);
  });

  it('reads dates, numbers, booleans, tags and IP addresses', () => {
    const date = (Filter: unknown) => matches(one('DateFilters', 'finding_info.modified_time_dt', Filter));
    expect(date({ Start: '2026-11-19T00:00:00Z', End: '2026-11-21T00:00:00Z' })).toBe(true);
    expect(date({ DateRange: { Value: 7, Unit: 'DAYS', Comparison: 'WITHIN' } })).toBe(false);
    expect(date({ DateRange: { Value: 7, Unit: 'DAYS', Comparison: 'OLDER_THAN' } })).toBe(true);
    expect(matches(one('NumberFilters', 'severity_id', { Gt: 3, Lt: 5 }))).toBe(true);
    expect(matches(one('NumberFilters', 'severity_id', { Eq: 5 }))).toBe(false);
    expect(matches(one('BooleanFilters', 'vulnerabilities.is_exploit_available', { Value: false }))).toBe(
      false,
    );
    const tag = (Value: string, Comparison: string) =>
      matches(one('MapFilters', 'resources.tags', { Key: 'team', Value, Comparison }));
    expect(tag('platform', 'EQUALS')).toBe(true);
    expect(tag('platform', 'NOT_EQUALS')).toBe(false);
    expect(tag('pay', 'CONTAINS')).toBe(true);
    expect(matches(one('IpFilters', 'evidences.src_endpoint.ip', { Cidr: '198.51.100.0/24' }))).toBe(true);
    expect(matches(one('IpFilters', 'evidences.src_endpoint.ip', { Cidr: '198.51.100.8' }))).toBe(false);
  });

  it('joins filters by the composite Operator and composites by CompositeOperator, AND by default', () => {
    const high = { NumberFilters: [{ FieldName: 'severity_id', Filter: { Gte: 5 } }] };
    const vulnerability = {
      StringFilters: [
        { FieldName: 'class_name', Filter: { Value: 'Vulnerability Finding', Comparison: 'EQUALS' } },
      ],
    };
    expect(matches({ CompositeFilters: [high, vulnerability] })).toBe(false);
    expect(matches({ CompositeFilters: [high, vulnerability], CompositeOperator: 'OR' })).toBe(true);
    expect(matches({ CompositeFilters: [{ ...high, ...vulnerability, Operator: 'OR' }] })).toBe(true);
    expect(matches({ CompositeFilters: [{ ...vulnerability, NestedCompositeFilters: [{ ...high }] }] })).toBe(
      false,
    );
  });

  it('refuses a date filter with both bounds and a range, and nesting deeper than three layers', () => {
    expect(() =>
      matches(
        one('DateFilters', 'finding_info.modified_time_dt', {
          Start: '2026-01-01T00:00:00Z',
          DateRange: { Value: 1, Unit: 'DAYS' },
        }),
      ),
    ).toThrow(V2ValidationError);
    expect(() =>
      matches({ CompositeFilters: [{ NestedCompositeFilters: [{ NestedCompositeFilters: [{}] }] }] }),
    ).toThrow(/nested composite filters cannot/);
    expect(() => matches(one('NumberFilters', 'severity_id', {}))).toThrow(/needs Gte, Lte, Eq, Gt or Lt/);
  });

  it('sorts with missing values last and a total order', () => {
    const order = compileV2Sort(
      [{ Field: 'severity_id', SortOrder: 'desc' }],
      FINDING_FILTER_SCHEMA,
      { Field: 'severity_id', SortOrder: 'asc' },
      (document) => String((document as { id: string }).id),
    );
    const sorted = [
      { id: 'b', severity_id: 2 },
      { id: 'c' },
      { id: 'a', severity_id: 2 },
      { id: 'd', severity_id: 5 },
    ].sort(order);
    expect(sorted.map((document) => document.id)).toEqual(['d', 'a', 'b', 'c']);
  });
});
