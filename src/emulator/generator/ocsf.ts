import { createHash } from 'node:crypto';
import type { AwsSecurityFinding, Resource, Vulnerability } from '@aws-sdk/client-securityhub';

// The new Security Hub's copy of a CSPM finding: the same problem in OCSF 1.6, as GetFindingsV2
// returns it (research/ocsf-v2.md §2; the shape follows Elastic's real GetFindingsV2 samples in
// test/fixtures/real-findings-ocsf). The join keys match the ASFF finding's — `finding_info.uid` is
// its `Id`, `cloud.account.uid` its account, `metadata.product.uid` its ProductArn with `productv2/`
// — so Hubgraph's identity join (src/mapping/ocsf/identity.ts) can be tested against it. Pure and
// deterministic: the same ASFF finding always gives the same document.

/** An OCSF finding as GetFindingsV2 returns it: an untyped JSON document. */
export type OcsfDocument = Record<string, unknown> & {
  finding_info: Record<string, unknown> & { uid: string; modified_time_dt: string };
  metadata: Record<string, unknown> & { uid: string; product: { uid: string; name: string } };
  cloud: { account: { uid: string }; region: string };
};

/** The OCSF class each AWS product's findings arrive as in the new Security Hub. */
const CLASSES: Record<string, { uid: number; name: string; product: string; vendor: string }> = {
  'aws/inspector': { uid: 2002, name: 'Vulnerability Finding', product: 'Inspector', vendor: 'AWS' },
  'aws/securityhub': { uid: 2003, name: 'Compliance Finding', product: 'Security Hub', vendor: 'AWS' },
  'aws/guardduty': { uid: 2004, name: 'Detection Finding', product: 'GuardDuty', vendor: 'AWS' },
  'aws/macie': { uid: 2006, name: 'Data Security Finding', product: 'Macie', vendor: 'AWS' },
};

export const SEVERITY_IDS: Record<number, string> = {
  0: 'Unknown',
  1: 'Informational',
  2: 'Low',
  3: 'Medium',
  4: 'High',
  5: 'Critical',
  6: 'Fatal',
  99: 'Other',
};

export const STATUS_IDS: Record<number, string> = {
  0: 'Unknown',
  1: 'New',
  2: 'In Progress',
  3: 'Suppressed',
  4: 'Resolved',
  5: 'Archived',
  99: 'Other',
};

const SEVERITY_OF_LABEL: Record<string, number> = {
  INFORMATIONAL: 1,
  LOW: 2,
  MEDIUM: 3,
  HIGH: 4,
  CRITICAL: 5,
};

/** Workflow.Status → status_id; NOTIFIED → In Progress is our choice (research/ocsf-v2.md §2). */
const STATUS_OF_WORKFLOW: Record<string, number> = { NEW: 1, NOTIFIED: 2, SUPPRESSED: 3, RESOLVED: 4 };

const COMPLIANCE: Record<string, [string, number]> = {
  PASSED: ['Pass', 1],
  WARNING: ['Warning', 2],
  FAILED: ['Fail', 3],
};

/** The CloudFormation resource type the new Security Hub uses for an ASFF one (`AwsEc2Instance` → `AWS::EC2::Instance`). */
const CLOUDFORMATION_TYPES: Record<string, string> = {
  AwsAccount: 'AWS::::Account',
  AwsEc2Instance: 'AWS::EC2::Instance',
  AwsEcrContainerImage: 'AWS::ECR::Image',
  AwsLambdaFunction: 'AWS::Lambda::Function',
  AwsS3Bucket: 'AWS::S3::Bucket',
  AwsIamUser: 'AWS::IAM::User',
  AwsIamRole: 'AWS::IAM::Role',
  AwsSqsQueue: 'AWS::SQS::Queue',
  AwsKmsKey: 'AWS::KMS::Key',
  AwsRdsDbInstance: 'AWS::RDS::DBInstance',
};

