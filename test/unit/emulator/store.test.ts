import { describe, expect, it } from 'vitest';
import { type FindingAggregator, SecurityHubStore } from '../../../src/emulator/securityhub/store.ts';

// Which hubs a caller reads: the rules of cross-Region aggregation and of administrators, without HTTP.

const NOW = new Date('2026-01-01T00:00:00Z');
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'sa-east-1'];

function storeWith(accounts: string[]): SecurityHubStore {
  const store = new SecurityHubStore();
  for (const account of accounts) for (const region of REGIONS) store.enable(account, region, NOW);
  return store;
}

const aggregator = (
  mode: FindingAggregator['regionLinkingMode'],
  regions: string[] = [],
): FindingAggregator => ({
  arn: 'arn:aws:securityhub:us-east-1:111111111111:finding-aggregator/x',
  region: 'us-east-1',
  regionLinkingMode: mode,
  regions,
});

const where = (store: SecurityHubStore, accountId: string, region: string) =>
  store.readableHubs(accountId, region).map((hub) => `${hub.accountId}/${hub.region}`);

describe('linkedRegions', () => {
  it('links per RegionLinkingMode, never the aggregation Region itself, only enabled hubs', () => {
    const store = storeWith(['111111111111']);
    store.disable('111111111111', 'sa-east-1');
    const linked = (value: FindingAggregator) => store.linkedRegions(value, '111111111111').sort();
    expect(linked(aggregator('ALL_REGIONS'))).toEqual(['ap-southeast-2', 'eu-west-1']);
    expect(linked(aggregator('ALL_REGIONS_EXCEPT_SPECIFIED', ['eu-west-1']))).toEqual(['ap-southeast-2']);
    expect(linked(aggregator('SPECIFIED_REGIONS', ['eu-west-1', 'sa-east-1']))).toEqual(['eu-west-1']);
    expect(linked(aggregator('NO_REGIONS'))).toEqual([]);
  });
});

describe('readableHubs', () => {
  it("is the caller's own hub alone without an aggregator or members", () => {
    expect(where(storeWith(['111111111111']), '111111111111', 'eu-west-1')).toEqual([
      '111111111111/eu-west-1',
    ]);
  });

  it('adds the linked Regions only in the aggregation Region', () => {
    const store = storeWith(['111111111111']);
    store.aggregators.set('111111111111', aggregator('SPECIFIED_REGIONS', ['eu-west-1']));
    expect(where(store, '111111111111', 'us-east-1')).toEqual([
      '111111111111/us-east-1',
      '111111111111/eu-west-1',
    ]);
    expect(where(store, '111111111111', 'eu-west-1')).toEqual(['111111111111/eu-west-1']);
  });

  it("gives an administrator its members' enabled hubs, own hub first, and their linked Regions", () => {
    const store = storeWith(['999999999999', '111111111111', '222222222222']);
    store.members.set('999999999999', ['111111111111', '222222222222']);
    store.disable('222222222222', 'eu-west-1');
    expect(where(store, '999999999999', 'eu-west-1')).toEqual([
      '999999999999/eu-west-1',
      '111111111111/eu-west-1',
    ]);
    store.aggregators.set('999999999999', aggregator('SPECIFIED_REGIONS', ['eu-west-1']));
    expect(where(store, '999999999999', 'us-east-1')).toEqual([
      '999999999999/us-east-1',
      '999999999999/eu-west-1',
      '111111111111/us-east-1',
      '111111111111/eu-west-1',
      '222222222222/us-east-1',
    ]);
    expect(store.administratorOf('222222222222')).toBe('999999999999');
    expect(where(store, '111111111111', 'us-east-1')).toEqual(['111111111111/us-east-1']);
  });
});
