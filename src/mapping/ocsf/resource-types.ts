// OCSF findings from Security Hub name resource types the CloudFormation way (`AWS::EC2::Instance`);
// ASFF names them `AwsEc2Instance`. Assets, filters and asset identity use one vocabulary, the
// ASFF one, so the same instance found by CSPM and by the new Security Hub is one asset.

/**
 * Where the ASFF name is not the CloudFormation name with its parts joined: ASFF abbreviates a few
 * services and names some resources differently (research/ocsf-v2.md §2; ASFF resource types in the
 * Security Hub user guide).
 */
const ASFF_NAMES: Record<string, string> = {
  'AWS::::Account': 'AwsAccount',
  'AWS::ECR::Image': 'AwsEcrContainerImage',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'AwsElbv2LoadBalancer',
  'AWS::ElasticLoadBalancing::LoadBalancer': 'AwsElbLoadBalancer',
  'AWS::Elasticsearch::Domain': 'AwsElasticsearchDomain',
  'AWS::SSM::PatchCompliance': 'AwsSsmPatchCompliance',
  'AWS::WAF::WebACL': 'AwsWafWebAcl',
  'AWS::WAFv2::WebACL': 'AwsWafv2WebAcl',
  'AWS::WAFv2::RuleGroup': 'AwsWafv2RuleGroup',
  'AWS::WAFRegional::WebACL': 'AwsWafRegionalWebAcl',
  'AWS::StepFunctions::StateMachine': 'AwsStepFunctionStateMachine',
  'AWS::Events::EventBus': 'AwsEventsEventbus',
  'AWS::EC2::VPC': 'AwsEc2Vpc',
  'AWS::EC2::EIP': 'AwsEc2Eip',
  'AWS::EC2::VPNConnection': 'AwsEc2VpnConnection',
};

/**
 * The ASFF resource type for an OCSF one: `AWS::EC2::Instance` → `AwsEc2Instance`,
 * `AWS::RDS::DBInstance` → `AwsRdsDbInstance`, `AWS::DynamoDB::Table` → `AwsDynamoDbTable`. A type
 * already in ASFF form (`AwsLambdaFunction`, as the exposure findings send), or one that is not
 * CloudFormation-style (`Other`, a partner's own), is kept as it is.
 */
export function asffResourceType(type: string): string {
  const known = ASFF_NAMES[type];
  if (known) return known;
  const parts = /^AWS::([A-Za-z0-9]+)::([A-Za-z0-9]+)$/.exec(type);
  if (!parts) return type;
  return `Aws${pascal(parts[1]!)}${pascal(parts[2]!)}`;
}

/**
 * One word of a CloudFormation name the ASFF way: a run of capitals is an acronym that keeps only
 * its first capital (`EC2` → `Ec2`, `SQS` → `Sqs`), and where it runs into a word the last capital
 * starts that word (`DBInstance` → `DbInstance`, `DynamoDB` → `DynamoDb`).
 */
function pascal(word: string): string {
  return word
    .replace(/[A-Z0-9]{2,}(?=[A-Z][a-z]|$)/g, (run) => run[0] + run.slice(1).toLowerCase())
    .replace(/^[a-z]/, (first) => first.toUpperCase());
}

/**
 * The CloudFormation names of the ASFF resource types (Security Hub user guide, "Resources" of the
 * ASFF): what the new Security Hub calls them. The way back from ASFF cannot be computed (`Ec2` was
 * `EC2`, `DbInstance` was `DBInstance`), so it is this list, each name checked against
 * `asffResourceType` (test/unit/mapping/ocsf-resource-types.test.ts) so the two directions agree.
 */
