// A token bucket per tenant, in cost units (cost.ts): refilled at `perSecond`, holding at most
// `burst`. Per process: with N replicas a tenant gets N budgets, which is fair between tenants all
// the same, since each replica shares its own capacity.

interface Bucket {
  tokens: number;
  at: number;
}

/** Tenants tracked before full buckets (idle tenants) are forgotten. */
const SWEEP_ABOVE = 10_000;

export class TenantCostBudget {
  readonly #buckets = new Map<string, Bucket>();
  readonly #perSecond: number;
  readonly #burst: number;
  readonly #now: () => number;

  constructor(perSecond: number, burst: number, now: () => number = () => performance.now()) {
    this.#perSecond = perSecond;
    this.#burst = burst;
    this.#now = now;
  }

  /** Takes `cost` from the tenant's bucket; when it holds too little, takes nothing and returns the seconds to wait. */
  take(tenantId: string, cost: number): number | undefined {
    const now = this.#now();
    const bucket = this.#refilled(this.#buckets.get(tenantId), now);
    this.#buckets.set(tenantId, bucket);
    if (bucket.tokens < cost) return Math.max(1, Math.ceil((cost - bucket.tokens) / this.#perSecond));
    bucket.tokens -= cost;
    if (this.#buckets.size > SWEEP_ABOVE) this.#sweep(now);
    return undefined;
  }

  #refilled(bucket: Bucket | undefined, now: number): Bucket {
    if (!bucket) return { tokens: this.#burst, at: now };
    return {
      tokens: Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond),
      at: now,
    };
  }

  #sweep(now: number): void {
    for (const [tenantId, bucket] of this.#buckets) {
      if (this.#refilled(bucket, now).tokens >= this.#burst) this.#buckets.delete(tenantId);
    }
  }
}
