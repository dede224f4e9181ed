import type { AwsSecurityFinding, Resource } from '@aws-sdk/client-securityhub';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assetIdentityKey, extractAssets, nameFromArn, resourceName } from '../../../src/mapping/assets.ts';
import { VULNERABILITY_MAP } from '../../../src/mapping/built-in-maps.ts';
import { mapFinding } from '../../../src/mapping/map-finding.ts';
import { compileTransformMap } from '../../../src/mapping/transform-map.ts';

// Which asset a resource is (its identity) and what people call it (its name), for the resource
// Ids real products send: ARNs, and the account ids, names and placeholders of Prowler, AWS Config
// and Security Hub CSPM controls.

/** A Prowler/CSPM-style finding about one resource in one account and Region. */
function aFinding(resource: Resource, account = '123456789012', region = 'eu-west-1'): AwsSecurityFinding {
  return {
    SchemaVersion: '2018-10-08',
    Id: `prowler-${account}-${region}-${resource.Id}`,
    ProductArn: `arn:aws:securityhub:${region}::product/prowler/prowler`,
    GeneratorId: 'prowler-cloudtrail_multi_region_enabled',
    AwsAccountId: account,
    Region: region,
    CreatedAt: '2026-10-01T00:00:00Z',
    UpdatedAt: '2026-10-02T00:00:00Z',
    Title: 'Ensure CloudTrail is enabled in all regions',
    Description: 'No CloudTrail trail logs this Region.',
    Severity: { Label: 'HIGH' },
    Resources: [resource],
  };
}

const identityOf = (finding: AwsSecurityFinding) => extractAssets(finding)[0]!.identityKey;

describe('asset identity', () => {
  it('is the ARN itself for a resource identified by an ARN', () => {
    const arn = 'arn:aws:s3:::payments-audit-logs';
    const asset = extractAssets(aFinding({ Type: 'AwsS3Bucket', Id: arn }))[0]!;
    expect(asset.identityKey).toBe(arn);
    expect(asset.resourceArn).toBe(arn);
    // One ARN is one asset whichever account or Region reports it.
    expect(identityOf(aFinding({ Type: 'AwsS3Bucket', Id: arn }, '444455556666', 'us-east-1'))).toBe(arn);
  });

  it('tells the same non-ARN Id apart by account, Region and resource type', () => {
    const account = { Type: 'AwsAccount', Id: '123456789012' };
    const keys = [
      identityOf(aFinding(account, '123456789012', 'eu-west-1')),
      identityOf(aFinding(account, '123456789012', 'us-east-1')),
      identityOf(aFinding(account, '444455556666', 'eu-west-1')),
      identityOf(aFinding({ ...account, Type: 'Other' }, '123456789012', 'eu-west-1')),
    ];
    expect(new Set(keys).size).toBe(4);
    expect(keys[0]).toBe('["aws","123456789012","eu-west-1","AwsAccount","123456789012"]');
    // The same sighting twice is the same asset.
    expect(identityOf(aFinding(account, '123456789012', 'eu-west-1'))).toBe(keys[0]);
  });

  it("takes partition and Region from the resource, else from the finding and its ProductArn's partition", () => {
    const trails = { Type: 'AwsCloudTrailTrail', Id: 'No trails' };
    const china = aFinding(trails, '123456789012', 'cn-north-1');
    china.ProductArn = 'arn:aws-cn:securityhub:cn-north-1::product/prowler/prowler';
    expect(extractAssets(china)[0]).toMatchObject({
      partition: 'aws-cn',
      region: 'cn-north-1',
      awsAccountId: '123456789012',
      identityKey: '["aws-cn","123456789012","cn-north-1","AwsCloudTrailTrail","No trails"]',
    });
    const own = aFinding({ ...trails, Partition: 'aws-us-gov', Region: 'us-gov-west-1' });
    expect(extractAssets(own)[0]).toMatchObject({
      partition: 'aws-us-gov',
      region: 'us-gov-west-1',
      identityKey: '["aws-us-gov","123456789012","us-gov-west-1","AwsCloudTrailTrail","No trails"]',
    });
  });

  it('keys Config-style Ids and placeholders per account and Region too', () => {
    const configAccount = { Type: 'AwsAccount', Id: 'AWS::::Account:123456789012' };
    expect(identityOf(aFinding(configAccount, '123456789012', 'us-east-1'))).not.toBe(
      identityOf(aFinding(configAccount, '123456789012', 'us-west-2')),
    );
    const nullKey = { Type: 'AwsIamAccessKey', Id: 'AWS::IAM::AccessKey:null' };
    expect(identityOf(aFinding(nullKey, '123456789012'))).not.toBe(
      identityOf(aFinding(nullKey, '444455556666')),
    );
  });

  it('is unambiguous whatever separators the parts contain, and never looks like an ARN', () => {
    const part = fc.option(
      fc.string({ unit: fc.constantFrom('a', ',', '"', '\\', ':', '[', ']', '|', '\n', ' ') }),
      {
        nil: null,
      },
    );
    fc.assert(
      fc.property(part, part, part, fc.string(), fc.string(), (partition, awsAccountId, region, type, id) => {
        fc.pre(!id.startsWith('arn:'));
        const key = assetIdentityKey({
          partition,
          awsAccountId,
          region,
          resourceType: type,
          resourceArn: id,
        });
        // The key decodes to exactly its parts: two different tuples cannot share a key.
        expect(JSON.parse(key)).toEqual([partition, awsAccountId, region, type, id]);
        expect(key.startsWith('arn:')).toBe(false);
      }),
    );
  });
});

