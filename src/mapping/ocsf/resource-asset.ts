import type { ResourceResult } from '@aws-sdk/client-securityhub';
import { partitionOfRegion } from '../../aws/regions.ts';
import { type AssetSettings, assetOfResource, withIdentityKey } from '../assets.ts';
import type { AssetRecord } from '../records.ts';
import { asffResource, ocsfTime } from './asff-view.ts';
import type { OcsfFinding, OcsfResource } from './ocsf-types.ts';

// A resource of the new Security Hub's inventory (GetResourcesV2's ResourceResult) as an asset,
// through the very derivation an OCSF finding's resource takes (asffResource, then the ASFF asset
// rules): the same instance named by a finding and by the inventory is one asset, with one identity
// (its ARN, or its id within partition, account, Region and type), one type vocabulary
// (`AWS::EC2::Instance` → `AwsEc2Instance`) and one name. What only the inventory knows (category,
// configuration, Security Hub's own count of the resource's open findings) goes beside.

export function assetFromResourceV2(
  result: ResourceResult,
  readAt: Date,
  settings: AssetSettings = {},
): AssetRecord {
  const account = result.ResourceOwnerAccountId ?? result.AccountId;
  const region = result.ResourceRegion ?? result.Region;
  // A finding's assets take the partition of its ProductArn; the inventory's, of its Region.
  const partition =
    result.ResourceCloudPartition ?? (region ? partitionOfRegion(region)?.id : undefined) ?? null;
  // The inventory entry read as the OCSF resource a finding would carry (ResourceConfig is what
  // `data` holds there), so identity, type and details come out as they do for findings.
  const resource: OcsfResource = {
    uid: result.ResourceId,
    type: result.ResourceType,
    ...(region ? { region } : {}),
    ...(result.ResourceCloudPartition ? { cloud_partition: result.ResourceCloudPartition } : {}),
    ...(account ? { owner: { account: { uid: account } } } : {}),
    tags: (result.ResourceTags ?? []).map((tag) => ({ name: tag.Key, value: tag.Value })),
    ...(result.ResourceConfig !== undefined ? { data: result.ResourceConfig } : {}),
  };
  const where = {
    class_uid: 0,
    cloud: {
      ...(account ? { account: { uid: account } } : {}),
      ...(result.Region ? { region: result.Region } : {}),
      ...(result.ResourceCloudPartition ? { cloud_partition: result.ResourceCloudPartition } : {}),
    },
    metadata: {},
  } as OcsfFinding;
  const asff = asffResource(resource, where);
  const captured = new Date(ocsfTime(result.ResourceDetailCaptureTimeDt, undefined) ?? readAt);
  const asset = assetOfResource(asff, {
    accountId: account ?? null,
    region: region ?? '',
    partition,
    firstSeenAt: captured,
    lastSeenAt: captured,
    exposed: false,
    settings,
  });
  const config = result.ResourceConfig;
  return withIdentityKey({
    ...asset,
    // Named as findings name it (Name tag, details, ARN, id): were the inventory's ResourceName to
    // win, a finding and the inventory would rename the asset in turn on every sync. ResourceName
    // names what that derivation cannot (a placeholder id). Where a finding names the asset too,
    // its name stands (upsertAssets): its ASFF details say more than ResourceConfig may.
    name: asset.name ?? nonEmpty(result.ResourceName) ?? null,
    category: result.ResourceCategory ?? null,
    configuration:
      config && typeof config === 'object' && !Array.isArray(config)
        ? (config as Record<string, unknown>)
        : null,
    securityHubFindingCounts:
      result.FindingsSummary && result.Region
        ? {
            [result.Region]: result.FindingsSummary.reduce(
              (sum, summary) => sum + (summary.TotalFindings ?? 0),
              0,
            ),
          }
        : null,
    inventoriedAt: readAt,
  });
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
