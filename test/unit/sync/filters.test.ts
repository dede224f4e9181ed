import type { AwsSecurityFindingFilters } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import {
  MAX_FILTER_ATTRIBUTES,
  regionFilterFits,
  SORT_BY_UPDATED_AT,
  scopeFilters,
  scopeHash,
  sliceFilters,
} from '../../../src/sync/filters.ts';
import { aConnectorScope } from '../../support/factories.ts';

/** A scope on `count` attributes that are neither UpdatedAt nor Region. */
function scopeOn(count: number): AwsSecurityFindingFilters {
  const attributes = ['AwsAccountId', 'CompanyName', 'ComplianceStatus', 'GeneratorId', 'Id', 'ProductArn'];
  const more = ['ProductName', 'RecordState', 'ResourceType', 'SeverityLabel', 'Title'];
  return Object.fromEntries(
    [...attributes, ...more]
      .slice(0, count)
      .map((attribute) => [attribute, [{ Value: 'x', Comparison: 'EQUALS' }]]),
  );
}

describe("a connector's scope as Security Hub filters", () => {
  it('is no filter at all for an empty scope', () => {
    expect(scopeFilters(aConnectorScope())).toEqual({});
  });

  it('turns each scope list into EQUALS filters (ORed by Security Hub) and keeps the raw filters beside them', () => {
    const scope = aConnectorScope({
      resourceTypes: ['AwsEc2Instance', 'AwsEcrContainerImage'],
      workflowStatuses: ['NEW'],
      recordStates: ['ACTIVE'],
      severityLabels: ['CRITICAL', 'HIGH'],
      productNames: ['Inspector'],
      awsFilters: { CompanyName: [{ Value: 'Amazon', Comparison: 'EQUALS' }] },
    });
    expect(scopeFilters(scope)).toEqual({
      CompanyName: [{ Value: 'Amazon', Comparison: 'EQUALS' }],
      ResourceType: [
        { Value: 'AwsEc2Instance', Comparison: 'EQUALS' },
        { Value: 'AwsEcrContainerImage', Comparison: 'EQUALS' },
      ],
      WorkflowStatus: [{ Value: 'NEW', Comparison: 'EQUALS' }],
      RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
      SeverityLabel: [
        { Value: 'CRITICAL', Comparison: 'EQUALS' },
        { Value: 'HIGH', Comparison: 'EQUALS' },
      ],
      ProductName: [{ Value: 'Inspector', Comparison: 'EQUALS' }],
    });
  });
});

describe('room for a server-side Region filter', () => {
  it('fits while the scope uses at most 8 attributes (one more for Region, one for UpdatedAt)', () => {
    expect(MAX_FILTER_ATTRIBUTES).toBe(10);
    expect(regionFilterFits({})).toBe(true);
    expect(regionFilterFits(scopeOn(8))).toBe(true);
    expect(regionFilterFits(scopeOn(9))).toBe(false);
  });

  it("has none when the scope filters on Region itself, so the stream's Regions never replace the scope's", () => {
    // One filter per attribute: sliceFilters would overwrite the scope's Region filter.
    expect(regionFilterFits({ Region: [{ Value: 'eu-west-1', Comparison: 'EQUALS' }] })).toBe(false);
    expect(regionFilterFits({ Region: [{ Value: 'eu-', Comparison: 'PREFIX_NOT_EQUALS' }] })).toBe(false);
    // An empty list filters nothing (Security Hub ignores it): room as before.
    expect(regionFilterFits({ ...scopeOn(8), Region: [] })).toBe(true);
  });

  it('does not count UpdatedAt against the scope: the window replaces it', () => {
    const withWindow = {
      ...scopeOn(8),
      UpdatedAt: [{ Start: '2026-01-01T00:00:00.000Z', End: '2026-02-01T00:00:00.000Z' }],
    };
    expect(regionFilterFits(withWindow)).toBe(true);
  });
});

