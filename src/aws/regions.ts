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

/** The partition of a Region Hubgraph supports; anything else never becomes part of a host name. */
function knownPartition(region: string): Partition {
  const partition = partitionOfRegion(region);
  if (!partition) throw new Error(`"${region}" is not an AWS Region Hubgraph knows`);
  return partition;
}

export function securityHubEndpoint(region: string): string {
  return `https://securityhub.${region}.${knownPartition(region).dnsSuffix}`;
}

export function stsEndpoint(region: string): string {
  return `https://sts.${region}.${knownPartition(region).dnsSuffix}`;
}
