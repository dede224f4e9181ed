import type { FindingRow } from '../db/schema.ts';

/** A finding as resolvers receive it: its row without the search vector and the (large) raw ASFF, which loads on demand. */
export type FindingModel = Omit<FindingRow, 'search' | 'raw'>;

export interface FindingStatsModel {
  total: number;
  bySeverity: { label: string; count: number }[];
  byWorkflowStatus: { status: string; count: number }[];
  byProduct: { value: string; count: number }[];
  byAccount: { value: string; count: number }[];
  byRegion: { value: string; count: number }[];
}
