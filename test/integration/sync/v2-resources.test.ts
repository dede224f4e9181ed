import { paginateGetResourcesV2, type ResourceResult } from '@aws-sdk/client-securityhub';
import { and, eq, isNotNull } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { assets, findings } from '../../../src/db/schema.ts';
import { ADMINISTRATOR_ACCOUNT_ID } from '../../../src/emulator/index.ts';
import { cspmProductArn } from '../../../src/mapping/ocsf/identity.ts';
import { assetFromResourceV2 } from '../../../src/mapping/ocsf/resource-asset.ts';
import { asffResourceType } from '../../../src/mapping/ocsf/resource-types.ts';
import { securityHubClient } from '../../support/emulator.ts';
import { startTestServer } from '../../support/server.ts';
import { harnessPerTest, type SyncHarness } from '../../support/sync.ts';

// Assets from the new Security Hub's inventory (GetResourcesV2), with the real SDK against the
// emulator: a V2 connector that syncs ASSETS keeps every resource the inventory holds, resource by
// resource, as one asset with the findings about it; Security Hub's per-resource finding counts are
// kept and checked against ours. And a delegated administrator's organisation Scopes: an OU scope
// reads exactly that unit's accounts; a member account that sends Scopes fails with what to do.

const files = harnessPerTest();

async function inventory(harness: SyncHarness, region: string, index = 0): Promise<ResourceResult[]> {
  const client = await securityHubClient(harness.emulator, { region, index });
  const resources: ResourceResult[] = [];
  for await (const page of paginateGetResourcesV2({ client, pageSize: 100 }, {}))
    resources.push(...(page.Resources ?? []));
  return resources;
}

async function storedAssets(harness: SyncHarness) {
  return files.database.db.select().from(assets).where(eq(assets.tenantId, harness.ctx.tenantId));
}

