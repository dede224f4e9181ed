import { parseCidr } from '../../containment/cidr.ts';
import { AwsError } from '../errors.ts';
import { Identity, type Principal } from '../identity.ts';
import type {
  Ec2Store,
  IpPermission,
  IpRange,
  NatGateway,
  Network,
  NetworkAcl,
  NetworkAclEntry,
  SecurityGroup,
  Vpc,
} from './store.ts';

// EC2 on its query protocol (form-encoded `Action=…&Version=2016-11-15`, XML answers, errors as
// <Response><Errors><Error>…</Error></Errors><RequestID>…</RequestID></Response>) for the operations
// containment uses. Each operation checks its parameters, then the caller's IAM permission
// (UnauthorizedOperation), then DryRun (DryRunOperation: "would have succeeded"), then acts.

export const EC2_VERSION = '2016-11-15';
const NAMESPACE = `http://ec2.amazonaws.com/doc/${EC2_VERSION}/`;
/** Entries an ACL holds per direction, AWS's default quota (the `*` rules not counted). */
const MAX_ENTRIES_PER_DIRECTION = 20;

export interface Ec2Context {
  store: Ec2Store;
  caller: Principal;
  region: string;
  requestId: string;
}

type Params = URLSearchParams;

const invalid = (message: string) => new AwsError('InvalidParameterValue', 400, message);
const missing = (name: string) =>
  new AwsError('MissingParameter', 400, `The request must contain the parameter ${name}`);

function text(params: Params, name: string, required: true): string;
function text(params: Params, name: string, required?: false): string | undefined;
function text(params: Params, name: string, required = false): string | undefined {
  const value = params.get(name);
  if (value === null || value === '') {
    if (required) throw missing(name);
    return undefined;
  }
  return value;
}

function integer(params: Params, name: string, required = false): number | undefined {
  const value = text(params, name, required as false);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value))
    throw invalid(`Value (${value}) for parameter ${name} is invalid. Expected an integer.`);
  return Number(value);
}

function flag(params: Params, name: string, required = false): boolean | undefined {
  const value = text(params, name, required as false);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false')
    throw invalid(`Value (${value}) for parameter ${name} is invalid. Expected 'true' or 'false'.`);
  return value === 'true';
}

/** `Name.1`, `Name.2`, … in order, stopping at the first gap. */
function list(params: Params, name: string): string[] {
  const values: string[] = [];
  for (let i = 1; params.has(`${name}.${i}`); i++) values.push(params.get(`${name}.${i}`)!);
  return values;
}

function filters(params: Params, known: readonly string[]): { name: string; values: string[] }[] {
  const result: { name: string; values: string[] }[] = [];
  for (let i = 1; params.has(`Filter.${i}.Name`); i++) {
    const name = params.get(`Filter.${i}.Name`)!;
    if (!known.includes(name)) throw invalid(`The filter '${name}' is invalid`);
    result.push({ name, values: list(params, `Filter.${i}.Value`) });
  }
  return result;
}

function authorize(context: Ec2Context, action: string, dryRun: boolean | undefined): void {
  if (!Identity.allows(context.caller, `ec2:${action}`))
    throw new AwsError(
      'UnauthorizedOperation',
      403,
      `You are not authorized to perform this operation. User: ${context.caller.arn} is not authorized to perform: ec2:${action} on resource: arn:aws:ec2:${context.region}:${context.caller.accountId}:*`,
    );
  if (dryRun)
    throw new AwsError('DryRunOperation', 412, 'Request would have succeeded, but DryRun flag is set.');
}

function networkOf(context: Ec2Context): Network {
  return context.store.network(context.caller.accountId, context.region);
}

function xml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const element = (name: string, value: string | number | boolean | undefined): string =>
  value === undefined ? '' : `<${name}>${xml(String(value))}</${name}>`;

const set = <T>(name: string, items: readonly T[], render: (item: T) => string): string =>
  `<${name}>${items.map((item) => `<item>${render(item)}</item>`).join('')}</${name}>`;

