import type { AwsSecurityFinding, Resource, Vulnerability } from '@aws-sdk/client-securityhub';
import {
  CONTROLS,
  type ControlEntry,
  CVES,
  type CveEntry,
  GUARDDUTY_TYPES,
  PARTNER_CHECKS,
  STANDARDS,
} from './catalog.ts';
import { type Random, seededRandom } from './random.ts';

// ASFF findings shaped like the real samples (Inspector v2 EC2/ECR/Lambda package vulnerabilities,
// GuardDuty, Security Hub CSPM controls, a partner that only sends Severity.Original), built from a
// seeded Random so the same seed gives the same bytes.

export const SCHEMA_VERSION = '2018-10-08';

export type Label = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
const NORMALIZED: Record<Label, number> = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 40, HIGH: 70, CRITICAL: 90 };

export interface Times {
  createdAt: string;
  updatedAt: string;
  firstObservedAt: string;
  lastObservedAt: string;
}

export interface Ec2Instance {
  kind: 'ec2';
  accountId: string;
  region: string;
  instanceId: string;
  imageId: string;
  privateIp: string;
  publicIp: string | null;
  vpcId: string;
  subnetId: string;
  instanceType: string;
  platform: string;
  launchedAt: string;
  tags: Record<string, string>;
}

export interface ContainerImage {
  kind: 'ecr';
  accountId: string;
  region: string;
  repository: string;
  digest: string;
  imageTags: string[];
  publishedAt: string;
  architecture: string;
}

export interface LambdaFunction {
  kind: 'lambda';
  accountId: string;
  region: string;
  name: string;
  runtime: string;
  version: string;
  tags: Record<string, string>;
}

export type Workload = Ec2Instance | ContainerImage | LambdaFunction;

const PLATFORMS = ['AMAZON_LINUX_2023', 'AMAZON_LINUX_2', 'UBUNTU_22_04', 'DEBIAN_12', 'WINDOWS_SERVER_2022'];
const INSTANCE_TYPES = ['t3.medium', 'm6i.large', 'c6g.xlarge', 'r6i.2xlarge', 't3.micro'];
const REPOSITORIES = [
  'payments-api',
  'checkout-web',
  'ledger-worker',
  'auth-service',
  'search-indexer',
  'report-builder',
];
const FUNCTION_NAMES = [
  'invoice-renderer',
  'thumbnail-maker',
  'audit-forwarder',
  'token-rotator',
  'slack-notifier',
];
const RUNTIMES = ['python3.9', 'python3.12', 'nodejs18.x', 'nodejs20.x', 'java17'];
const TEAMS = ['payments', 'checkout', 'platform', 'identity', 'data'];
const APP_NAMES = ['web', 'api', 'batch', 'bastion', 'worker', 'db-proxy'];

/** An EC2 instance; `images` is a small pool so that many instances share one AMI, as in real fleets. */
export function anEc2Instance(
  random: Random,
  accountId: string,
  region: string,
  images: readonly string[],
): Ec2Instance {
  const instanceId = `i-0${random.hex(16)}`;
  const app = random.pick(APP_NAMES);
  const tags: Record<string, string> = { team: random.pick(TEAMS) };
  if (random.chance(0.8)) tags.Name = `${app}-${random.int(1, 40)}`;
  if (random.chance(0.35)) tags.Criticality = String(random.int(1, 5));
  const publicIp = random.chance(0.15)
    ? `${random.pick([3, 18, 34, 52, 54])}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`
    : null;
  if (publicIp && random.chance(0.5)) tags.exposure = 'internet';
  return {
    kind: 'ec2',
    accountId,
    region,
    instanceId,
    imageId: random.pick(images),
    privateIp: `10.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`,
    publicIp,
    vpcId: `vpc-0${random.hex(16)}`,
    subnetId: `subnet-0${random.hex(16)}`,
    instanceType: random.pick(INSTANCE_TYPES),
    platform: random.pick(PLATFORMS),
    launchedAt: '2026-06-01T08:00:00.000Z',
    tags,
  };
}

