import type {
  AwsSecurityFinding,
  Cvss,
  Resource,
  ResourceDetails,
  SoftwarePackage,
  Vulnerability,
} from '@aws-sdk/client-securityhub';
import { cspmProductArn } from './identity.ts';
import {
  findingInfoOf,
  type OcsfAffectedPackage,
  type OcsfFinding,
  type OcsfResource,
  type OcsfVulnerability,
  resourcesOf,
} from './ocsf-types.ts';
import { asffResourceType } from './resource-types.ts';

// An OCSF finding read as the ASFF fields it corresponds to (research/ocsf-v2.md §2, the ASFF →
// OCSF table, read backwards), so scoring, assets, CVEs and de-duplication run the very code the
// ASFF path runs, and the two formats score, group and name assets alike. Never stored: `raw` keeps
// the OCSF document as AWS sent it.

/** OCSF severity_id → Security Hub label. 6 (Fatal) is beyond Critical; 0 and 99 say nothing. */
const SEVERITY_LABELS: Record<number, string> = {
  1: 'INFORMATIONAL',
  2: 'LOW',
  3: 'MEDIUM',
  4: 'HIGH',
  5: 'CRITICAL',
  6: 'CRITICAL',
};

/** OCSF status_id → Workflow.Status. In Progress is what ASFF calls NOTIFIED (research §2, our choice). */
const WORKFLOW: Record<number, string> = {
  1: 'NEW',
  2: 'NOTIFIED',
  3: 'SUPPRESSED',
  4: 'RESOLVED',
  5: 'RESOLVED',
};

/** OCSF's status captions, for producers that send the caption without status_id (OCSF 1.1 examples). */
const WORKFLOW_WORDS: Record<string, string> = {
  new: 'NEW',
  'in progress': 'NOTIFIED',
  suppressed: 'SUPPRESSED',
  resolved: 'RESOLVED',
  archived: 'RESOLVED',
};

/** OCSF compliance status_id → Compliance.Status. */
const COMPLIANCE: Record<number, string> = { 1: 'PASSED', 2: 'WARNING', 3: 'FAILED' };
const COMPLIANCE_WORDS: Record<string, string> = {
  pass: 'PASSED',
  passed: 'PASSED',
  warning: 'WARNING',
  fail: 'FAILED',
  failed: 'FAILED',
  not_available: 'NOT_AVAILABLE',
};

/** OCSF fix_coverage_id (1 Complete, 2 Partial, 3 None) → FixAvailable. */
const FIX_COVERAGE: Record<number, string> = { 1: 'YES', 2: 'PARTIAL', 3: 'NO' };
const FIX_COVERAGE_WORDS: Record<string, string> = { complete: 'YES', partial: 'PARTIAL', none: 'NO' };

export function asffView(finding: OcsfFinding): AwsSecurityFinding {
  const info = findingInfoOf(finding);
  const product = finding.metadata.product ?? {};
  const compliance = finding.compliance;
  const remediation = finding.remediation ?? info.remediation;
  const created =
    ocsfTime(info.created_time_dt, info.created_time) ?? ocsfTime(finding.time_dt, finding.time);
  const modified =
    ocsfTime(info.modified_time_dt, info.modified_time) ?? ocsfTime(finding.time_dt, finding.time) ?? created;
  const label = SEVERITY_LABELS[finding.severity_id ?? -1];
  const statusId = finding.status_id ?? finding.state_id;
  const workflow = WORKFLOW[statusId ?? -1] ?? WORKFLOW_WORDS[finding.status?.trim().toLowerCase() ?? ''];
  const closed = finding.activity_id === 3 || statusId === 5 || /^archived$/i.test(finding.status ?? '');
  const view: AwsSecurityFinding = {
    SchemaVersion: '2018-10-08',
    Id: info.uid,
    ProductArn: product.uid,
    ProductName: product.name,
    CompanyName: product.vendor_name,
    GeneratorId: generatorId(finding),
    AwsAccountId: finding.cloud.account?.uid,
    Region: finding.cloud.region,
    Types: info.types,
    Title: info.title,
    Description: info.desc ?? info.title,
    CreatedAt: created,
    UpdatedAt: modified,
    FirstObservedAt: ocsfTime(info.first_seen_time_dt, info.first_seen_time),
    LastObservedAt: ocsfTime(info.last_seen_time_dt, info.last_seen_time),
    Severity: {
      ...(label ? { Label: label as never } : {}),
      ...(finding.severity ? { Original: finding.severity } : {}),
    },
    ...(workflow ? { Workflow: { Status: workflow as never } } : {}),
    RecordState: closed ? 'ARCHIVED' : 'ACTIVE',
    ...(compliance
      ? {
          Compliance: {
            Status: complianceStatus(compliance.status_id, compliance.status) as never,
            SecurityControlId: compliance.control,
            AssociatedStandards: compliance.standards?.map((standard) => ({ StandardsId: standard })),
            RelatedRequirements: compliance.requirements,
          },
        }
      : {}),
    ...(typeof finding.confidence_score === 'number' ? { Confidence: finding.confidence_score } : {}),
    ...(remediation?.desc || remediation?.references?.[0] || remediation?.kb_articles?.[0]
      ? {
          Remediation: {
            Recommendation: {
              Text: remediation.desc,
              Url: remediation.references?.[0] ?? remediation.kb_articles?.[0],
            },
          },
        }
      : {}),
    ...(info.src_url ? { SourceUrl: info.src_url } : {}),
    Resources: resourcesOf(finding).map((resource) => asffResource(resource, finding)),
    ...(finding.vulnerabilities?.length
      ? { Vulnerabilities: finding.vulnerabilities.map(asffVulnerability) }
      : {}),
  };
  return view;
}

