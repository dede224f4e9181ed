import {
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkAclsCommand,
  type DescribeNetworkAclsCommandInput,
  DescribeSecurityGroupsCommand,
  type DescribeSecurityGroupsCommandInput,
  DescribeVpcsCommand,
  type EC2Client,
  type IpPermission,
  type NetworkAcl,
  type NetworkAclEntry,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import type { ConnectorModel } from '../connectors/model.ts';
import { connectorById } from '../connectors/service.ts';
import type { TenantContext } from '../context.ts';
import { isUuid } from '../db/keyset.ts';
import type { ContainmentBlockRow, containmentBlocks } from '../db/schema.ts';
import { quoteInput } from '../errors.ts';
import type {
  ContainmentMethod,
  ContainmentTargetInput,
  IpAllowInput,
  IpBlockInput,
  IpProtocol,
} from '../generated/graphql.ts';
import { parseGlobalId, toGlobalId } from '../global-id.ts';
import { errorSummary } from '../observability/logger.ts';
import { type UserErrorModel, userError } from '../user-errors.ts';
import { type Cidr, overlaps, parseCidr, reservedRangeOf } from './cidr.ts';
import { connectorEc2 } from './clients.ts';
import type { ContainmentActionModel, ContainmentChangeModel } from './model.ts';
import {
  activeBlocks,
  type ContainedFinding,
  findingForContainment,
  insertAction,
  insertBlocks,
  markLifted,
  updateAction,
} from './queries.ts';
import { placementOf, remoteAddressesOf } from './targets.ts';

// Containment: block a hostile address in the account a finding is about, or lift the block.
// Security groups cannot deny, so a block is a network ACL DENY entry numbered below the ACL's
// allow rules (every entry already there is kept), or — when the user asks — the removal of the
// security-group rules that let exactly that range in. Hubgraph records what it added or removed, and
// ipAllow undoes exactly that. Every action, dry runs and refusals included, lands in the audit log
// with who asked, why, what changed and AWS's request ids.

export interface ContainmentPayloadModel {
  action: ContainmentActionModel | null;
  userErrors: UserErrorModel[];
}

const PROTOCOL_NUMBER: Record<IpProtocol, string> = {
  ALL: '-1',
  TCP: '6',
  UDP: '17',
  ICMP: '1',
  ICMPV6: '58',
};
export const PROTOCOL_OF_NUMBER: Record<string, IpProtocol> = Object.fromEntries(
  Object.entries(PROTOCOL_NUMBER).map(([name, number]) => [number, name as IpProtocol]),
);
/** The security-group spelling of a protocol (EC2 answers `tcp`, not `6`). */
const GROUP_PROTOCOL: Record<string, string> = {
  '-1': '-1',
  '6': 'tcp',
  '17': 'udp',
  '1': 'icmp',
  '58': 'icmpv6',
};
const MAX_REASON = 500;
/** The highest number a user's ACL entry may have; 32767 and 32768 are the `*` rules. */
const MAX_RULE_NUMBER = 32_766;
const DENY = 'deny';

/** The validated request: what to block, how, and the audit fields. */
interface Request {
  kind: 'BLOCK' | 'ALLOW';
  method: ContainmentMethod;
  cidr: Cidr;
  protocol: string;
  fromPort: number | null;
  toPort: number | null;
  reason: string;
  dryRun: boolean;
  /** The ACL directions a block covers: false ingress, true egress. */
  egress: boolean[];
  target: ContainmentTargetInput;
  requestedBy: string | null;
}

/** Where the action happens, once the finding and its connector are known. */
interface Scope {
  finding: ContainedFinding;
  connector: ConnectorModel;
  accountId: string;
  region: string;
}

type NewBlock = Omit<typeof containmentBlocks.$inferInsert, 'blockActionId' | 'tenantId'>;

/**
 * One action's course. Its audit entry is written first (PENDING), each change AWS made is committed
 * as soon as AWS answers — with the block Hubgraph now holds, or the one it lifted — and the result
 * last: a process that dies part way leaves a PENDING entry whose changes ipAllow can still lift.
 */
class Outcome {
  readonly requestIds: string[] = [];
  readonly changes: ContainmentChangeModel[] = [];
  vpcId: string | null = null;
  result: 'APPLIED' | 'UNCHANGED' | 'DRY_RUN' | 'REFUSED' | 'FAILED' = 'UNCHANGED';
  message: string | null = null;
  awsErrorCode: string | null = null;
  userErrors: UserErrorModel[] = [];
  private actionId: string | undefined;
  private readonly ctx: TenantContext;
  private readonly request: Request;
  private readonly scope: Scope;

  constructor(ctx: TenantContext, request: Request, scope: Scope) {
    this.ctx = ctx;
    this.request = request;
    this.scope = scope;
  }

  async begin(): Promise<void> {
    const { ctx, request, scope } = this;
    const row = await insertAction(ctx.db, {
      tenantId: ctx.tenantId,
      kind: request.kind,
      method: request.method,
      requestedBy: request.requestedBy,
      reason: request.reason,
      findingId: scope.finding.id,
      connectorId: scope.connector.id,
      awsAccountId: scope.accountId,
      region: scope.region,
      cidr: request.cidr.text,
      protocol: request.protocol,
      fromPort: request.fromPort,
      toPort: request.toPort,
      dryRun: request.dryRun,
      result: 'PENDING',
      changes: [],
      createdAt: ctx.clock.now(),
    });
    this.actionId = row.id;
  }

  /** Sends a command and keeps its request id (also of a refusal). */
  async send<T extends { $metadata: { requestId?: string } }>(promise: Promise<T>): Promise<T> {
    try {
      const output = await promise;
      if (output.$metadata.requestId) this.requestIds.push(output.$metadata.requestId);
      return output;
    } catch (error) {
      const id = (error as { $metadata?: { requestId?: string } }).$metadata?.requestId;
      if (id) this.requestIds.push(id);
      throw error;
    }
  }

  /** A change AWS made (or, in a dry run, would make), with the block Hubgraph now holds through it. */
  async made(change: ContainmentChangeModel, block?: NewBlock): Promise<void> {
    this.changes.push(change);
    if (this.request.dryRun) return;
    await this.ctx.db.transaction(async (tx) => {
      await updateAction(tx, this.ctx.tenantId, this.actionId!, this.progress());
      if (block)
        await insertBlocks(tx, [{ ...block, tenantId: this.ctx.tenantId, blockActionId: this.actionId! }]);
    });
  }

  /** A block no longer held: lifted by this action (with the change that lifted it), or gone already. */
  async lifted(blockId: string, change?: ContainmentChangeModel): Promise<void> {
    if (change) this.changes.push(change);
    await this.ctx.db.transaction(async (tx) => {
      await updateAction(tx, this.ctx.tenantId, this.actionId!, this.progress());
      await markLifted(tx, this.ctx.tenantId, [blockId], this.actionId!, this.ctx.clock.now());
    });
  }

  refuse(message: string, field: string[], code: UserErrorModel['code'] = 'NOT_ALLOWED'): void {
    this.result = 'REFUSED';
    this.message = message;
    this.userErrors.push(userError(field, message, code));
  }

  /** The result, and the payload. */
  async finish(): Promise<ContainmentPayloadModel> {
    const action = await updateAction(this.ctx.db, this.ctx.tenantId, this.actionId!, {
      ...this.progress(),
      vpcId: this.vpcId,
      result: this.result,
      message: this.message,
      awsErrorCode: this.awsErrorCode,
    });
    return { action, userErrors: this.userErrors };
  }

  private progress() {
    return {
      changes: this.changes as unknown as Record<string, unknown>[],
      awsRequestIds: [...this.requestIds],
    };
  }
}

class AwsRefusal extends Error {}

export async function ipBlock(
  ctx: TenantContext,
  input: IpBlockInput,
  requestedBy: string | null,
): Promise<ContainmentPayloadModel> {
  const errors: UserErrorModel[] = [];
  const protocol = PROTOCOL_NUMBER[input.protocol ?? 'ALL'];
  let fromPort: number | null = null;
  let toPort: number | null = null;
  if (input.ports) {
    if (protocol !== '6' && protocol !== '17')
      errors.push(
        userError(
          ['input', 'ports'],
          'Ports go with TCP or UDP only: set `protocol: TCP` or `UDP`, or leave out `ports`.',
          'INVALID',
        ),
      );
    else if (
      ![input.ports.from, input.ports.to].every(
        (port) => Number.isInteger(port) && port >= 0 && port <= 65_535,
      ) ||
      input.ports.from > input.ports.to
    )
      errors.push(
        userError(['input', 'ports'], 'Ports are 0–65535, `from` no greater than `to`.', 'OUT_OF_RANGE'),
      );
    else ({ from: fromPort, to: toPort } = input.ports);
  } else if (protocol === '6' || protocol === '17') {
    fromPort = 0;
    toPort = 65_535;
  }
  const method = input.method ?? 'NETWORK_ACL';
  if (method === 'NETWORK_ACL' && input.target?.securityGroupId)
    errors.push(
      userError(
        ['input', 'target', 'securityGroupId'],
        'A security group goes with `method: SECURITY_GROUP`; a network ACL block names `networkAclId`.',
        'INVALID',
      ),
    );
  if (method === 'SECURITY_GROUP' && input.target?.networkAclId)
    errors.push(
      userError(
        ['input', 'target', 'networkAclId'],
        'A network ACL goes with `method: NETWORK_ACL`; a security-group block names `securityGroupId`.',
        'INVALID',
      ),
    );
  const direction = input.direction ?? 'INBOUND';
  if (method === 'SECURITY_GROUP' && direction !== 'INBOUND')
    errors.push(
      userError(
        ['input', 'direction'],
        'A security-group block removes ingress rules only: use `direction: INBOUND`, or `method: NETWORK_ACL` to stop outbound traffic.',
        'INVALID',
      ),
    );
  const resolved = await resolve(ctx, input, errors, {
    kind: 'BLOCK',
    method,
    protocol,
    fromPort,
    toPort,
    egress: direction === 'BOTH' ? [false, true] : [direction === 'OUTBOUND'],
    requestedBy,
  });
  if (!resolved) return { action: null, userErrors: errors };
  const { request, scope } = resolved;

  const outcome = new Outcome(ctx, request, scope);
  await outcome.begin();
  const reserved = reservedRangeOf(request.cidr);
  if (reserved && !input.confirmPrivateRange) {
    outcome.refuse(
      `${request.cidr.text} lies in ${reserved.range} (${reserved.name}): blocking it can cut the account off from its own traffic. If you mean it, send the request again with \`confirmPrivateRange: true\`.`,
      ['input', 'ip'],
    );
    return outcome.finish();
  }
  try {
    const { client } = await clientOf(ctx, scope);
    if (method === 'NETWORK_ACL') await blockWithAcl(ctx, client, request, scope, outcome);
    else await blockWithGroups(client, request, scope, outcome);
  } catch (error) {
    failed(ctx, error, outcome, request);
  }
  return outcome.finish();
}

export async function ipAllow(
  ctx: TenantContext,
  input: IpAllowInput,
  requestedBy: string | null,
): Promise<ContainmentPayloadModel> {
  const errors: UserErrorModel[] = [];
  const resolved = await resolve(ctx, input, errors, {
    kind: 'ALLOW',
    method: input.target?.securityGroupId ? 'SECURITY_GROUP' : 'NETWORK_ACL',
    protocol: '-1',
    fromPort: null,
    toPort: null,
    egress: [false],
    requestedBy,
  });
  if (!resolved) return { action: null, userErrors: errors };
  const { request, scope } = resolved;
  const blocks = await activeBlocks(ctx.db, ctx.tenantId, {
    awsAccountId: scope.accountId,
    region: scope.region,
    cidr: request.cidr.text,
    vpcId: request.target.vpcId ?? undefined,
    resourceId: request.target.networkAclId ?? request.target.securityGroupId ?? undefined,
  });
  // What the action is about: the first block's method, VPC and protocol.
  const first = blocks[0];
  if (first) {
    request.method = first.kind === 'SECURITY_GROUP_RULE' ? 'SECURITY_GROUP' : 'NETWORK_ACL';
    request.protocol = first.protocol;
    request.fromPort = first.fromPort;
    request.toPort = first.toPort;
  }
  const outcome = new Outcome(ctx, request, scope);
  await outcome.begin();
  if (!first) {
    outcome.message = `Hubgraph holds no block of ${request.cidr.text} in account ${scope.accountId} (${scope.region})${request.target.vpcId ? ` VPC ${request.target.vpcId}` : ''}: there is nothing of Hubgraph's to lift, and Hubgraph lifts nothing else. containmentActions lists what it blocked.`;
    outcome.userErrors.push(userError(['input', 'ip'], outcome.message, 'NOT_FOUND'));
    return outcome.finish();
  }
  outcome.vpcId = first.vpcId;
  try {
    const { client } = await clientOf(ctx, scope);
    for (const block of blocks) await lift(client, block, request, outcome);
    settle(outcome, request, null);
  } catch (error) {
    failed(ctx, error, outcome, request);
  }
  return outcome.finish();
}

/** The fields both mutations share, checked; null (with the errors) when any is wrong. */
function validate(
  input: IpBlockInput | IpAllowInput,
  errors: UserErrorModel[],
  rest: Pick<Request, 'kind' | 'method' | 'protocol' | 'fromPort' | 'toPort' | 'egress' | 'requestedBy'>,
): (Omit<Request, 'cidr'> & { cidr: Cidr | undefined }) | null {
  const cidr = input.ip == null ? undefined : parseCidr(input.ip);
  if (cidr === null)
    errors.push(
      userError(
        ['input', 'ip'],
        `${quoteInput(input.ip)} is not an IPv4 or IPv6 address or CIDR block: write it as 203.0.113.7, 203.0.113.0/24 or 2001:db8::/64.`,
        'INVALID',
      ),
    );
  const reason = input.reason.trim();
  if (reason === '')
    errors.push(userError(['input', 'reason'], 'Say why (it is kept in the audit log).', 'REQUIRED'));
  else if (reason.length > MAX_REASON)
    errors.push(userError(['input', 'reason'], `At most ${MAX_REASON} characters.`, 'TOO_LONG'));
  const target = input.target ?? {};
  const formats: [keyof ContainmentTargetInput, RegExp, string][] = [
    ['accountId', /^\d{12}$/, 'a 12-digit account id'],
    ['region', /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'a Region such as us-east-1'],
    ['vpcId', /^vpc-[0-9a-f]{8,17}$/, 'a VPC id (vpc-…)'],
    ['networkAclId', /^acl-[0-9a-f]{8,17}$/, 'a network ACL id (acl-…)'],
    ['securityGroupId', /^sg-[0-9a-f]{8,17}$/, 'a security group id (sg-…)'],
  ];
  for (const [field, pattern, what] of formats) {
    const value = target[field];
    if (value != null && !pattern.test(value))
      errors.push(userError(['input', 'target', field], `${quoteInput(value)} is not ${what}.`, 'INVALID'));
  }
  if (errors.length > 0 || cidr === null) return null;
  return { ...rest, cidr, reason, dryRun: input.dryRun ?? false, target };
}

/**
 * The request checked, and where it acts: the finding (the tenant's, else not found), its connector,
 * and the address — given, or the one remote address the finding shows.
 */
async function resolve(
  ctx: TenantContext,
  input: IpBlockInput | IpAllowInput,
  errors: UserErrorModel[],
  rest: Parameters<typeof validate>[2],
): Promise<{ request: Request; scope: Scope } | null> {
  const checked = validate(input, errors, rest);
  if (!checked) return null;
  const scope = await scopeOf(ctx, input.findingId, checked.target, errors);
  if (!scope) return null;
  let cidr = checked.cidr;
  if (!cidr) {
    const addresses = [
      ...new Set(remoteAddressesOf(scope.finding.raw).flatMap((address) => parseCidr(address)?.text ?? [])),
    ];
    if (addresses.length !== 1) {
      errors.push(
        userError(
          ['input', 'ip'],
          addresses.length === 0
            ? "The finding shows no remote address (Network, or an action's RemoteIpDetails): give `ip`."
            : `The finding shows ${addresses.length} remote addresses (${addresses.join(', ')}): choose one with \`ip\`.`,
          'REQUIRED',
        ),
      );
      return null;
    }
    cidr = parseCidr(addresses[0]!)!;
  }
  return { request: { ...checked, cidr }, scope };
}

/** The finding (the tenant's, else "not found" as for any other id), its connector and where to act. */
async function scopeOf(
  ctx: TenantContext,
  findingId: string,
  target: ContainmentTargetInput,
  errors: UserErrorModel[],
): Promise<Scope | null> {
  const parsed = parseGlobalId(findingId);
  const key = parsed?.type === 'Finding' ? parsed.key : findingId;
  const finding = isUuid(key) ? await findingForContainment(ctx.db, ctx.tenantId, key) : undefined;
  if (!finding) {
    errors.push(
      userError(['input', 'findingId'], `No finding has the id ${quoteInput(findingId)}.`, 'NOT_FOUND'),
    );
    return null;
  }
  const connector = finding.connectorId ? await connectorById(ctx, finding.connectorId) : null;
  if (!connector) {
    errors.push(
      userError(
        ['input', 'findingId'],
        'The finding belongs to no connector (seeded, or its connector was deleted), so there is no identity to act in AWS with.',
        'NOT_ALLOWED',
      ),
    );
    return null;
  }
  if (!connector.containmentEnabled) {
    errors.push(
      userError(
        ['input', 'findingId'],
        `The finding comes from connector "${connector.name}", which does not have containment on: turn it on with connectorUpdate(input: { id: "${toGlobalId('Connector', connector.id)}", containmentEnabled: true }) (its role then needs the EC2 actions awsSetup lists; connectorTest checks them).`,
        'NOT_ALLOWED',
      ),
    );
    return null;
  }
  const accountId = target.accountId ?? finding.awsAccountId;
  const region = target.region ?? finding.region;
  const roleAccount = connector.roleArn?.split(':')[4] ?? connector.baseAccountId;
  if (roleAccount && roleAccount !== accountId) {
    errors.push(
      userError(
        target.accountId ? ['input', 'target', 'accountId'] : ['input', 'findingId'],
        `Connector "${connector.name}" acts in account ${roleAccount} (its role's), not ${accountId}: to contain in ${accountId}, use a finding of a connector whose role is in that account, with containment on.`,
        'NOT_ALLOWED',
      ),
    );
    return null;
  }
  return { finding, connector, accountId, region };
}

async function clientOf(ctx: TenantContext, scope: Scope) {
  return connectorEc2(ctx, scope.connector, scope.region);
}

/** The VPC to act in: the target's, else the one the finding's resources name. */
function vpcOf(request: Request, scope: Scope, outcome: Outcome): string | null {
  if (request.target.vpcId) return request.target.vpcId;
  const { vpcIds } = placementOf(scope.finding.raw);
  if (vpcIds.length === 1) return vpcIds[0]!;
  outcome.refuse(
    vpcIds.length === 0
      ? 'The finding names no VPC (no EC2 instance, subnet, security group or network ACL among its resources): give `target.vpcId`, `target.networkAclId` or `target.securityGroupId`.'
      : `The finding names ${vpcIds.length} VPCs (${vpcIds.join(', ')}): choose one with \`target.vpcId\`.`,
    ['input', 'target', 'vpcId'],
    'REQUIRED',
  );
  return null;
}

/** Refuses a block that covers any of the VPC's own CIDRs (it would cut the VPC off from itself) or the account's NAT gateway addresses. */
async function refuseOwnRange(
  client: EC2Client,
  vpcId: string,
  request: Request,
  outcome: Outcome,
): Promise<boolean> {
  const { Vpcs } = await outcome.send(client.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })));
  const vpc = Vpcs?.[0];
  const ranges = [
    ...(vpc?.CidrBlockAssociationSet ?? []).map((association) => association.CidrBlock),
    ...(vpc?.Ipv6CidrBlockAssociationSet ?? []).map((association) => association.Ipv6CidrBlock),
    vpc?.CidrBlock,
  ];
  for (const text of ranges) {
    const range = text ? parseCidr(text) : null;
    if (range && overlaps(range, request.cidr)) {
      outcome.refuse(
        `${request.cidr.text} overlaps ${range.text}, a CIDR of ${vpcId} itself: Hubgraph never blocks a VPC's own addresses. Block the outside address instead.`,
        ['input', 'ip'],
      );
      return true;
    }
  }
  // The account's NAT gateways (in any of its VPCs here): their public addresses are where its own
  // outbound traffic comes from, so blocking one cuts the account off from the answers it awaits.
  const { NatGateways } = await outcome.send(
    client.send(
      new DescribeNatGatewaysCommand({ Filter: [{ Name: 'state', Values: ['pending', 'available'] }] }),
    ),
  );
  for (const nat of NatGateways ?? []) {
    for (const address of nat.NatGatewayAddresses ?? []) {
      const own = address.PublicIp ? parseCidr(address.PublicIp) : null;
      if (own && overlaps(own, request.cidr)) {
        outcome.refuse(
          `${request.cidr.text} covers ${address.PublicIp}, the public address of the account's NAT gateway ${nat.NatGatewayId} (${nat.VpcId}): blocking it would cut the account's own outbound traffic off. Block the outside address instead.`,
          ['input', 'ip'],
        );
        return true;
      }
    }
  }
  return false;
}

