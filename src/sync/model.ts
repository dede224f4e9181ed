import type { RunRow } from '../db/schema.ts';
import type { RunProgress } from './progress.ts';

// The words of the sync engine: what a run is asked to do, what it decides to do, and what it reads.

export type RunTrigger = 'SCHEDULE' | 'MANUAL' | 'RECONCILE';
/** AUTO: FULL when a stream has no cursor, RECONCILE when a sweep is due, else INCREMENTAL. */
export type RequestedMode = 'AUTO' | 'INCREMENTAL' | 'FULL' | 'RECONCILE';
export type RunMode = 'FULL' | 'INCREMENTAL' | 'RECONCILE';
export type RunStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export const ACTIVE_RUN_STATUSES: RunStatus[] = ['QUEUED', 'RUNNING'];

/** What a run job carries; a scheduled job carries no run id (the run is created when it starts). */
export interface RunJobData {
  tenantId: string;
  connectorId: string;
  trigger: RunTrigger;
  mode: RequestedMode;
  runId?: string;
}

/**
 * One read of Security Hub that the run pages through: a Region, or an aggregation Region that also
 * serves linked Regions (read once there, never again in the linked Regions themselves).
 */
/** The API a stream reads: Security Hub CSPM (ASFF) or the new Security Hub (V2, OCSF). */
export type StreamApi = 'CSPM' | 'V2';

export interface StreamPlan {
  /**
   * Names the cursor: the query Region, plus the linked Regions it serves when aggregating; `v2:`
   * first for the new Security Hub (a connector reading BOTH keeps a cursor per API).
   */
  stream: string;
  /** Absent in plans made before V2 was read: CSPM. */
  api?: StreamApi;
  /**
   * What the stream reads: findings (absent: FINDINGS), or the new Security Hub's resource
   * inventory (GetResourcesV2, for ASSETS), read whole every run in one slice (`v2resources:…`).
   */
  kind?: 'FINDINGS' | 'RESOURCES';
  /** The account whose Security Hub answers (and whose quota the requests spend). */
  accountId: string;
  region: string;
  /** Regions whose findings this stream brings (itself and, when aggregating, linked ones). */
  regions: string[];
  /** Client-side Region filter when the server-side one would exceed AWS's 10 attributes. */
  regionFilter: 'server' | 'client' | 'none';
  mode: RunMode;
  /** The window's start: the cursor less the lookback, or the epoch for a full read. */
  from: string;
}

/** An account's finding aggregator: where it aggregates, and which Regions it links. */
export interface FindingAggregation {
  region: string;
  /** ALL_REGIONS | ALL_REGIONS_EXCEPT_SPECIFIED | SPECIFIED_REGIONS | NO_REGIONS */
  linkingMode: string;
  regions: string[];
}

/** Counts of one `<account>/<region>` of findings within a slice. */
export type FindingCounts = {
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
};

export const ZERO_COUNTS: FindingCounts = { fetched: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 };

/** Names a resources stream (the new Security Hub's inventory): `v2resources:<Regions>`. */
export const RESOURCES_STREAM_PREFIX = 'v2resources:';

/** The far ends of `UpdatedAt`: a full read has no lower bound, and nothing is lost past the run's start. */
export const EPOCH = new Date('1970-01-01T00:00:00.000Z');
export const FAR_FUTURE = new Date('9999-12-31T23:59:59.999Z');

export type ConnectorRunModel = RunRow;

export interface RunProgressEventModel extends RunProgress {
  cursor: string;
  connectorId: string;
  runId: string;
  status: RunStatus;
  mode: RunMode | null;
  error: string | null;
  remediation: string | null;
  occurredAt: Date;
}
