import type { FindingExportRow } from '../db/schema.ts';

export type ExportModel = FindingExportRow;

export type ExportItemStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

export interface ExportRegionState {
  region: string;
  accepted: boolean;
  reason: string | null;
}

export interface ExportRegionModel {
  region: string;
  accepted: boolean | null;
  reason: string | null;
  findingCount: number;
}

export interface ExportFailedFindingModel {
  seq: number;
  id: string;
  productArn: string;
  region: string | null;
  errorCode: string;
  errorMessage: string;
  archive: boolean;
  findingId: string | null;
}

export interface ExportCounts {
  totalCount: number;
  succeededCount: number;
  failedCount: number;
  pendingCount: number;
}

export interface FindingsExportProgressEventModel extends ExportCounts {
  cursor: string;
  exportId: string;
  type: 'RECORDED' | 'PROGRESS' | 'FINISHED';
  occurredAt: Date;
  failedFindings: ExportFailedFindingModel[];
}
