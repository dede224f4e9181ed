import {
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../../src/emulator/index.ts';
import { assumeReadRole, failure } from '../../support/emulator.ts';

// EC2's query protocol through the real @aws-sdk/client-ec2: the seeded network, ACL entries and
// security-group rules changed and read back, DryRun, IAM and the errors EC2 answers with.

let emulator: RunningEmulator;
let ec2: EC2Client;
const EC2_ACTIONS = [
  'ec2:DescribeVpcs',
  'ec2:DescribeNetworkAcls',
  'ec2:CreateNetworkAclEntry',
  'ec2:DeleteNetworkAclEntry',
  'ec2:DescribeSecurityGroups',
  'ec2:RevokeSecurityGroupIngress',
  'ec2:AuthorizeSecurityGroupIngress',
];

async function clientWith(actions: string[], index = 0): Promise<EC2Client> {
  await emulator.admin('PUT', '/_emulator/roles/actions', { roleArn: emulator.roles[index]!.arn, actions });
  return new EC2Client({
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: await assumeReadRole(emulator, index),
    maxAttempts: 1,
  });
}

beforeAll(async () => {
  emulator = await startEmulator({ accounts: 2, quotas: true, seed: 5 });
  ec2 = await clientWith(EC2_ACTIONS);
});

afterAll(async () => {
  await emulator?.close();
});

async function prod() {
  const { Vpcs } = await ec2.send(
    new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['false'] }] }),
  );
  const vpc = Vpcs![0]!;
  const { NetworkAcls } = await ec2.send(
    new DescribeNetworkAclsCommand({
      Filters: [
        { Name: 'vpc-id', Values: [vpc.VpcId!] },
        { Name: 'default', Values: ['false'] },
      ],
    }),
  );
  return { vpc, acl: NetworkAcls![0]! };
}

