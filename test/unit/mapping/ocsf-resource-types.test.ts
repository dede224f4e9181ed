import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  asffResourceType,
  KNOWN_CLOUDFORMATION_TYPES,
  ocsfResourceType,
} from '../../../src/mapping/ocsf/resource-types.ts';

// The new Security Hub names resource types the CloudFormation way; assets use ASFF's names, so
// one instance found by CSPM and by the new Security Hub is one asset (issue 15 §3).

describe('asffResourceType', () => {
  const cases: [string, string][] = [
    ['AWS::EC2::Instance', 'AwsEc2Instance'],
    ['AWS::SQS::Queue', 'AwsSqsQueue'],
    ['AWS::IAM::Policy', 'AwsIamPolicy'],
    ['AWS::IAM::AccessKey', 'AwsIamAccessKey'],
    ['AWS::Lambda::Function', 'AwsLambdaFunction'],
    ['AWS::S3::Bucket', 'AwsS3Bucket'],
    ['AWS::S3::Object', 'AwsS3Object'],
    ['AWS::RDS::DBInstance', 'AwsRdsDbInstance'],
    ['AWS::DynamoDB::Table', 'AwsDynamoDbTable'],
    ['AWS::EC2::SecurityGroup', 'AwsEc2SecurityGroup'],
    ['AWS::EC2::VPC', 'AwsEc2Vpc'],
    ['AWS::KMS::Key', 'AwsKmsKey'],
    ['AWS::EKS::Cluster', 'AwsEksCluster'],
    ['AWS::CloudTrail::Trail', 'AwsCloudTrailTrail'],
    ['AWS::SecretsManager::Secret', 'AwsSecretsManagerSecret'],
    ['AWS::::Account', 'AwsAccount'],
    ['AWS::ECR::Image', 'AwsEcrContainerImage'],
    ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'AwsElbv2LoadBalancer'],
    ['AWS::WAFv2::WebACL', 'AwsWafv2WebAcl'],
  ];
  for (const [ocsf, asff] of cases) it(`${ocsf} is ${asff}`, () => expect(asffResourceType(ocsf)).toBe(asff));

  it('keeps names that are already ASFF, or not CloudFormation-style', () => {
    for (const type of [
      'AwsLambdaFunction',
      'AwsEc2Instance',
      'Other',
      'GcpGceVmInstance',
      'carb le multimedia',
    ])
      expect(asffResourceType(type)).toBe(type);
  });

  it('gives every CloudFormation-style name an Aws… name of letters and digits, and is idempotent', () => {
    const part = fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,15}$/);
    fc.assert(
      fc.property(part, part, (service, resource) => {
        const asff = asffResourceType(`AWS::${service}::${resource}`);
        expect(asff).toMatch(/^Aws[A-Za-z0-9]+$/);
        expect(asffResourceType(asff)).toBe(asff);
      }),
    );
  });
});

// The way back, for V2 filters written in ASFF's vocabulary (src/sync/filters-v2.ts).
describe('ocsfResourceType', () => {
  it('inverts asffResourceType on every CloudFormation name it knows, each ASFF name once', () => {
    const asffNames = KNOWN_CLOUDFORMATION_TYPES.map(asffResourceType);
    expect(new Set(asffNames).size).toBe(KNOWN_CLOUDFORMATION_TYPES.length);
    for (const name of KNOWN_CLOUDFORMATION_TYPES)
      expect(ocsfResourceType(asffResourceType(name))).toBe(name);
  });

  const cases: [string, string | undefined][] = [
    ['AwsEc2Instance', 'AWS::EC2::Instance'],
    ['AwsRdsDbInstance', 'AWS::RDS::DBInstance'],
    ['AwsDynamoDbTable', 'AWS::DynamoDB::Table'],
    ['AwsAccount', 'AWS::::Account'],
    ['AwsEcrContainerImage', 'AWS::ECR::Image'],
    ['AwsElbv2LoadBalancer', 'AWS::ElasticLoadBalancingV2::LoadBalancer'],
    ['AwsAppSyncGraphQlApi', 'AWS::AppSync::GraphQLApi'],
    ['AWS::EC2::Instance', 'AWS::EC2::Instance'],
    ['AwsQuantumComputer', undefined],
    ['Other', undefined],
  ];
  for (const [asff, ocsf] of cases) it(`${asff} is ${ocsf}`, () => expect(ocsfResourceType(asff)).toBe(ocsf));
});
