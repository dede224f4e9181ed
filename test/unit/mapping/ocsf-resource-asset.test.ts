import type { ResourceResult } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { extractAssets } from '../../../src/mapping/assets.ts';
import { asffView } from '../../../src/mapping/ocsf/asff-view.ts';
import type { OcsfFinding } from '../../../src/mapping/ocsf/ocsf-types.ts';
import { assetFromResourceV2 } from '../../../src/mapping/ocsf/resource-asset.ts';

// An entry of the new Security Hub's inventory (GetResourcesV2) becomes the asset a finding about
// the same resource makes: one identity, one type vocabulary, one name; plus what only the
// inventory says.

const READ_AT = new Date('2026-06-02T00:00:00.000Z');

function aResource(overrides: Partial<ResourceResult> = {}): ResourceResult {
  return {
    ResourceId: 'arn:aws:ec2:us-east-1:111111111111:instance/i-0abc123',
    AccountId: '111111111111',
    Region: 'us-east-1',
    ResourceType: 'AWS::EC2::Instance',
    ResourceDetailCaptureTimeDt: '2026-06-01T12:00:00.000Z',
    ResourceConfig: { awsEc2InstanceDetails: { imageId: 'ami-1', ipV4Addresses: ['10.0.0.5'] } },
    ResourceCategory: 'Compute',
    ResourceName: 'i-0abc123',
    ResourceTags: [{ Key: 'Name', Value: 'web-1' }],
    FindingsSummary: [
      { FindingType: 'Vulnerability', ProductName: 'Inspector', TotalFindings: 3, Severities: {} },
      { FindingType: 'Compliance', ProductName: 'Security Hub', TotalFindings: 2, Severities: {} },
    ],
    ...overrides,
  } as ResourceResult;
}

/** The asset a V2 finding about this resource makes. */
function assetOfFindingAbout(resource: Record<string, unknown>) {
  const finding = {
    class_uid: 2002,
    cloud: { account: { uid: '111111111111' }, region: 'us-east-1' },
    metadata: {
      product: { uid: 'arn:aws:securityhub:us-east-1::productv2/aws/inspector', name: 'Inspector' },
    },
    finding_info: {
      uid: 'f-1',
      modified_time_dt: '2026-06-01T00:00:00.000Z',
      created_time_dt: '2026-05-01T00:00:00.000Z',
    },
    resources: [resource],
  } as unknown as OcsfFinding;
  return extractAssets(asffView(finding))[0]!;
}

describe('assetFromResourceV2', () => {
  it('identifies, types and names a resource as a finding about it does', () => {
    const asset = assetFromResourceV2(aResource(), READ_AT);
    const fromFinding = assetOfFindingAbout({
      uid: 'i-0abc123',
      uid_alt: 'arn:aws:ec2:us-east-1:111111111111:instance/i-0abc123',
      type: 'AWS::EC2::Instance',
      region: 'us-east-1',
      tags: [{ name: 'Name', value: 'web-1' }],
      data: { awsEc2InstanceDetails: { imageId: 'ami-1', ipV4Addresses: ['10.0.0.5'] } },
    });
    expect(asset.identityKey).toBe(fromFinding.identityKey);
    expect(asset).toMatchObject({
      identityKey: 'arn:aws:ec2:us-east-1:111111111111:instance/i-0abc123',
      resourceType: 'AwsEc2Instance',
      resourceId: 'i-0abc123',
      name: 'web-1',
      awsAccountId: '111111111111',
      region: 'us-east-1',
      tags: { Name: 'web-1' },
      details: fromFinding.details,
      category: 'Compute',
      configuration: { awsEc2InstanceDetails: { imageId: 'ami-1', ipV4Addresses: ['10.0.0.5'] } },
      securityHubFindingCounts: { 'us-east-1': 5 },
      inventoriedAt: READ_AT,
      lastSeenAt: new Date('2026-06-01T12:00:00.000Z'),
    });
  });

  it('gives an instance listed by its bare id the ARN findings give it', () => {
    const asset = assetFromResourceV2(aResource({ ResourceId: 'i-0abc123', ResourceTags: [] }), READ_AT);
    expect(asset.identityKey).toBe('arn:aws:ec2:us-east-1:111111111111:instance/i-0abc123');
  });

  it('keeps a non-ARN id within its partition, account, Region and type', () => {
    const asset = assetFromResourceV2(
      aResource({
        ResourceId: '111111111111',
        ResourceType: 'AWS::::Account',
        ResourceTags: [],
        ResourceConfig: {},
      }),
      READ_AT,
    );
    expect(asset.identityKey).toBe(
      JSON.stringify(['aws', '111111111111', 'us-east-1', 'AwsAccount', 'AWS::::Account:111111111111']),
    );
    expect(asset.name).toBe('111111111111');
  });

  it('names by the inventory only what the findings derivation cannot, and knows no count without a summary', () => {
    const asset = assetFromResourceV2(
      aResource({
        ResourceId: 'AWS::IAM::AccessKey:null',
        ResourceType: 'AWS::IAM::AccessKey',
        ResourceName: 'ci-key',
        ResourceTags: [],
        ResourceConfig: undefined,
        FindingsSummary: undefined,
      }),
      READ_AT,
    );
    expect(asset.name).toBe('ci-key');
    expect(asset.securityHubFindingCounts).toBeNull();
    expect(asset.configuration).toBeNull();
  });
});
