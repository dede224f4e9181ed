// AWS partitions and the Regions where Security Hub runs, with their endpoints. A connector's
// Regions must share one partition: credentials never cross partitions.

export interface Partition {
  id: 'aws' | 'aws-us-gov' | 'aws-cn';
  name: string;
  dnsSuffix: string;
  regions: readonly string[];
}

export const PARTITIONS: readonly Partition[] = [
  {
    id: 'aws',
    name: 'AWS commercial',
    dnsSuffix: 'amazonaws.com',
    regions: [
      'us-east-1',
      'us-east-2',
      'us-west-1',
      'us-west-2',
      'af-south-1',
      'ap-east-1',
      'ap-south-1',
      'ap-south-2',
      'ap-northeast-1',
      'ap-northeast-2',
      'ap-northeast-3',
      'ap-southeast-1',
      'ap-southeast-2',
      'ap-southeast-3',
      'ap-southeast-4',
      'ap-southeast-5',
      'ap-southeast-7',
      'ca-central-1',
      'ca-west-1',
      'eu-central-1',
      'eu-central-2',
      'eu-west-1',
      'eu-west-2',
      'eu-west-3',
      'eu-north-1',
      'eu-south-1',
      'eu-south-2',
      'il-central-1',
      'me-central-1',
      'me-south-1',
      'mx-central-1',
      'sa-east-1',
    ],
  },
  {
    id: 'aws-us-gov',
    name: 'AWS GovCloud (US)',
    dnsSuffix: 'amazonaws.com',
    regions: ['us-gov-east-1', 'us-gov-west-1'],
  },
  {
    id: 'aws-cn',
    name: 'AWS China',
    dnsSuffix: 'amazonaws.com.cn',
    regions: ['cn-north-1', 'cn-northwest-1'],
  },
];

export function partitionOfRegion(region: string): Partition | undefined {
  return PARTITIONS.find((partition) => partition.regions.includes(region));
}

export function securityHubEndpoint(region: string): string {
  const partition = partitionOfRegion(region);
  return `https://securityhub.${region}.${partition?.dnsSuffix ?? 'amazonaws.com'}`;
}

export function stsEndpoint(region: string): string {
  const partition = partitionOfRegion(region);
  return `https://sts.${region}.${partition?.dnsSuffix ?? 'amazonaws.com'}`;
}

/** Hosts credentials may be sent to without custom endpoints: AWS's own (and their VPC endpoints). */
export function isAwsHost(host: string): boolean {
  return /(^|\.)amazonaws\.com(\.cn)?$/.test(host) || /\.vpce\.amazonaws\.com(\.cn)?$/.test(host);
}
