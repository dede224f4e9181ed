import type { TransformMapDefinition } from '../transform-map.ts';

// The built-in map for OCSF findings (the new Security Hub's GetFindingsV2): the same target fields
// as the ASFF map (built-in-maps.ts), read from where OCSF keeps them, so a finding means the same
// whichever format it came in (issue 15 §3; research/ocsf-v2.md §2 has the field correspondence).

export const OCSF_VULNERABILITY_MAP_KEY = 'aws-security-hub-ocsf-vulnerability';

export const OCSF_VULNERABILITY_MAP: TransformMapDefinition = {
  key: OCSF_VULNERABILITY_MAP_KEY,
  name: 'AWS Security Hub (OCSF) – Vulnerability',
  format: 'OCSF',
  description:
    'Maps OCSF findings of the new Security Hub — Vulnerability (2002), Compliance (2003), Detection (2004) and Data Security (2006) findings, and any other class — to Hubgraph findings, with the same fields as the ASFF map.',
  entries: [
    {
      target: 'externalAssetId',
      source: 'resources[0] ?? resource',
      transform: 'resourceArn',
      required: true,
      description:
        "The primary resource's ARN, from `uid_alt` (Security Hub puts the ARN there; `uid` is the raw id, e.g. an instance id or a queue URL). OCSF 1.1 Compliance Findings name their one resource `resource`.",
    },
    {
      target: 'findingName',
      source: 'finding_info.title ?? finding.title',
      required: true,
      description: 'OCSF finding_info.title (`finding` in OCSF 1.0).',
    },
    {
      target: 'externalFindingId',
      source: 'metadata.uid ?? finding_info.uid ?? finding.uid',
      required: true,
      description:
        "Security Hub's globally unique metadata.uid (what BatchUpdateFindingsV2 accepts); the finding's uid where a producer sends none.",
    },
    {
      target: 'findingSeverity',
      source: 'severity_id',
      transform: 'ocsfSeverityLevel',
      description:
        "severity_id as a level 1–5 (Fatal counts as Critical); Unknown and Other get the connector's default.",
    },
    { target: 'findingDescription', source: 'finding_info.desc ?? finding.desc ?? finding_info.title' },
    {
      target: 'findingFirstFoundOn',
      source:
        'finding_info.first_seen_time_dt ?? finding_info.first_seen_time ?? finding_info.created_time_dt ?? finding_info.created_time ?? finding.first_seen_time ?? finding.created_time',
      transform: 'ocsfTime',
      description: 'first_seen_time, else created_time: the ISO text (`_dt`), else the epoch milliseconds.',
    },
    {
      target: 'findingLastFoundOn',
      source:
        'finding_info.last_seen_time_dt ?? finding_info.last_seen_time ?? finding_info.modified_time_dt ?? finding_info.modified_time ?? finding.last_seen_time ?? finding.modified_time ?? time_dt ?? time',
      transform: 'ocsfTime',
      description: 'last_seen_time, else modified_time, else the event time.',
    },
    { target: 'productName', source: 'metadata.product.name' },
    {
      target: 'recommendation',
      source: 'vulnerabilities[*].affected_packages[*] ?? remediation.desc ?? finding.remediation.desc',
      transform: 'recommendation',
      description:
        'Each affected package\'s own remediation ("yum update python"), else an upgrade to its fixed version; else the finding\'s remediation text.',
    },
    { target: 'vulnerablePackageName', source: 'vulnerabilities[0].affected_packages[0].name' },
    { target: 'vulnerablePackageVersion', source: 'vulnerabilities[0].affected_packages[0].version' },
    { target: 'fixedVersion', source: 'vulnerabilities[0].affected_packages[0].fixed_in_version' },
    {
      target: 'cvssV2Base',
      source: 'vulnerabilities[*]',
      transform: 'cvssBaseScore',
      args: { version: '2' },
      description: 'CVSS v2 base score from vulnerabilities[].cve.cvss[], by the rule the ASFF map uses.',
    },
    {
      target: 'cvss3Base',
      source: 'vulnerabilities[*]',
      transform: 'cvssBaseScore',
      args: { version: '3' },
      description: 'CVSS v3.x base score from vulnerabilities[].cve.cvss[], by the rule the ASFF map uses.',
    },
    {
      target: 'isExploitAvailable',
      source: 'vulnerabilities[*].is_exploit_available',
      transform: 'anyTrue',
      description: 'True when any vulnerability has a known exploit.',
    },
    {
      target: 'isPatchAvailable',
      source: 'vulnerabilities[*].is_fix_available',
      transform: 'allTrue',
      description:
        'True when every vulnerability has a fix. A partial fix (fix_coverage Partial) is kept as PARTIAL in fixAvailable.',
    },
    {
      target: 'references',
      source: 'vulnerabilities[*].references ?? remediation.references ?? finding_info.src_url',
      description:
        'Reference URLs of the vulnerabilities; for other findings the remediation pages or the console link.',
    },
    {
      target: 'assetName',
      source: 'resources[0] ?? resource',
      transform: 'resourceName',
      description:
        'The primary resource named as its asset is: Name tag, details, the name in its ARN, else its id.',
    },
    {
      target: 'cloudInstanceId',
      source: 'resources[type="AWS::EC2::Instance"].uid',
      transform: 'lastSegment',
      description: 'The EC2 instance id, for findings about instances.',
    },
    {
      target: 'systemType',
      source: 'resources[0].type ?? resource.type',
      transform: 'asffResourceType',
      description:
        'The resource type in the ASFF vocabulary (AWS::EC2::Instance → AwsEc2Instance), as the ASFF map stores it.',
    },
  ],
};