export function aContainerImage(random: Random, accountId: string, region: string): ContainerImage {
  const repository = random.pick(REPOSITORIES);
  return {
    kind: 'ecr',
    accountId,
    region,
    repository,
    digest: `sha256:${random.hex(64)}`,
    imageTags: [
      `${random.int(1, 4)}.${random.int(0, 20)}.${random.int(0, 9)}`,
      ...(random.chance(0.3) ? ['latest'] : []),
    ],
    publishedAt: '2026-08-15T10:30:00.000Z',
    architecture: random.pick(['amd64', 'arm64']),
  };
}

export function aLambdaFunction(random: Random, accountId: string, region: string): LambdaFunction {
  return {
    kind: 'lambda',
    accountId,
    region,
    name: `${random.pick(FUNCTION_NAMES)}-${random.hex(4)}`,
    runtime: random.pick(RUNTIMES),
    version: '$LATEST',
    tags: { team: random.pick(TEAMS) },
  };
}

export function workloadArn(workload: Workload): string {
  switch (workload.kind) {
    case 'ec2':
      return `arn:aws:ec2:${workload.region}:${workload.accountId}:instance/${workload.instanceId}`;
    case 'ecr':
      return `arn:aws:ecr:${workload.region}:${workload.accountId}:repository/${workload.repository}/${workload.digest}`;
    case 'lambda':
      return `arn:aws:lambda:${workload.region}:${workload.accountId}:function:${workload.name}:${workload.version}`;
  }
}

export function asffResource(workload: Workload): Resource {
  const base = { Id: workloadArn(workload), Partition: 'aws' as const, Region: workload.region };
  switch (workload.kind) {
    case 'ec2':
      return {
        ...base,
        Type: 'AwsEc2Instance',
        Tags: workload.tags,
        Details: {
          AwsEc2Instance: {
            Type: workload.instanceType,
            ImageId: workload.imageId,
            IpV4Addresses: workload.publicIp ? [workload.privateIp, workload.publicIp] : [workload.privateIp],
            KeyName: 'ops-key',
            IamInstanceProfileArn: `arn:aws:iam::${workload.accountId}:instance-profile/app-role`,
            VpcId: workload.vpcId,
            SubnetId: workload.subnetId,
            LaunchedAt: workload.launchedAt,
            Platform: workload.platform,
          } as never,
        },
      };
    case 'ecr':
      return {
        ...base,
        Type: 'AwsEcrContainerImage',
        Details: {
          AwsEcrContainerImage: {
            RegistryId: workload.accountId,
            RepositoryName: workload.repository,
            Architecture: workload.architecture,
            ImageDigest: workload.digest,
            ImageTags: workload.imageTags,
            ImagePublishedAt: workload.publishedAt,
          },
        },
      };
    case 'lambda':
      return {
        ...base,
        Type: 'AwsLambdaFunction',
        Tags: workload.tags,
        Details: {
          AwsLambdaFunction: {
            FunctionName: workload.name,
            Runtime: workload.runtime,
            Version: workload.version,
            Architectures: ['x86_64'],
            PackageType: 'Zip',
            Role: `arn:aws:iam::${workload.accountId}:role/${workload.name}-role`,
            Handler: 'index.handler',
          },
        },
      };
  }
}

function productArn(region: string, product: string): string {
  return `arn:aws:securityhub:${region}::product/aws/${product}`;
}

function withFindingId(finding: AwsSecurityFinding): AwsSecurityFinding {
  finding.ProductFields = {
    ...finding.ProductFields,
    'aws/securityhub/FindingId': `${finding.ProductArn}/${finding.Id}`,
    'aws/securityhub/ProductName': finding.ProductName!,
    'aws/securityhub/CompanyName': finding.CompanyName!,
  };
  return finding;
}

function labelOfScore(score: number): Label {
  if (score >= 9) return 'CRITICAL';
  if (score >= 7) return 'HIGH';
  if (score >= 4) return 'MEDIUM';
  if (score > 0) return 'LOW';
  return 'INFORMATIONAL';
}

