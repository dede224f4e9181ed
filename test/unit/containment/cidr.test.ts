import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contains, overlaps, parseCidr, reservedRangeOf } from '../../../src/containment/cidr.ts';
import { placementOf, remoteAddressesOf } from '../../../src/containment/targets.ts';

describe('parseCidr', () => {
  it('normalises addresses and blocks, IPv4 and IPv6', () => {
    expect(parseCidr('203.0.113.7')?.text).toBe('203.0.113.7/32');
    expect(parseCidr(' 203.0.113.7/24 ')?.text).toBe('203.0.113.0/24');
    expect(parseCidr('2001:DB8:0:0:0:0:0:1')?.text).toBe('2001:db8::1/128');
    expect(parseCidr('2001:db8::/32')?.text).toBe('2001:db8::/32');
    expect(parseCidr('2001:db8:0:1:0:0:0:0/64')?.text).toBe('2001:db8:0:1::/64');
    expect(parseCidr('::ffff:192.0.2.1')?.text).toBe('::ffff:c000:201/128');
    expect(parseCidr('0.0.0.0/0')?.text).toBe('0.0.0.0/0');
    expect(parseCidr('::/0')?.text).toBe('::/0');
    // RFC 5952: the longest run of zero groups is compressed, the first on a tie.
    expect(parseCidr('1:0:0:1:0:0:0:1')?.text).toBe('1:0:0:1::1/128');
    expect(parseCidr('1:0:0:1:0:0:1:1')?.text).toBe('1::1:0:0:1:1/128');
  });

  it('refuses what is not an address or block', () => {
    for (const text of [
      '300.1.1.1',
      '1.2.3.4/33',
      '2001:db8::/129',
      'example.com',
      '1.2.3.4/',
      '1.2.3.4/-1',
      'fe80::1%eth0',
      '',
    ])
      expect(parseCidr(text), text).toBeNull();
  });

  it('round-trips every IPv4 and IPv6 block through its canonical text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.nat(128), (address, bits) => {
        const first = parseCidr(`${address}/${address.includes(':') ? bits : bits % 33}`)!;
        expect(parseCidr(first.text)).toEqual(first);
      }),
    );
  });
});

describe('overlap and reserved ranges', () => {
  it('tells whether blocks overlap', () => {
    const cidr = (text: string) => parseCidr(text)!;
    expect(contains(cidr('10.0.0.0/16'), cidr('10.0.3.4'))).toBe(true);
    expect(overlaps(cidr('10.0.0.0/8'), cidr('10.0.0.0/16'))).toBe(true);
    expect(overlaps(cidr('10.1.0.0/16'), cidr('10.0.0.0/16'))).toBe(false);
    expect(overlaps(cidr('0.0.0.0/0'), cidr('::/0'))).toBe(false);
  });

  it('names the private or reserved range a block falls in', () => {
    expect(reservedRangeOf(parseCidr('192.168.1.1')!)).toEqual({
      range: '192.168.0.0/16',
      name: 'private (RFC 1918)',
    });
    expect(reservedRangeOf(parseCidr('169.254.169.254')!)?.range).toBe('169.254.0.0/16');
    expect(reservedRangeOf(parseCidr('fd00::1')!)?.range).toBe('fc00::/7');
    expect(reservedRangeOf(parseCidr('0.0.0.0/0')!)).not.toBeNull();
    expect(reservedRangeOf(parseCidr('203.0.113.7')!)).toBeNull();
    expect(reservedRangeOf(parseCidr('2600:1f18::1')!)).toBeNull();
  });
});

describe('placementOf', () => {
  it("reads the VPC, subnet, groups and ACL a finding's resources name", () => {
    expect(
      placementOf({
        Resources: [
          {
            Type: 'AwsEc2Instance',
            Id: 'arn:aws:ec2:us-east-1:1:instance/i-1',
            Details: {
              AwsEc2Instance: { VpcId: 'vpc-0123456789abcdef0', SubnetId: 'subnet-0123456789abcdef0' },
            },
          },
          {
            Type: 'AwsEc2SecurityGroup',
            Id: 'arn:aws:ec2:us-east-1:1:security-group/sg-0123456789abcdef0',
            Details: {},
          },
          {
            Type: 'AwsEc2NetworkInterface',
            Id: 'x',
            Details: { AwsEc2NetworkInterface: { SecurityGroups: [{ GroupId: 'sg-11111111' }] } },
          },
          {
            Type: 'AwsEc2NetworkAcl',
            Id: 'y',
            Details: { AwsEc2NetworkAcl: { VpcId: 'vpc-0123456789abcdef0', NetworkAclId: 'acl-22222222' } },
          },
          { Type: 'AwsEc2Instance', Id: 'z', Details: { AwsEc2Instance: { VpcId: 'not-a-vpc' } } },
        ],
      }),
    ).toEqual({
      vpcIds: ['vpc-0123456789abcdef0'],
      subnetIds: ['subnet-0123456789abcdef0'],
      securityGroupIds: ['sg-0123456789abcdef0', 'sg-11111111'],
      networkAclIds: ['acl-22222222'],
    });
    expect(placementOf({})).toEqual({ vpcIds: [], subnetIds: [], securityGroupIds: [], networkAclIds: [] });
  });
});

describe('remoteAddressesOf', () => {
  it('reads the remote side of the traffic and the actions a finding reports', () => {
    expect(
      remoteAddressesOf({
        Network: { Direction: 'IN', SourceIpV4: '198.51.100.1', DestinationIpV4: '10.0.0.5' },
      }),
    ).toEqual(['198.51.100.1']);
    expect(
      remoteAddressesOf({
        Network: { Direction: 'OUT', SourceIpV4: '10.0.0.5', DestinationIpV4: '203.0.113.9' },
      }),
    ).toEqual(['203.0.113.9']);
    expect(
      remoteAddressesOf({
        Action: {
          PortProbeAction: {
            PortProbeDetails: [
              { RemoteIpDetails: { IpAddressV4: '192.0.2.1' } },
              { RemoteIpDetails: { IpAddressV4: '192.0.2.2' } },
            ],
          },
          AwsApiCallAction: { RemoteIpDetails: { IpAddressV4: '192.0.2.1' } },
        },
      }),
    ).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(remoteAddressesOf({})).toEqual([]);
  });
});