const entryCidr = (entry: NetworkAclEntry) => entry.CidrBlock ?? entry.Ipv6CidrBlock;

/** Whether an entry denies exactly what the request blocks, in that direction. */
function deniesExactly(
  entry: NetworkAclEntry,
  request: {
    cidr: string;
    protocol: string;
    fromPort: number | null;
    toPort: number | null;
    egress: boolean;
  },
): boolean {
  const cidr = parseCidr(entryCidr(entry) ?? '');
  return (
    (entry.Egress ?? false) === request.egress &&
    entry.RuleAction === DENY &&
    cidr?.text === request.cidr &&
    entry.Protocol === request.protocol &&
    (entry.PortRange?.From ?? null) === request.fromPort &&
    (entry.PortRange?.To ?? null) === request.toPort
  );
}

/**
 * The highest free rule number of a direction below its first allow rule, so the deny is evaluated
 * first (each direction numbers its entries on its own).
 */
function freeRuleNumber(acl: NetworkAcl, egress: boolean): number | null {
  const entries = (acl.Entries ?? []).filter((entry) => (entry.Egress ?? false) === egress);
  const used = new Set(entries.map((entry) => entry.RuleNumber));
  const allows = entries.filter((entry) => entry.RuleAction === 'allow').map((entry) => entry.RuleNumber!);
  const ceiling = Math.min(MAX_RULE_NUMBER + 1, ...allows);
  for (let number = ceiling - 1; number >= 1; number--) if (!used.has(number)) return number;
  return null;
}

