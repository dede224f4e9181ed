import type { UserErrorModel } from '../user-errors.ts';

export type FindingUpdateStatus = 'PENDING' | 'PROCESSED' | 'UNPROCESSED';

export interface FindingUpdateResultModel {
  findingId: string;
  productArn: string;
  awsId: string;
  status: FindingUpdateStatus;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface FindingsUpdatePayloadModel {
  requestId: string | null;
  results: FindingUpdateResultModel[];
  processedCount: number;
  unprocessedCount: number;
  userErrors: UserErrorModel[];
}

/** What a request's progress events carry: the totals so far and the answers of this step. */
export interface FindingsUpdateCounts {
  total: number;
  processedCount: number;
  unprocessedCount: number;
  pendingCount: number;
}

export interface FindingsUpdateProgressEventModel extends FindingsUpdateCounts {
  cursor: string;
  requestId: string;
  type: 'RECORDED' | 'PROGRESS' | 'FINISHED';
  occurredAt: Date;
  results: FindingUpdateResultModel[];
}