const tagSet = (tags: Record<string, string>) =>
  set('tagSet', Object.entries(tags), ([key, value]) => element('key', key) + element('value', value));

function envelope(action: string, requestId: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${NAMESPACE}"><requestId>${requestId}</requestId>${body}</${action}Response>`;
}

export function ec2ErrorXml(error: AwsError, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${xml(error.code)}</Code><Message>${xml(error.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}

/** Resources named by id that must all exist, as EC2 answers a describe with a missing id. */
function named<T>(ids: string[], all: Map<string, T>, notFound: (id: string) => AwsError): T[] | undefined {
  if (ids.length === 0) return undefined;
  const missingId = ids.find((id) => !all.has(id));
  if (missingId !== undefined) throw notFound(missingId);
  return ids.map((id) => all.get(id)!);
}

function paged<T>(params: Params, items: T[]): { page: T[]; nextToken?: string } {
  const maxResults = integer(params, 'MaxResults');
  if (maxResults !== undefined && (maxResults < 5 || maxResults > 1000))
    throw invalid(
      `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
    );
  const token = text(params, 'NextToken');
  const start = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw invalid('The token is invalid');
  const size = maxResults ?? items.length;
  const page = items.slice(start, start + size);
  const next =
    start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
  return next ? { page, nextToken: next } : { page };
}

// --- VPCs -------------------------------------------------------------------------------------

function renderVpc(vpc: Vpc, accountId: string): string {
  return (
    element('vpcId', vpc.vpcId) +
    element('ownerId', accountId) +
    element('state', 'available') +
    element('cidrBlock', vpc.cidrBlocks[0]) +
    set(
      'cidrBlockAssociationSet',
      vpc.cidrBlocks,
      (cidr) =>
        element('associationId', `vpc-cidr-assoc-${cidr.replace(/\W/g, '')}`) +
        element('cidrBlock', cidr) +
        '<cidrBlockState><state>associated</state></cidrBlockState>',
    ) +
    set(
      'ipv6CidrBlockAssociationSet',
      vpc.ipv6CidrBlocks,
      (cidr) =>
        element('associationId', `vpc-cidr-assoc-${cidr.replace(/\W/g, '').slice(0, 17)}`) +
        element('ipv6CidrBlock', cidr) +
        '<ipv6CidrBlockState><state>associated</state></ipv6CidrBlockState>',
    ) +
    element('dhcpOptionsId', 'default') +
    element('instanceTenancy', 'default') +
    element('isDefault', vpc.isDefault) +
    tagSet(vpc.tags)
  );
}

function describeVpcs(params: Params, context: Ec2Context): string {
  const ids = list(params, 'VpcId');
  const where = filters(params, ['vpc-id', 'is-default', 'cidr-block']);
  const dryRun = flag(params, 'DryRun');
  authorize(context, 'DescribeVpcs', dryRun);
  const network = networkOf(context);
  const chosen = named(
    ids,
    network.vpcs,
    (id) => new AwsError('InvalidVpcID.NotFound', 400, `The vpc ID '${id}' does not exist`),
  ) ?? [...network.vpcs.values()];
  const matched = chosen.filter((vpc) =>
    where.every(({ name, values }) => {
      if (name === 'vpc-id') return values.includes(vpc.vpcId);
      if (name === 'is-default') return values.includes(String(vpc.isDefault));
      return vpc.cidrBlocks.some((cidr) => values.includes(cidr));
    }),
  );
  const { page, nextToken } = paged(params, matched);
  return envelope(
    'DescribeVpcs',
    context.requestId,
    set('vpcSet', page, (vpc) => renderVpc(vpc, network.accountId)) + element('nextToken', nextToken),
  );
}

// --- NAT gateways -----------------------------------------------------------------------------

function renderNatGateway(nat: NatGateway): string {
  return (
    element('natGatewayId', nat.natGatewayId) +
    set(
      'natGatewayAddressSet',
      nat.addresses,
      (address) =>
        element('allocationId', address.allocationId) +
        element('publicIp', address.publicIp) +
        element('privateIp', address.privateIp) +
        element('isPrimary', true) +
        element('status', 'succeeded'),
    ) +
    element('state', nat.state) +
    element('vpcId', nat.vpcId) +
    element('subnetId', nat.subnetId) +
    element('connectivityType', 'public') +
    tagSet(nat.tags)
  );
}

function describeNatGateways(params: Params, context: Ec2Context): string {
  const ids = list(params, 'NatGatewayId');
  const where = filters(params, ['vpc-id', 'nat-gateway-id', 'state', 'subnet-id']);
  authorize(context, 'DescribeNatGateways', flag(params, 'DryRun'));
  const network = networkOf(context);
  const chosen = named(
    ids,
    network.natGateways,
    (id) => new AwsError('NatGatewayNotFound', 400, `The Nat Gateway ${id} was not found`),
  ) ?? [...network.natGateways.values()];
  const matched = chosen.filter((nat) =>
    where.every(({ name, values }) => {
      if (name === 'vpc-id') return values.includes(nat.vpcId);
      if (name === 'nat-gateway-id') return values.includes(nat.natGatewayId);
      if (name === 'subnet-id') return values.includes(nat.subnetId);
      return values.includes(nat.state);
    }),
  );
  const { page, nextToken } = paged(params, matched);
  return envelope(
    'DescribeNatGateways',
    context.requestId,
    set('natGatewaySet', page, renderNatGateway) + element('nextToken', nextToken),
  );
}

// --- Network ACLs -----------------------------------------------------------------------------

function renderEntry(entry: NetworkAclEntry): string {
  return (
    element('ruleNumber', entry.ruleNumber) +
    element('protocol', entry.protocol) +
    element('ruleAction', entry.ruleAction) +
    element('egress', entry.egress) +
    element('cidrBlock', entry.cidrBlock) +
    element('ipv6CidrBlock', entry.ipv6CidrBlock) +
    (entry.portRange
      ? `<portRange>${element('from', entry.portRange.from)}${element('to', entry.portRange.to)}</portRange>`
      : '') +
    (entry.icmpTypeCode
      ? `<icmpTypeCode>${element('code', entry.icmpTypeCode.code)}${element('type', entry.icmpTypeCode.type)}</icmpTypeCode>`
      : '')
  );
}

function renderAcl(acl: NetworkAcl, accountId: string): string {
  const entries = [...acl.entries].sort(
    (a, b) => Number(a.egress) - Number(b.egress) || a.ruleNumber - b.ruleNumber,
  );
  return (
    element('networkAclId', acl.networkAclId) +
    element('vpcId', acl.vpcId) +
    element('default', acl.isDefault) +
    set('entrySet', entries, renderEntry) +
    set(
      'associationSet',
      acl.subnetIds,
      (subnetId) =>
        element('networkAclAssociationId', `aclassoc-${subnetId.slice(7)}`) +
        element('networkAclId', acl.networkAclId) +
        element('subnetId', subnetId),
    ) +
    tagSet(acl.tags) +
    element('ownerId', accountId)
  );
}

const aclNotFound = (id: string) =>
  new AwsError('InvalidNetworkAclID.NotFound', 400, `The networkAcl ID '${id}' does not exist`);

function describeNetworkAcls(params: Params, context: Ec2Context): string {
  const ids = list(params, 'NetworkAclId');
  const where = filters(params, ['vpc-id', 'network-acl-id', 'association.subnet-id', 'default']);
  const dryRun = flag(params, 'DryRun');
  authorize(context, 'DescribeNetworkAcls', dryRun);
  const network = networkOf(context);
  const chosen = named(ids, network.networkAcls, aclNotFound) ?? [...network.networkAcls.values()];
  const matched = chosen.filter((acl) =>
    where.every(({ name, values }) => {
      if (name === 'vpc-id') return values.includes(acl.vpcId);
      if (name === 'network-acl-id') return values.includes(acl.networkAclId);
      if (name === 'default') return values.includes(String(acl.isDefault));
      return acl.subnetIds.some((subnetId) => values.includes(subnetId));
    }),
  );
  const { page, nextToken } = paged(params, matched);
  return envelope(
    'DescribeNetworkAcls',
    context.requestId,
    set('networkAclSet', page, (acl) => renderAcl(acl, network.accountId)) + element('nextToken', nextToken),
  );
}

const PROTOCOL_NAMES: Record<string, string> = { all: '-1', tcp: '6', udp: '17', icmp: '1', icmpv6: '58' };

function protocolNumber(value: string): string {
  const protocol = PROTOCOL_NAMES[value.toLowerCase()] ?? value;
  if (protocol !== '-1' && !(/^\d{1,3}$/.test(protocol) && Number(protocol) <= 255))
    throw invalid(`Invalid value '${value}' for protocol. Must be a number from 0 to 255, or -1 for all.`);
  return String(Number(protocol));
}

function ruleNumberOf(params: Params): number {
  const ruleNumber = integer(params, 'RuleNumber', true)!;
  if (ruleNumber < 1 || ruleNumber > 32_766)
    throw invalid(`Invalid value '${ruleNumber}' for ruleNumber. It must be between 1 and 32766.`);
  return ruleNumber;
}

function createNetworkAclEntry(params: Params, context: Ec2Context): string {
  const networkAclId = text(params, 'NetworkAclId', true);
  const ruleNumber = ruleNumberOf(params);
  const protocol = protocolNumber(text(params, 'Protocol', true));
  const ruleAction = text(params, 'RuleAction', true);
  if (ruleAction !== 'allow' && ruleAction !== 'deny')
    throw invalid(`Invalid value '${ruleAction}' for ruleAction. Must be 'allow' or 'deny'.`);
  const egress = flag(params, 'Egress', true)!;
  const cidrText = text(params, 'CidrBlock');
  const ipv6Text = text(params, 'Ipv6CidrBlock');
  if ((cidrText === undefined) === (ipv6Text === undefined))
    throw new AwsError(
      'InvalidParameterCombination',
      400,
      'Exactly one of cidrBlock and ipv6CidrBlock must be specified.',
    );
  const cidr = parseCidr(cidrText ?? ipv6Text!);
  if (!cidr || cidr.version !== (cidrText !== undefined ? 4 : 6))
    throw invalid(
      `Value (${cidrText ?? ipv6Text}) for parameter ${cidrText ? 'cidrBlock' : 'ipv6CidrBlock'} is invalid. This is not a valid CIDR block.`,
    );
  let portRange: NetworkAclEntry['portRange'];
  if (protocol === '6' || protocol === '17') {
    const from = integer(params, 'PortRange.From');
    const to = integer(params, 'PortRange.To');
    if (from === undefined || to === undefined) throw missing('portRange');
    if (from < 0 || to > 65_535 || from > to)
      throw invalid(`Invalid port range ${from}-${to}: ports are 0–65535, from no greater than to.`);
    portRange = { from, to };
  }
  let icmpTypeCode: NetworkAclEntry['icmpTypeCode'];
  if (protocol === '1' || protocol === '58') {
    const code = integer(params, 'Icmp.Code');
    const type = integer(params, 'Icmp.Type');
    if (code === undefined || type === undefined) throw missing('icmpTypeCode');
    icmpTypeCode = { code, type };
  }
  authorize(context, 'CreateNetworkAclEntry', flag(params, 'DryRun'));
  const acl = networkOf(context).networkAcls.get(networkAclId);
  if (!acl) throw aclNotFound(networkAclId);
  const sameDirection = acl.entries.filter((entry) => entry.egress === egress);
  if (sameDirection.some((entry) => entry.ruleNumber === ruleNumber))
    throw new AwsError(
      'NetworkAclEntryAlreadyExists',
      400,
      `The network acl entry identified by ${ruleNumber} already exists.`,
    );
  if (sameDirection.filter((entry) => entry.ruleNumber < 32_767).length >= MAX_ENTRIES_PER_DIRECTION)
    throw new AwsError(
      'NetworkAclEntryLimitExceeded',
      400,
      `The maximum number of ${egress ? 'egress' : 'ingress'} rules (${MAX_ENTRIES_PER_DIRECTION}) for network ACL ${networkAclId} has been reached.`,
    );
  acl.entries.push({
    ruleNumber,
    protocol,
    ruleAction,
    egress,
    ...(cidr.version === 4 ? { cidrBlock: cidr.text } : { ipv6CidrBlock: cidr.text }),
    ...(portRange ? { portRange } : {}),
    ...(icmpTypeCode ? { icmpTypeCode } : {}),
  });
  return envelope('CreateNetworkAclEntry', context.requestId, element('return', true));
}

function deleteNetworkAclEntry(params: Params, context: Ec2Context): string {
  const networkAclId = text(params, 'NetworkAclId', true);
  const ruleNumber = ruleNumberOf(params);
  const egress = flag(params, 'Egress', true)!;
  authorize(context, 'DeleteNetworkAclEntry', flag(params, 'DryRun'));
  const acl = networkOf(context).networkAcls.get(networkAclId);
  if (!acl) throw aclNotFound(networkAclId);
  const index = acl.entries.findIndex((entry) => entry.egress === egress && entry.ruleNumber === ruleNumber);
  if (index < 0)
    throw new AwsError(
      'InvalidNetworkAclEntry.NotFound',
      400,
      `The network acl entry identified by ${ruleNumber} (${egress ? 'egress' : 'ingress'}) does not exist in ${networkAclId}.`,
    );
  acl.entries.splice(index, 1);
  return envelope('DeleteNetworkAclEntry', context.requestId, element('return', true));
}

// --- Security groups --------------------------------------------------------------------------

function renderPermission(permission: IpPermission, accountId: string): string {
  return (
    element('ipProtocol', permission.ipProtocol) +
    element('fromPort', permission.fromPort) +
    element('toPort', permission.toPort) +
    set(
      'groups',
      permission.groups,
      (groupId) => element('userId', accountId) + element('groupId', groupId),
    ) +
    set(
      'ipRanges',
      permission.ipRanges,
      (range) => element('cidrIp', range.cidr) + element('description', range.description),
    ) +
    set(
      'ipv6Ranges',
      permission.ipv6Ranges,
      (range) => element('cidrIpv6', range.cidr) + element('description', range.description),
    ) +
    '<prefixListIds/>'
  );
}

function renderGroup(group: SecurityGroup, accountId: string): string {
  return (
    element('ownerId', accountId) +
    element('groupId', group.groupId) +
    element('groupName', group.groupName) +
    element('groupDescription', group.description) +
    element('vpcId', group.vpcId) +
    set('ipPermissions', group.ingress, (permission) => renderPermission(permission, accountId)) +
    set('ipPermissionsEgress', group.egress, (permission) => renderPermission(permission, accountId)) +
    tagSet(group.tags)
  );
}

const groupNotFound = (id: string) =>
  new AwsError('InvalidGroup.NotFound', 400, `The security group '${id}' does not exist`);

function describeSecurityGroups(params: Params, context: Ec2Context): string {
  const ids = list(params, 'GroupId');
  const names = list(params, 'GroupName');
  const where = filters(params, ['vpc-id', 'group-id', 'group-name', 'ip-permission.cidr']);
  authorize(context, 'DescribeSecurityGroups', flag(params, 'DryRun'));
  const network = networkOf(context);
  const chosen = named(ids, network.securityGroups, groupNotFound) ?? [...network.securityGroups.values()];
  const matched = chosen.filter(
    (group) =>
      (names.length === 0 || names.includes(group.groupName)) &&
      where.every(({ name, values }) => {
        if (name === 'vpc-id') return values.includes(group.vpcId);
        if (name === 'group-id') return values.includes(group.groupId);
        if (name === 'group-name') return values.includes(group.groupName);
        return group.ingress.some((permission) =>
          permission.ipRanges.some((range) => values.includes(range.cidr)),
        );
      }),
  );
  const { page, nextToken } = paged(params, matched);
  return envelope(
    'DescribeSecurityGroups',
    context.requestId,
    set('securityGroupInfo', page, (group) => renderGroup(group, network.accountId)) +
      element('nextToken', nextToken),
  );
}

const PERMISSION_PROTOCOLS: Record<string, string> = {
  '6': 'tcp',
  '17': 'udp',
  '1': 'icmp',
  '58': 'icmpv6',
  all: '-1',
};

/** `IpPermissions.N.*` as the SDK sends them. */
function permissionsOf(params: Params): IpPermission[] {
  const permissions: IpPermission[] = [];
  for (let i = 1; params.has(`IpPermissions.${i}.IpProtocol`); i++) {
    const prefix = `IpPermissions.${i}`;
    const rawProtocol = params.get(`${prefix}.IpProtocol`)!.toLowerCase();
    const ipProtocol = PERMISSION_PROTOCOLS[rawProtocol] ?? rawProtocol;
    const ranges = (name: string, field: string, version: 4 | 6): IpRange[] => {
      const result: IpRange[] = [];
      for (let j = 1; params.has(`${prefix}.${name}.${j}.${field}`); j++) {
        const value = params.get(`${prefix}.${name}.${j}.${field}`)!;
        const cidr = parseCidr(value);
        if (!cidr || cidr.version !== version || cidr.text !== value.toLowerCase())
          throw invalid(`CIDR block ${value} is malformed`);
        const description = params.get(`${prefix}.${name}.${j}.Description`) ?? undefined;
        result.push({ cidr: cidr.text, ...(description ? { description } : {}) });
      }
      return result;
    };
    const groups: string[] = [];
    for (let j = 1; params.has(`${prefix}.Groups.${j}.GroupId`); j++)
      groups.push(params.get(`${prefix}.Groups.${j}.GroupId`)!);
    permissions.push({
      ipProtocol,
      ...(ipProtocol === '-1'
        ? {}
        : { fromPort: integer(params, `${prefix}.FromPort`), toPort: integer(params, `${prefix}.ToPort`) }),
      ipRanges: ranges('IpRanges', 'CidrIp', 4),
      ipv6Ranges: ranges('Ipv6Ranges', 'CidrIpv6', 6),
      groups,
    });
  }
  if (permissions.length === 0) throw missing('IpPermissions');
  return permissions;
}

const sameRule = (a: IpPermission, b: IpPermission) =>
  a.ipProtocol === b.ipProtocol && a.fromPort === b.fromPort && a.toPort === b.toPort;

/** The permission split into single-source rules: one CIDR or one group each, as AWS counts rules. */
function rulesOf(permission: IpPermission): IpPermission[] {
  const base = {
    ipProtocol: permission.ipProtocol,
    fromPort: permission.fromPort,
    toPort: permission.toPort,
  };
  return [
    ...permission.ipRanges.map((range) => ({ ...base, ipRanges: [range], ipv6Ranges: [], groups: [] })),
    ...permission.ipv6Ranges.map((range) => ({ ...base, ipRanges: [], ipv6Ranges: [range], groups: [] })),
    ...permission.groups.map((groupId) => ({ ...base, ipRanges: [], ipv6Ranges: [], groups: [groupId] })),
  ];
}

function findRule(
  group: SecurityGroup,
  rule: IpPermission,
): { permission: IpPermission; list: 'ipRanges' | 'ipv6Ranges' | 'groups'; index: number } | undefined {
  for (const permission of group.ingress) {
    if (!sameRule(permission, rule)) continue;
    if (rule.ipRanges[0]) {
      const index = permission.ipRanges.findIndex((range) => range.cidr === rule.ipRanges[0]!.cidr);
      if (index >= 0) return { permission, list: 'ipRanges', index };
    } else if (rule.ipv6Ranges[0]) {
      const index = permission.ipv6Ranges.findIndex((range) => range.cidr === rule.ipv6Ranges[0]!.cidr);
      if (index >= 0) return { permission, list: 'ipv6Ranges', index };
    } else {
      const index = permission.groups.indexOf(rule.groups[0]!);
      if (index >= 0) return { permission, list: 'groups', index };
    }
  }
  return undefined;
}

function groupFor(params: Params, context: Ec2Context): SecurityGroup {
  const network = networkOf(context);
  const groupId = text(params, 'GroupId');
  const groupName = text(params, 'GroupName');
  if (groupId === undefined && groupName === undefined) throw missing('GroupId');
  const group = groupId
    ? network.securityGroups.get(groupId)
    : [...network.securityGroups.values()].find((candidate) => candidate.groupName === groupName);
  if (!group) throw groupNotFound(groupId ?? groupName!);
  return group;
}

function revokeSecurityGroupIngress(params: Params, context: Ec2Context): string {
  const rules = permissionsOf(params).flatMap(rulesOf);
  authorize(context, 'RevokeSecurityGroupIngress', flag(params, 'DryRun'));
  const group = groupFor(params, context);
  const found = rules.map((rule) => ({ rule, at: findRule(group, rule) }));
  if (found.every(({ at }) => !at))
    throw new AwsError(
      'InvalidPermission.NotFound',
      400,
      'The specified rule does not exist in this security group.',
    );
  for (const { at } of found) {
    if (!at) continue;
    at.permission[at.list].splice(at.index, 1);
  }
  group.ingress = group.ingress.filter(
    (permission) => permission.ipRanges.length + permission.ipv6Ranges.length + permission.groups.length > 0,
  );
  const unknown = found.filter(({ at }) => !at).map(({ rule }) => rule);
  return envelope(
    'RevokeSecurityGroupIngress',
    context.requestId,
    element('return', true) +
      (unknown.length > 0
        ? set('unknownIpPermissionSet', unknown, (rule) => renderPermission(rule, context.caller.accountId))
        : ''),
  );
}

function authorizeSecurityGroupIngress(params: Params, context: Ec2Context): string {
  const rules = permissionsOf(params).flatMap(rulesOf);
  authorize(context, 'AuthorizeSecurityGroupIngress', flag(params, 'DryRun'));
  const group = groupFor(params, context);
  const duplicate = rules.find((rule) => findRule(group, rule));
  if (duplicate)
    throw new AwsError(
      'InvalidPermission.Duplicate',
      400,
      `the specified rule "peer: ${duplicate.ipRanges[0]?.cidr ?? duplicate.ipv6Ranges[0]?.cidr ?? duplicate.groups[0]}, ${duplicate.ipProtocol.toUpperCase()}, from port: ${duplicate.fromPort}, to port: ${duplicate.toPort}, ALLOW" already exists`,
    );
  for (const rule of rules) {
    const existing = group.ingress.find((permission) => sameRule(permission, rule));
    if (existing) {
      existing.ipRanges.push(...rule.ipRanges);
      existing.ipv6Ranges.push(...rule.ipv6Ranges);
      existing.groups.push(...rule.groups);
    } else group.ingress.push(rule);
  }
  return envelope('AuthorizeSecurityGroupIngress', context.requestId, element('return', true));
}

const OPERATIONS: Record<string, (params: Params, context: Ec2Context) => string> = {
  DescribeVpcs: describeVpcs,
  DescribeNatGateways: describeNatGateways,
  DescribeNetworkAcls: describeNetworkAcls,
  CreateNetworkAclEntry: createNetworkAclEntry,
  DeleteNetworkAclEntry: deleteNetworkAclEntry,
  DescribeSecurityGroups: describeSecurityGroups,
  RevokeSecurityGroupIngress: revokeSecurityGroupIngress,
  AuthorizeSecurityGroupIngress: authorizeSecurityGroupIngress,
};

export const EC2_OPERATIONS = Object.keys(OPERATIONS);

export function handleEc2(params: Params, context: Ec2Context): string {
  const action = params.get('Action') ?? '';
  const operation = OPERATIONS[action];
  if (!operation)
    throw new AwsError('InvalidAction', 400, `The action ${action} is not valid for this web service.`);
  return operation(params, context);
}