async function blockWithAcl(
  ctx: TenantContext,
  client: EC2Client,
  request: Request,
  scope: Scope,
  outcome: Outcome,
) {
  const placement = placementOf(scope.finding.raw);
  let acls: NetworkAcl[];
  const describe = async (input: DescribeNetworkAclsCommandInput) =>
    (await outcome.send(client.send(new DescribeNetworkAclsCommand(input)))).NetworkAcls ?? [];
  if (request.target.networkAclId) acls = await describe({ NetworkAclIds: [request.target.networkAclId] });
  else {
    const vpcId = vpcOf(request, scope, outcome);
    if (!vpcId) return;
    // The ACL of the finding's subnet when the finding names one in this VPC; else every ACL of the VPC.
    const bySubnet =
      placement.subnetIds.length > 0 && !request.target.vpcId
        ? await describe({
            Filters: [
              { Name: 'association.subnet-id', Values: placement.subnetIds },
              { Name: 'vpc-id', Values: [vpcId] },
            ],
          })
        : [];
    acls =
      bySubnet.length > 0 ? bySubnet : await describe({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] });
  }
  if (acls.length === 0) {
    outcome.refuse(
      'No network ACL found to add the entry to: name one with `target.networkAclId`.',
      ['input', 'target'],
      'NOT_FOUND',
    );
    return;
  }
  outcome.vpcId = acls[0]!.VpcId ?? null;
  if (outcome.vpcId && (await refuseOwnRange(client, outcome.vpcId, request, outcome))) return;

  const already: string[] = [];
  for (const [first, egress] of acls.flatMap((acl) =>
    request.egress.map((egress) => [acl, egress] as const),
  )) {
    let acl = first;
    const wanted = {
      cidr: request.cidr.text,
      protocol: request.protocol,
      fromPort: request.fromPort,
      toPort: request.toPort,
      egress,
    };
    // A concurrent change may take the number chosen: EC2 refuses it, the ACL is read again.
    for (let attempt = 0; ; attempt++) {
      if ((acl.Entries ?? []).some((entry) => deniesExactly(entry, wanted))) {
        already.push(`${acl.NetworkAclId} (${egress ? 'outbound' : 'inbound'})`);
        break;
      }
      const ruleNumber = freeRuleNumber(acl, egress);
      if (ruleNumber === null) {
        outcome.refuse(
          `${acl.NetworkAclId} has no free ${egress ? 'egress' : 'ingress'} rule number below its first allow rule, so a deny entry could not come first: renumber its allow rules (leave room below them) and try again.`,
          ['input', 'target', 'networkAclId'],
        );
        return;
      }
      const entry = {
        NetworkAclId: acl.NetworkAclId!,
        RuleNumber: ruleNumber,
        Protocol: request.protocol,
        RuleAction: DENY,
        Egress: egress,
        ...(request.cidr.version === 4
          ? { CidrBlock: request.cidr.text }
          : { Ipv6CidrBlock: request.cidr.text }),
        ...(request.fromPort !== null ? { PortRange: { From: request.fromPort, To: request.toPort! } } : {}),
        ...(request.protocol === '1' || request.protocol === '58'
          ? { IcmpTypeCode: { Type: -1, Code: -1 } }
          : {}),
      } as const;
      const change: ContainmentChangeModel = {
        operation: 'ADDED',
        resource: 'NETWORK_ACL_ENTRY',
        resourceId: acl.NetworkAclId!,
        ruleNumber,
        egress,
        ruleAction: DENY,
        cidr: request.cidr.text,
        protocol: request.protocol,
        fromPort: request.fromPort,
        toPort: request.toPort,
      };
      if (request.dryRun) {
        await dryRun(outcome, client.send(new CreateNetworkAclEntryCommand({ ...entry, DryRun: true })));
        await outcome.made(change);
        break;
      }
      try {
        await outcome.send(client.send(new CreateNetworkAclEntryCommand(entry)));
      } catch (error) {
        if ((error as Error).name === 'NetworkAclEntryAlreadyExists' && attempt < 3) {
          acl = (await describe({ NetworkAclIds: [acl.NetworkAclId!] }))[0] ?? acl;
          continue;
        }
        throw error;
      }
      await outcome.made(change, {
        connectorId: scope.connector.id,
        awsAccountId: scope.accountId,
        region: scope.region,
        vpcId: acl.VpcId!,
        kind: 'NETWORK_ACL_ENTRY',
        resourceId: acl.NetworkAclId!,
        ruleNumber,
        egress,
        cidr: request.cidr.text,
        protocol: request.protocol,
        fromPort: request.fromPort,
        toPort: request.toPort,
      });
      break;
    }
  }
  settle(
    outcome,
    request,
    already.length > 0 ? `${already.join(', ')} already deny ${request.cidr.text}` : null,
  );
  ctx.log.info({ result: outcome.result, changes: outcome.changes.length }, 'ipBlock');
}

