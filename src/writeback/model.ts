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
