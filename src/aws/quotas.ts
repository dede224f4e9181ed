// AWS Security Hub's request quotas, per account and Region (research/aws-api.md §5): token buckets
// that refill `rate` tokens a second up to `burst`. Hubgraph keeps to them; the emulator enforces
// them.

export interface Quota {
  rate: number;
  burst: number;
}

const QUOTAS: Record<string, Quota> = {
  GetFindings: { rate: 3, burst: 6 },
  // No V2 quota is documented; the new Security Hub's read is assumed to cost what GetFindings does
  // (research/ocsf-v2.md §1, issue 15).
  GetFindingsV2: { rate: 3, burst: 6 },
  BatchImportFindings: { rate: 10, burst: 30 },
  BatchUpdateFindings: { rate: 10, burst: 30 },
};

/** "All others" is 10 a second, burst 30. */
const OTHER_OPERATIONS: Quota = { rate: 10, burst: 30 };

export function securityHubQuota(operation: string): Quota {
  return QUOTAS[operation] ?? OTHER_OPERATIONS;
}