describe('a V2 connector that syncs ASSETS', () => {
  it('keeps every resource GetResourcesV2 returns as one asset, linked to the findings about it', async () => {
    const sync = await files.start({
      emulator: { findings: 300, seed: 41, v2: true },
      settings: { sweepIntervalMs: 365 * 86_400_000 },
    });
    // What the inventory holds, read with the real SDK before the connector's role trusts Hubgraph.
    const resources = [...(await inventory(sync, 'us-east-1')), ...(await inventory(sync, 'eu-west-1'))];
    const connector = await sync.createConnector({ api: 'V2' });
    const { run, slices, progress } = await sync.run(connector.id);
    expect(run.status, run.error ?? '').toBe('SUCCEEDED');
    expect(new Set(slices.map((slice) => slice.stream))).toEqual(
      new Set(['v2:us-east-1', 'v2:eu-west-1', 'v2resources:us-east-1', 'v2resources:eu-west-1']),
    );
    // The inventory stream reads no finding windows: the run's mode is its finding streams'.
    expect(run.mode).toBe('FULL');

    expect(resources.length).toBeGreaterThan(20);
    const stored = await storedAssets(sync);
    const byIdentity = new Map(stored.map((asset) => [asset.identityKey, asset]));
    // A global resource (an IAM user) is listed in each Region's inventory: still one asset.
    const listings = new Map<string, ResourceResult[]>();
    for (const resource of resources) {
      const key = assetFromResourceV2(resource, new Date()).identityKey;
      listings.set(key, [...(listings.get(key) ?? []), resource]);
    }
    expect(listings.size).toBeLessThanOrEqual(resources.length);
    // One asset per resource: the inventory and the findings about a resource never make two.
    expect(stored.length).toBe(listings.size);
    for (const [key, listed] of listings) {
      const [resource] = listed as [ResourceResult];
      const expected = assetFromResourceV2(resource, new Date());
      const asset = byIdentity.get(key);
      expect(asset, resource.ResourceId).toBeDefined();
      expect(asset).toMatchObject({
        resourceArn: expected.resourceArn,
        resourceType: asffResourceType(resource.ResourceType!),
        awsAccountId: resource.AccountId,
        category: resource.ResourceCategory,
        configuration: resource.ResourceConfig,
        name: expected.name,
        connectorId: connector.id,
      });
      expect(listed.map((each) => each.ResourceRegion)).toContain(asset!.region);
      // Security Hub's count per Region that lists it.
      expect(asset!.securityHubFindingCounts).toEqual(
        Object.fromEntries(
          listed.map((each) => [
            each.Region,
            (each.FindingsSummary ?? []).reduce((sum, summary) => sum + (summary.TotalFindings ?? 0), 0),
          ]),
        ),
      );
      expect(
        listed.map((each) =>
          Object.fromEntries((each.ResourceTags ?? []).map((tag) => [tag.Key, tag.Value])),
        ),
      ).toContainEqual(asset!.tags);
      expect(asset!.inventoriedAt).not.toBeNull();
    }

    // Each finding hangs off the asset of the resource it names.
    const findingRows = await files.database.db
      .select({ productArn: findings.productArn, awsId: findings.awsId, assetId: findings.assetId })
      .from(findings)
      .where(eq(findings.tenantId, sync.ctx.tenantId));
    const assetIdOf = new Map(
      [...sync.inSecurityHubV2()].map(([key, document]) => {
        const first = (document.resources as { uid?: string; uid_alt?: string }[] | undefined)?.[0];
        const resource = resources.find(
          (each) =>
            each.ResourceId === (first?.uid_alt ?? first?.uid) &&
            each.AccountId === document.cloud.account.uid &&
            each.Region === document.cloud.region,
        );
        const asset = resource && byIdentity.get(assetFromResourceV2(resource, new Date()).identityKey);
        return [key, asset ? asset.id : null];
      }),
    );
    expect(findingRows.length).toBe(assetIdOf.size);
    for (const row of findingRows) {
      const key = `${row.productArn}|${row.awsId}`;
      expect(row.assetId, key).toBe(assetIdOf.get(key));
      expect(row.assetId, key).not.toBeNull();
    }

    // Security Hub's counts agree with the findings the connector read; the run says how many it read.
    expect(progress.resources).toBe(resources.length);
    expect(progress.findingCountMismatches).toBe(0);

    // Over GraphQL: what the inventory said, and Security Hub's count summed over the Regions
    // listing the resource (a global IAM user is listed in both).
    const api = await startTestServer(files.database);
    try {
      const response = await api.graphql<{
        assets: {
          nodes: {
            identityKey: string;
            category: string | null;
            configuration: unknown;
            securityHubFindingCount: number | null;
            inventoriedAt: string | null;
          }[];
        };
      }>(
        '{ assets(first: 200) { nodes { identityKey category configuration securityHubFindingCount inventoriedAt } } }',
        {},
        { tenantId: sync.ctx.tenantId },
      );
      expect(response.errors).toBeUndefined();
      const nodes = new Map(response.data!.assets.nodes.map((node) => [node.identityKey, node]));
      expect(nodes.size).toBe(listings.size);
      for (const [key, listed] of listings)
        expect(nodes.get(key), key).toMatchObject({
          category: listed[0]!.ResourceCategory,
          configuration: listed[0]!.ResourceConfig,
          securityHubFindingCount: listed
            .flatMap((each) => each.FindingsSummary ?? [])
            .reduce((sum, summary) => sum + (summary.TotalFindings ?? 0), 0),
          inventoriedAt: expect.any(String),
        });
      expect([...listings.values()].some((listed) => listed.length > 1)).toBe(true);
    } finally {
      await api.close();
    }

    // Another run reads the inventory again and changes nothing: the same assets, the same ids.
    const again = await sync.run(connector.id);
    expect(again.run.status, again.run.error ?? '').toBe('SUCCEEDED');
    expect(again.progress.resources).toBe(resources.length);
    const after = await storedAssets(sync);
    expect(new Map(after.map((asset) => [asset.identityKey, asset.id]))).toEqual(
      new Map(stored.map((asset) => [asset.identityKey, asset.id])),
    );
  });

  it("counts the resources whose findings Security Hub counts differently from ours, and keeps AWS's count", async () => {
    const sync = await files.start({
      emulator: { findings: 200, seed: 43, v2: true, regions: ['us-east-1'] },
      settings: { sweepIntervalMs: 365 * 86_400_000 },
    });
    const connector = await sync.createConnector({ api: 'V2' });
    expect((await sync.run(connector.id)).run.status).toBe('SUCCEEDED');
    // A finding Hubgraph holds on an asset that Security Hub no longer counts there: the next run
    // reports the asset (findings are read incrementally, so the stored row stays as it is).
    const [row] = await files.database.db
      .select({ id: findings.id, assetId: findings.assetId })
      .from(findings)
      // One Security Hub counts: active (an archived finding counts on neither side).
      .where(
        and(
          eq(findings.tenantId, sync.ctx.tenantId),
          eq(findings.recordState, 'ACTIVE'),
          isNotNull(findings.assetId),
        ),
      )
      .limit(1);
    const [other] = await files.database.db
      .select({ id: assets.id })
      .from(assets)
      .where(eq(assets.tenantId, sync.ctx.tenantId))
      .limit(2)
      .then((rows) => rows.filter((asset) => asset.id !== row!.assetId));
    await files.database.db.update(findings).set({ assetId: other!.id }).where(eq(findings.id, row!.id));
    const { run, progress } = await sync.run(connector.id);
    expect(run.status, run.error ?? '').toBe('SUCCEEDED');
    expect(progress.findingCountMismatches).toBe(2);
    expect(progress.regions.find((region) => region.region === 'us-east-1')?.findingCountMismatches).toBe(2);
  });

  it("reads the linked Regions' resources once, in the aggregator V2's home Region", async () => {
    const sync = await files.start({ emulator: { findings: 200, seed: 45, v2: true } });
    const everywhere = [...(await inventory(sync, 'us-east-1')), ...(await inventory(sync, 'eu-west-1'))];
    await sync.emulator.admin('POST', '/_emulator/aggregators-v2', {
      accountId: sync.emulator.accounts[0],
      region: 'us-east-1',
      regionLinkingMode: 'SPECIFIED_REGIONS',
      regions: ['eu-west-1'],
    });
    const connector = await sync.createConnector({ api: 'V2' });
    const { run, slices } = await sync.run(connector.id);
    expect(run.status, run.error ?? '').toBe('SUCCEEDED');
    expect(new Set(slices.map((slice) => slice.stream))).toEqual(
      new Set(['v2:us-east-1+eu-west-1', 'v2resources:us-east-1+eu-west-1']),
    );
    const keys = new Set(everywhere.map((resource) => assetFromResourceV2(resource, new Date()).identityKey));
    expect(new Set((await storedAssets(sync)).map((asset) => asset.identityKey))).toEqual(keys);
    expect(new Set((await storedAssets(sync)).map((asset) => asset.region))).toEqual(
      new Set(['us-east-1', 'eu-west-1']),
    );
  });

  it('without securityhub:GetResourcesV2 still syncs, its assets from findings only', async () => {
    const sync = await files.start({ emulator: { findings: 100, seed: 46, v2: true } });
    const connector = await sync.createConnector({ api: 'V2' });
    // A role set up before the inventory was read: everything but securityhub:GetResourcesV2.
    await sync.emulator.admin('PUT', '/_emulator/roles/actions', {
      roleArn: sync.emulator.roles[0]!.arn,
      actions: [
        'securityhub:GetFindings',
        'securityhub:DescribeSecurityHubV2',
        'securityhub:ListAggregatorsV2',
        'securityhub:GetAggregatorV2',
      ],
    });
    const { run, progress } = await sync.run(connector.id);
    expect(run.status, run.error ?? '').toBe('SUCCEEDED');
    expect(progress.resources).toBe(0);
    const stock = await storedAssets(sync);
    expect(stock.length).toBeGreaterThan(0);
    expect(stock.every((asset) => asset.inventoriedAt === null)).toBe(true);
  });

  it('reads no inventory for a connector that syncs FINDINGS only', async () => {
    const sync = await files.start({ emulator: { findings: 100, seed: 44, v2: true } });
    const connector = await sync.createConnector({ api: 'V2', scope: { dataTypes: ['FINDINGS'] } });
    const { run, slices, progress } = await sync.run(connector.id);
    expect(run.status, run.error ?? '').toBe('SUCCEEDED');
    expect(slices.some((slice) => slice.stream.startsWith('v2resources:'))).toBe(false);
    expect(progress.resources).toBe(0);
    expect(await storedAssets(sync)).toEqual([]);
  });
});