/**
 * The generator (ASFF GeneratorId, which has no one OCSF field): OCSF's own mapping puts it in
 * metadata.product.feature.uid; Security Hub's V2 controls name the control (`security-control/SQS.3`
 * is the consolidated controls' GeneratorId in ASFF); else the analytic, else the product (Inspector's
 * V2 findings name no generator).
 */
function generatorId(finding: OcsfFinding): string | undefined {
  const info = findingInfoOf(finding);
  const control = finding.compliance?.control;
  return (
    nonEmpty(finding.metadata.product?.feature?.uid) ??
    (control ? `security-control/${control}` : undefined) ??
    nonEmpty(info.analytic?.name) ??
    nonEmpty(info.analytic?.uid) ??
    finding.metadata.product?.uid
  );
}

function complianceStatus(statusId: number | undefined, status: string | undefined): string | undefined {
  if (statusId !== undefined && COMPLIANCE[statusId]) return COMPLIANCE[statusId];
  return status ? COMPLIANCE_WORDS[status.trim().toLowerCase()] : undefined;
}

/**
 * A resource the ASFF way. Its Id is its ARN, which Security Hub puts in `uid_alt` (`uid` is the
 * raw id: an instance id, a queue URL, a policy id). Without one, an EC2 instance's ARN is built
 * from its id (it is how ASFF names the same instance, and so joins the two formats' assets), and an
 * account is named as CSPM names it, `AWS::::Account:<id>`; anything else keeps its uid.
 */
export function asffResource(resource: OcsfResource, finding: OcsfFinding): Resource {
  const type = asffResourceType(resource.type ?? 'Other');
  const region = resource.region ?? finding.cloud.region;
  const partition = resource.cloud_partition ?? finding.cloud.cloud_partition ?? 'aws';
  const account = resource.owner?.account?.uid ?? finding.cloud.account?.uid;
  const details = resourceDetails(resource);
  return {
    Id: resourceArn(resource, type, { region, partition, account }),
    Type: type,
    ...(region ? { Region: region } : {}),
    ...(resource.cloud_partition ? { Partition: resource.cloud_partition as never } : {}),
    ...(resource.tags?.length ? { Tags: tagsOf(resource) } : {}),
    ...(details ? { Details: details } : {}),
  };
}

function resourceArn(
  resource: OcsfResource,
  type: string,
  where: { region?: string; partition: string; account?: string },
): string {
  for (const id of [resource.uid_alt, resource.uid]) if (id?.startsWith('arn:')) return id;
  const uid = resource.uid ?? resource.uid_alt ?? resource.name ?? '';
  if (type === 'AwsEc2Instance' && /^i-[0-9a-f]+$/.test(uid) && where.region && where.account)
    return `arn:${where.partition}:ec2:${where.region}:${where.account}:instance/${uid}`;
  if (type === 'AwsAccount' && /^\d{12}$/.test(uid)) return `AWS::::Account:${uid}`;
  return uid;
}

