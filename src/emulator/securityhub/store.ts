import type { AwsSecurityFinding, FindingHistoryRecord } from '@aws-sdk/client-securityhub';
import { STANDARDS } from '../generator/catalog.ts';

// Security Hub's state per account and Region: whether the hub is enabled, its findings, their
// history, which top-level fields BatchUpdateFindings has set (imports must not overwrite them),
// the enabled standards; per account its finding aggregator (cross-Region aggregation) and, for a
// Security Hub administrator, its member accounts.

export interface StoredRecord extends FindingHistoryRecord {
  at: number;
}

export interface HubState {
  accountId: string;
  region: string;
  enabledAt: string | null;
  findings: Map<string, AwsSecurityFinding>;
  history: Map<string, StoredRecord[]>;
  batchUpdated: Map<string, Set<string>>;
  standards: string[];
  /**
   * Products whose findings this hub accepts from its own account (ListEnabledProductsForImport): the
   * account's default product from the start; a product disabled with DisableImportFindingsForProduct
   * fails its findings with InvalidAccess.
   */
  productSubscriptions: Set<string>;
}

/** The product an account imports its own findings under (a custom integration). */
export function defaultProductArn(accountId: string, region: string): string {
  return `arn:aws:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

/** The subscription ARN of a product in a hub: `product/` becomes `product-subscription/`, in the hub's account. */
export function productSubscriptionArn(productArn: string, accountId: string, region: string): string {
  const [company, product] = (productArn.split(':')[5] ?? '').split('/').slice(1);
  return `arn:aws:securityhub:${region}:${accountId}:product-subscription/${company}/${product}`;
}

export const REGION_LINKING_MODES = [
  'ALL_REGIONS',
  'ALL_REGIONS_EXCEPT_SPECIFIED',
  'SPECIFIED_REGIONS',
  'NO_REGIONS',
] as const;

export type RegionLinkingMode = (typeof REGION_LINKING_MODES)[number];

export interface FindingAggregator {
  arn: string;
  /** The aggregation (home) Region. */
  region: string;
  regionLinkingMode: RegionLinkingMode;
  /** The excluded (ALL_REGIONS_EXCEPT_SPECIFIED) or included (SPECIFIED_REGIONS) Regions. */
  regions: string[];
}

export function findingKey(productArn: string, id: string): string {
  return `${productArn}\u0000${id}`;
}

export class SecurityHubStore {
  private readonly hubs = new Map<string, HubState>();
  /** AWS allows one finding aggregator per account. */
  readonly aggregators = new Map<string, FindingAggregator>();
  /** Administrator account id -> its member account ids. */
  readonly members = new Map<string, string[]>();

  hub(accountId: string, region: string): HubState {
    const key = `${accountId}/${region}`;
    let hub = this.hubs.get(key);
    if (!hub) {
      hub = {
        accountId,
        region,
        enabledAt: null,
        findings: new Map(),
        history: new Map(),
        batchUpdated: new Map(),
        standards: [STANDARDS[0].id, STANDARDS[1].id],
        productSubscriptions: new Set([defaultProductArn(accountId, region)]),
      };
      this.hubs.set(key, hub);
    }
    return hub;
  }

  enable(accountId: string, region: string, at: Date): HubState {
    const hub = this.hub(accountId, region);
    hub.enabledAt ??= at.toISOString();
    return hub;
  }

  disable(accountId: string, region: string): void {
    this.hub(accountId, region).enabledAt = null;
  }

  allHubs(): HubState[] {
    return [...this.hubs.values()];
  }

  /** The administrator whose member this account is, if any (an account has at most one). */
  administratorOf(accountId: string): string | undefined {
    for (const [administrator, members] of this.members)
      if (members.includes(accountId)) return administrator;
    return undefined;
  }

  /**
   * The enabled hubs whose findings a caller in (accountId, region) reads and manages, its own first:
   * its members' in the same Region and, in its aggregation Region, each of those accounts' linked Regions.
   */
  readableHubs(accountId: string, region: string): HubState[] {
    const accounts = [accountId, ...(this.members.get(accountId) ?? [])];
    const aggregator = this.aggregators.get(accountId);
    const aggregating = aggregator?.region === region ? aggregator : undefined;
    return accounts.flatMap((account) =>
      [region, ...(aggregating ? this.linkedRegions(aggregating, account) : [])]
        .map((each) => this.hubs.get(`${account}/${each}`))
        .filter((hub): hub is HubState => Boolean(hub?.enabledAt)),
    );
  }

  /** The Regions (besides the aggregation Region) whose enabled hubs of this account an aggregator links. */
  linkedRegions(aggregator: FindingAggregator, accountId: string): string[] {
    const enabled = this.allHubs()
      .filter((hub) => hub.accountId === accountId && hub.enabledAt && hub.region !== aggregator.region)
      .map((hub) => hub.region);
    switch (aggregator.regionLinkingMode) {
      case 'ALL_REGIONS':
        return enabled;
      case 'ALL_REGIONS_EXCEPT_SPECIFIED':
        return enabled.filter((region) => !aggregator.regions.includes(region));
      case 'SPECIFIED_REGIONS':
        return enabled.filter((region) => aggregator.regions.includes(region));
      case 'NO_REGIONS':
        return [];
    }
  }

  clear(): void {
    this.hubs.clear();
    this.aggregators.clear();
    this.members.clear();
  }
}
