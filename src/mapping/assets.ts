import type { AwsSecurityFinding, Resource, ResourceDetails } from '@aws-sdk/client-securityhub';
import type { AssetRecord } from './records.ts';
import { DEFAULT_CRITICALITY_TAG } from './scoring-constants.ts';

// Assets from ASFF `Resources[]`: EC2 instances, ECR container images, Lambda functions, ECS/EKS
// containers, and every other resource type generically. Identity (`assetIdentityKey`) is the ARN
// where the resource Id is one — never the AMI: many instances share one image — and otherwise the
// Id within its partition, account, Region and resource type.

export interface AssetSettings {
  criticalityTag?: string;
}

const PRIVATE_V4 =
  /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|127\.|169\.254\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/;

export function extractAssets(finding: AwsSecurityFinding, settings: AssetSettings = {}): AssetRecord[] {
  const seen = new Date(finding.LastObservedAt ?? finding.UpdatedAt!);
  const first = new Date(finding.FirstObservedAt ?? finding.CreatedAt!);
  const findingExposure = (finding.NetworkPath?.length ?? 0) > 0;
  return (finding.Resources ?? []).map((resource, index) =>
    assetOfResource(resource, {
      accountId: finding.AwsAccountId ?? null,
      region: findingRegion(finding),
      partition: partitionOf(finding.ProductArn ?? '') ?? null,
      firstSeenAt: first,
      lastSeenAt: seen,
      exposed: index === 0 && findingExposure,
      settings,
    }),
  );
}

