import { readFileSync } from 'node:fs';
import type { AwsSecurityFinding, Resource } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import {
  extractAssets,
  findingRegion,
  nameFromArn,
  parseCriticality,
  resourceName,
} from '../../../src/mapping/assets.ts';

// What an asset record says besides its identity: when it was seen, its account, its exposure, its
// criticality tag, its short id and its name, on real findings (test/fixtures/real-findings) and on
// the edge cases of each rule. Names and ids are what an analyst would call the resource.

function fixture(file: string): AwsSecurityFinding {
  return JSON.parse(readFileSync(new URL(`../../fixtures/real-findings/${file}`, import.meta.url), 'utf8'))
    .finding;
}

const TWO_RESOURCES = 'guardduty/defectdojo-iam-network-permissions-two-resources.json';

/** A finding about one resource, in account 123456789012. */
function about(resource: Resource, extra: Partial<AwsSecurityFinding> = {}): AwsSecurityFinding {
  return {
    SchemaVersion: '2018-10-08',
    Id: 'finding-1',
    ProductArn: 'arn:aws:securityhub:eu-west-1::product/prowler/prowler',
    GeneratorId: 'check',
    AwsAccountId: '123456789012',
    CreatedAt: '2026-10-01T00:00:00Z',
    UpdatedAt: '2026-10-02T00:00:00Z',
    Title: 'A check',
    Description: 'A check failed.',
    Resources: [resource],
    ...extra,
  };
}

const assetOf = (resource: Resource, extra: Partial<AwsSecurityFinding> = {}) =>
  extractAssets(about(resource, extra))[0]!;

describe('when an asset was seen', () => {
  it('first when the problem was first observed, last when it was last observed', () => {
    const [instance, key] = extractAssets(fixture(TWO_RESOURCES));
    for (const asset of [instance!, key!]) {
      expect([asset.firstSeenAt, asset.lastSeenAt]).toEqual([
        new Date('2020-11-11T11:47:26.511Z'),
        new Date('2020-11-28T23:11:30.811Z'),
      ]);
    }
    const observed = assetOf(
      { Type: 'Other', Id: 'x' },
      { FirstObservedAt: '2026-09-01T00:00:00Z', LastObservedAt: '2026-09-30T00:00:00Z' },
    );
    expect([observed.firstSeenAt, observed.lastSeenAt]).toEqual([
      new Date('2026-09-01T00:00:00Z'),
      new Date('2026-09-30T00:00:00Z'),
    ]);
  });

  it('when the finding was created and updated, where the product does not say', () => {
    const asset = assetOf({ Type: 'Other', Id: 'x' });
    expect([asset.firstSeenAt, asset.lastSeenAt]).toEqual([
      new Date('2026-10-01T00:00:00Z'),
      new Date('2026-10-02T00:00:00Z'),
    ]);
  });

  it('has no assets when a finding has no resources', () => {
    const { Resources: _resources, ...bare } = about({ Type: 'Other', Id: 'x' });
    expect(extractAssets(bare as AwsSecurityFinding)).toEqual([]);
  });
});

