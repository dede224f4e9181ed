import type { ConnectorScope } from '../../src/connectors/settings.ts';
import type { AssetRecord, FindingRecord, IngestItem } from '../../src/findings/ingest.ts';
import { assetIdentityKey } from '../../src/mapping/assets.ts';
import { SCORING_VERSION } from '../../src/mapping/scoring-constants.ts';

// Stored findings and assets with realistic defaults, for tests of the database and the API.
// (ASFF as Security Hub sends it comes from the emulator's generator; these are what mapping makes
// of it, so API tests can set exactly the field they are about.)

let sequence = 0;
const next = () => ++sequence;

const BASE_TIME = Date.parse('2026-10-01T00:00:00.000Z');
const hoursAfterBase = (hours: number) => new Date(BASE_TIME + hours * 3_600_000);

const LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Label = (typeof LABELS)[number];
const NORMALIZED: Record<Label, number> = { INFORMATIONAL: 0, LOW: 20, MEDIUM: 50, HIGH: 75, CRITICAL: 95 };

export interface FindingOverrides extends Partial<FindingRecord> {
  severity?: Label;
  asset?: AssetRecord | null;
}

/** The record with the identity its columns give it, unless a test sets one of its own. */
function identified(record: Omit<AssetRecord, 'identityKey'> & { identityKey?: string }): AssetRecord {
  return { ...record, identityKey: record.identityKey ?? assetIdentityKey(record) };
}

export function anEc2Instance(overrides: Partial<AssetRecord> = {}): AssetRecord {
  const n = next();
  const account = overrides.awsAccountId ?? '111122223333';
  const region = overrides.region ?? 'us-east-1';
  const instanceId = `i-0${n.toString(16).padStart(16, '0')}`;
  return identified({
    resourceArn: `arn:aws:ec2:${region}:${account}:instance/${instanceId}`,
    resourceId: `arn:aws:ec2:${region}:${account}:instance/${instanceId}`,
    resourceType: 'AwsEc2Instance',
    name: `web-${n}`,
    awsAccountId: account,
    region,
    partition: 'aws',
    details: {
      AwsEc2Instance: {
        Type: 't3.medium',
        ImageId: 'ami-0abcdef1234567890',
        IpV4Addresses: [`10.0.${n % 250}.${(n * 7) % 250}`],
        VpcId: 'vpc-0a1b2c3d',
        SubnetId: 'subnet-0a1b2c3d',
        Platform: 'AMAZON_LINUX_2023',
        LaunchedAt: '2026-09-01T10:00:00.000Z',
      },
    },
    tags: { Name: `web-${n}`, Environment: 'production' },
    criticality: null,
    criticalitySource: 'DEFAULT',
    internetExposed: false,
    firstSeenAt: hoursAfterBase(0),
    lastSeenAt: hoursAfterBase(1),
    ...overrides,
  });
}

export function aContainerImage(overrides: Partial<AssetRecord> = {}): AssetRecord {
  const n = next();
  const account = overrides.awsAccountId ?? '111122223333';
  const region = overrides.region ?? 'us-east-1';
  const digest = `sha256:${n.toString(16).padStart(64, 'a')}`;
  return identified({
    resourceArn: `arn:aws:ecr:${region}:${account}:repository/payments-api/${digest}`,
    resourceId: `arn:aws:ecr:${region}:${account}:repository/payments-api/${digest}`,
    resourceType: 'AwsEcrContainerImage',
    name: 'payments-api:1.4.2',
    awsAccountId: account,
    region,
    partition: 'aws',
    details: {
      AwsEcrContainerImage: {
        RegistryId: account,
        RepositoryName: 'payments-api',
        ImageDigest: digest,
        ImageTags: ['1.4.2', 'latest'],
        Architecture: 'amd64',
        ImagePublishedAt: '2026-09-15T08:00:00.000Z',
      },
    },
    tags: {},
    criticality: null,
    criticalitySource: 'DEFAULT',
    internetExposed: false,
    firstSeenAt: hoursAfterBase(0),
    lastSeenAt: hoursAfterBase(1),
    ...overrides,
  });
}

