import type { AwsSecurityFinding, FindingHistoryRecord } from '@aws-sdk/client-securityhub';
import { STANDARDS } from '../generator/catalog.ts';
import type { OcsfDocument } from '../generator/ocsf.ts';

// Security Hub's state per account and Region: whether the hub is enabled, its findings, their
// history, which top-level fields BatchUpdateFindings has set (imports must not overwrite them),
// the enabled standards; per account its finding aggregator (cross-Region aggregation) and, for a
// Security Hub administrator, its member accounts. The new Security Hub (V2, OCSF) is a separate
// store beside it (research/ocsf-v2.md §3): per account and Region its own enablement and OCSF
// findings; per account its aggregator V2; per account its organisation and unit (for Scopes).

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
  /** When the new Security Hub (V2) was enabled here; null when it is not. */
  v2EnabledAt: string | null;
  /** OCSF findings, keyed like `findings` (the CSPM product ARN and the id), so a twin shares its key. */
  ocsf: Map<string, OcsfDocument>;
  /** Which OCSF fields BatchUpdateFindingsV2 has set on a finding (a provider update keeps them). */
  v2Updated: Map<string, Set<string>>;
  /** CSPM findings held back from V1 because the scene says they exist in V2 only. */
  v1Withdrawn: Map<string, AwsSecurityFinding>;
  /** Where each finding exists, when the scene said so: V1 (CSPM) only, V2 only, or both. */
  presence: Map<string, Presence>;
}

export const PRESENCES = ['V1', 'V2', 'BOTH'] as const;
export type Presence = (typeof PRESENCES)[number];

export interface AggregatorV2 {
  arn: string;
  /** The home Region. */
  region: string;
  regionLinkingMode: RegionLinkingMode;
  linkedRegions: string[];
}

export interface OrganizationPlace {
  organizationId: string;
  organizationalUnitId: string;
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
  /** The new Security Hub's aggregator per account (at most one). */
  readonly aggregatorsV2 = new Map<string, AggregatorV2>();
  /** Account id -> its AWS Organizations organisation and unit (for GetFindingsV2's Scopes). */
  readonly organizations = new Map<string, OrganizationPlace>();

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
        v2EnabledAt: null,
        ocsf: new Map(),
        v2Updated: new Map(),
        v1Withdrawn: new Map(),
        presence: new Map(),
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

  /**
   * The enabled V2 hubs whose OCSF findings a caller in (accountId, region) reads: its own, the
   * accounts it administers (the delegated administrator sees the organisation) and, in the home
   * Region of its aggregator V2, each of those accounts' linked Regions.
   */
  readableV2Hubs(accountId: string, region: string): HubState[] {
    const accounts = [accountId, ...(this.members.get(accountId) ?? [])];
    const aggregator = this.aggregatorsV2.get(accountId);
    const home = aggregator?.region === region ? aggregator : undefined;
    return accounts.flatMap((account) =>
      [
        region,
        ...(home
          ? this.linkedRegions(
              { regionLinkingMode: home.regionLinkingMode, regions: home.linkedRegions, region: home.region },
              account,
              'v2',
            )
          : []),
      ]
        .map((each) => this.hubs.get(`${account}/${each}`))
        .filter((hub): hub is HubState => Boolean(hub?.v2EnabledAt)),
    );
  }

  /** The Regions (besides the aggregation Region) whose enabled hubs of this account an aggregator links. */
  linkedRegions(
    aggregator: Pick<FindingAggregator, 'region' | 'regionLinkingMode' | 'regions'>,
    accountId: string,
    api: 'v1' | 'v2' = 'v1',
  ): string[] {
    const enabled = this.allHubs()
      .filter(
        (hub) =>
          hub.accountId === accountId &&
          (api === 'v1' ? hub.enabledAt : hub.v2EnabledAt) &&
          hub.region !== aggregator.region,
      )
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
    this.aggregatorsV2.clear();
    this.organizations.clear();
  }
}