/** Where a resource was seen, for what its own fields leave open. */
export interface ResourceSighting {
  /** The account, Region and partition of the finding (or inventory entry) that names it. */
  accountId: string | null;
  region: string;
  partition: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** Evidence of exposure from outside the resource (a finding's network path). */
  exposed: boolean;
  settings: AssetSettings;
}

/**
 * An ASFF resource as an asset: the one derivation findings and the new Security Hub's inventory
 * (src/mapping/ocsf/resource-asset.ts) share, so both name and identify a resource alike.
 */
export function assetOfResource(resource: Resource, sighting: ResourceSighting): AssetRecord {
  const tags = resource.Tags ?? {};
  const criticality = parseCriticality(tags[sighting.settings.criticalityTag ?? DEFAULT_CRITICALITY_TAG]);
  return withIdentityKey({
    resourceArn: resource.Id!,
    resourceId: resourceId(resource),
    resourceType: resource.Type!,
    name: resourceName(resource),
    awsAccountId: accountOf(resource.Id!) ?? sighting.accountId,
    region: resource.Region ?? sighting.region,
    partition: resource.Partition ?? partitionOf(resource.Id!) ?? sighting.partition,
    details: resource.Details ? (resource.Details as Record<string, unknown>) : null,
    tags,
    criticality,
    criticalitySource: criticality === null ? 'DEFAULT' : 'TAG',
    internetExposed: internetExposed(resource) || sighting.exposed,
    firstSeenAt: sighting.firstSeenAt,
    lastSeenAt: sighting.lastSeenAt,
  });
}

/** The parts of an asset its identity is made of. */
export type AssetIdentity = Pick<
  AssetRecord,
  'resourceArn' | 'resourceType' | 'partition' | 'awsAccountId' | 'region'
>;

/**
 * The asset's identity within a tenant. An ARN names one resource, so it is its own identity. Any
 * other Id (Prowler's "No trails", Config's "AWS::::Account:123456789012", a bare account id, the
 * "AWS::IAM::AccessKey:null" of a CSPM control) only means something within its partition,
 * account, Region and resource type: the same Id in 18 Regions is 18 resources. Those parts go in
 * with it as a JSON array, which never starts like an ARN and stays unambiguous whatever separators
 * the parts contain.
 *
 * drizzle/0002_asset-identity.sql computes the same key in SQL for stored assets;
 * test/integration/asset-identity-migration.test.ts checks that the two agree.
 */
export function assetIdentityKey(asset: AssetIdentity): string {
  if (isArn(asset.resourceArn)) return asset.resourceArn;
  return JSON.stringify([
    asset.partition ?? null,
    asset.awsAccountId ?? null,
    asset.region ?? null,
    asset.resourceType,
    asset.resourceArn,
  ]);
}

/** The record with the identity its own columns give it (after any of them changed). */
export function withIdentityKey<T extends AssetIdentity>(asset: T): T & { identityKey: string } {
  return { ...asset, identityKey: assetIdentityKey(asset) };
}

/** Whether a resource Id is an ARN, and so an identity on its own. */
export function isArn(id: string): boolean {
  return id.startsWith('arn:');
}

/**
 * The finding's Region as stored: Security Hub sets `Region` on every finding it returns; a pasted
 * or partner finding without one falls back to its ProductArn's Region.
 */
export function findingRegion(finding: AwsSecurityFinding): string {
  return finding.Region ?? finding.ProductArn!.split(':')[3] ?? '';
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

/**
 * The name an analyst calls the resource by, from the first source that has one:
 * 1. the `Name` tag: what the owners chose, and what the AWS console shows;
 * 2. the name field of its details block (`DETAIL_NAMES`: bucket, function, user, role, image…);
 * 3. for an ARN, the name in its resource part (`nameFromArn`);
 * 4. for any other Id, the Id itself, unless it is a placeholder such as "AWS::IAM::AccessKey:null".
 * The built-in map's `assetName` (the `resourceName` transform) uses the same derivation.
 */
export function resourceName(resource: Resource): string | null {
  const id = typeof resource.Id === 'string' ? resource.Id : '';
  return (
    nonEmpty(resource.Tags?.Name) ??
    detailsName(resource.Details) ??
    (isArn(id) ? nameFromArn(id) : placeholder(id) ? undefined : (pseudoIdName(id) ?? id)) ??
    null
  );
}

type DetailNamers = {
  [K in keyof ResourceDetails]?: (block: NonNullable<ResourceDetails[K]>) => string | undefined;
};

/** Per ASFF details block, the field that names the resource (field names as in the SDK's models). */
const DETAIL_NAMES: DetailNamers = {
  AwsEcrContainerImage: (image) =>
    image.RepositoryName && image.ImageTags?.[0]
      ? `${image.RepositoryName}:${image.ImageTags[0]}`
      : image.RepositoryName,
  AwsLambdaFunction: (lambda) => lambda.FunctionName,
  AwsS3Bucket: (bucket) => bucket.Name,
  AwsS3AccessPoint: (accessPoint) => accessPoint.Name,
  // The user the key belongs to: a key id means nothing to the people who rotate it.
  AwsIamAccessKey: (key) => key.UserName ?? key.PrincipalName,
  AwsIamUser: (user) => user.UserName,
  AwsIamRole: (role) => role.RoleName,
  AwsIamGroup: (group) => group.GroupName,
  AwsIamPolicy: (policy) => policy.PolicyName,
  Container: (container) => container.Name ?? container.ImageName,
  AwsEcsContainer: (container) => container.Name,
  AwsEcsCluster: (cluster) => cluster.ClusterName,
  AwsEcsService: (service) => service.ServiceName ?? service.Name,
  AwsEcsTaskDefinition: (definition) => definition.Family,
  AwsEksCluster: (cluster) => cluster.Name,
  AwsEcrRepository: (repository) => repository.RepositoryName,
  AwsEc2SecurityGroup: (group) => group.GroupName,
  AwsEc2LaunchTemplate: (template) => template.LaunchTemplateName,
  AwsElbLoadBalancer: (balancer) => balancer.LoadBalancerName,
  AwsRdsDbInstance: (instance) => instance.DBInstanceIdentifier,
  AwsRdsDbCluster: (cluster) => cluster.DbClusterIdentifier,
  AwsRdsDbSnapshot: (snapshot) => snapshot.DbSnapshotIdentifier,
  AwsRdsDbClusterSnapshot: (snapshot) => snapshot.DbClusterSnapshotIdentifier,
  AwsRdsDbSecurityGroup: (group) => group.DbSecurityGroupName,
  AwsRedshiftCluster: (cluster) => cluster.ClusterIdentifier,
  AwsDynamoDbTable: (table) => table.TableName,
  AwsSnsTopic: (topic) => topic.TopicName,
  AwsSqsQueue: (queue) => queue.QueueName,
  AwsSecretsManagerSecret: (secret) => secret.Name,
  AwsCloudTrailTrail: (trail) => trail.Name,
  AwsCloudFormationStack: (stack) => stack.StackName,
  AwsCloudWatchAlarm: (alarm) => alarm.AlarmName,
  AwsCodeBuildProject: (project) => project.Name,
  AwsCertificateManagerCertificate: (certificate) => certificate.DomainName,
  AwsElasticsearchDomain: (domain) => domain.DomainName,
  AwsOpenSearchServiceDomain: (domain) => domain.DomainName,
  AwsElasticBeanstalkEnvironment: (environment) => environment.EnvironmentName,
  AwsApiGatewayRestApi: (api) => api.Name,
  AwsApiGatewayV2Api: (api) => api.Name,
  AwsKinesisStream: (stream) => stream.Name,
  AwsMskCluster: (cluster) => cluster.ClusterInfo?.ClusterName,
  AwsStepFunctionStateMachine: (machine) => machine.Name,
  AwsAthenaWorkGroup: (group) => group.Name,
  AwsEventsEventbus: (bus) => bus.Name,
  AwsBackupBackupVault: (vault) => vault.BackupVaultName,
  AwsSageMakerNotebookInstance: (notebook) => notebook.NotebookInstanceName,
  AwsAmazonMqBroker: (broker) => broker.BrokerName,
  AwsAppSyncGraphQlApi: (api) => api.Name,
  AwsDmsReplicationInstance: (instance) => instance.ReplicationInstanceIdentifier,
  AwsNetworkFirewallFirewall: (firewall) => firewall.FirewallName,
  AwsNetworkFirewallFirewallPolicy: (policy) => policy.FirewallPolicyName,
  AwsNetworkFirewallRuleGroup: (group) => group.RuleGroupName,
  AwsWafWebAcl: (acl) => acl.Name,
  AwsWafv2WebAcl: (acl) => acl.Name,
  AwsWafv2RuleGroup: (group) => group.Name,
  CodeRepository: (repository) => repository.ProjectName,
  // Last: third parties describe resources AWS has no block for in Other (ElectricEye's GCP VMs).
  Other: (other) => other.Name ?? other.name,
};

/** Each namer's place in DETAIL_NAMES: where a resource has several blocks, the earlier one names it. */
const DETAIL_RANK = new Map(Object.keys(DETAIL_NAMES).map((key, rank) => [key, rank]));

function detailsName(details: ResourceDetails | undefined): string | undefined {
  if (!details || typeof details !== 'object') return undefined;
  // Walks the blocks the resource has (one or two), not the fifty-odd namers.
  let best: string | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const key in details) {
    const rank = DETAIL_RANK.get(key);
    if (rank === undefined || rank >= bestRank) continue;
    const block = details[key as keyof ResourceDetails];
    if (!block || typeof block !== 'object') continue;
    const namer = DETAIL_NAMES[key as keyof ResourceDetails] as (block: object) => unknown;
    const name = nonEmpty(namer(block));
    if (name) {
      best = name;
      bestRank = rank;
    }
  }
  return best;
}

/**
 * The name in an ARN's resource part (what follows partition:service:region:account:):
 * `arn:aws:s3:::my-bucket` → my-bucket; `arn:aws:iam::123456789012:role/path/admin` → admin (the last
 * path segment); `arn:aws:lambda:us-east-1:123456789012:function:fn:3` → fn (a qualifier dropped);
 * `…:loadbalancer/app/my-alb/50dc6c495c0c9188` → my-alb (ELB ARNs end in an id, not a name).
 */
export function nameFromArn(arn: string): string | undefined {
  const [, , service, , , ...rest] = arn.split(':');
  const resource = rest.join(':');
  const slash = resource.indexOf('/');
  const colon = resource.indexOf(':');
  if (slash < 0 && colon < 0) return nonEmpty(resource);
  // Auto Scaling spells its name out: autoScalingGroup:<uuid>:autoScalingGroupName/<name>.
  const spelled = /Name\/([^/:]+)$/.exec(resource);
  if (spelled) return spelled[1];
  if (colon >= 0 && (slash < 0 || colon < slash)) return nonEmpty(resource.split(':')[1]);
  const segments = resource.split('/');
  if (service === 'elasticloadbalancing') {
    const named = ['app', 'net', 'gwy'].includes(segments[1] ?? '') ? segments[2] : segments[1];
    return nonEmpty(named);
  }
  return nonEmpty(segments.at(-1));
}

/**
 * What Security Hub's CloudFormation-style pseudo Ids name: `AWS::::Account:123456789012` is the
 * account 123456789012.
 */
function pseudoIdName(id: string): string | undefined {
  return nonEmpty(/^AWS::[A-Za-z0-9]*::[A-Za-z0-9]+:(.+)$/.exec(id)?.[1]);
}

/** An Id that stands for no resource in particular, e.g. the "AWS::IAM::AccessKey:null" of a CSPM control. */
function placeholder(id: string): boolean {
  const value = id.split(':').at(-1)!.trim().toLowerCase();
  return ['', 'null', 'undefined', 'none', 'unknown', 'n/a'].includes(value);
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
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
