import type { AssetModel } from './model.ts';

// Typed views over the type-specific details that mapping extracted from ASFF `Resources[].Details`.

type Details = Record<string, unknown>;

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const texts = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
const date = (value: unknown): Date | null => {
  const parsed = typeof value === 'string' ? new Date(value) : null;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : null;
};

export function assetDetails(asset: AssetModel) {
  const details = (asset.details ?? {}) as Details;
  const ec2 = details.AwsEc2Instance as Details | undefined;
  const image = details.AwsEcrContainerImage as Details | undefined;
  const lambda = details.AwsLambdaFunction as Details | undefined;
  return {
    ec2Instance:
      asset.resourceType === 'AwsEc2Instance'
        ? {
            instanceId: asset.resourceArn.split('/').at(-1) ?? asset.resourceId,
            instanceType: text(ec2?.Type),
            imageId: text(ec2?.ImageId),
            ipV4Addresses: texts(ec2?.IpV4Addresses),
            ipV6Addresses: texts(ec2?.IpV6Addresses),
            vpcId: text(ec2?.VpcId),
            subnetId: text(ec2?.SubnetId),
            platform: text(ec2?.Platform),
            launchedAt: date(ec2?.LaunchedAt),
          }
        : null,
    containerImage:
      asset.resourceType === 'AwsEcrContainerImage'
        ? {
            repositoryName: text(image?.RepositoryName),
            imageDigest: text(image?.ImageDigest),
            imageTags: texts(image?.ImageTags),
            registryId: text(image?.RegistryId),
            architecture: text(image?.Architecture),
            imagePublishedAt: date(image?.ImagePublishedAt),
          }
        : null,
    lambdaFunction:
      asset.resourceType === 'AwsLambdaFunction'
        ? {
            functionName: text(lambda?.FunctionName),
            runtime: text(lambda?.Runtime),
            version: text(lambda?.Version),
            architectures: texts(lambda?.Architectures),
            packageType: text(lambda?.PackageType),
          }
        : null,
  };
}
