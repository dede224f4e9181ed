// Where a finding's resources sit in the network: the VPCs, subnets, security groups and network
// ACLs its ASFF Resources name. Pure: read from the finding alone.

export interface NetworkPlacement {
  vpcIds: string[];
  subnetIds: string[];
  securityGroupIds: string[];
  networkAclIds: string[];
}

type Json = Record<string, unknown>;

const object = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
const string = (value: unknown, pattern: RegExp): string | undefined =>
  typeof value === 'string' && pattern.test(value) ? value : undefined;
const items = (value: unknown): Json[] =>
  Array.isArray(value) ? value.map(object).filter((item): item is Json => item !== undefined) : [];

const VPC = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const GROUP = /^sg-[0-9a-f]{8,17}$/;
const ACL = /^acl-[0-9a-f]{8,17}$/;

export function placementOf(raw: Json): NetworkPlacement {
  const vpcIds = new Set<string>();
  const subnetIds = new Set<string>();
  const securityGroupIds = new Set<string>();
  const networkAclIds = new Set<string>();
  const add = (into: Set<string>, value: string | undefined) => value && into.add(value);
  for (const resource of items(raw.Resources)) {
    const details = object(resource.Details) ?? {};
    const id = typeof resource.Id === 'string' ? resource.Id : '';
    // The resource's own id, when the resource is the VPC, group or ACL itself.
    const own = /:(vpc|security-group|network-acl|subnet)\/([\w-]+)$/.exec(id);
    if (own?.[1] === 'vpc') add(vpcIds, string(own[2], VPC));
    if (own?.[1] === 'security-group') add(securityGroupIds, string(own[2], GROUP));
    if (own?.[1] === 'network-acl') add(networkAclIds, string(own[2], ACL));
    if (own?.[1] === 'subnet') add(subnetIds, string(own[2], SUBNET));

    const instance = object(details.AwsEc2Instance);
    if (instance) {
      add(vpcIds, string(instance.VpcId, VPC));
      add(subnetIds, string(instance.SubnetId, SUBNET));
    }
    const group = object(details.AwsEc2SecurityGroup);
    if (group) {
      add(vpcIds, string(group.VpcId, VPC));
      add(securityGroupIds, string(group.GroupId, GROUP));
    }
    const networkInterface = object(details.AwsEc2NetworkInterface);
    for (const attached of items(networkInterface?.SecurityGroups))
      add(securityGroupIds, string(attached.GroupId, GROUP));
    const subnet = object(details.AwsEc2Subnet);
    if (subnet) {
      add(vpcIds, string(subnet.VpcId, VPC));
      add(subnetIds, string(subnet.SubnetId, SUBNET));
    }
    const acl = object(details.AwsEc2NetworkAcl);
    if (acl) {
      add(vpcIds, string(acl.VpcId, VPC));
      add(networkAclIds, string(acl.NetworkAclId, ACL));
    }
  }
  return {
    vpcIds: [...vpcIds],
    subnetIds: [...subnetIds],
    securityGroupIds: [...securityGroupIds],
    networkAclIds: [...networkAclIds],
  };
}

/**
 * The remote addresses a finding shows: GuardDuty's and others' `Network` (the source of inbound
 * traffic, the destination of outbound) and the `RemoteIpDetails` of its `Action`.
 */
export function remoteAddressesOf(raw: Json): string[] {
  const addresses = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string' && value.length > 0 && value.length <= 64) addresses.add(value);
  };
  const network = object(raw.Network);
  if (network) {
    const outbound = network.Direction === 'OUT';
    add(outbound ? network.DestinationIpV4 : network.SourceIpV4);
    add(outbound ? network.DestinationIpV6 : network.SourceIpV6);
  }
  const action = object(raw.Action) ?? {};
  const remote = (details: unknown) => {
    const ip = object(object(details)?.RemoteIpDetails);
    add(ip?.IpAddressV4);
    add(ip?.IpAddressV6);
  };
  remote(action.NetworkConnectionAction);
  remote(action.AwsApiCallAction);
  for (const probe of items(object(action.PortProbeAction)?.PortProbeDetails)) remote(probe);
  return [...addresses];
}
