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