/** A security-group rule as the block holds it: one range of one permission. */
interface GroupRule {
  groupId: string;
  permission: IpPermission;
}

function matchingRules(group: SecurityGroup, request: Request): GroupRule[] {
  const rules: GroupRule[] = [];
  for (const permission of group.IpPermissions ?? []) {
    const protocol = permission.IpProtocol ?? '-1';
    const protocolMatches =
      request.protocol === '-1' ||
      protocol === '-1' ||
      protocol === GROUP_PROTOCOL[request.protocol] ||
      protocol === request.protocol;
    const portsMatch =
      request.fromPort === null ||
      permission.FromPort === undefined ||
      (permission.FromPort <= request.toPort! &&
        (permission.ToPort ?? permission.FromPort) >= request.fromPort);
    if (!protocolMatches || !portsMatch) continue;
    const base = {
      IpProtocol: permission.IpProtocol,
      FromPort: permission.FromPort,
      ToPort: permission.ToPort,
    };
    for (const range of permission.IpRanges ?? [])
      if (parseCidr(range.CidrIp ?? '')?.text === request.cidr.text)
        rules.push({ groupId: group.GroupId!, permission: { ...base, IpRanges: [range] } });
    for (const range of permission.Ipv6Ranges ?? [])
      if (parseCidr(range.CidrIpv6 ?? '')?.text === request.cidr.text)
        rules.push({ groupId: group.GroupId!, permission: { ...base, Ipv6Ranges: [range] } });
  }
  return rules;
}