/** `arn:aws:securityhub:r::product/aws/inspector` → `arn:aws:securityhub:r::productv2/aws/inspector`. */
export function productV2Arn(productArn: string): string {
  return productArn.replace(/:product\//, ':productv2/');
}

/** `arn:aws:securityhub:r::productv2/aws/inspector` → the CSPM product ARN. */
export function productV1Arn(productV2: string): string {
  return productV2.replace(/:productv2\//, ':product/');
}

/**
 * Whether the new Security Hub holds a copy of this CSPM finding: AWS's own products only (a
 * partner's ASFF import stays in CSPM), and for controls only the consolidated form
 * (`security-control/…`), which is what the new Security Hub takes from CSPM.
 */
export function hasOcsfTwin(finding: AwsSecurityFinding): boolean {
  const product = productPath(finding.ProductArn ?? '');
  if (!product || !CLASSES[product]) return false;
  if (product === 'aws/securityhub') return (finding.GeneratorId ?? '').startsWith('security-control/');
  return true;
}

/** OCSF's globally unique metadata.uid: 64 hex characters, as XSOAR reports them (research §3). */
export function metadataUidOf(accountId: string, id: string, productArn: string): string {
  return createHash('sha256')
    .update(`${accountId}\u0000${id}\u0000${productV2Arn(productArn)}`)
    .digest('hex');
}

/** The OCSF copy of an ASFF finding, or undefined when the new Security Hub would not hold it. */
export function ocsfTwinOf(finding: AwsSecurityFinding): OcsfDocument | undefined {
  if (!hasOcsfTwin(finding)) return undefined;
  const product = CLASSES[productPath(finding.ProductArn!)!]!;
  const region = finding.Region!;
  const accountId = finding.AwsAccountId!;
  const archived = finding.RecordState === 'ARCHIVED';
  const activity: [number, string] = archived
    ? [3, 'Close']
    : finding.CreatedAt === finding.UpdatedAt
      ? [1, 'Create']
      : [2, 'Update'];
  const severityId = SEVERITY_OF_LABEL[finding.Severity?.Label ?? ''] ?? 0;
  const statusId = STATUS_OF_WORKFLOW[finding.Workflow?.Status ?? 'NEW'] ?? 1;
  const modified = finding.UpdatedAt!;
  const document: Record<string, unknown> = {
    activity_id: activity[0],
    activity_name: activity[1],
    category_name: 'Findings',
    category_uid: 2,
    class_name: product.name,
    class_uid: product.uid,
    cloud: {
      account: { type: 'AWS Account', type_id: 10, uid: accountId },
      provider: 'AWS',
      region,
    },
    finding_info: {
      uid: finding.Id!,
      title: finding.Title,
      desc: finding.Description,
      types: finding.Types,
      ...times('created', finding.CreatedAt),
      ...times('first_seen', finding.FirstObservedAt),
      ...times('last_seen', finding.LastObservedAt),
      ...times('modified', modified),
      ...(product.uid === 2003 || product.uid === 2004
        ? { analytic: { name: finding.GeneratorId, type: 'Rule', type_id: 1 } }
        : {}),
      ...(finding.SourceUrl ? { src_url: finding.SourceUrl } : {}),
    },
    metadata: {
      uid: metadataUidOf(accountId, finding.Id!, finding.ProductArn!),
      product: {
        name: product.product,
        uid: productV2Arn(finding.ProductArn!),
        vendor_name: product.vendor,
      },
      profiles: ['cloud', 'datetime'],
      version: '1.6.0',
    },
    severity: SEVERITY_IDS[severityId],
    severity_id: severityId,
    status: STATUS_IDS[statusId],
    status_id: statusId,
    ...times('', modified),
    type_name: `${product.name}: ${activity[1]}`,
    type_uid: product.uid * 100 + activity[0],
    vendor_attributes: { severity: SEVERITY_IDS[severityId], severity_id: severityId },
    resources: (finding.Resources ?? []).map((resource) => ocsfResource(resource, accountId)),
  };
  if (finding.Confidence !== undefined) document.confidence_score = finding.Confidence;
  if (finding.Note?.Text) document.comment = finding.Note.Text;
  const recommendation = finding.Remediation?.Recommendation;
  if (recommendation?.Text)
    document.remediation = {
      desc: recommendation.Text,
      ...(recommendation.Url ? { references: [recommendation.Url] } : {}),
    };
  if (finding.Compliance?.Status && product.uid === 2003) {
    const [status, statusId] = COMPLIANCE[finding.Compliance.Status] ?? ['Unknown', 0];
    document.compliance = {
      control: finding.Compliance.SecurityControlId,
      standards: (finding.Compliance.AssociatedStandards ?? []).map((standard) => standard.StandardsId),
      requirements: finding.Compliance.RelatedRequirements,
      status,
      status_id: statusId,
    };
  }
  if (finding.Vulnerabilities?.length)
    document.vulnerabilities = finding.Vulnerabilities.map(ocsfVulnerability);
  return document as OcsfDocument;
}

function productPath(productArn: string): string | undefined {
  return /^arn:[^:]+:securityhub:[^:]*:[^:]*:product(?:v2)?\/(.+)$/.exec(productArn)?.[1];
}

/** `created` → created_time (epoch ms) and created_time_dt (ISO); '' → the event's time/time_dt. */
function times(name: string, iso: string | undefined): Record<string, unknown> {
  if (!iso) return {};
  const prefix = name ? `${name}_time` : 'time';
  return { [prefix]: Date.parse(iso), [`${prefix}_dt`]: new Date(iso).toISOString() };
}

function ocsfResource(resource: Resource, accountId: string): Record<string, unknown> {
  const arn = resource.Id!;
  const isArn = arn.startsWith('arn:');
  return {
    cloud_partition: resource.Partition ?? 'aws',
    owner: { account: { uid: accountId } },
    region: resource.Region,
    type: CLOUDFORMATION_TYPES[resource.Type ?? ''] ?? resource.Type,
    // Security Hub puts the service's own id in uid and the ARN in uid_alt (research §2).
    uid: isArn ? rawId(arn) : arn,
    ...(isArn ? { uid_alt: arn } : {}),
    ...(resource.Tags
      ? { tags: Object.entries(resource.Tags).map(([name, value]) => ({ name, value })) }
      : {}),
    ...(resource.Details ? { data: resource.Details } : {}),
  };
}

/** `arn:aws:ec2:r:a:instance/i-1` → `i-1`; `arn:aws:s3:::bucket` → `bucket`. */
function rawId(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  if (resource.startsWith('function:')) return resource.split(':')[1]!;
  if (resource.startsWith('repository/')) return resource.slice('repository/'.length);
  const slash = resource.indexOf('/');
  return slash >= 0 ? resource.slice(slash + 1) : resource;
}

const FIX_COVERAGE: Record<string, [string, number]> = {
  YES: ['Complete', 1],
  PARTIAL: ['Partial', 2],
  NO: ['None', 3],
};

function ocsfVulnerability(vulnerability: Vulnerability): Record<string, unknown> {
  const fix = FIX_COVERAGE[vulnerability.FixAvailable ?? ''];
  return {
    cve: {
      uid: vulnerability.Id,
      cvss: (vulnerability.Cvss ?? []).map((cvss) => ({
        base_score: cvss.BaseScore,
        vector_string: cvss.BaseVector,
        version: cvss.Version,
        vendor_name: cvss.Source,
      })),
      // AWS sends the EPSS score as a string (research/ocsf-v2.md §2).
      ...(vulnerability.EpssScore !== undefined ? { epss: { score: String(vulnerability.EpssScore) } } : {}),
    },
    affected_packages: (vulnerability.VulnerablePackages ?? []).map((pkg) => ({
      name: pkg.Name,
      version: pkg.Version,
      ...(pkg.Epoch !== undefined ? { epoch: Number(pkg.Epoch) } : {}),
      ...(pkg.Release ? { release: pkg.Release } : {}),
      ...(pkg.Architecture ? { architecture: pkg.Architecture } : {}),
      ...(pkg.FixedInVersion ? { fixed_in_version: pkg.FixedInVersion } : {}),
      ...(pkg.PackageManager ? { package_manager: pkg.PackageManager } : {}),
      ...(pkg.FilePath ? { path: pkg.FilePath } : {}),
      ...(pkg.Remediation ? { remediation: { desc: pkg.Remediation } } : {}),
    })),
    ...(vulnerability.ExploitAvailable
      ? { is_exploit_available: vulnerability.ExploitAvailable === 'YES' }
      : {}),
    ...(vulnerability.LastKnownExploitAt
      ? {
          exploit_last_seen_time: Date.parse(vulnerability.LastKnownExploitAt),
          exploit_last_seen_time_dt: new Date(vulnerability.LastKnownExploitAt).toISOString(),
        }
      : {}),
    ...(fix ? { is_fix_available: fix[1] !== 3, fix_coverage: fix[0], fix_coverage_id: fix[1] } : {}),
    ...(vulnerability.ReferenceUrls ? { references: vulnerability.ReferenceUrls } : {}),
    ...(vulnerability.Vendor?.Name ? { vendor_name: vulnerability.Vendor.Name } : {}),
  };
}