/** An Amazon Inspector (v2) package vulnerability on an EC2 instance, container image or Lambda function. */
export function anInspectorFinding(
  random: Random,
  workload: Workload,
  cve: CveEntry,
  times: Times,
): AwsSecurityFinding {
  const region = workload.region;
  // Inspector adjusts the CVSS score to the environment (e.g. no network path lowers it).
  const adjusted = random.chance(0.4);
  const inspectorScore = adjusted
    ? Math.max(1, Math.round((cve.cvss3 - random.int(5, 20) / 10) * 10) / 10)
    : cve.cvss3;
  const label = labelOfScore(inspectorScore);
  const fix = cve.fixedIn === null ? 'NO' : random.chance(0.1) ? 'PARTIAL' : 'YES';
  const cvss: NonNullable<Vulnerability['Cvss']> = [
    {
      Version: cve.vector3.startsWith('CVSS:3.0') ? '3.0' : '3.1',
      BaseScore: cve.cvss3,
      BaseVector: cve.vector3,
      Source: 'NVD',
    },
  ];
  if (adjusted) {
    cvss.push({
      Version: '3.1',
      BaseScore: inspectorScore,
      BaseVector: cve.vector3.replace('AV:N', 'AV:A'),
      Source: 'AMAZON_INSPECTOR',
      Adjustments: [{ Metric: 'AttackVector', Reason: 'VPC is not reachable from the internet' }],
    });
  }
  if (cve.cvss2 !== null && cve.vector2 !== null)
    cvss.push({ Version: '2.0', BaseScore: cve.cvss2, BaseVector: cve.vector2, Source: 'NVD' });
  const resourceKind =
    workload.kind === 'ec2'
      ? 'awsEc2InstanceDetails'
      : workload.kind === 'ecr'
        ? 'awsEcrContainerImageDetails'
        : 'awsLambdaFunctionDetails';
  const finding: AwsSecurityFinding = {
    SchemaVersion: SCHEMA_VERSION,
    Id: `arn:aws:inspector2:${region}:${workload.accountId}:finding/${random.hex(32)}`,
    ProductArn: productArn(region, 'inspector'),
    ProductName: 'Inspector',
    CompanyName: 'Amazon',
    Region: region,
    GeneratorId: 'AWSInspector',
    AwsAccountId: workload.accountId,
    Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
    FirstObservedAt: times.firstObservedAt,
    LastObservedAt: times.lastObservedAt,
    CreatedAt: times.createdAt,
    UpdatedAt: times.updatedAt,
    Severity: { Label: label, Normalized: NORMALIZED[label] },
    Title: `${cve.id} - ${cve.package}`,
    Description: cve.summary,
    Remediation: {
      Recommendation: {
        Text:
          fix === 'NO'
            ? 'None Provided'
            : 'Remediation is available. Please refer to the Fixed version in the vulnerability details section above. For detailed remediation guidance for each of the affected packages, refer to the vulnerabilities section of the detailed finding JSON.',
      },
    },
    ProductFields: {
      'aws/inspector/FindingStatus': 'ACTIVE',
      'aws/inspector/inspectorScore': String(inspectorScore),
      [`aws/inspector/resources/1/resourceDetails/${resourceKind}/platform`]:
        workload.kind === 'ec2'
          ? workload.platform
          : workload.kind === 'ecr'
            ? 'DEBIAN_12'
            : workload.runtime.toUpperCase(),
      'aws/inspector/ProductVersion': '2',
      ...(workload.kind === 'ec2' ? { 'aws/inspector/instanceId': workload.instanceId } : {}),
    },
    Resources: [asffResource(workload)],
    WorkflowState: 'NEW',
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
    Vulnerabilities: [
      {
        Id: cve.id,
        VulnerablePackages: [
          {
            Name: cve.package,
            Version: cve.version,
            Epoch: '0',
            Release: random.chance(0.5) ? `${random.int(1, 9)}.el9` : undefined,
            Architecture: workload.kind === 'ecr' ? workload.architecture : 'x86_64',
            PackageManager: cve.packageManager,
            FixedInVersion: cve.fixedIn ?? 'NotAvailable',
            Remediation: cve.fixedIn ? `Upgrade ${cve.package} to ${cve.fixedIn}` : 'None Provided',
            FilePath: cve.packageManager === 'OS' ? undefined : `/app/lib/${cve.package}-${cve.version}`,
          },
        ],
        Cvss: cvss,
        Vendor: {
          Name: 'NVD',
          Url: `https://nvd.nist.gov/vuln/detail/${cve.id}`,
          VendorSeverity: labelOfScore(cve.cvss3),
          VendorCreatedAt: '2024-01-10T15:15:00.000Z',
          VendorUpdatedAt: '2025-02-03T11:20:00.000Z',
        },
        ReferenceUrls: [
          `https://nvd.nist.gov/vuln/detail/${cve.id}`,
          `https://www.cve.org/CVERecord?id=${cve.id}`,
        ],
        FixAvailable: fix,
        ExploitAvailable: cve.exploit ? 'YES' : 'NO',
        EpssScore: cve.epss,
        ...(cve.exploit && random.chance(0.5) ? { LastKnownExploitAt: '2026-09-12T00:00:00.000Z' } : {}),
      },
    ],
    FindingProviderFields: {
      Severity: { Label: label },
      Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
    },
  };
  return withFindingId(finding);
}