describe("one slice's filters", () => {
  const window = { start: new Date('2026-05-01T00:00:00.000Z'), end: new Date('2026-05-01T01:00:00.000Z') };

  it("asks for the slice's own instants as inclusive bounds, with no millisecond added or taken", () => {
    // Neighbouring slices share their boundary instant, so a finding there is read (twice) whether
    // Security Hub treats Start or End as inclusive; an adjusted bound could fall between two.
    expect(sliceFilters(scopeOn(1), window)).toEqual({
      AwsAccountId: [{ Value: 'x', Comparison: 'EQUALS' }],
      UpdatedAt: [{ Start: '2026-05-01T00:00:00.000Z', End: '2026-05-01T01:00:00.000Z' }],
    });
  });

  it('names the Regions read when given, leaving the scope as it is', () => {
    expect(sliceFilters(scopeOn(1), window, ['us-east-1', 'eu-west-1'])).toEqual({
      AwsAccountId: [{ Value: 'x', Comparison: 'EQUALS' }],
      Region: [
        { Value: 'us-east-1', Comparison: 'EQUALS' },
        { Value: 'eu-west-1', Comparison: 'EQUALS' },
      ],
      UpdatedAt: [{ Start: '2026-05-01T00:00:00.000Z', End: '2026-05-01T01:00:00.000Z' }],
    });
  });

  it('asks for a single instant when the window is one (a restart at a high-water mark equal to its end)', () => {
    const instant = new Date('2026-05-01T00:30:00.000Z');
    expect(sliceFilters({}, { start: instant, end: instant })).toEqual({
      UpdatedAt: [{ Start: '2026-05-01T00:30:00.000Z', End: '2026-05-01T00:30:00.000Z' }],
    });
  });

  it('sorts by UpdatedAt ascending, so a high-water mark only moves forward', () => {
    expect(SORT_BY_UPDATED_AT).toEqual([{ Field: 'UpdatedAt', SortOrder: 'asc' }]);
  });
});

describe("a scope's hash", () => {
  it('is the first 16 hex digits of the SHA-256 of its canonical JSON', () => {
    // printf '%s' '{}' | sha256sum
    expect(scopeHash({})).toBe('44136fa355b3678a');
    // printf '%s' '{"ResourceType":[{"Comparison":"EQUALS","Value":"AwsEc2Instance"}]}' | sha256sum
    expect(scopeHash({ ResourceType: [{ Value: 'AwsEc2Instance', Comparison: 'EQUALS' }] })).toBe(
      'de199487bd186f85',
    );
    // printf '%s' '{"ResourceType":[{"Comparison":"EQUALS","Value":"A"},{"Comparison":"PREFIX","Value":"B"}]}' | sha256sum
    const twoValues: AwsSecurityFindingFilters = {
      ResourceType: [
        { Value: 'A', Comparison: 'EQUALS' },
        { Value: 'B', Comparison: 'PREFIX' },
      ],
    };
    expect(scopeHash(twoValues)).toBe('c49446f6e196d2be');
  });

  it('does not depend on the order of keys, at any depth', () => {
    const a = { ProductName: [{ Value: 'Inspector', Comparison: 'EQUALS' as const }], RecordState: [] };
    const b = { RecordState: [], ProductName: [{ Comparison: 'EQUALS' as const, Value: 'Inspector' }] };
    expect(scopeHash(a)).toBe(scopeHash(b));
  });

  it('changes with any value', () => {
    const inspector = { ProductName: [{ Value: 'Inspector', Comparison: 'EQUALS' as const }] };
    const guardDuty = { ProductName: [{ Value: 'GuardDuty', Comparison: 'EQUALS' as const }] };
    const prefix = { ProductName: [{ Value: 'Inspector', Comparison: 'PREFIX' as const }] };
    expect(new Set([scopeHash(inspector), scopeHash(guardDuty), scopeHash(prefix), scopeHash({})]).size).toBe(
      4,
    );
  });
});
