import type { TransformMapDefinition } from './transform-map.ts';

// The built-in maps, the same for every tenant and read-only; a tenant clones one to change it.

export const VULNERABILITY_MAP_KEY = 'aws-security-hub-vulnerability';

/**
 * "AWS Security Hub – Vulnerability": every field of the vulnerability map security teams know
 * from other platforms, read from where real ASFF keeps it. Where the usual industry mapping is
 * wrong, the entry says what it does instead, and why.
 */
export const VULNERABILITY_MAP: TransformMapDefinition = {
  key: VULNERABILITY_MAP_KEY,
  name: 'AWS Security Hub – Vulnerability',
  description:
    'Maps Security Hub findings (ASFF) of every product — Inspector, GuardDuty, CSPM controls, partners — to Hubgraph findings. Vulnerability fields come from Vulnerabilities[].Cvss[] by version, preferring the environment-adjusted score.',
  entries: [
    {
      target: 'externalAssetId',
      source: 'Resources[0].Id',
      required: true,
      description:
        'The resource ARN of the primary resource. Many mappings use the AMI id (Details.AwsEc2Instance.ImageId) here, but one image backs many instances: that merges unrelated machines into one asset and their risk into one score. The image id stays a detail of the asset.',
    },
    { target: 'findingName', source: 'Title', required: true, description: 'ASFF Title (≤ 256 characters).' },
    {
      target: 'externalFindingId',
      source: 'ProductFields["aws/securityhub/FindingId"] ?? Id',
      required: true,
      description:
        "Security Hub's own finding id (ProductArn/Id), set by the service; the provider's Id where it is absent.",
    },
    {
      target: 'findingSeverity',
      source: 'Severity.Label ?? FindingProviderFields.Severity.Label',
      transform: 'severityLevel',
      description:
        "The Security Hub label as a level 1–5. Findings with no label (only Severity.Original, as some partners send) get the connector's default severity.",
    },
    { target: 'findingDescription', source: 'Description', required: true },
    {
      target: 'findingFirstFoundOn',
      source: 'FirstObservedAt ?? CreatedAt',
      transform: 'date',
      description:
        'When the problem was first observed; CreatedAt (when the finding was created) where the product does not say.',
    },
    {
      target: 'findingLastFoundOn',
      source: 'LastObservedAt ?? UpdatedAt',
      transform: 'date',
      description: 'When the problem was last observed; UpdatedAt where the product does not say.',
    },
    {
      target: 'productName',
      source: 'ProductName ?? ProductFields["aws/securityhub/ProductName"]',
      description:
        'Set by Security Hub on every finding it returns; a pasted finding without it is stored as "Unknown".',
    },
    {
      target: 'recommendation',
      source: 'Vulnerabilities[*].VulnerablePackages[*] ?? Remediation.Recommendation.Text',
      transform: 'recommendation',
      description:
        'For package vulnerabilities, each package\'s own fix ("Update jetty-server to 9.4.6.v20170531", else an upgrade to its fixed version); else the product\'s recommendation. Inspector\'s placeholders ("None Provided", "Remediation is available. Please refer to the Fixed version…") are skipped: they say nothing the package does not say better.',
    },
    {
      target: 'vulnerablePackageName',
      source: 'Vulnerabilities[0].VulnerablePackages[0].Name',
      description:
        'The vulnerable package (the first of the first vulnerability), e.g. org.eclipse.jetty:jetty-server.',
    },
    {
      target: 'vulnerablePackageVersion',
      source: 'Vulnerabilities[0].VulnerablePackages[0].Version',
      description: 'The version installed.',
    },
    {
      target: 'fixedVersion',
      source: 'Vulnerabilities[0].VulnerablePackages[0].FixedInVersion',
      description: 'The version that fixes it, when there is one.',
    },
    {
      target: 'cvssV2Base',
      source: 'Vulnerabilities[*]',
      transform: 'cvssBaseScore',
      args: { version: '2' },
      description: 'CVSS v2 base score from Vulnerabilities[].Cvss[] where Version is 2.x.',
    },
    {
      target: 'cvss3Base',
      source: 'Vulnerabilities[*]',
      transform: 'cvssBaseScore',
      args: { version: '3' },
      description:
        "CVSS v3.x base score. Inspector sends NVD's score and, when the environment changes it, an adjusted entry (with Adjustments): the adjusted one describes this deployment, so it wins.",
    },
    {
      target: 'isExploitAvailable',
      source: 'Vulnerabilities[*].ExploitAvailable',
      transform: 'yesNoToBoolean',
      description: 'True when any vulnerability has a known exploit.',
    },
    {
      target: 'isPatchAvailable',
      source: 'Vulnerabilities[*].FixAvailable',
      transform: 'yesNoToBoolean',
      args: { partial: false },
      description:
        'True when a fix exists for every vulnerable package (YES). PARTIAL is false here and kept as is in fixAvailable.',
    },
    {
      target: 'references',
      source: 'Vulnerabilities[*].ReferenceUrls ?? Remediation.Recommendation.Url ?? SourceUrl',
      description:
        'Reference URLs of the vulnerabilities; for other findings the remediation page or the product console link.',
    },
    {
      target: 'assetName',
      source: 'Resources[0]',
      transform: 'resourceName',
      description:
        "The primary resource's name, as its asset is named: the Name tag, else the name in its details (bucket, function, access key user, role, image…), else the name in its ARN, else a non-ARN resource Id that is not a placeholder. Never a whole ARN.",
    },
    {
      target: 'cloudInstanceId',
      source: 'ProductFields["aws/inspector/instanceId"] ?? Resources[Type=AwsEc2Instance].Id',
      transform: 'lastSegment',
      description:
        'The EC2 instance id, for findings about instances (from the instance ARN when Inspector does not name it).',
    },
    {
      target: 'systemType',
      source: 'Resources[0].Type',
      description: 'The ASFF resource type, e.g. AwsEc2Instance.',
    },
  ],
};

export const BUILT_IN_TRANSFORM_MAPS: readonly TransformMapDefinition[] = [VULNERABILITY_MAP];