export type ControlTarget =
  | Ec2Instance
  | { kind: 'account'; accountId: string; region: string }
  | { kind: 'bucket' | 'iam-user'; accountId: string; region: string; name: string };

function controlResource(target: ControlTarget): Resource {
  switch (target.kind) {
    case 'ec2':
      return asffResource(target);
    case 'account':
      return {
        Type: 'AwsAccount',
        Id: `AWS::::Account:${target.accountId}`,
        Partition: 'aws',
        Region: target.region,
      };
    case 'bucket':
      return {
        Type: 'AwsS3Bucket',
        Id: `arn:aws:s3:::${target.name}`,
        Partition: 'aws',
        Region: target.region,
      };
    case 'iam-user':
      return {
        Type: 'AwsIamUser',
        Id: `arn:aws:iam::${target.accountId}:user/${target.name}`,
        Partition: 'aws',
        Region: target.region,
      };
  }
}

/**
 * A Security Hub CSPM control finding. With `standard`, the legacy per-standard form (one finding
 * per standard, generator `<standard>/<control>`); without, the consolidated form
 * (`security-control/<control>`, every associated standard listed).
 */
export function aControlFinding(
  random: Random,
  target: ControlTarget,
  control: ControlEntry,
  status: 'PASSED' | 'FAILED' | 'WARNING' | 'NOT_AVAILABLE',
  times: Times,
  standard?: (typeof STANDARDS)[number],
): AwsSecurityFinding {
  const region = target.region;
  const label: Label = status === 'PASSED' ? 'INFORMATIONAL' : control.severity;
  const generatorId = standard ? `${standard.id}/${control.id}` : `security-control/${control.id}`;
  const idPath = standard ? `subscription/${standard.id}/${control.id}` : `security-control/${control.id}`;
  const finding: AwsSecurityFinding = {
    SchemaVersion: SCHEMA_VERSION,
    Id: `arn:aws:securityhub:${region}:${target.accountId}:${idPath}/finding/${random.uuid()}`,
    ProductArn: productArn(region, 'securityhub'),
    ProductName: 'Security Hub',
    CompanyName: 'AWS',
    Region: region,
    GeneratorId: generatorId,
    AwsAccountId: target.accountId,
    Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    FirstObservedAt: times.firstObservedAt,
    LastObservedAt: times.lastObservedAt,
    CreatedAt: times.createdAt,
    UpdatedAt: times.updatedAt,
    Severity: { Label: label, Normalized: NORMALIZED[label], Original: control.severity },
    Title: control.title,
    Description: control.description,
    Remediation: {
      Recommendation: {
        Text: 'For information on how to correct this issue, consult the AWS Security Hub controls documentation.',
        Url: `https://docs.aws.amazon.com/console/securityhub/${control.id}/remediation`,
      },
    },
    ProductFields: {
      'RelatedAWSResources:0/name': `securityhub-${control.id.toLowerCase().replace('.', '-')}-${random.hex(8)}`,
      'RelatedAWSResources:0/type': 'AWS::Config::ConfigRule',
      ...(standard ? { StandardsArn: standard.arn.replace('{region}', region), ControlId: control.id } : {}),
      'Resources:0/Id': controlResource(target).Id!,
    },
    Resources: [controlResource(target)],
    Compliance: {
      Status: status,
      SecurityControlId: control.id,
      RelatedRequirements: ['NIST.800-53.r5 CM-2', 'NIST.800-53.r5 CM-6'],
      AssociatedStandards: standard
        ? [{ StandardsId: `standards/${standard.id}` }]
        : STANDARDS.slice(0, 2).map((s) => ({ StandardsId: `standards/${s.id}` })),
    },
    WorkflowState: status === 'PASSED' ? 'RESOLVED' : 'NEW',
    // Control findings that pass are resolved by Security Hub itself.
    Workflow: { Status: status === 'PASSED' ? 'RESOLVED' : 'NEW' },
    RecordState: 'ACTIVE',
    FindingProviderFields: {
      Severity: { Label: label, Original: control.severity },
      Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    },
  };
  return withFindingId(finding);
}