async function blockWithGroups(client: EC2Client, request: Request, scope: Scope, outcome: Outcome) {
  const placement = placementOf(scope.finding.raw);
  const describe = async (input: DescribeSecurityGroupsCommandInput) =>
    (await outcome.send(client.send(new DescribeSecurityGroupsCommand(input)))).SecurityGroups ?? [];
  let groups: SecurityGroup[];
  if (request.target.securityGroupId) groups = await describe({ GroupIds: [request.target.securityGroupId] });
  else if (placement.securityGroupIds.length > 0 && !request.target.vpcId)
    groups = await describe({ GroupIds: placement.securityGroupIds });
  else {
    const vpcId = vpcOf(request, scope, outcome);
    if (!vpcId) return;
    groups = await describe({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] });
  }
  outcome.vpcId = groups[0]?.VpcId ?? request.target.vpcId ?? null;
  if (outcome.vpcId && (await refuseOwnRange(client, outcome.vpcId, request, outcome))) return;
  const rules = groups.flatMap((group) => matchingRules(group, request));
  if (rules.length === 0) {
    outcome.message = `No ingress rule of ${groups.map((group) => group.GroupId).join(', ') || 'the security groups'} lets exactly ${request.cidr.text} in, so there is nothing to remove. Security groups cannot deny: use \`method: NETWORK_ACL\` to block it.`;
    return;
  }
  for (const rule of rules) {
    const command = { GroupId: rule.groupId, IpPermissions: [rule.permission] };
    const change: ContainmentChangeModel = {
      operation: 'REMOVED',
      resource: 'SECURITY_GROUP_RULE',
      resourceId: rule.groupId,
      ruleNumber: null,
      egress: false,
      ruleAction: 'allow',
      cidr: request.cidr.text,
      protocol: numberOfGroupProtocol(rule.permission.IpProtocol),
      fromPort: rule.permission.FromPort ?? null,
      toPort: rule.permission.ToPort ?? null,
    };
    if (request.dryRun) {
      await dryRun(outcome, client.send(new RevokeSecurityGroupIngressCommand({ ...command, DryRun: true })));
      await outcome.made(change);
      continue;
    }
    await outcome.send(client.send(new RevokeSecurityGroupIngressCommand(command)));
    await outcome.made(change, {
      connectorId: scope.connector.id,
      awsAccountId: scope.accountId,
      region: scope.region,
      vpcId: groups.find((group) => group.GroupId === rule.groupId)?.VpcId ?? outcome.vpcId ?? '',
      kind: 'SECURITY_GROUP_RULE',
      resourceId: rule.groupId,
      ruleNumber: null,
      cidr: request.cidr.text,
      protocol: change.protocol,
      fromPort: change.fromPort,
      toPort: change.toPort,
      rule: rule.permission as Record<string, unknown>,
    });
  }
  settle(outcome, request, null);
}

