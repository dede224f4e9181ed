import { createHash } from 'node:crypto';
import type { AwsSecurityFindingFilters, SortCriterion } from '@aws-sdk/client-securityhub';
import { type ConnectorScope, SCOPE_FILTER_ATTRIBUTES } from '../connectors/settings.ts';

// A connector's scope as Security Hub filters (applied server-side, so out-of-scope findings never
// cross the network), plus the `UpdatedAt` window of one slice of a run.

/** AWS allows 10 filter attributes per request (research/aws-api.md §2). */
export const MAX_FILTER_ATTRIBUTES = 10;

/** Oldest update first: a slice's high-water mark then only ever moves forward. */
export const SORT_BY_UPDATED_AT: SortCriterion[] = [{ Field: 'UpdatedAt', SortOrder: 'asc' }];

export function scopeFilters(scope: ConnectorScope): AwsSecurityFindingFilters {
  const filters: Record<string, unknown> = {};
  for (const [field, attribute] of Object.entries(SCOPE_FILTER_ATTRIBUTES)) {
    const values = scope[field as keyof typeof SCOPE_FILTER_ATTRIBUTES];
    if (values.length > 0) filters[attribute] = values.map((Value) => ({ Value, Comparison: 'EQUALS' }));
  }
  return { ...(scope.awsFilters ?? {}), ...filters } as AwsSecurityFindingFilters;
}

/**
 * Whether an aggregation stream can name its Regions in a server-side filter: the scope has no Region
 * filter of its own, and one more attribute fits beside the scope's and the `UpdatedAt` window. A
 * request holds one filter per attribute, so the stream's Regions would replace the scope's Region
 * filter (reading Regions the scope leaves out); the stream's Regions are then checked client-side.
 */
export function regionFilterFits(scope: AwsSecurityFindingFilters): boolean {
  if ((scope.Region?.length ?? 0) > 0) return false;
  const used = Object.keys(scope).filter((key) => key !== 'UpdatedAt' && key !== 'Region').length;
  return used + 2 <= MAX_FILTER_ATTRIBUTES;
}

/** The scope with one slice's inclusive `UpdatedAt` bounds (and, when it fits, the Regions read). */
export function sliceFilters(
  scope: AwsSecurityFindingFilters,
  window: { start: Date; end: Date },
  regions?: readonly string[],
): AwsSecurityFindingFilters {
  return {
    ...scope,
    ...(regions ? { Region: regions.map((Value) => ({ Value, Comparison: 'EQUALS' as const })) } : {}),
    UpdatedAt: [{ Start: window.start.toISOString(), End: window.end.toISOString() }],
  };
}

/**
 * Names the scope a cursor was read under. A cursor is only good for the scope it was read with:
 * a widened scope must read everything again, or findings newly in scope but older than the
 * cursor would never arrive.
 */
export function scopeHash(scope: object): string {
  return createHash('sha256').update(canonical(scope)).digest('hex').slice(0, 16);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