describe("a delegated administrator's organisation scopes", () => {
  const ORGANIZATION = 'o-exampleorg1';
  const PROD = 'ou-ab12-prod0001';
  const DEV = 'ou-ab12-dev00001';

  async function anOrganization(): Promise<SyncHarness> {
    const sync = await files.start({
      emulator: { findings: 300, seed: 47, v2: true, accounts: 2, administrator: true },
      settings: { sweepIntervalMs: 365 * 86_400_000 },
    });
    const [first, second] = sync.emulator.accounts as [string, string];
    await sync.emulator.admin('PUT', '/_emulator/organization', {
      organizationId: ORGANIZATION,
      units: { [PROD]: [first, ADMINISTRATOR_ACCOUNT_ID], [DEV]: [second] },
    });
    return sync;
  }

  it("syncs exactly the unit's accounts: their findings, and their resources as assets", async () => {
    const harness = await anOrganization();
    const [, second] = harness.emulator.accounts as [string, string];
    const administrator = harness.emulator.roles.length; // past the members' roles: the administrator's
    const connector = await harness.createConnector(
      { api: 'V2', scope: { organizations: [{ organizationalUnitId: DEV }] } },
      administrator,
    );
    // The scope as the API shows it.
    const api = await startTestServer(files.database);
    try {
      const response = await api.graphql<{
        connectors: { nodes: { scope: { organizations: unknown[] } }[] };
      }>(
        '{ connectors(first: 5) { nodes { scope { organizations { organizationId organizationalUnitId } } } } }',
        {},
        { tenantId: harness.ctx.tenantId },
      );
      expect(response.errors).toBeUndefined();
      expect(response.data!.connectors.nodes.map((node) => node.scope.organizations)).toEqual([
        [{ organizationId: null, organizationalUnitId: DEV }],
      ]);
    } finally {
      await api.close();
    }
    const { run } = await harness.run(connector.id);
    expect(run.status, run.error ?? '').toBe('SUCCEEDED');
    const expected = harness.inSecurityHubV2([second]);
    expect(expected.size).toBeGreaterThan(10);
    const stored = await harness.stored();
    expect([...stored.keys()].sort()).toEqual([...expected.keys()].sort());
    const stock = await storedAssets(harness);
    expect(stock.length).toBeGreaterThan(0);
    expect(new Set(stock.map((asset) => asset.awsAccountId))).toEqual(new Set([second]));
    // Every key is the OCSF document's own (the product path normalised as stored).
    for (const document of expected.values())
      expect(
        stored.has(`${cspmProductArn(document.metadata.product.uid)}|${document.finding_info.uid}`),
      ).toBe(true);
  });

  it('fails a member account that sends Scopes, saying to connect the delegated administrator or drop the scope', async () => {
    const harness = await anOrganization();
    const connector = await harness.createConnector({
      api: 'V2',
      scope: { organizations: [{ organizationId: ORGANIZATION }] },
    });
    const { run } = await harness.run(connector.id);
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatch(/AccessDeniedException/);
    expect(run.remediation).toMatch(/delegated administrator/);
    expect(run.remediation).toMatch(/scope\.organizations/);
  });
});