describe('the emulated EC2', () => {
  it('seeds every account-Region with VPCs, network ACLs ending in the 32767 deny, and security groups', async () => {
    const { Vpcs } = await ec2.send(new DescribeVpcsCommand({}));
    expect(Vpcs!.map((vpc) => [vpc.CidrBlock, vpc.IsDefault])).toEqual([
      ['172.31.0.0/16', true],
      ['10.0.0.0/16', false],
    ]);
    expect(Vpcs![0]!.Ipv6CidrBlockAssociationSet![0]!.Ipv6CidrBlock).toMatch(
      /^2600:1f18:[0-9a-f]{1,4}:ab00::\/56$/,
    );
    expect(Vpcs![0]!.OwnerId).toBe(emulator.roles[0]!.accountId);
    const { acl } = await prod();
    expect(
      acl.Entries!.filter((entry) => !entry.Egress).map((entry) => [entry.RuleNumber, entry.RuleAction]),
    ).toEqual([
      [100, 'allow'],
      [110, 'allow'],
      [32767, 'deny'],
    ]);
    expect(acl.Entries![0]).toMatchObject({
      Protocol: '6',
      PortRange: { From: 443, To: 443 },
      CidrBlock: '0.0.0.0/0',
    });
    expect(acl.Associations![0]!.SubnetId).toMatch(/^subnet-0/);
    const { SecurityGroups } = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['web'] }] }),
    );
    expect(SecurityGroups![0]!.IpPermissions!.map((p) => [p.FromPort, p.IpRanges![0]!.CidrIp])).toEqual([
      [443, '0.0.0.0/0'],
      [22, '203.0.113.0/24'],
      [3389, '198.51.100.7/32'],
    ]);
    // Another account's network is its own.
    const other = await clientWith(EC2_ACTIONS, 1);
    const { Vpcs: otherVpcs } = await other.send(new DescribeVpcsCommand({}));
    expect(otherVpcs![0]!.VpcId).not.toBe(Vpcs![0]!.VpcId);
  });

  it('adds and deletes a network ACL entry, and refuses a taken rule number or an unknown entry', async () => {
    const { acl } = await prod();
    const created = await ec2.send(
      new CreateNetworkAclEntryCommand({
        NetworkAclId: acl.NetworkAclId!,
        RuleNumber: 90,
        Protocol: '-1',
        RuleAction: 'deny',
        Egress: false,
        CidrBlock: '198.51.100.0/24',
      }),
    );
    expect(created.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const ipv6 = {
      NetworkAclId: acl.NetworkAclId!,
      RuleNumber: 91,
      Protocol: '6',
      RuleAction: 'deny' as const,
      Egress: false,
    };
    await ec2.send(
      new CreateNetworkAclEntryCommand({
        ...ipv6,
        Ipv6CidrBlock: '2001:DB8::/32',
        PortRange: { From: 22, To: 22 },
      }),
    );
    const { NetworkAcls } = await ec2.send(
      new DescribeNetworkAclsCommand({ NetworkAclIds: [acl.NetworkAclId!] }),
    );
    expect(
      NetworkAcls![0]!.Entries!.filter((entry) => !entry.Egress).map((entry) => entry.RuleNumber),
    ).toEqual([90, 91, 100, 110, 32767]);
    expect(NetworkAcls![0]!.Entries!.find((entry) => entry.RuleNumber === 91)!.Ipv6CidrBlock).toBe(
      '2001:db8::/32',
    );

    expect(
      await failure(
        ec2.send(
          new CreateNetworkAclEntryCommand({
            NetworkAclId: acl.NetworkAclId!,
            RuleNumber: 90,
            Protocol: '-1',
            RuleAction: 'deny',
            Egress: false,
            CidrBlock: '192.0.2.0/24',
          }),
        ),
      ),
    ).toMatchObject({ name: 'NetworkAclEntryAlreadyExists', status: 400 });
    expect(
      await failure(
        ec2.send(new CreateNetworkAclEntryCommand({ ...ipv6, RuleNumber: 92, CidrBlock: '192.0.2.0/24' })),
      ),
    ).toMatchObject({ name: 'MissingParameter', message: expect.stringContaining('portRange') });
    expect(
      await failure(
        ec2.send(
          new CreateNetworkAclEntryCommand({
            ...ipv6,
            RuleNumber: 32767,
            CidrBlock: '192.0.2.0/24',
            PortRange: { From: 1, To: 2 },
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });

    await ec2.send(
      new DeleteNetworkAclEntryCommand({ NetworkAclId: acl.NetworkAclId!, RuleNumber: 90, Egress: false }),
    );
    await ec2.send(
      new DeleteNetworkAclEntryCommand({ NetworkAclId: acl.NetworkAclId!, RuleNumber: 91, Egress: false }),
    );
    expect(
      await failure(
        ec2.send(
          new DeleteNetworkAclEntryCommand({
            NetworkAclId: acl.NetworkAclId!,
            RuleNumber: 90,
            Egress: false,
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidNetworkAclEntry.NotFound', status: 400 });
    expect(
      await failure(ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: ['acl-0000000000000000'] }))),
    ).toMatchObject({
      name: 'InvalidNetworkAclID.NotFound',
      message: "The networkAcl ID 'acl-0000000000000000' does not exist",
    });
  });

  it('revokes and re-authorizes one CIDR of a security-group rule', async () => {
    const { SecurityGroups } = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['web'] }] }),
    );
    const group = SecurityGroups![0]!;
    const rdp = {
      IpProtocol: 'tcp',
      FromPort: 3389,
      ToPort: 3389,
      IpRanges: [{ CidrIp: '198.51.100.7/32', Description: 'contractor' }],
    };
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: group.GroupId!, IpPermissions: [rdp] }));
    const after = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [group.GroupId!] }));
    expect(after.SecurityGroups![0]!.IpPermissions!.map((p) => p.FromPort)).toEqual([443, 22]);
    expect(
      await failure(
        ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: group.GroupId!, IpPermissions: [rdp] })),
      ),
    ).toMatchObject({ name: 'InvalidPermission.NotFound' });
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: group.GroupId!, IpPermissions: [rdp] }),
    );
    expect(
      await failure(
        ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: group.GroupId!, IpPermissions: [rdp] })),
      ),
    ).toMatchObject({ name: 'InvalidPermission.Duplicate' });
    const restored = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [group.GroupId!] }));
    expect(restored.SecurityGroups![0]!.IpPermissions).toEqual(group.IpPermissions);
  });

  it('answers DryRun with DryRunOperation when permitted and changes nothing, UnauthorizedOperation when not', async () => {
    const { acl } = await prod();
    const entry = {
      NetworkAclId: acl.NetworkAclId!,
      RuleNumber: 95,
      Protocol: '-1',
      RuleAction: 'deny' as const,
      Egress: false,
      CidrBlock: '198.51.100.0/24',
      DryRun: true,
    };
    expect(await failure(ec2.send(new CreateNetworkAclEntryCommand(entry)))).toMatchObject({
      name: 'DryRunOperation',
      status: 412,
      message: 'Request would have succeeded, but DryRun flag is set.',
    });
    const { NetworkAcls } = await ec2.send(
      new DescribeNetworkAclsCommand({ NetworkAclIds: [acl.NetworkAclId!] }),
    );
    expect(NetworkAcls![0]!.Entries).toEqual(acl.Entries);

    const readOnly = await clientWith(['ec2:DescribeNetworkAcls'], 1);
    expect(await failure(readOnly.send(new CreateNetworkAclEntryCommand(entry)))).toMatchObject({
      name: 'UnauthorizedOperation',
      status: 403,
      message: expect.stringContaining('ec2:CreateNetworkAclEntry'),
    });
    expect(await failure(readOnly.send(new DescribeVpcsCommand({ DryRun: true })))).toMatchObject({
      name: 'UnauthorizedOperation',
    });
  });

  it('verifies the signature and throttles at the bucket of mutating actions', async () => {
    const forged = new EC2Client({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { ...(await assumeReadRole(emulator, 0)), secretAccessKey: 'not-the-secret' },
      maxAttempts: 1,
    });
    expect(await failure(forged.send(new DescribeVpcsCommand({})))).toMatchObject({
      name: 'SignatureDoesNotMatch',
      status: 403,
    });
    await emulator.admin('PUT', '/_emulator/quotas', { operation: 'ec2:Mutating', rate: 0.001, burst: 2 });
    try {
      const { acl } = await prod();
      const entry = {
        NetworkAclId: acl.NetworkAclId!,
        RuleNumber: 96,
        Protocol: '-1',
        RuleAction: 'deny' as const,
        Egress: false,
        CidrBlock: '192.0.2.1/32',
      };
      const outcomes = [];
      for (const ruleNumber of [96, 97, 98])
        outcomes.push(
          await failure(
            ec2.send(new CreateNetworkAclEntryCommand({ ...entry, RuleNumber: ruleNumber, DryRun: true })),
          ),
        );
      expect(outcomes.map((outcome) => outcome.name)).toEqual([
        'DryRunOperation',
        'DryRunOperation',
        'RequestLimitExceeded',
      ]);
      expect(outcomes[2]!.status).toBe(503);
    } finally {
      await emulator.admin('PUT', '/_emulator/quotas', { reset: true });
    }
  });
});