describe('asset names', () => {
  const named = (resource: Resource) => resourceName(resource);

  it('prefers the Name tag to anything else', () => {
    expect(
      named({
        Type: 'AwsEc2SecurityGroup',
        Id: 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0a1b2c3d4e5f67890',
        Tags: { Name: 'checkout-web' },
        Details: { AwsEc2SecurityGroup: { GroupName: 'launch-wizard-3', GroupId: 'sg-0a1b2c3d4e5f67890' } },
      }),
    ).toBe('checkout-web');
  });

  it('takes the name field of the details block', () => {
    const cases: [Resource, string][] = [
      [
        {
          Type: 'AwsIamAccessKey',
          Id: 'AWS::IAM::AccessKey:null',
          Details: {
            AwsIamAccessKey: {
              Status: 'Active',
              CreatedAt: '2024-03-01T10:00:00.000Z',
              PrincipalId: 'AIDAEXAMPLEPRINCIPAL',
              PrincipalType: 'IAMUser',
              PrincipalName: 'ci-deployer',
            },
          },
        },
        'ci-deployer',
      ],
      [
        {
          Type: 'AwsIamAccessKey',
          Id: 'AKIAIOSFODNN7EXAMPLE',
          Details: { AwsIamAccessKey: { UserName: 'alice', Status: 'Active' } },
        },
        'alice',
      ],
      [
        {
          Type: 'AwsLambdaFunction',
          Id: 'arn:aws:lambda:us-east-1:111122223333:function:orders-handler:$LATEST',
          Details: { AwsLambdaFunction: { FunctionName: 'orders-handler', Runtime: 'python3.12' } },
        },
        'orders-handler',
      ],
      [
        {
          Type: 'AwsS3Bucket',
          Id: 'arn:aws:s3:::payments-audit-logs',
          Details: { AwsS3Bucket: { Name: 'payments-audit-logs', OwnerId: 'abc123' } },
        },
        'payments-audit-logs',
      ],
      [
        {
          Type: 'Container',
          Id: 'containerd://4f3c0b5e9a7d',
          Details: {
            Container: {
              Name: 'nginx-ingress',
              ImageName: 'public.ecr.aws/nginx/nginx:1.25',
              ContainerRuntime: 'containerd',
            },
          },
        },
        'nginx-ingress',
      ],
      [
        {
          Type: 'Container',
          Id: 'containerd://4f3c0b5e9a7d',
          Details: { Container: { ImageName: 'public.ecr.aws/nginx/nginx:1.25' } },
        },
        'public.ecr.aws/nginx/nginx:1.25',
      ],
      [
        {
          Type: 'AwsEcsCluster',
          Id: 'arn:aws:ecs:us-east-1:111122223333:cluster/prod-services',
          Details: { AwsEcsCluster: { ClusterName: 'prod-services', Status: 'ACTIVE' } },
        },
        'prod-services',
      ],
      [
        {
          Type: 'AwsEksCluster',
          Id: 'arn:aws:eks:eu-west-1:111122223333:cluster/platform',
          Details: { AwsEksCluster: { Name: 'platform', Version: '1.30' } },
        },
        'platform',
      ],
      [
        {
          Type: 'AwsEc2SecurityGroup',
          Id: 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0a1b2c3d4e5f67890',
          Details: { AwsEc2SecurityGroup: { GroupName: 'launch-wizard-3', GroupId: 'sg-0a1b2c3d4e5f67890' } },
        },
        'launch-wizard-3',
      ],
      [
        {
          Type: 'AwsRdsDbInstance',
          Id: 'arn:aws:rds:eu-west-1:111122223333:db:orders-primary',
          Details: { AwsRdsDbInstance: { DBInstanceIdentifier: 'orders-primary', Engine: 'postgres' } },
        },
        'orders-primary',
      ],
      [
        {
          Type: 'AwsIamRole',
          Id: 'arn:aws:iam::111122223333:role/service-role/etl-runner',
          Details: { AwsIamRole: { RoleName: 'etl-runner', Path: '/service-role/' } },
        },
        'etl-runner',
      ],
      [
        {
          Type: 'AwsEcrContainerImage',
          Id: 'arn:aws:ecr:us-east-1:111122223333:repository/payments-api/sha256:9f2c',
          Details: { AwsEcrContainerImage: { RepositoryName: 'payments-api', ImageTags: ['1.4.2'] } },
        },
        'payments-api:1.4.2',
      ],
    ];
    for (const [resource, name] of cases) expect(named(resource)).toBe(name);
  });

  it("takes the name in an ARN's resource part when the details have none", () => {
    expect(
      named({ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::payments-audit-logs', Details: { AwsS3Bucket: {} } }),
    ).toBe('payments-audit-logs');
    expect(named({ Type: 'AwsIamRole', Id: 'arn:aws:iam::111122223333:role/service-role/etl-runner' })).toBe(
      'etl-runner',
    );
    expect(
      named({ Type: 'AwsLambdaFunction', Id: 'arn:aws:lambda:us-east-1:111122223333:function:resize:3' }),
    ).toBe('resize');
    expect(
      named({
        Type: 'AwsEc2Instance',
        Id: 'arn:aws:ec2:us-east-1:111122223333:instance/i-0abc12345def67890',
      }),
    ).toBe('i-0abc12345def67890');
    expect(
      named({
        Type: 'AwsElbv2LoadBalancer',
        Id: 'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/checkout-alb/50dc6c495c0c9188',
      }),
    ).toBe('checkout-alb');
    expect(named({ Type: 'AwsSqsQueue', Id: 'arn:aws:sqs:us-east-1:111122223333:orders-dlq' })).toBe(
      'orders-dlq',
    );
    expect(
      named({
        Type: 'AwsSecretsManagerSecret',
        Id: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf',
      }),
    ).toBe('db-AbCdEf');
  });

  it('takes a non-ARN Id as it is, unless it is a placeholder or a pseudo Id', () => {
    expect(named({ Type: 'AwsAccount', Id: '123456789012' })).toBe('123456789012');
    // Security Hub's pseudo Id of an account names the account.
    expect(named({ Type: 'AwsAccount', Id: 'AWS::::Account:123456789012' })).toBe('123456789012');
    expect(named({ Type: 'AwsCloudTrailTrail', Id: 'No trails' })).toBe('No trails');
    expect(named({ Type: 'Other', Id: 'Macie' })).toBe('Macie');
    expect(named({ Type: 'AwsIamAccessKey', Id: 'AWS::IAM::AccessKey:null' })).toBeNull();
    expect(named({ Type: 'Other', Id: '' })).toBeNull();
  });

  it('finds no name in an ARN without a resource part', () => {
    expect(nameFromArn('arn:aws:s3:::')).toBeUndefined();
    expect(nameFromArn('arn:aws:iam::111122223333:role/')).toBeUndefined();
  });
});

describe("a finding's asset name in the built-in map", () => {
  const compiled = compileTransformMap(VULNERABILITY_MAP);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));

  it('is the asset name, never a whole ARN', () => {
    const bucket = aFinding({
      Type: 'AwsS3Bucket',
      Id: 'arn:aws:s3:::payments-audit-logs',
      Region: 'eu-west-1',
    });
    const outcome = mapFinding(bucket, compiled.map, { defaultSeverity: 'MEDIUM' });
    if (!outcome.ok) throw new Error(outcome.reject.reason);
    expect(outcome.finding.assetName).toBe('payments-audit-logs');
    expect(outcome.assets[0]!.name).toBe('payments-audit-logs');
    expect(outcome.finding.assetIdentityKey).toBe('arn:aws:s3:::payments-audit-logs');
  });

  it('is empty for a placeholder, and links the finding to the asset of its own account and Region', () => {
    const key = aFinding(
      { Type: 'AwsIamAccessKey', Id: 'AWS::IAM::AccessKey:null' },
      '444455556666',
      'us-east-2',
    );
    const outcome = mapFinding(key, compiled.map, { defaultSeverity: 'MEDIUM' });
    if (!outcome.ok) throw new Error(outcome.reject.reason);
    expect(outcome.finding.assetName).toBeNull();
    expect(outcome.finding.assetIdentityKey).toBe(
      '["aws","444455556666","us-east-2","AwsIamAccessKey","AWS::IAM::AccessKey:null"]',
    );
  });
});