export function aGuardDutyFinding(random: Random, instance: Ec2Instance, times: Times): AwsSecurityFinding {
  const kind = random.pick(GUARDDUTY_TYPES);
  const detector = random.hex(32);
  const region = instance.region;
  const finding: AwsSecurityFinding = {
    SchemaVersion: SCHEMA_VERSION,
    Id: `arn:aws:guardduty:${region}:${instance.accountId}:detector/${detector}/finding/${random.hex(32)}`,
    ProductArn: productArn(region, 'guardduty'),
    ProductName: 'GuardDuty',
    CompanyName: 'Amazon',
    Region: region,
    GeneratorId: `arn:aws:guardduty:${region}:${instance.accountId}:detector/${detector}`,
    AwsAccountId: instance.accountId,
    Types: [kind.asffType],
    FirstObservedAt: times.firstObservedAt,
    LastObservedAt: times.lastObservedAt,
    CreatedAt: times.createdAt,
    UpdatedAt: times.updatedAt,
    // GuardDuty's 0–10 scale maps to Normalized = Product × 10, which can fall outside the label band.
    Severity: { Product: kind.severity, Label: kind.label, Normalized: kind.severity * 10 },
    Title: kind.title.replace('{instance}', instance.instanceId),
    Description: `EC2 instance ${instance.instanceId} shows activity associated with ${kind.type}.`,
    SourceUrl: `https://${region}.console.aws.amazon.com/guardduty/home?region=${region}#/findings?macros=current&fId=${random.hex(32)}`,
    ProductFields: {
      'aws/guardduty/service/action/actionType': kind.type.includes('DNS')
        ? 'DNS_REQUEST'
        : 'NETWORK_CONNECTION',
      'aws/guardduty/service/archived': 'false',
      'aws/guardduty/service/count': String(random.int(1, 40)),
      'aws/guardduty/service/detectorId': detector,
      'aws/guardduty/service/serviceName': 'guardduty',
    },
    Resources: [asffResource(instance)],
    WorkflowState: 'NEW',
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
    Network: kind.type.includes('SSH')
      ? {
          Direction: 'IN',
          Protocol: 'TCP',
          SourceIpV4: `198.51.100.${random.int(1, 254)}`,
          DestinationPort: 22,
        }
      : undefined,
    FindingProviderFields: { Severity: { Label: kind.label }, Types: [kind.asffType] },
  };
  return withFindingId(finding);
}

