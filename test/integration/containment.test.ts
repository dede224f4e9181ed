import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConnector, updateConnector } from '../../src/connectors/service.ts';
import { listContainmentActions } from '../../src/containment/queries.ts';
import { ipAllow, ipBlock } from '../../src/containment/service.ts';
import { type TenantContext, tenantContext } from '../../src/context.ts';
import type { Database } from '../../src/db/client.ts';
import { containmentBlocks, findings } from '../../src/db/schema.ts';
import type { Network } from '../../src/emulator/ec2/store.ts';
import type { IpAllowInput, IpBlockInput } from '../../src/generated/graphql.ts';
import { toGlobalId } from '../../src/global-id.ts';
import { permissionsPolicy } from '../../src/onboarding/aws-setup.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { type SyncHarness, startSyncHarness } from '../support/sync.ts';

// ipBlock and ipAllow against the emulator through the real @aws-sdk/client-ec2: what the network
// ACLs and security groups hold afterwards, what Hubgraph recorded, and every refusal.

let database: Database;
let sync: SyncHarness;
let connectorId: string;
let network: Network;
let accountId: string;
const REGION = 'us-east-1';
let instanceFinding: string;
let groupFinding: string;
let farFinding: string;
let guardDutyFinding: string;

/** A finding about an EC2 instance in the `prod` VPC's subnet, or about the `web` security group. */
function aFinding(base: AwsSecurityFinding, id: string, resource: 'instance' | 'group' | 'elsewhere') {
  const prod = [...network.vpcs.values()].find((vpc) => !vpc.isDefault)!;
  const acl = [...network.networkAcls.values()].find(
    (candidate) => candidate.vpcId === prod.vpcId && !candidate.isDefault,
  )!;
  const web = [...network.securityGroups.values()].find((group) => group.groupName === 'web')!;
  const resources =
    resource === 'instance'
      ? [
          {
            Type: 'AwsEc2Instance',
            Id: `arn:aws:ec2:${REGION}:${accountId}:instance/i-0123456789abcdef0`,
            Region: REGION,
            Details: { AwsEc2Instance: { VpcId: prod.vpcId, SubnetId: acl.subnetIds[0] } },
          },
        ]
      : resource === 'group'
        ? [
            {
              Type: 'AwsEc2SecurityGroup',
              Id: `arn:aws:ec2:${REGION}:${accountId}:security-group/${web.groupId}`,
              Region: REGION,
              Details: { AwsEc2SecurityGroup: { GroupId: web.groupId, VpcId: prod.vpcId, GroupName: 'web' } },
            },
          ]
        : [{ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::some-bucket', Region: REGION }];
  return {
    ...base,
    Id: `${base.Id}/${id}`,
    AwsAccountId: accountId,
    Region: REGION,
    Title: `Recon from a hostile address (${id})`,
    UpdatedAt: new Date(sync.emulator.emulator.clock.now().getTime() - 1000).toISOString(),
    Resources: resources,
  };
}

beforeAll(async () => {
  database = await openTestDatabase();
  sync = await startSyncHarness(database, { emulator: { findings: 10, seed: 31, regions: [REGION] } });
  accountId = sync.emulator.accounts[0]!;
  network = sync.emulator.emulator.ec2.network(accountId, REGION);
  const connector = await sync.createConnector({ containmentEnabled: true });
  connectorId = connector.id;
  // As the account owner would: the role gets awsSetup's permissions policy, containment included.
  await sync.emulator.admin('PUT', '/_emulator/roles/policy', {
    roleArn: sync.emulator.roles[0]!.arn,
    policyDocument: permissionsPolicy(false, { containment: true }),
  });
  const base = [...sync.inSecurityHub().values()][0]!;
  const made = [
    aFinding(base, 'instance', 'instance'),
    aFinding(base, 'group', 'group'),
    aFinding(base, 'elsewhere', 'elsewhere'),
    {
      ...aFinding(base, 'guardduty', 'instance'),
      Network: { Direction: 'IN', Protocol: 'TCP', SourceIpV4: '198.51.100.201', DestinationPort: 22 },
    },
  ];
  await sync.emulator.admin('POST', '/_emulator/findings', { findings: made });
  expect((await sync.run(connectorId)).run.status).toBe('SUCCEEDED');
  const idOf = async (awsId: string) =>
    (
      await database.db
        .select({ id: findings.id })
        .from(findings)
        .where(and(eq(findings.tenantId, sync.ctx.tenantId), eq(findings.awsId, awsId)))
    )[0]!.id;
  instanceFinding = toGlobalId('Finding', await idOf(made[0]!.Id));
  groupFinding = await idOf(made[1]!.Id);
  farFinding = await idOf(made[2]!.Id);
  guardDutyFinding = await idOf(made[3]!.Id);
}, 120_000);

afterAll(async () => {
  await sync?.close();
  await database?.close();
});

const prodAcl = () =>
  [...network.networkAcls.values()].find(
    (acl) => !acl.isDefault && acl.vpcId !== [...network.vpcs.values()][0]!.vpcId,
  )!;
const webGroup = () => [...network.securityGroups.values()].find((group) => group.groupName === 'web')!;
const snapshot = <T>(value: T): T => structuredClone(value);

function block(input: Partial<IpBlockInput> = {}, ctx: TenantContext = sync.ctx) {
  return ipBlock(
    ctx,
    { findingId: instanceFinding, ip: '203.0.113.66', reason: 'port scan from it (case 7)', ...input },
    'alice',
  );
}
function allow(input: Partial<IpAllowInput> = {}, ctx: TenantContext = sync.ctx) {
  return ipAllow(
    ctx,
    { findingId: instanceFinding, ip: '203.0.113.66', reason: 'false positive', ...input },
    'bob',
  );
}

describe('ipBlock and ipAllow with a network ACL', () => {
  it('adds a deny entry below the allow rules, and the allow leaves the ACL exactly as before', async () => {
    const before = snapshot(prodAcl().entries);
    const blocked = await block({ protocol: 'TCP', ports: { from: 22, to: 22 } });
    expect(blocked.userErrors).toEqual([]);
    expect(blocked.action).toMatchObject({
      result: 'APPLIED',
      kind: 'BLOCK',
      cidr: '203.0.113.66/32',
      protocol: '6',
      requestedBy: 'alice',
      vpcId: [...network.vpcs.values()][1]!.vpcId,
    });
    expect(blocked.action!.changes).toEqual([
      {
        operation: 'ADDED',
        resource: 'NETWORK_ACL_ENTRY',
        resourceId: prodAcl().networkAclId,
        ruleNumber: 99,
        egress: false,
        ruleAction: 'deny',
        cidr: '203.0.113.66/32',
        protocol: '6',
        fromPort: 22,
        toPort: 22,
      },
    ]);
    const added = prodAcl().entries.filter(
      (entry) => !before.some((old) => old.ruleNumber === entry.ruleNumber && old.egress === entry.egress),
    );
    expect(added).toEqual([
      {
        ruleNumber: 99,
        protocol: '6',
        ruleAction: 'deny',
        egress: false,
        cidrBlock: '203.0.113.66/32',
        portRange: { from: 22, to: 22 },
      },
    ]);
    // Every entry that was there is still there.
    for (const entry of before) expect(prodAcl().entries).toContainEqual(entry);

    const allowed = await allow();
    expect(allowed.userErrors).toEqual([]);
    expect(allowed.action).toMatchObject({ result: 'APPLIED', kind: 'ALLOW', requestedBy: 'bob' });
    expect(allowed.action!.changes).toEqual([{ ...blocked.action!.changes[0], operation: 'REMOVED' }]);
    expect(prodAcl().entries).toEqual(before);
    // Nothing of Hubgraph's is left to lift.
    expect((await allow()).userErrors[0]).toMatchObject({ code: 'NOT_FOUND', field: ['input', 'ip'] });
  });

  it('is idempotent: blocking twice adds one entry', async () => {
    const before = snapshot(prodAcl().entries);
    const first = await block({ ip: '198.51.100.23' });
    const second = await block({ ip: '198.51.100.23/32' });
    expect(first.action!.result).toBe('APPLIED');
    expect(second.action!.result).toBe('UNCHANGED');
    expect(second.action!.changes).toEqual([]);
    expect(second.action!.message).toContain('already deny 198.51.100.23/32');
    expect(prodAcl().entries.length).toBe(before.length + 1);
    await allow({ ip: '198.51.100.23' });
    expect(prodAcl().entries).toEqual(before);
  });

  it('blocks both directions with an ingress and an egress entry, each below its own allow rules', async () => {
    const before = snapshot(prodAcl().entries);
    const blocked = await block({ ip: '198.51.100.60', direction: 'BOTH' });
    expect(blocked.action!.changes.map((change) => [change.egress, change.ruleNumber])).toEqual([
      [false, 99],
      [true, 99],
    ]);
    expect(prodAcl().entries).toContainEqual({
      ruleNumber: 99,
      protocol: '-1',
      ruleAction: 'deny',
      egress: true,
      cidrBlock: '198.51.100.60/32',
    });
    expect((await block({ ip: '198.51.100.60', direction: 'OUTBOUND' })).action!.result).toBe('UNCHANGED');
    const allowed = await allow({ ip: '198.51.100.60' });
    expect(allowed.action!.changes.map((change) => change.egress)).toEqual([false, true]);
    expect(prodAcl().entries).toEqual(before);
    const refused = await block({ ip: '198.51.100.60', direction: 'OUTBOUND', method: 'SECURITY_GROUP' });
    expect(refused.userErrors[0]).toMatchObject({ field: ['input', 'direction'], code: 'INVALID' });
  });

  it("blocks the finding's own remote address when no ip is given", async () => {
    const before = snapshot(prodAcl().entries);
    const blocked = await block({ findingId: guardDutyFinding, ip: undefined });
    expect(blocked.action).toMatchObject({ result: 'APPLIED', cidr: '198.51.100.201/32' });
    const allowed = await allow({ findingId: guardDutyFinding, ip: undefined });
    expect(allowed.action).toMatchObject({ result: 'APPLIED', cidr: '198.51.100.201/32' });
    expect(prodAcl().entries).toEqual(before);
    const none = await block({ findingId: farFinding, ip: undefined });
    expect(none).toEqual({
      action: null,
      userErrors: [expect.objectContaining({ field: ['input', 'ip'], code: 'REQUIRED' })],
    });
  });

  it('adds one entry when the same block is asked for twice at once', async () => {
    const before = snapshot(prodAcl().entries);
    const results = await Promise.all([block({ ip: '198.51.100.44' }), block({ ip: '198.51.100.44' })]);
    expect(results.map((result) => result.action!.result).sort()).toEqual(['APPLIED', 'UNCHANGED']);
    expect(prodAcl().entries.length).toBe(before.length + 1);
    await allow({ ip: '198.51.100.44' });
    expect(prodAcl().entries).toEqual(before);
  });

  it('blocks ICMP with every type and code, and two blocks take the next free numbers down', async () => {
    const before = snapshot(prodAcl().entries);
    const icmp = await block({ ip: '198.51.100.50', protocol: 'ICMP' });
    const tcp = await block({ ip: '198.51.100.51', protocol: 'TCP' });
    expect(icmp.action!.changes[0]).toMatchObject({ ruleNumber: 99, protocol: '1', fromPort: null });
    expect(tcp.action!.changes[0]).toMatchObject({
      ruleNumber: 98,
      protocol: '6',
      fromPort: 0,
      toPort: 65535,
    });
    expect(prodAcl().entries).toContainEqual({
      ruleNumber: 99,
      protocol: '1',
      ruleAction: 'deny',
      egress: false,
      cidrBlock: '198.51.100.50/32',
      icmpTypeCode: { code: -1, type: -1 },
    });
    await allow({ ip: '198.51.100.50' });
    await allow({ ip: '198.51.100.51' });
    expect(prodAcl().entries).toEqual(before);
  });

  it('keeps what AWS did before it failed part way, so the allow lifts it', async () => {
    const prod = [...network.vpcs.values()].find((vpc) => !vpc.isDefault)!;
    const acls = [...network.networkAcls.values()].filter((acl) => acl.vpcId === prod.vpcId);
    const before = acls.map((acl) => snapshot(acl.entries));
    // The custom ACL is full (20 entries per direction), so EC2 refuses the second entry.
    const filler = Array.from({ length: 18 }, (_, i) => ({
      ruleNumber: 200 + i,
      protocol: '-1',
      ruleAction: 'deny' as const,
      egress: false,
      cidrBlock: `192.0.2.${i}/32`,
    }));
    prodAcl().entries.push(...filler);
    try {
      const blocked = await block({ ip: '198.51.100.77', target: { vpcId: prod.vpcId } });
      expect(blocked.action).toMatchObject({
        result: 'FAILED',
        awsErrorCode: 'NetworkAclEntryLimitExceeded',
      });
      expect(blocked.action!.changes).toHaveLength(1);
      expect(blocked.action!.message).toContain('after 1 change(s)');
      const held = await database.db
        .select()
        .from(containmentBlocks)
        .where(eq(containmentBlocks.blockActionId, blocked.action!.id));
      expect(held.map((row) => [row.resourceId, row.status])).toEqual([[acls[0]!.networkAclId, 'ACTIVE']]);
    } finally {
      for (const entry of filler) prodAcl().entries.splice(prodAcl().entries.indexOf(entry), 1);
    }
    const allowed = await allow({ ip: '198.51.100.77' });
    expect(allowed.action!.result).toBe('APPLIED');
    expect(acls.map((acl) => acl.entries)).toEqual(before);
  });

  it('keeps allowing only what Hubgraph added: an entry another hand put there stays', async () => {
    const foreign = {
      ruleNumber: 50,
      protocol: '-1',
      ruleAction: 'deny' as const,
      egress: false,
      cidrBlock: '192.0.2.99/32',
    };
    prodAcl().entries.push(foreign);
    try {
      const blocked = await block({ ip: '192.0.2.99' });
      expect(blocked.action!.result).toBe('UNCHANGED');
      const allowed = await allow({ ip: '192.0.2.99' });
      expect(allowed.userErrors[0]!.code).toBe('NOT_FOUND');
      expect(prodAcl().entries).toContainEqual(foreign);
    } finally {
      prodAcl().entries.splice(prodAcl().entries.indexOf(foreign), 1);
    }
  });

  it("a dry run asks EC2's DryRun, records what would change, and changes nothing", async () => {
    const before = snapshot(prodAcl().entries);
    const dry = await block({ ip: '203.0.113.0/24', dryRun: true });
    expect(dry.userErrors).toEqual([]);
    expect(dry.action).toMatchObject({ result: 'DRY_RUN', dryRun: true });
    expect(dry.action!.changes).toHaveLength(1);
    expect(dry.action!.awsRequestIds.length).toBeGreaterThanOrEqual(3);
    expect(dry.action!.message).toContain('nothing was changed');
    expect(prodAcl().entries).toEqual(before);
    const held = await database.db
      .select()
      .from(containmentBlocks)
      .where(eq(containmentBlocks.blockActionId, dry.action!.id));
    expect(held).toEqual([]);
  });

  it('blocks an IPv6 range in the VPC a target names', async () => {
    const defaultVpc = [...network.vpcs.values()].find((vpc) => vpc.isDefault)!;
    const acl = [...network.networkAcls.values()].find((candidate) => candidate.vpcId === defaultVpc.vpcId)!;
    const before = snapshot(acl.entries);
    const blocked = await block({ ip: '2001:DB8:0:0::/64', target: { vpcId: defaultVpc.vpcId } });
    expect(blocked.action).toMatchObject({
      result: 'APPLIED',
      cidr: '2001:db8::/64',
      vpcId: defaultVpc.vpcId,
    });
    expect(acl.entries).toContainEqual({
      ruleNumber: 99,
      protocol: '-1',
      ruleAction: 'deny',
      egress: false,
      ipv6CidrBlock: '2001:db8::/64',
    });
    await allow({ ip: '2001:db8::/64', target: { vpcId: defaultVpc.vpcId } });
    expect(acl.entries).toEqual(before);
  });
});

describe('refusals', () => {
  it('refuses a private range unless confirmed, and records the refusal', async () => {
    const before = snapshot(prodAcl().entries);
    const refused = await block({ ip: '172.20.1.0/24' });
    expect(refused.userErrors).toEqual([
      expect.objectContaining({
        code: 'NOT_ALLOWED',
        field: ['input', 'ip'],
        message: expect.stringContaining('confirmPrivateRange: true'),
      }),
    ]);
    expect(refused.action).toMatchObject({ result: 'REFUSED', awsRequestIds: [], changes: [] });
    expect(prodAcl().entries).toEqual(before);

    const confirmed = await block({ ip: '172.20.1.0/24', confirmPrivateRange: true });
    expect(confirmed.action!.result).toBe('APPLIED');
    await allow({ ip: '172.20.1.0/24' });
    expect(prodAcl().entries).toEqual(before);
  });

  it("always refuses the VPC's own CIDRs, confirmed or not", async () => {
    const before = snapshot(prodAcl().entries);
    for (const ip of ['10.0.3.4', '10.0.0.0/8']) {
      const refused = await block({ ip, confirmPrivateRange: true });
      expect(refused.action!.result).toBe('REFUSED');
      expect(refused.userErrors[0]!.message).toContain('10.0.0.0/16, a CIDR of');
    }
    expect(prodAcl().entries).toEqual(before);
  });

  it("always refuses the account's NAT gateway addresses, confirmed or not", async () => {
    const before = snapshot(prodAcl().entries);
    const nat = [...network.natGateways.values()][0]!;
    const publicIp = nat.addresses[0]!.publicIp;
    for (const ip of [publicIp, `${publicIp.split('.').slice(0, 3).join('.')}.0/24`]) {
      const refused = await block({ ip, confirmPrivateRange: true });
      expect(refused.action!.result).toBe('REFUSED');
      expect(refused.userErrors[0]!.message).toContain(
        `${publicIp}, the public address of the account's NAT gateway ${nat.natGatewayId}`,
      );
    }
    expect(prodAcl().entries).toEqual(before);
  });

  it("refuses another tenant's finding exactly like a missing one, and logs nothing for either tenant", async () => {
    const other = tenantContext(sync.app, await newTenant(database, 'other'));
    const before = snapshot(prodAcl().entries);
    const theirs = await block({}, other);
    const missing = await block(
      { findingId: toGlobalId('Finding', '00000000-0000-4000-8000-000000000000') },
      other,
    );
    expect(theirs).toEqual({
      action: null,
      userErrors: [expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'findingId'] })],
    });
    expect(theirs.userErrors[0]!.message.replace(/"[^"]+"/, 'ID')).toBe(
      missing.userErrors[0]!.message.replace(/"[^"]+"/, 'ID'),
    );
    expect((await allow({}, other)).userErrors[0]!.code).toBe('NOT_FOUND');
    expect((await listContainmentActions(database.db, other.tenantId, {}, undefined)).edges).toEqual([]);
    expect(prodAcl().entries).toEqual(before);
  });

  it('refuses without containment on the connector, and says how to turn it on', async () => {
    await updateConnector(sync.ctx, { id: connectorId, containmentEnabled: false });
    try {
      const refused = await block();
      expect(refused.action).toBeNull();
      expect(refused.userErrors[0]).toMatchObject({
        code: 'NOT_ALLOWED',
        message: expect.stringContaining('containmentEnabled: true'),
      });
    } finally {
      await updateConnector(sync.ctx, { id: connectorId, containmentEnabled: true });
    }
  });

  it('asks for a VPC when the finding names none', async () => {
    const refused = await block({ findingId: farFinding });
    expect(refused.action!.result).toBe('REFUSED');
    expect(refused.userErrors[0]).toMatchObject({ code: 'REQUIRED', field: ['input', 'target', 'vpcId'] });
  });

  it("reports EC2's refusal (UnauthorizedOperation), in a dry run too, with the permission to add", async () => {
    const roleArn = sync.emulator.roles[0]!.arn;
    await sync.emulator.admin('PUT', '/_emulator/roles/policy', {
      roleArn,
      policyDocument: permissionsPolicy(false),
    });
    try {
      for (const dryRun of [false, true]) {
        const refused = await block({ dryRun });
        expect(refused.action).toMatchObject({
          result: 'FAILED',
          awsErrorCode: 'UnauthorizedOperation',
          changes: [],
        });
        expect(refused.action!.awsRequestIds).toHaveLength(1);
        expect(refused.userErrors[0]).toMatchObject({
          code: 'NOT_ALLOWED',
          message: expect.stringContaining('ec2:DescribeNetworkAcls'),
        });
      }
    } finally {
      await sync.emulator.admin('PUT', '/_emulator/roles/policy', {
        roleArn,
        policyDocument: permissionsPolicy(false, { containment: true }),
      });
    }
  });

  it('rejects bad input before anything else', async () => {
    const payload = await block({
      ip: '300.1.1.1',
      reason: ' ',
      protocol: 'ALL',
      ports: { from: 1, to: 2 },
      target: { vpcId: 'vpc-x' },
    });
    expect(payload.action).toBeNull();
    expect(payload.userErrors.map((error) => error.field.join('.')).sort()).toEqual([
      'input.ip',
      'input.ports',
      'input.reason',
      'input.target.vpcId',
    ]);
  });
});