function baseFinding(n: number, asset: AssetRecord | null, overrides: FindingOverrides): FindingRecord {
  const severity = overrides.severity ?? 'HIGH';
  const level = LABELS.indexOf(severity) + 1;
  const account = overrides.awsAccountId ?? asset?.awsAccountId ?? '111122223333';
  const region = overrides.region ?? asset?.region ?? 'us-east-1';
  const productArn = overrides.productArn ?? `arn:aws:securityhub:${region}::product/aws/inspector`;
  const awsId =
    overrides.awsId ?? `arn:aws:inspector2:${region}:${account}:finding/${n.toString(16).padStart(32, '0')}`;
  const { severity: _severity, asset: _asset, ...columns } = overrides;
  return {
    productArn,
    awsId,
    generatorId: 'AWSInspector',
    awsAccountId: account,
    region,
    productName: 'Inspector',
    companyName: 'Amazon',
    externalFindingId: `${productArn}/${awsId}`,
    title: `CVE-2026-${1000 + n} - openssl`,
    description: 'A buffer overflow in openssl allows a remote attacker to execute code.',
    recommendation: 'Update openssl to 3.0.15 or later.',
    references: [`https://nvd.nist.gov/vuln/detail/CVE-2026-${1000 + n}`],
    assetName: asset?.name ?? null,
    cloudInstanceId:
      asset?.resourceType === 'AwsEc2Instance' ? (asset.resourceArn.split('/').at(-1) ?? null) : null,
    systemType: asset?.resourceType ?? 'Other',
    resourceType: asset?.resourceType ?? 'Other',
    resourceId: asset?.resourceId ?? `resource-${n}`,
    types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
    severityLabel: severity,
    severityNormalized: NORMALIZED[severity],
    severityOriginal: severity,
    findingSeverity: level,
    detectionScore: NORMALIZED[severity],
    scoreFactors: { branch: 'label', label: severity },
    scoringVersion: SCORING_VERSION,
    counted: true,
    cves: [`CVE-2026-${1000 + n}`],
    cvssV2Base: null,
    cvss3Base: 7.5,
    epssScore: 0.02,
    exploitAvailable: 'NO',
    isExploitAvailable: false,
    fixAvailable: 'YES',
    isPatchAvailable: true,
    workflowStatus: 'NEW',
    recordState: 'ACTIVE',
    verificationState: null,
    complianceStatus: null,
    securityControlId: null,
    confidence: null,
    criticality: null,
    note: null,
    userDefinedFields: null,
    dedupKey: null,
    firstObservedAt: hoursAfterBase(n % 500),
    lastObservedAt: hoursAfterBase((n % 500) + 24),
    awsCreatedAt: hoursAfterBase(n % 500),
    awsUpdatedAt: hoursAfterBase((n % 500) + 24),
    raw: { SchemaVersion: '2018-10-08', Id: awsId, ProductArn: productArn, Title: `CVE-2026-${1000 + n}` },
    assetIdentityKey: asset?.identityKey ?? null,
    ...columns,
  };
}

/** An Inspector package vulnerability on an EC2 instance. */
export function anInspectorEc2Finding(overrides: FindingOverrides = {}): IngestItem {
  const asset = overrides.asset === undefined ? anEc2Instance() : overrides.asset;
  return { finding: baseFinding(next(), asset, overrides), assets: asset ? [asset] : [] };
}

/** An Inspector package vulnerability in an ECR container image. */
export function anInspectorEcrFinding(overrides: FindingOverrides = {}): IngestItem {
  const asset = overrides.asset === undefined ? aContainerImage() : overrides.asset;
  const n = next();
  return {
    // The title names the finding's own CVE, as Inspector's do.
    finding: baseFinding(n, asset, { title: `CVE-2026-${1000 + n} - glibc`, ...overrides }),
    assets: asset ? [asset] : [],
  };
}

export function aGuardDutyFinding(overrides: FindingOverrides = {}): IngestItem {
  const n = next();
  const asset = overrides.asset === undefined ? anEc2Instance() : overrides.asset;
  const region = asset?.region ?? 'us-east-1';
  const account = asset?.awsAccountId ?? '111122223333';
  return {
    finding: baseFinding(n, asset, {
      productArn: `arn:aws:securityhub:${region}::product/aws/guardduty`,
      awsId: `arn:aws:guardduty:${region}:${account}:detector/12abc34d/finding/${n.toString(16).padStart(32, '0')}`,
      generatorId: `arn:aws:guardduty:${region}:${account}:detector/12abc34d`,
      productName: 'GuardDuty',
      title: 'EC2 instance is communicating with a known command and control server.',
      description:
        'An EC2 instance is querying a domain name associated with a known command and control server.',
      types: ['TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS'],
      cves: [],
      cvss3Base: null,
      epssScore: null,
      exploitAvailable: null,
      fixAvailable: null,
      recommendation: null,
      ...overrides,
    }),
    assets: asset ? [asset] : [],
  };
}