function tagsOf(resource: OcsfResource): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of resource.tags ?? []) if (tag.name !== undefined) tags[tag.name] = tag.value ?? '';
  return tags;
}

/**
 * The details blocks assets read (names, addresses for exposure), from what Security Hub puts in
 * `data`; a resource with only a `name` is described the way third parties describe one in ASFF.
 */
function resourceDetails(resource: OcsfResource): ResourceDetails | undefined {
  const asff = asffDetails(resource.data);
  if (asff) return asff;
  const data = record(resource.data) ?? {};
  const ec2 = record(data.awsEc2InstanceDetails);
  if (ec2) {
    return {
      AwsEc2Instance: {
        ImageId: text(ec2.imageId),
        IpV4Addresses: strings(ec2.ipV4Addresses),
        IamInstanceProfileArn: text(ec2.iamInstanceProfileArn),
        Type: text(ec2.type),
        VpcId: text(ec2.vpcId),
        SubnetId: text(ec2.subnetId),
        LaunchedAt: text(ec2.launchedAt),
      },
    };
  }
  const lambda = record(data.awsLambdaFunctionDetails);
  if (lambda) {
    return {
      AwsLambdaFunction: {
        FunctionName: text(lambda.functionName),
        Runtime: text(lambda.runtime),
        Role: text(lambda.executionRoleArn),
        Version: text(lambda.version),
      },
    };
  }
  if (typeof data.access_key_id === 'string' || typeof data.user_name === 'string') {
    return {
      AwsIamAccessKey: {
        AccessKeyId: text(data.access_key_id),
        PrincipalId: text(data.principal_id),
        PrincipalName: text(data.user_name),
        UserName: text(data.user_name),
        PrincipalType: text(data.user_type),
      },
    };
  }
  return resource.name ? { Other: { Name: resource.name } } : undefined;
}

/**
 * OCSF's own ASFF mapping (ocsf/examples) keeps ASFF's Details block as JSON text in `data`
 * (`{"AwsEcrContainerImage":{…}}`), and a producer that converts ASFF may keep it as an object:
 * either way that block is read as it is (so its name and details are the ASFF finding's).
 */
function asffDetails(data: unknown): ResourceDetails | undefined {
  const object = record(data);
  if (object === undefined && (typeof data !== 'string' || !data.trimStart().startsWith('{')))
    return undefined;
  try {
    const parsed = object ?? record(JSON.parse(data as string));
    const keys = parsed ? Object.keys(parsed) : [];
    return keys.length > 0 &&
      keys.every((key) => /^(Aws[A-Za-z0-9]+|Container|Other|CodeRepository)$/.test(key))
      ? (parsed as ResourceDetails)
      : undefined;
  } catch {
    return undefined;
  }
}

export function asffVulnerability(vulnerability: OcsfVulnerability): Vulnerability {
  const cve = vulnerability.cve ?? {};
  const cvss = Array.isArray(cve.cvss) ? cve.cvss : cve.cvss ? [cve.cvss] : [];
  const epss = epssScore(cve.epss?.score);
  const fix =
    FIX_COVERAGE[vulnerability.fix_coverage_id ?? -1] ??
    FIX_COVERAGE_WORDS[vulnerability.fix_coverage?.toLowerCase() ?? ''] ??
    yesNo(vulnerability.is_fix_available);
  const exploit = yesNo(vulnerability.is_exploit_available);
  const exploitedAt = ocsfTime(vulnerability.exploit_last_seen_time_dt, vulnerability.exploit_last_seen_time);
  const packages = vulnerability.affected_packages ?? vulnerability.packages ?? [];
  return {
    Id: cve.uid,
    ...(cvss.length
      ? {
          Cvss: cvss.map(
            (entry): Cvss => ({
              Version: text(entry.version),
              BaseScore: typeof entry.base_score === 'number' ? entry.base_score : undefined,
              BaseVector: text(entry.vector_string),
              Source: text(entry.vendor_name),
            }),
          ),
        }
      : {}),
    ...(epss !== undefined ? { EpssScore: epss } : {}),
    ...(exploit ? { ExploitAvailable: exploit as never } : {}),
    ...(exploitedAt ? { LastKnownExploitAt: exploitedAt } : {}),
    ...(fix ? { FixAvailable: fix as never } : {}),
    ...(packages.length ? { VulnerablePackages: packages.map(asffPackage) } : {}),
    ...(vulnerability.references?.length ? { ReferenceUrls: vulnerability.references } : {}),
    ...(vulnerability.related_vulnerabilities?.length
      ? { RelatedVulnerabilities: vulnerability.related_vulnerabilities }
      : {}),
    ...(vulnerability.vendor_name ? { Vendor: { Name: vulnerability.vendor_name } } : {}),
  };
}