describe('ipBlock with method SECURITY_GROUP', () => {
  it('removes the rule that lets exactly the address in, and the allow puts it back as it was', async () => {
    const before = snapshot(webGroup().ingress);
    const blocked = await ipBlock(
      sync.ctx,
      { findingId: groupFinding, ip: '198.51.100.7', method: 'SECURITY_GROUP', reason: 'RDP brute force' },
      'alice',
    );
    expect(blocked.userErrors).toEqual([]);
    expect(blocked.action).toMatchObject({ result: 'APPLIED', method: 'SECURITY_GROUP' });
    expect(blocked.action!.changes).toEqual([
      {
        operation: 'REMOVED',
        resource: 'SECURITY_GROUP_RULE',
        resourceId: webGroup().groupId,
        ruleNumber: null,
        egress: false,
        ruleAction: 'allow',
        cidr: '198.51.100.7/32',
        protocol: '6',
        fromPort: 3389,
        toPort: 3389,
      },
    ]);
    expect(webGroup().ingress.map((permission) => permission.fromPort)).toEqual([443, 22]);

    const again = await ipBlock(
      sync.ctx,
      { findingId: groupFinding, ip: '198.51.100.7', method: 'SECURITY_GROUP', reason: 'again' },
      'alice',
    );
    expect(again.action!.result).toBe('UNCHANGED');
    expect(again.action!.message).toContain('use `method: NETWORK_ACL`');

    const allowed = await ipAllow(
      sync.ctx,
      { findingId: groupFinding, ip: '198.51.100.7', reason: 'contract renewed' },
      'bob',
    );
    expect(allowed.action).toMatchObject({ result: 'APPLIED', method: 'SECURITY_GROUP' });
    expect(allowed.action!.changes[0]).toMatchObject({ operation: 'ADDED', resource: 'SECURITY_GROUP_RULE' });
    expect(
      webGroup()
        .ingress.map((permission) => permission.fromPort)
        .sort(),
    ).toEqual([22, 3389, 443]);
    expect(new Set(webGroup().ingress.map((permission) => JSON.stringify(permission)))).toEqual(
      new Set(before.map((permission) => JSON.stringify(permission))),
    );
  });
});