/** A Security Hub CSPM control finding; `standard` varies the generator like FSBP/CIS/NIST do. */
export function aControlFinding(
  overrides: FindingOverrides & { controlId?: string; standard?: string } = {},
): IngestItem {
  const n = next();
  const {
    controlId = 'EC2.8',
    standard = 'aws-foundational-security-best-practices/v/1.0.0',
    ...rest
  } = overrides;
  const asset = rest.asset === undefined ? anEc2Instance() : rest.asset;
  const region = rest.region ?? asset?.region ?? 'us-east-1';
  const account = asset?.awsAccountId ?? '111122223333';
  return {
    finding: baseFinding(n, asset, {
      productArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
      awsId: `arn:aws:securityhub:${region}:${account}:subscription/${standard}/${controlId}/finding/${n}`,
      generatorId: `${standard}/${controlId}`,
      productName: 'Security Hub',
      title: `${controlId} EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)`,
      description: 'This control checks whether your EC2 instances use IMDSv2.',
      types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
      cves: [],
      cvss3Base: null,
      epssScore: null,
      exploitAvailable: null,
      fixAvailable: null,
      complianceStatus: 'FAILED',
      securityControlId: controlId,
      dedupKey: asset ? `control:${controlId}:${asset.resourceArn}` : null,
      ...rest,
    }),
    assets: asset ? [asset] : [],
  };
}

/** A small deterministic PRNG (mulberry32), so a seed gives the same data every time. */
function randomSource(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    pick: <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
  };
}

const SCORE_BY_LABEL: Record<Label, [number, number]> = {
  INFORMATIONAL: [0, 0],
  LOW: [1, 39],
  MEDIUM: [40, 69],
  HIGH: [70, 89],
  CRITICAL: [90, 100],
};

/**
 * A realistic estate: accounts × regions of EC2 instances and container images, each with several
 * Inspector vulnerabilities, GuardDuty detections and CSPM control findings (the same control under
 * several standards), in the proportions a real Security Hub shows.
 */
export function* aRealisticEstate(options: { findings: number; seed?: number }): Generator<IngestItem> {
  let produced = 0;
  for (const item of estate(randomSource(options.seed ?? 1))) {
    if (produced >= options.findings) return;
    yield item;
    produced += 1;
  }
}

/** An endless estate: asset after asset, each with the findings real products report on it. */
function* estate(random: ReturnType<typeof randomSource>): Generator<IngestItem> {
  const accounts = ['111122223333', '444455556666', '777788889999', '123456789012'];
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];
  const labels: Label[] = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'MEDIUM', 'HIGH', 'HIGH', 'CRITICAL'];
  for (;;) {
    const account = random.pick(accounts);
    const region = random.pick(regions);
    const isImage = random.next() < 0.3;
    const asset = isImage
      ? aContainerImage({ awsAccountId: account, region })
      : anEc2Instance({
          awsAccountId: account,
          region,
          internetExposed: random.next() < 0.15,
          criticality: random.next() < 0.3 ? random.int(1, 5) : null,
          criticalitySource: 'TAG',
        });
    const perAsset = random.int(1, 12);
    for (let i = 0; i < perAsset; i++) {
      const severity = random.pick(labels);
      const [low, high] = SCORE_BY_LABEL[severity];
      const observed = hoursAfterBase(random.int(0, 24 * 50));
      const common = {
        asset,
        severity,
        detectionScore: random.int(low, high),
        workflowStatus: random.pick(['NEW', 'NEW', 'NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'] as const),
        recordState: random.next() < 0.05 ? 'ARCHIVED' : 'ACTIVE',
        firstObservedAt: observed,
        lastObservedAt: new Date(observed.getTime() + random.int(0, 24 * 20) * 3_600_000),
        awsCreatedAt: observed,
        awsUpdatedAt: new Date(observed.getTime() + random.int(1, 24 * 21) * 3_600_000),
      };
      const kind = random.next();
      if (kind < 0.6 || isImage) {
        yield (isImage ? anInspectorEcrFinding : anInspectorEc2Finding)({
          ...common,
          exploitAvailable: random.next() < 0.2 ? 'YES' : 'NO',
          fixAvailable: random.pick(['YES', 'YES', 'NO', 'PARTIAL'] as const),
          epssScore: Math.round(random.next() ** 3 * 10_000) / 10_000,
          cvss3Base: Math.round((common.detectionScore / 10) * 10) / 10,
        });
      } else if (kind < 0.72) {
        yield aGuardDutyFinding(common);
      } else {
        // One control on one instance, reported under two standards: a de-duplication group.
        const controlId = random.pick(['EC2.8', 'EC2.18', 'SSM.1', 'Inspector.1', 'EC2.9']);
        const complianceStatus = random.next() < 0.7 ? 'FAILED' : 'PASSED';
        for (const standard of [
          'aws-foundational-security-best-practices/v/1.0.0',
          'cis-aws-foundations-benchmark/v/3.0.0',
        ]) {
          yield aControlFinding({ ...common, controlId, standard, complianceStatus });
        }
      }
    }
  }
}

/** A connector scope: everything (both data types, no filter) unless overridden. */
export function aConnectorScope(overrides: Partial<ConnectorScope> = {}): ConnectorScope {
  return {
    dataTypes: ['ASSETS', 'FINDINGS'],
    resourceTypes: [],
    workflowStatuses: [],
    recordStates: [],
    severityLabels: [],
    productNames: [],
    awsFilters: null,
    ...overrides,
  };
}