export function asffPackage(pkg: OcsfAffectedPackage): SoftwarePackage {
  return {
    Name: pkg.name,
    Version: pkg.version,
    ...(pkg.epoch !== undefined ? { Epoch: String(pkg.epoch) } : {}),
    ...(pkg.release ? { Release: pkg.release } : {}),
    ...(pkg.architecture ? { Architecture: pkg.architecture } : {}),
    ...(pkg.fixed_in_version ? { FixedInVersion: pkg.fixed_in_version } : {}),
    ...(pkg.package_manager ? { PackageManager: pkg.package_manager } : {}),
    ...(pkg.path ? { FilePath: pkg.path } : {}),
    ...(pkg.remediation?.desc ? { Remediation: pkg.remediation.desc } : {}),
  };
}

/** EPSS as a probability: Security Hub sends it as a string ("0.94422"). */
export function epssScore(score: unknown): number | undefined {
  const value = typeof score === 'string' && score.trim() !== '' ? Number(score) : score;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1 ? value : undefined;
}

/**
 * A timestamp as ISO-8601 UTC: OCSF sends `*_time_dt` (ISO text, any zone, up to nanoseconds) beside
 * `*_time` (epoch milliseconds); the text wins, the number stands in where it is missing.
 */
export function ocsfTime(dt: unknown, epochMillis: unknown): string | undefined {
  if (typeof dt === 'string') {
    const parsed = parseOcsfDate(dt);
    if (parsed) return parsed;
  }
  if (typeof epochMillis === 'number' && Number.isFinite(epochMillis)) {
    const date = new Date(epochMillis);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  return undefined;
}

const OCSF_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;

/** An OCSF date-time as ISO-8601 UTC, or undefined; fractions beyond milliseconds are cut, not rounded. */
export function parseOcsfDate(value: string): string | undefined {
  if (!OCSF_DATE.test(value)) return undefined;
  const trimmed = value.replace(/(\.\d{3})\d+/, '$1');
  const date = new Date(trimmed);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function yesNo(value: boolean | undefined): string | undefined {
  return value === true ? 'YES' : value === false ? 'NO' : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value?.trim() ? value : undefined;
}

/**
 * What a sync needs of an OCSF document before (and whether or not) it maps: where it comes from,
 * its identity as stored (the CSPM product ARN, identity.ts) and its `modified_time`, which V2 pages
 * are sorted and windowed by. Read leniently: an invalid document still counts, and is rejected by
 * its mapping with the reason.
 */
export function ocsfEnvelope(
  document: unknown,
): Pick<AwsSecurityFinding, 'Id' | 'ProductArn' | 'AwsAccountId' | 'Region' | 'UpdatedAt'> {
  const doc = (typeof document === 'object' && document !== null ? document : {}) as {
    finding_info?: { uid?: unknown; modified_time_dt?: unknown; modified_time?: unknown };
    metadata?: { product?: { uid?: unknown } };
    cloud?: { account?: { uid?: unknown }; region?: unknown };
    time_dt?: unknown;
    time?: unknown;
  };
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const product = text(doc.metadata?.product?.uid);
  return {
    Id: text(doc.finding_info?.uid),
    ProductArn: product === undefined ? undefined : cspmProductArn(product),
    AwsAccountId: text(doc.cloud?.account?.uid),
    Region: text(doc.cloud?.region),
    UpdatedAt:
      ocsfTime(doc.finding_info?.modified_time_dt, doc.finding_info?.modified_time) ??
      ocsfTime(doc.time_dt, doc.time),
  };
}
