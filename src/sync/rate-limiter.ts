import { type Quota, securityHubQuota } from '../aws/quotas.ts';

// AWS's request quotas are token buckets per account, Region and operation (src/aws/quotas.ts):
// GetFindings refills 3 tokens a second up to 6. Hubgraph waits for a token before every attempt —
// the SDK's retries included — so it runs at the quota instead of into it. A rate of 0 is unlimited.

/**
 * One less token of burst than AWS allows: a request sent the moment our bucket allows it may reach
 * AWS a little sooner than the one before it, and a token of slack absorbs that jitter.
 */
const BURST_MARGIN = 1;

interface Bucket {
  tokens: number;
  updatedAt: number;
  /** Waiters in arrival order: first come, first served. */
  queue: (() => void)[];
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly quotas: (operation: string) => Quota;
  private readonly now: () => number;

  constructor(options: { quotas?: (operation: string) => Quota; now?: () => number } = {}) {
    this.quotas = options.quotas ?? securityHubQuota;
    this.now = options.now ?? (() => performance.now());
  }

  /** Resolves when a request for (account, Region, operation) may be sent; rejects if aborted. */
  acquire(account: string, region: string, operation: string, signal?: AbortSignal): Promise<void> {
    const quota = this.quotas(operation);
    if (!(quota.rate > 0) || !Number.isFinite(quota.rate)) return Promise.resolve();
    const key = `${account}/${region}/${operation}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: capacity(quota), updatedAt: this.now(), queue: [], timer: undefined };
      this.buckets.set(key, bucket);
    }
    const held = bucket;
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const index = held.queue.indexOf(grant);
        if (index >= 0) held.queue.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      held.queue.push(grant);
      this.drain(held, quota);
    });
  }

  private drain(bucket: Bucket, quota: Quota): void {
    const now = this.now();
    bucket.tokens = Math.min(capacity(quota), bucket.tokens + ((now - bucket.updatedAt) / 1000) * quota.rate);
    bucket.updatedAt = now;
    while (bucket.queue.length > 0 && bucket.tokens >= 1) {
      bucket.tokens -= 1;
      bucket.queue.shift()!();
    }
    if (bucket.queue.length > 0 && bucket.timer === undefined) {
      const wait = Math.ceil(((1 - bucket.tokens) / quota.rate) * 1000);
      bucket.timer = setTimeout(() => {
        bucket.timer = undefined;
        this.drain(bucket, quota);
      }, wait);
    }
  }
}

function capacity(quota: Quota): number {
  return Math.max(1, quota.burst - BURST_MARGIN);
}

export const UNLIMITED: (operation: string) => Quota = () => ({ rate: 0, burst: 0 });