function numberOfGroupProtocol(protocol: string | undefined): string {
  const entry = Object.entries(GROUP_PROTOCOL).find(([, name]) => name === protocol);
  return entry ? entry[0] : (protocol ?? '-1');
}

/** Undoes one block: deletes Hubgraph's ACL entry (if it is still Hubgraph's), or restores the rule it removed. */
async function lift(client: EC2Client, block: ContainmentBlockRow, request: Request, outcome: Outcome) {
  if (block.kind === 'NETWORK_ACL_ENTRY') {
    const change: ContainmentChangeModel = {
      operation: 'REMOVED',
      resource: 'NETWORK_ACL_ENTRY',
      resourceId: block.resourceId,
      ruleNumber: block.ruleNumber,
      egress: block.egress,
      ruleAction: DENY,
      cidr: block.cidr,
      protocol: block.protocol,
      fromPort: block.fromPort,
      toPort: block.toPort,
    };
    const command = { NetworkAclId: block.resourceId, RuleNumber: block.ruleNumber!, Egress: block.egress };
    if (request.dryRun) {
      await dryRun(outcome, client.send(new DeleteNetworkAclEntryCommand({ ...command, DryRun: true })));
      await outcome.made(change);
      return;
    }
    const { NetworkAcls } = await outcome.send(
      client.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [block.resourceId] })),
    );
    const entry = (NetworkAcls?.[0]?.Entries ?? []).find(
      (candidate) =>
        (candidate.Egress ?? false) === block.egress && candidate.RuleNumber === block.ruleNumber,
    );
    if (entry && deniesExactly(entry, block)) {
      await outcome.send(client.send(new DeleteNetworkAclEntryCommand(command)));
      await outcome.lifted(block.id, change);
      return;
    }
    // Someone removed or replaced Hubgraph's entry: what is there now is not Hubgraph's to delete.
    outcome.message = `${outcome.message ? `${outcome.message} ` : ''}${block.egress ? 'Egress' : 'Ingress'} rule ${block.ruleNumber} of ${block.resourceId} ${entry ? 'now holds another entry, left as it is' : 'was already gone'}.`;
    await outcome.lifted(block.id);
    return;
  }
  const permission = block.rule as IpPermission;
  const change: ContainmentChangeModel = {
    operation: 'ADDED',
    resource: 'SECURITY_GROUP_RULE',
    resourceId: block.resourceId,
    ruleNumber: null,
    egress: false,
    ruleAction: 'allow',
    cidr: block.cidr,
    protocol: block.protocol,
    fromPort: block.fromPort,
    toPort: block.toPort,
  };
  const command = { GroupId: block.resourceId, IpPermissions: [permission] };
  if (request.dryRun) {
    await dryRun(
      outcome,
      client.send(new AuthorizeSecurityGroupIngressCommand({ ...command, DryRun: true })),
    );
    await outcome.made(change);
    return;
  }
  try {
    await outcome.send(client.send(new AuthorizeSecurityGroupIngressCommand(command)));
  } catch (error) {
    // Someone put the rule back already: the group is as it was.
    if ((error as Error).name !== 'InvalidPermission.Duplicate') throw error;
    outcome.message = `${outcome.message ? `${outcome.message} ` : ''}The rule of ${block.resourceId} for ${block.cidr} was already back.`;
    await outcome.lifted(block.id);
    return;
  }
  await outcome.lifted(block.id, change);
}

