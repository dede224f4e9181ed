export type CheckName =
  | 'NETWORK_REACHABILITY'
  | 'TLS_HANDSHAKE'
  | 'AUTHENTICATION'
  | 'AUTHORIZATION_SCOPE'
  | 'DATA_FETCH';
export type CheckStatus = 'PASSED' | 'FAILED' | 'SKIPPED';

export const CHECK_ORDER: readonly CheckName[] = [
  'NETWORK_REACHABILITY',
  'TLS_HANDSHAKE',
  'AUTHENTICATION',
  'AUTHORIZATION_SCOPE',
  'DATA_FETCH',
];

export interface ConnectionCheckModel {
  name: CheckName;
  status: CheckStatus;
  durationMs: number;
  region: string | null;
  awsErrorCode: string | null;
  httpStatus: number | null;
  message: string;
  /** The exact fix: the role ARN, principal, external id, action or Region to change. */
  remediation: string | null;
}

export interface RegionStatusModel {
  region: string;
  securityHubEnabled: boolean | null;
  securityHubV2Enabled: boolean | null;
  findingAggregator: boolean | null;
  message: string | null;
}

export interface ConnectionTestResultModel {
  testId: string;
  startedAt: string;
  finishedAt: string | null;
  passed: boolean;
  checks: ConnectionCheckModel[];
  regions: RegionStatusModel[];
  baseAccountId: string | null;
  /** Which Security Hub answered: CSPM, V2, BOTH; null when neither did (or the test stopped before asking). */
  detectedApi: 'CSPM' | 'V2' | 'BOTH' | null;
}

export interface ConnectionTestEventModel {
  cursor: string;
  testId: string;
  connectorId: string | null;
  check: ConnectionCheckModel | null;
  result: ConnectionTestResultModel | null;
}
