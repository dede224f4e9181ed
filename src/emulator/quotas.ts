// AWS's request quotas for Security Hub, per account and Region (research/aws-api.md §5), as token
// buckets: `rate` tokens a second up to `burst`. An empty bucket answers 429 TooManyRequestsException.

export interface Quota {
  rate: number;
  burst: number;
}

export const SECURITY_HUB_QUOTAS: Record<string, Quota> = {
  GetFindings: { rate: 3, burst: 6 },
  BatchImportFindings: { rate: 10, burst: 30 },
  BatchUpdateFindings: { rate: 10, burst: 30 },
  default: { rate: 10, burst: 30 },
};

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  enabled = true;
  /** Overrides per operation (e.g. from --rate/--burst); undefined keys use AWS's quotas. */
  overrides: Partial<Record<string, Quota>> = {};

  quotaOf(operation: string): Quota {
    return (
      this.overrides[operation] ??
      this.overrides.all ??
      SECURITY_HUB_QUOTAS[operation] ??
      SECURITY_HUB_QUOTAS.default!
    );
  }

  /** Takes a token for this (account, region, operation) at wall-clock time `nowMs`; false when throttled. */
  take(account: string, region: string, operation: string, nowMs: number): boolean {
    if (!this.enabled) return true;
    const quota = this.quotaOf(operation);
    const key = `${account}/${region}/${operation}`;
    const bucket = this.buckets.get(key) ?? { tokens: quota.burst, updatedAt: nowMs };
    bucket.tokens = Math.min(quota.burst, bucket.tokens + ((nowMs - bucket.updatedAt) / 1000) * quota.rate);
    bucket.updatedAt = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  reset(): void {
    this.buckets.clear();
  }
}