describe("an asset's account, Region and partition", () => {
  it("is the account in the resource's ARN, else the finding's", () => {
    expect(assetOf({ Type: 'AwsIamRole', Id: 'arn:aws:iam::444455556666:role/audit' }).awsAccountId).toBe(
      '444455556666',
    );
    // An S3 bucket's ARN names no account; nor does a 13-digit number or a non-ARN Id.
    expect(assetOf({ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::audit-logs' }).awsAccountId).toBe('123456789012');
    expect(assetOf({ Type: 'Other', Id: 'arn:aws:iam::4444555566667:role/x' }).awsAccountId).toBe(
      '123456789012',
    );
    expect(assetOf({ Type: 'Other', Id: 'arn:aws:iam::x444455556666:role/x' }).awsAccountId).toBe(
      '123456789012',
    );
    expect(assetOf({ Type: 'Other', Id: 'res:aws:iam:x:444455556666' }).awsAccountId).toBe('123456789012');
  });

  it('takes the Region from the ProductArn when the finding has none, else nothing', () => {
    expect(findingRegion(about({ Type: 'Other', Id: 'x' }))).toBe('eu-west-1');
    expect(findingRegion(about({ Type: 'Other', Id: 'x' }, { Region: 'us-east-2' }))).toBe('us-east-2');
    expect(findingRegion(about({ Type: 'Other', Id: 'x' }, { ProductArn: 'local-product' }))).toBe('');
  });
});

describe('internet exposure', () => {
  it('marks the primary resource exposed when the finding has a network path, and only it', () => {
    const asff = fixture(TWO_RESOURCES);
    const instance = asff.Resources![0]!.Details!.AwsEc2Instance!;
    instance.IpV4Addresses = ['10.0.0.1'];
    expect(extractAssets(asff).map((asset) => asset.internetExposed)).toEqual([false, false]);
    asff.NetworkPath = [];
    expect(extractAssets(asff).map((asset) => asset.internetExposed)).toEqual([false, false]);
    asff.NetworkPath = [{ ComponentId: 'igw-1', ComponentType: 'AWS::EC2::InternetGateway' }];
    expect(extractAssets(asff).map((asset) => asset.internetExposed)).toEqual([true, false]);
  });

  it('reads a public IPv4 address of an instance as exposure, never a private or partial one', () => {
    const exposed = (...addresses: string[]) =>
      assetOf({
        Type: 'AwsEc2Instance',
        Id: 'arn:aws:ec2:eu-west-1:123456789012:instance/i-1',
        Details: { AwsEc2Instance: { IpV4Addresses: addresses } },
      }).internetExposed;
    // The real GuardDuty sample: a private and a public address.
    expect(extractAssets(fixture(TWO_RESOURCES))[0]!.internetExposed).toBe(true);
    expect(exposed('54.239.100.200')).toBe(true);
    expect(exposed('10.0.0.4', '172.16.5.4', '192.168.1.1', '127.0.0.1', '169.254.1.1', '100.64.0.1')).toBe(
      false,
    );
    expect(exposed('54.239.100.200/32')).toBe(false);
    expect(exposed('::ffff:54.239.100.200')).toBe(false);
    expect(exposed()).toBe(false);
  });

  it('reads an exposure tag, however it is capitalised', () => {
    const tagged = (Tags: Record<string, string>) =>
      assetOf({ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::b', Tags }).internetExposed;
    expect(tagged({ exposure: 'internet' })).toBe(true);
    expect(tagged({ Exposure: 'Internet' })).toBe(true);
    expect(tagged({ exposure: 'INTERNET' })).toBe(true);
    expect(tagged({ exposure: 'internal' })).toBe(false);
    expect(tagged({})).toBe(false);
  });
});

describe('criticality from a tag', () => {
  const cases: [string | undefined, number | null][] = [
    ['1', 1],
    ['5', 5],
    [' 4', 4],
    ['4 ', 4],
    ['0', null],
    ['6', null],
    ['45', null],
    ['x5', null],
    ['5x', null],
    ['low', 1],
    ['Medium', 3],
    ['HIGH', 4],
    [' critical ', 5],
    ['severe', null],
    ['', null],
    [undefined, null],
  ];
  for (const [value, criticality] of cases) {
    it(`${JSON.stringify(value)} → ${criticality}`, () => {
      expect(parseCriticality(value)).toBe(criticality);
    });
  }

  it('is read from the configured tag, and says where it came from', () => {
    const resource = { Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::b', Tags: { Criticality: 'high', Tier: '2' } };
    expect(extractAssets(about(resource))[0]).toMatchObject({ criticality: 4, criticalitySource: 'TAG' });
    expect(extractAssets(about(resource), { criticalityTag: 'Tier' })[0]).toMatchObject({
      criticality: 2,
      criticalitySource: 'TAG',
    });
    expect(extractAssets(about(resource), { criticalityTag: 'Owner' })[0]).toMatchObject({
      criticality: null,
      criticalitySource: 'DEFAULT',
    });
  });
});

describe('the short id of a resource', () => {
  it("is an instance's id, from its ARN or as given", () => {
    expect(extractAssets(fixture(TWO_RESOURCES))[0]!.resourceId).toBe('i-99999999');
    expect(assetOf({ Type: 'AwsEc2Instance', Id: 'i-02573cafcfEXAMPLE' }).resourceId).toBe(
      'i-02573cafcfEXAMPLE',
    );
    expect(
      assetOf({ Type: 'AwsEc2Instance', Id: 'arn:aws:ec2:eu-west-1:123456789012:instance/fleet/i-0abc' })
        .resourceId,
    ).toBe('i-0abc');
  });

  it('is the Id itself for other resources', () => {
    expect(extractAssets(fixture(TWO_RESOURCES))[1]!.resourceId).toBe(
      'AWS::IAM::AccessKey:GeneratedFindingAccessKeyId',
    );
  });
});

describe('resource names at the edges', () => {
  it('has no name without an Id, tags or details', () => {
    expect(resourceName({ Type: 'Other' } as Resource)).toBeNull();
    expect(resourceName({ Type: 'Other', Id: 42 } as unknown as Resource)).toBeNull();
  });

  it('skips a blank Name tag', () => {
    expect(resourceName({ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::audit-logs', Tags: { Name: '   ' } })).toBe(
      'audit-logs',
    );
  });

  it('takes the first details block that names the resource, skipping empty ones', () => {
    expect(
      resourceName({
        Type: 'Other',
        Id: 'arn:aws:s3:::from-the-arn',
        Details: { AwsS3Bucket: {}, Other: { Name: 'from-other' } },
      }),
    ).toBe('from-other');
    expect(
      resourceName({
        Type: 'AwsS3Bucket',
        Id: 'arn:aws:s3:::from-the-arn',
        Details: { AwsS3Bucket: null } as unknown as Resource['Details'],
      }),
    ).toBe('from-the-arn');
  });

  it('names ECS services, and MSK clusters (whose name is nested)', () => {
    const service = (block: object) =>
      resourceName({
        Type: 'AwsEcsService',
        Id: 'arn:aws:ecs:eu-west-1:123456789012:service/prod/x',
        Details: { AwsEcsService: block },
      });
    expect(service({ ServiceName: 'checkout', Name: 'other' })).toBe('checkout');
    expect(service({ Name: 'payments' })).toBe('payments');
    const msk = (block: object) =>
      resourceName({
        Type: 'AwsMskCluster',
        Id: 'arn:aws:kafka:eu-west-1:123456789012:cluster/from-arn/abc-1',
        Details: { AwsMskCluster: block },
      });
    expect(msk({ ClusterInfo: { ClusterName: 'events' } })).toBe('events');
    expect(msk({})).toBe('abc-1');
  });

  it('names the account or access key of a pseudo Id, and nothing for placeholders', () => {
    const named = (Id: string) => resourceName({ Type: 'Other', Id });
    expect(named('AWS::IAM::AccessKey:AKIAIOSFODNN7EXAMPLE')).toBe('AKIAIOSFODNN7EXAMPLE');
    expect(named('AWS::::Account:123456789012')).toBe('123456789012');
    expect(named('Copied from AWS::::Account:123456789012')).toBe('Copied from AWS::::Account:123456789012');
    // A pseudo Id is one line: a second one makes it some other text.
    expect(named('AWS::::Account:123456789012\nCreated by hand')).toBe(
      'AWS::::Account:123456789012\nCreated by hand',
    );
    for (const placeholder of ['null', ' null', 'undefined', 'none', 'unknown', 'n/a', 'N/A', ''])
      expect(named(`AWS::IAM::AccessKey:${placeholder}`)).toBeNull();
  });
});

describe('the name in an ARN', () => {
  const cases: [string, string | undefined][] = [
    ['arn:aws:s3:::audit-logs', 'audit-logs'],
    // A role path that happens to contain "Name/" is still a path: the last segment names the role.
    ['arn:aws:iam::111122223333:role/TeamName/dev/admin', 'admin'],
    [
      'arn:aws:autoscaling:us-east-1:111122223333:autoScalingGroup:7e5c1a0b-1111-2222-3333-444455556666:autoScalingGroupName/web-asg',
      'web-asg',
    ],
    // A task definition's revision follows its family after the slash.
    ['arn:aws:ecs:us-east-1:111122223333:task-definition/web:3', 'web:3'],
    [
      'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/orders-nlb/50dc6c495c0c9188',
      'orders-nlb',
    ],
    [
      'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/gwy/inspection/50dc6c495c0c9188',
      'inspection',
    ],
    ['arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/classic-elb', 'classic-elb'],
    ['arn:aws:elasticloadbalancing:us-east-1:111122223333:classic-elb', 'classic-elb'],
    ['arn:aws:s3:::/leading-slash', 'leading-slash'],
    ['arn:aws:s3:::/a:b', 'a:b'],
    ['arn:aws:sns:us-east-1:111122223333::leading-colon', 'leading-colon'],
    ['arn:aws:lambda:us-east-1:111122223333::fn/x', 'fn/x'],
  ];
  for (const [arn, name] of cases) {
    it(`${arn} → ${name}`, () => {
      expect(nameFromArn(arn)).toBe(name);
    });
  }
});