describe('the audit log', () => {
  it('holds every action, newest first, with who, why, what changed and the AWS request ids', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const since = Date.now();
    const ip = '192.0.2.201';
    const roleArn = sync.emulator.roles[0]!.arn;
    await block({ ip, dryRun: true, reason: 'first look' });
    await block({ ip, reason: 'scanner' });
    await block({ ip, reason: 'scanner, again' });
    await block({ ip: '10.99.0.0/16', reason: 'internal scanner' });
    await sync.emulator.admin('PUT', '/_emulator/roles/policy', {
      roleArn,
      policyDocument: permissionsPolicy(false),
    });
    try {
      await allow({ ip, reason: 'too early' });
    } finally {
      await sync.emulator.admin('PUT', '/_emulator/roles/policy', {
        roleArn,
        policyDocument: permissionsPolicy(false, { containment: true }),
      });
    }
    await allow({ ip, reason: 'done' });

    const page = await listContainmentActions(database.db, sync.ctx.tenantId, { first: 500 }, undefined);
    const mine = page.nodes.filter((node) => node.createdAt.getTime() >= since);
    expect(mine.map((node) => [node.kind, node.result, node.reason, node.requestedBy])).toEqual([
      ['ALLOW', 'APPLIED', 'done', 'bob'],
      ['ALLOW', 'FAILED', 'too early', 'bob'],
      ['BLOCK', 'REFUSED', 'internal scanner', 'alice'],
      ['BLOCK', 'UNCHANGED', 'scanner, again', 'alice'],
      ['BLOCK', 'APPLIED', 'scanner', 'alice'],
      ['BLOCK', 'DRY_RUN', 'first look', 'alice'],
    ]);
    const [lifted, failed, refused, unchanged, applied, dry] = mine;
    for (const action of [lifted, failed, unchanged, applied, dry])
      expect(
        action!.awsRequestIds.every((id) => /^[0-9a-f-]{36}$/.test(id)) && action!.awsRequestIds.length > 0,
      ).toBe(true);
    expect(refused!.awsRequestIds).toEqual([]);
    expect(failed!.awsErrorCode).toBe('UnauthorizedOperation');
    expect(applied!.changes).toEqual(dry!.changes);
    expect(lifted!.changes).toEqual([{ ...(applied!.changes[0] as object), operation: 'REMOVED' }]);
    expect(mine.every((node) => node.awsAccountId === accountId && node.region === REGION)).toBe(true);
    const [heldBlock] = await database.db
      .select()
      .from(containmentBlocks)
      .where(eq(containmentBlocks.blockActionId, applied!.id));
    expect(heldBlock).toMatchObject({
      status: 'LIFTED',
      liftActionId: lifted!.id,
      ruleNumber: applied!.changes[0]!.ruleNumber,
    });
    const ofFinding = await listContainmentActions(database.db, sync.ctx.tenantId, { first: 1 }, farFinding);
    expect(ofFinding.nodes.every((node) => node.findingId === farFinding)).toBe(true);
  });
});

