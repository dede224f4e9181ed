import type { AwsSecurityFinding, FindingHistoryRecord } from '@aws-sdk/client-securityhub';
import { STANDARDS } from '../generator/catalog.ts';

// Security Hub's state per account and Region: whether the hub is enabled, its findings, their
// history, which top-level fields BatchUpdateFindings has set (imports must not overwrite them),
// the enabled standards; and finding aggregators per account.

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
}

export function findingKey(productArn: string, id: string): string {
  return `${productArn}\u0000${id}`;
}

export class SecurityHubStore {
  private readonly hubs = new Map<string, HubState>();
  readonly aggregators = new Map<string, { arn: string; region: string }[]>();

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

  clear(): void {
    this.hubs.clear();
    this.aggregators.clear();
  }
}