const CLOUDFORMATION_NAMES = [
  ...Object.keys(ASFF_NAMES),
  'AWS::AmazonMQ::Broker',
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGateway::Stage',
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Stage',
  'AWS::AppSync::GraphQLApi',
  'AWS::Athena::WorkGroup',
  'AWS::AutoScaling::AutoScalingGroup',
  'AWS::AutoScaling::LaunchConfiguration',
  'AWS::Backup::BackupPlan',
  'AWS::Backup::BackupVault',
  'AWS::Backup::RecoveryPoint',
  'AWS::CertificateManager::Certificate',
  'AWS::CloudFormation::Stack',
  'AWS::CloudFront::Distribution',
  'AWS::CloudTrail::Trail',
  'AWS::CloudWatch::Alarm',
  'AWS::CodeBuild::Project',
  'AWS::DMS::Endpoint',
  'AWS::DMS::ReplicationInstance',
  'AWS::DMS::ReplicationTask',
  'AWS::DynamoDB::Table',
  'AWS::EC2::ClientVpnEndpoint',
  'AWS::EC2::Instance',
  'AWS::EC2::LaunchTemplate',
  'AWS::EC2::NetworkAcl',
  'AWS::EC2::NetworkInterface',
  'AWS::EC2::RouteTable',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::Subnet',
  'AWS::EC2::TransitGateway',
  'AWS::EC2::Volume',
  'AWS::EC2::VPCEndpointService',
  'AWS::EC2::VPCPeeringConnection',
  'AWS::ECR::Repository',
  'AWS::ECS::Cluster',
  'AWS::ECS::Container',
  'AWS::ECS::Service',
  'AWS::ECS::Task',
  'AWS::ECS::TaskDefinition',
  'AWS::EFS::AccessPoint',
  'AWS::EKS::Cluster',
  'AWS::ElasticBeanstalk::Environment',
  'AWS::EventSchemas::Registry',
  'AWS::Events::Endpoint',
  'AWS::GuardDuty::Detector',
  'AWS::IAM::AccessKey',
  'AWS::IAM::Group',
  'AWS::IAM::Policy',
  'AWS::IAM::Role',
  'AWS::IAM::User',
  'AWS::Kinesis::Stream',
  'AWS::KMS::Key',
  'AWS::Lambda::Function',
  'AWS::Lambda::LayerVersion',
  'AWS::MSK::Cluster',
  'AWS::NetworkFirewall::Firewall',
  'AWS::NetworkFirewall::FirewallPolicy',
  'AWS::NetworkFirewall::RuleGroup',
  'AWS::OpenSearchService::Domain',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBClusterSnapshot',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBSecurityGroup',
  'AWS::RDS::DBSnapshot',
  'AWS::RDS::EventSubscription',
  'AWS::Redshift::Cluster',
  'AWS::Route53::HostedZone',
  'AWS::S3::AccessPoint',
  'AWS::S3::AccountPublicAccessBlock',
  'AWS::S3::Bucket',
  'AWS::S3::Object',
  'AWS::SageMaker::NotebookInstance',
  'AWS::SecretsManager::Secret',
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::WAF::RateBasedRule',
  'AWS::WAF::Rule',
  'AWS::WAF::RuleGroup',
  'AWS::WAFRegional::RateBasedRule',
  'AWS::WAFRegional::Rule',
  'AWS::WAFRegional::RuleGroup',
];

const CLOUDFORMATION_OF_ASFF = new Map(CLOUDFORMATION_NAMES.map((name) => [asffResourceType(name), name]));

/** Every CloudFormation name this module knows, for its own consistency test. */
export const KNOWN_CLOUDFORMATION_TYPES: readonly string[] = CLOUDFORMATION_NAMES;

/**
 * The OCSF (CloudFormation) resource type for an ASFF one, `AwsEc2Instance` → `AWS::EC2::Instance`:
 * the inverse of `asffResourceType` on the types this module knows; a type already CloudFormation-style
 * is itself; undefined for an `Aws…` type it does not know (its CloudFormation spelling cannot be guessed).
 */
export function ocsfResourceType(type: string): string | undefined {
  if (/^AWS::[A-Za-z0-9]*::[A-Za-z0-9]+$/.test(type)) return type;
  return CLOUDFORMATION_OF_ASFF.get(type);
}
