import { createHash } from 'node:crypto';

// The part of EC2 that containment touches, per account and Region: VPCs, their network ACLs
// (entries numbered per direction, the default `*` deny at 32767/32768 that cannot be removed) and
// security groups (ingress rules as IpPermissions). Every account-Region starts with the same shape
// of network, its ids derived from the account and Region, so a test can name them in advance.

export interface NetworkAclEntry {
  ruleNumber: number;
  /** IANA protocol number as text, or -1 for all. */
  protocol: string;
  ruleAction: 'allow' | 'deny';
  egress: boolean;
  cidrBlock?: string;
  ipv6CidrBlock?: string;
  portRange?: { from: number; to: number };
  icmpTypeCode?: { code: number; type: number };
}

export interface NetworkAcl {
  networkAclId: string;
  vpcId: string;
  isDefault: boolean;
  entries: NetworkAclEntry[];
  /** Subnets associated with the ACL. */
  subnetIds: string[];
  tags: Record<string, string>;
}

export interface IpRange {
  cidr: string;
  description?: string;
}

export interface IpPermission {
  /** tcp | udp | icmp | icmpv6 | -1, or a protocol number. */
  ipProtocol: string;
  fromPort?: number;
  toPort?: number;
  ipRanges: IpRange[];
  ipv6Ranges: IpRange[];
  /** Other security groups this rule lets in (the default group's self-reference). */
  groups: string[];
}

export interface SecurityGroup {
  groupId: string;
  groupName: string;
  description: string;
  vpcId: string;
  ingress: IpPermission[];
  egress: IpPermission[];
  tags: Record<string, string>;
}

export interface Vpc {
  vpcId: string;
  cidrBlocks: string[];
  ipv6CidrBlocks: string[];
  isDefault: boolean;
  tags: Record<string, string>;
}

/** A NAT gateway: its public address is the account's own, which containment never blocks. */
export interface NatGateway {
  natGatewayId: string;
  vpcId: string;
  subnetId: string;
  /** pending | available | deleting | deleted | failed */
  state: string;
  addresses: { allocationId: string; publicIp: string; privateIp: string }[];
  tags: Record<string, string>;
}

export interface Network {
  accountId: string;
  region: string;
  vpcs: Map<string, Vpc>;
  natGateways: Map<string, NatGateway>;
  networkAcls: Map<string, NetworkAcl>;
  securityGroups: Map<string, SecurityGroup>;
}

/** The `*` rules every ACL ends with: AWS numbers them 32767 (IPv4) and 32768 (IPv6). */
export const DEFAULT_DENY_IPV4 = 32_767;
export const DEFAULT_DENY_IPV6 = 32_768;

function id(prefix: string, ...parts: string[]): string {
  return `${prefix}-0${createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 16)}`;
}

const allowAll = (ruleNumber: number, egress: boolean, ipv6 = false): NetworkAclEntry => ({
  ruleNumber,
  protocol: '-1',
  ruleAction: 'allow',
  egress,
  ...(ipv6 ? { ipv6CidrBlock: '::/0' } : { cidrBlock: '0.0.0.0/0' }),
});

const defaultDeny = (egress: boolean, ipv6: boolean): NetworkAclEntry => ({
  ruleNumber: ipv6 ? DEFAULT_DENY_IPV6 : DEFAULT_DENY_IPV4,
  protocol: '-1',
  ruleAction: 'deny',
  egress,
  ...(ipv6 ? { ipv6CidrBlock: '::/0' } : { cidrBlock: '0.0.0.0/0' }),
});

const tcp = (port: number, cidr: string, description?: string): IpPermission => ({
  ipProtocol: 'tcp',
  fromPort: port,
  toPort: port,
  ipRanges: [{ cidr, ...(description ? { description } : {}) }],
  ipv6Ranges: [],
  groups: [],
});

/**
 * The network every account-Region starts with: the default VPC (172.31.0.0/16 and an IPv6 /56)
 * with its default ACL and group, and a `prod` VPC (10.0.0.0/16) with a custom ACL (HTTPS from
 * anywhere, SSH from 10.0.0.0/8) and a `web` group whose rules let in HTTPS from anywhere, SSH from
 * an office range and RDP from one address; the prod VPC reaches out through a NAT gateway.
 */