/** A partner product (a custom integration) that only sends `Severity.Original`, no label. */
export function aPartnerFinding(random: Random, instance: Ec2Instance, times: Times): AwsSecurityFinding {
  const check = random.pick(PARTNER_CHECKS);
  const region = instance.region;
  const arn = `arn:aws:securityhub:${region}:${instance.accountId}:product/${instance.accountId}/default`;
  return {
    SchemaVersion: SCHEMA_VERSION,
    Id: `acme-${check.id}-${instance.accountId}-${region}-${random.hex(16)}`,
    ProductArn: arn,
    ProductName: 'Default',
    CompanyName: 'Acme Scanner',
    Region: region,
    GeneratorId: `acme-${check.id}`,
    AwsAccountId: instance.accountId,
    Types: ['Software and Configuration Checks'],
    FirstObservedAt: times.firstObservedAt,
    LastObservedAt: times.lastObservedAt,
    CreatedAt: times.createdAt,
    UpdatedAt: times.updatedAt,
    Severity: { Original: check.original },
    Title: check.title,
    Description: `${check.title}. Found by Acme Scanner on ${instance.instanceId}.`,
    Remediation: {
      Recommendation: {
        Text: 'See the Acme Scanner console for the remediation steps.',
        Url: `https://acme.example/checks/${check.id}`,
      },
    },
    ProductFields: { 'acme/check': check.id },
    Resources: [asffResource(instance)],
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
  };
}

// --- Convenience builders for tests: realistic defaults, deterministic, overridable. -------------

const BASE_TIMES: Times = {
  createdAt: '2026-10-01T09:00:00.000Z',
  updatedAt: '2026-10-20T09:00:00.000Z',
  firstObservedAt: '2026-10-01T09:00:00.000Z',
  lastObservedAt: '2026-10-20T09:00:00.000Z',
};

type Overrides = Partial<AwsSecurityFinding>;

function build(
  seed: number,
  make: (random: Random) => AwsSecurityFinding,
  overrides: Overrides,
): AwsSecurityFinding {
  return { ...make(seededRandom(seed)), ...overrides };
}

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const testInstance = (random: Random) => anEc2Instance(random, ACCOUNT, REGION, ['ami-0abcdef1234567890']);

export function anInspectorEc2Asff(
  overrides: Overrides = {},
  seed = 1,
  cve: CveEntry = CVES[5]!,
): AwsSecurityFinding {
  return build(
    seed,
    (random) => anInspectorFinding(random, testInstance(random), cve, BASE_TIMES),
    overrides,
  );
}

export function anInspectorEcrAsff(
  overrides: Overrides = {},
  seed = 2,
  cve: CveEntry = CVES[9]!,
): AwsSecurityFinding {
  return build(
    seed,
    (random) => anInspectorFinding(random, aContainerImage(random, ACCOUNT, REGION), cve, BASE_TIMES),
    overrides,
  );
}

export function anInspectorLambdaAsff(
  overrides: Overrides = {},
  seed = 3,
  cve: CveEntry = CVES[13]!,
): AwsSecurityFinding {
  return build(
    seed,
    (random) => anInspectorFinding(random, aLambdaFunction(random, ACCOUNT, REGION), cve, BASE_TIMES),
    overrides,
  );
}

export function aGuardDutyAsff(overrides: Overrides = {}, seed = 4): AwsSecurityFinding {
  return build(seed, (random) => aGuardDutyFinding(random, testInstance(random), BASE_TIMES), overrides);
}

export function aControlAsff(
  overrides: Overrides = {},
  seed = 5,
  options: {
    control?: ControlEntry;
    status?: 'PASSED' | 'FAILED';
    standard?: (typeof STANDARDS)[number];
  } = {},
): AwsSecurityFinding {
  return build(
    seed,
    (random) =>
      aControlFinding(
        random,
        testInstance(random),
        options.control ?? CONTROLS[0]!,
        options.status ?? 'FAILED',
        BASE_TIMES,
        options.standard,
      ),
    overrides,
  );
}

export function aPartnerAsff(overrides: Overrides = {}, seed = 6): AwsSecurityFinding {
  return build(seed, (random) => aPartnerFinding(random, testInstance(random), BASE_TIMES), overrides);
}
