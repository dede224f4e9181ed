import type { Shape } from '../asff-shape.ts';

// The part of an OCSF finding Hubgraph reads, as the same `Shape` the ASFF path uses, so one
// definition drives validation (ocsf-validation.ts) and the transform-map paths that read OCSF
// (paths.ts). GetFindingsV2 returns findings as untyped documents (research/ocsf-v2.md §1): this is
// our own schema of them, after OCSF 1.6 and what Security Hub, Security Lake and OCSF's own mapping
// examples actually send. Fields not listed are not refused: AWS adds fields, and the raw document
// is kept.

const STRING: Shape = { kind: 'string' };
const NUMBER: Shape = { kind: 'number' };
const BOOLEAN: Shape = { kind: 'boolean' };
/** Any JSON: what Hubgraph keeps but does not read, or reads in more than one form. */
const ANY: Shape = { kind: 'any' };
const STRINGS: Shape = list(STRING);

function list(member: Shape): Shape {
  return { kind: 'list', member: () => member };
}

function structure(name: string, members: Record<string, Shape>, required: string[] = []): Shape {
  return {
    kind: 'structure',
    name,
    members: new Map(Object.entries(members).map(([key, shape]) => [key, () => shape])),
    required,
  };
}

const ACCOUNT = structure('OcsfAccount', { uid: STRING, name: STRING, type: STRING, type_id: NUMBER });

const CLOUD = structure('OcsfCloud', {
  account: ACCOUNT,
  region: STRING,
  provider: STRING,
  cloud_partition: STRING,
});

const PRODUCT = structure('OcsfProduct', {
  uid: STRING,
  name: STRING,
  vendor_name: STRING,
  version: STRING,
  feature: structure('OcsfFeature', { uid: STRING, name: STRING }),
});

const METADATA = structure('OcsfMetadata', {
  uid: STRING,
  version: STRING,
  product: PRODUCT,
  profiles: STRINGS,
  log_version: STRING,
  processed_time_dt: STRING,
});

const ANALYTIC = structure('OcsfAnalytic', {
  uid: STRING,
  name: STRING,
  type: STRING,
  type_id: NUMBER,
  category: STRING,
});

const REMEDIATION = structure('OcsfRemediation', {
  desc: STRING,
  references: STRINGS,
  kb_articles: STRINGS,
});

/** `finding_info` (OCSF 1.1 on); OCSF 1.0's `finding` has the same fields and its own remediation. */
const FINDING_INFO = structure('OcsfFindingInfo', {
  uid: STRING,
  uid_alt: STRING,
  title: STRING,
  desc: STRING,
  types: STRINGS,
  src_url: STRING,
  analytic: ANALYTIC,
  created_time: NUMBER,
  created_time_dt: STRING,
  first_seen_time: NUMBER,
  first_seen_time_dt: STRING,
  last_seen_time: NUMBER,
  last_seen_time_dt: STRING,
  modified_time: NUMBER,
  modified_time_dt: STRING,
  remediation: REMEDIATION,
  related_events: ANY,
});

const COMPLIANCE = structure('OcsfCompliance', {
  control: STRING,
  standards: STRINGS,
  requirements: STRINGS,
  status: STRING,
  status_id: NUMBER,
  status_code: STRING,
  status_detail: STRING,
  assessments: ANY,
});

const TAG = structure('OcsfTag', { name: STRING, value: STRING });

const RESOURCE = structure('OcsfResource', {
  uid: STRING,
  uid_alt: STRING,
  name: STRING,
  type: STRING,
  region: STRING,
  cloud_partition: STRING,
  owner: structure('OcsfResourceOwner', { account: ACCOUNT }),
  tags: list(TAG),
  labels: STRINGS,
  criticality: STRING,
  // Product-specific details (`awsEc2InstanceDetails`, `access_key_id`, …): read where known.
  data: ANY,
});

const PACKAGE = structure('OcsfAffectedPackage', {
  name: STRING,
  version: STRING,
  epoch: NUMBER,
  release: STRING,
  architecture: STRING,
  fixed_in_version: STRING,
  package_manager: STRING,
  path: STRING,
  remediation: structure('OcsfPackageRemediation', { desc: STRING }),
});

const CVE = structure('OcsfCve', {
  uid: STRING,
  title: STRING,
  desc: STRING,
  // A list from OCSF 1.1 on, one object in OCSF 1.0 (Security Lake): both are read.
  cvss: ANY,
  // OCSF types the score as a string, and Security Hub sends "0.94422"; a number is read too.
  epss: structure('OcsfEpss', { score: ANY, percentile: ANY }),
  created_time: NUMBER,
  created_time_dt: STRING,
  modified_time: NUMBER,
  modified_time_dt: STRING,
});

const VULNERABILITY = structure('OcsfVulnerability', {
  cve: CVE,
  title: STRING,
  desc: STRING,
  severity: STRING,
  vendor_name: STRING,
  affected_packages: list(PACKAGE),
  // OCSF 1.0's name for affected_packages.
  packages: list(PACKAGE),
  is_exploit_available: BOOLEAN,
  exploit_last_seen_time: NUMBER,
  exploit_last_seen_time_dt: STRING,
  is_fix_available: BOOLEAN,
  fix_coverage: STRING,
  fix_coverage_id: NUMBER,
  references: STRINGS,
  related_vulnerabilities: STRINGS,
  kb_articles: STRINGS,
});

/** An OCSF finding as Hubgraph reads it: the root of every OCSF source path. */
export const OCSF_FINDING_SHAPE: Shape = structure(
  'OcsfFinding',
  {
    class_uid: NUMBER,
    class_name: STRING,
    category_uid: NUMBER,
    activity_id: NUMBER,
    activity_name: STRING,
    type_uid: NUMBER,
    type_name: STRING,
    severity: STRING,
    severity_id: NUMBER,
    status: STRING,
    status_id: NUMBER,
    // OCSF 1.0's name for status_id.
    state_id: NUMBER,
    confidence_score: NUMBER,
    comment: STRING,
    message: STRING,
    time: NUMBER,
    time_dt: STRING,
    cloud: CLOUD,
    metadata: METADATA,
    finding_info: FINDING_INFO,
    finding: FINDING_INFO,
    compliance: COMPLIANCE,
    remediation: REMEDIATION,
    resources: list(RESOURCE),
    // OCSF 1.1's Compliance Finding names its one resource `resource`.
    resource: RESOURCE,
    vulnerabilities: list(VULNERABILITY),
    evidences: ANY,
    observables: ANY,
    databucket: ANY,
    unmapped: ANY,
    vendor_attributes: ANY,
  },
  ['class_uid', 'metadata', 'cloud'],
);