export function seedNetwork(accountId: string, region: string): Network {
  const network: Network = {
    accountId,
    region,
    vpcs: new Map(),
    natGateways: new Map(),
    networkAcls: new Map(),
    securityGroups: new Map(),
  };
  const hex4 = createHash('sha256').update(`${accountId}/${region}/ipv6`).digest('hex').slice(0, 4);
  const defaultVpc: Vpc = {
    vpcId: id('vpc', accountId, region, 'default'),
    cidrBlocks: ['172.31.0.0/16'],
    ipv6CidrBlocks: [`2600:1f18:${hex4}:ab00::/56`],
    isDefault: true,
    tags: {},
  };
  const prodVpc: Vpc = {
    vpcId: id('vpc', accountId, region, 'prod'),
    cidrBlocks: ['10.0.0.0/16'],
    ipv6CidrBlocks: [],
    isDefault: false,
    tags: { Name: 'prod' },
  };
  for (const vpc of [defaultVpc, prodVpc]) network.vpcs.set(vpc.vpcId, vpc);
  // The prod VPC's way out: a NAT gateway with an Elastic IP (a public address, 52.x.y.z).
  const ip = createHash('sha256').update(`${accountId}/${region}/nat`).digest();
  const nat: NatGateway = {
    natGatewayId: id('nat', accountId, region, 'prod'),
    vpcId: prodVpc.vpcId,
    subnetId: id('subnet', accountId, region, 'prod-a'),
    state: 'available',
    addresses: [
      {
        allocationId: id('eipalloc', accountId, region, 'prod-nat'),
        publicIp: `52.${ip[0]! % 200}.${ip[1]}.${1 + (ip[2]! % 250)}`,
        privateIp: '10.0.0.10',
      },
    ],
    tags: { Name: 'prod-nat' },
  };
  network.natGateways.set(nat.natGatewayId, nat);

  const acls: NetworkAcl[] = [
    {
      networkAclId: id('acl', accountId, region, 'default'),
      vpcId: defaultVpc.vpcId,
      isDefault: true,
      subnetIds: [id('subnet', accountId, region, 'default-a'), id('subnet', accountId, region, 'default-b')],
      tags: {},
      entries: [
        allowAll(100, false),
        allowAll(101, false, true),
        defaultDeny(false, false),
        defaultDeny(false, true),
        allowAll(100, true),
        allowAll(101, true, true),
        defaultDeny(true, false),
        defaultDeny(true, true),
      ],
    },
    {
      networkAclId: id('acl', accountId, region, 'prod-default'),
      vpcId: prodVpc.vpcId,
      isDefault: true,
      subnetIds: [],
      tags: {},
      entries: [
        allowAll(100, false),
        defaultDeny(false, false),
        allowAll(100, true),
        defaultDeny(true, false),
      ],
    },
    {
      networkAclId: id('acl', accountId, region, 'prod'),
      vpcId: prodVpc.vpcId,
      isDefault: false,
      subnetIds: [id('subnet', accountId, region, 'prod-a')],
      tags: { Name: 'prod' },
      entries: [
        {
          ruleNumber: 100,
          protocol: '6',
          ruleAction: 'allow',
          egress: false,
          cidrBlock: '0.0.0.0/0',
          portRange: { from: 443, to: 443 },
        },
        {
          ruleNumber: 110,
          protocol: '6',
          ruleAction: 'allow',
          egress: false,
          cidrBlock: '10.0.0.0/8',
          portRange: { from: 22, to: 22 },
        },
        defaultDeny(false, false),
        allowAll(100, true),
        defaultDeny(true, false),
      ],
    },
  ];
  for (const acl of acls) network.networkAcls.set(acl.networkAclId, acl);

  const allEgress: IpPermission = {
    ipProtocol: '-1',
    ipRanges: [{ cidr: '0.0.0.0/0' }],
    ipv6Ranges: [],
    groups: [],
  };
  const groups: SecurityGroup[] = [defaultVpc, prodVpc].map((vpc) => {
    const groupId = id('sg', accountId, region, vpc.vpcId, 'default');
    return {
      groupId,
      groupName: 'default',
      description: 'default VPC security group',
      vpcId: vpc.vpcId,
      ingress: [{ ipProtocol: '-1', ipRanges: [], ipv6Ranges: [], groups: [groupId] }],
      egress: [structuredClone(allEgress)],
      tags: {},
    };
  });
  groups.push({
    groupId: id('sg', accountId, region, 'web'),
    groupName: 'web',
    description: 'web servers',
    vpcId: prodVpc.vpcId,
    ingress: [
      tcp(443, '0.0.0.0/0'),
      tcp(22, '203.0.113.0/24', 'office'),
      tcp(3389, '198.51.100.7/32', 'contractor'),
    ],
    egress: [structuredClone(allEgress)],
    tags: { Name: 'web' },
  });
  for (const group of groups) network.securityGroups.set(group.groupId, group);
  return network;
}

export class Ec2Store {
  private readonly networks = new Map<string, Network>();

  /** The network of an account-Region, seeded on first use. */
  network(accountId: string, region: string): Network {
    const key = `${accountId}/${region}`;
    let network = this.networks.get(key);
    if (!network) {
      network = seedNetwork(accountId, region);
      this.networks.set(key, network);
    }
    return network;
  }
}
