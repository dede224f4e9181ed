import { type Quota, securityHubQuota } from '../aws/quotas.ts';

// AWS's request quotas for Security Hub as token buckets per account, Region and operation. An
// empty bucket answers 429 TooManyRequestsException.

export type { Quota };

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
    return this.overrides[operation] ?? this.overrides.all ?? securityHubQuota(operation);
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