/** EC2's DryRun: DryRunOperation means the request would have succeeded; anything else is thrown. */
async function dryRun(
  outcome: Outcome,
  promise: Promise<{ $metadata: { requestId?: string } }>,
): Promise<void> {
  try {
    await outcome.send(promise);
  } catch (error) {
    if ((error as Error).name === 'DryRunOperation') return;
    throw error;
  }
  throw new AwsRefusal('EC2 carried out a request sent with DryRun; nothing else was sent.');
}

function settle(outcome: Outcome, request: Request, already: string | null) {
  if (outcome.result === 'REFUSED') return;
  if (request.dryRun) {
    outcome.result = 'DRY_RUN';
    outcome.message =
      outcome.changes.length > 0
        ? `EC2's DryRun says the ${outcome.changes.length} change(s) would succeed; nothing was changed.`
        : `Nothing would change${already ? `: ${already}` : ''}.`;
    return;
  }
  outcome.result = outcome.changes.length > 0 ? 'APPLIED' : 'UNCHANGED';
  if (already)
    outcome.message = `${already} (an entry with the same range, protocol and ports); nothing was added there.`;
}

/** What an error from AWS (or reaching it) means for the action: FAILED, with the way out. */
function failed(ctx: TenantContext, error: unknown, outcome: Outcome, request: Request) {
  const e = error as { name?: string; message?: string };
  ctx.log.warn({ err: errorSummary(error) }, 'containment action failed');
  outcome.result = 'FAILED';
  outcome.awsErrorCode = error instanceof AwsRefusal ? null : (e.name ?? 'Error');
  const permission = /ec2:\w+/.exec(e.message ?? '')?.[0];
  if (e.name === 'UnauthorizedOperation') {
    outcome.message = `EC2 refused${request.dryRun ? ' (dry run)' : ''}: ${e.message} Allow ${permission ?? 'the EC2 actions awsSetup lists'} in the connector role's permissions policy (awsSetup.permissionsPolicy with containment on), then run connectorTest.`;
    outcome.userErrors.push(userError(['input'], outcome.message, 'NOT_ALLOWED'));
  } else if ((e.name ?? '').includes('NotFound')) {
    outcome.message = `EC2: ${e.message} Check the ids in \`target\` (they must be in account and Region of the action).`;
    outcome.userErrors.push(userError(['input', 'target'], outcome.message, 'NOT_FOUND'));
  } else {
    outcome.message = `${e.name ?? 'Error'}: ${e.message ?? String(error)}${outcome.changes.length > 0 ? ` (after ${outcome.changes.length} change(s), listed in \`changes\`)` : ''}`;
  }
}
