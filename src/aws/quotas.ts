// AWS's request quotas, per account and Region (research/aws-api.md §5): token buckets that refill
// `rate` tokens a second up to `burst`. Hubgraph keeps to them; the emulator enforces them.

export interface Quota {
  rate: number;
  burst: number;
}

const QUOTAS: Record<string, Quota> = {
  GetFindings: { rate: 3, burst: 6 },
  // No V2 quota is documented; the new Security Hub's read is assumed to cost what GetFindings does
  // (research/ocsf-v2.md §1, issue 15).
  GetFindingsV2: { rate: 3, burst: 6 },
  // The inventory read (assets) pages like GetFindingsV2 and is assumed to cost the same.
  GetResourcesV2: { rate: 3, burst: 6 },
  // The V2 reader's other calls (DescribeSecurityHubV2, ListAggregatorsV2, GetAggregatorV2) are
  // "all other operations", as the emulator counts them.
  BatchImportFindings: { rate: 10, burst: 30 },
  BatchUpdateFindings: { rate: 10, burst: 30 },
  // Nor for the new Security Hub's write: assumed to cost what BatchUpdateFindings does.
  BatchUpdateFindingsV2: { rate: 10, burst: 30 },
  // EC2 throttles by buckets shared between actions, not per action
  // (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html): see ec2QuotaBucket.
  'ec2:NonMutating': { rate: 20, burst: 100 },
  'ec2:Mutating': { rate: 5, burst: 200 },
  'ec2:SecurityGroupRules': { rate: 5, burst: 100 },
};

/** "All others" is 10 a second, burst 30. */
const OTHER_OPERATIONS: Quota = { rate: 10, burst: 30 };

export function securityHubQuota(operation: string): Quota {
  return QUOTAS[operation] ?? OTHER_OPERATIONS;
}

/** The bucket an EC2 action draws its tokens from: its key in the quotas above. */
export function ec2QuotaBucket(action: string): string {
  if (/^Describe/.test(action)) return 'ec2:NonMutating';
  if (/SecurityGroup(Ingress|Egress)$/.test(action)) return 'ec2:SecurityGroupRules';
  return 'ec2:Mutating';
}
