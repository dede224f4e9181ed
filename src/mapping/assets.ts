import type { AwsSecurityFinding, Resource } from '@aws-sdk/client-securityhub';
import type { AssetRecord } from './records.ts';
import { DEFAULT_CRITICALITY_TAG } from './scoring-constants.ts';

// Assets from ASFF `Resources[]`: EC2 instances, ECR container images, Lambda functions, ECS/EKS
// containers, and every other resource type generically. Identity is the resource ARN (or the
// resource Id where it is not an ARN) within the tenant — never the AMI: many instances share one.

export interface AssetSettings {
  criticalityTag?: string;
}

const PRIVATE_V4 =
  /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|127\.|169\.254\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/;

export function extractAssets(finding: AwsSecurityFinding, settings: AssetSettings = {}): AssetRecord[] {
  const seen = new Date(finding.LastObservedAt ?? finding.UpdatedAt!);
  const first = new Date(finding.FirstObservedAt ?? finding.CreatedAt!);
  const tag = settings.criticalityTag ?? DEFAULT_CRITICALITY_TAG;
  const findingExposure = (finding.NetworkPath?.length ?? 0) > 0;
  return (finding.Resources ?? []).map((resource, index) => {
    const tags = resource.Tags ?? {};
    const criticality = parseCriticality(tags[tag]);
    return {
      resourceArn: resource.Id!,
      resourceId: resourceId(resource),
      resourceType: resource.Type!,
      name: resourceName(resource),
      awsAccountId: accountOf(resource.Id!) ?? finding.AwsAccountId ?? null,
      region: resource.Region ?? finding.Region ?? null,
      partition: resource.Partition ?? partitionOf(resource.Id!) ?? null,
      details: resource.Details ? (resource.Details as Record<string, unknown>) : null,
      tags,
      criticality,
      criticalitySource: criticality === null ? 'DEFAULT' : 'TAG',
      internetExposed: internetExposed(resource) || (index === 0 && findingExposure),
      firstSeenAt: first,
      lastSeenAt: seen,
    };
  });
}

/** The short id people use: i-0abc… for an instance, the function name, the digest of an image. */
function resourceId(resource: Resource): string {
  const id = resource.Id!;
  const details = resource.Details;
  if (resource.Type === 'AwsEc2Instance') return id.split('/').at(-1) ?? id;
  if (details?.AwsLambdaFunction?.FunctionName) return details.AwsLambdaFunction.FunctionName;
  if (details?.AwsEcrContainerImage?.ImageDigest) return details.AwsEcrContainerImage.ImageDigest;
  return id;
}

function resourceName(resource: Resource): string | null {
  const name = resource.Tags?.Name;
  if (name) return name;
  const details = resource.Details;
  const image = details?.AwsEcrContainerImage;
  if (image?.RepositoryName)
    return image.ImageTags?.[0] ? `${image.RepositoryName}:${image.ImageTags[0]}` : image.RepositoryName;
  if (details?.AwsLambdaFunction?.FunctionName) return details.AwsLambdaFunction.FunctionName;
  if (details?.Container?.Name) return details.Container.Name;
  if (details?.AwsEcsContainer?.Name) return details.AwsEcsContainer.Name;
  if (details?.AwsS3Bucket && resource.Id?.startsWith('arn:aws:s3:::'))
    return resource.Id.slice('arn:aws:s3:::'.length);
  return null;
}

/** 1–5 from the criticality tag; anything else is ignored (and the default applies). */
export function parseCriticality(value: string | undefined): number | null {
  if (value === undefined) return null;
  const words: Record<string, number> = { low: 1, medium: 3, high: 4, critical: 5 };
  const number = /^\s*([1-5])\s*$/.exec(value)?.[1];
  return number ? Number(number) : (words[value.trim().toLowerCase()] ?? null);
}

/** Evidence of internet exposure: a public IPv4 on an instance, or a tag saying so. */
function internetExposed(resource: Resource): boolean {
  const exposure = resource.Tags?.exposure ?? resource.Tags?.Exposure;
  if (exposure?.toLowerCase() === 'internet') return true;
  const addresses = resource.Details?.AwsEc2Instance?.IpV4Addresses ?? [];
  return addresses.some((address) => /^\d+\.\d+\.\d+\.\d+$/.test(address) && !PRIVATE_V4.test(address));
}

function accountOf(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts[0] === 'arn' && /^\d{12}$/.test(parts[4] ?? '') ? parts[4] : undefined;
}

function partitionOf(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts[0] === 'arn' ? parts[1] : undefined;
}