describe('the connection test with containment on', () => {
  it('checks the EC2 permissions with DryRun, and names the missing ones', async () => {
    const passed = await testConnector(sync.ctx, { id: connectorId });
    const scope = passed.result!.checks.find((check) => check.name === 'AUTHORIZATION_SCOPE')!;
    expect(scope.status).toBe('PASSED');
    expect(scope.message).toContain('the EC2 actions of containment');

    const roleArn = sync.emulator.roles[0]!.arn;
    const policy = permissionsPolicy(false, { containment: true });
    const containment = policy.Statement.at(-1)!;
    containment.Action = (containment.Action as string[]).filter(
      (action) => action !== 'ec2:CreateNetworkAclEntry',
    );
    await sync.emulator.admin('PUT', '/_emulator/roles/policy', { roleArn, policyDocument: policy });
    try {
      const failed = await testConnector(sync.ctx, { id: connectorId });
      const check = failed.result!.checks.find((candidate) => candidate.name === 'AUTHORIZATION_SCOPE')!;
      expect(check).toMatchObject({ status: 'FAILED', awsErrorCode: 'UnauthorizedOperation' });
      expect(check.message).toContain('ec2:CreateNetworkAclEntry');
      expect(check.remediation).toContain('"Action":["ec2:CreateNetworkAclEntry"]');
    } finally {
      await sync.emulator.admin('PUT', '/_emulator/roles/policy', {
        roleArn,
        policyDocument: permissionsPolicy(false, { containment: true }),
      });
    }
  });
});
