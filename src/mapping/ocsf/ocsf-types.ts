// TypeScript's view of the OCSF fields described in ocsf-shape.ts, for code that reads a finding
// after validation. Every field is optional: OCSF requires little, and producers send less.

export interface OcsfAccount {
  uid?: string;
  name?: string;
}

export interface OcsfTag {
  name?: string;
  value?: string;
}

export interface OcsfResource {
  uid?: string;
  uid_alt?: string;
  name?: string;
  type?: string;
  region?: string;
  cloud_partition?: string;
  owner?: { account?: OcsfAccount };
  tags?: OcsfTag[];
  labels?: string[];
  criticality?: string;
  data?: unknown;
}

export interface OcsfAffectedPackage {
  name?: string;
  version?: string;
  epoch?: number;
  release?: string;
  architecture?: string;
  fixed_in_version?: string;
  package_manager?: string;
  path?: string;
  remediation?: { desc?: string };
}

export interface OcsfCvss {
  base_score?: unknown;
  vector_string?: unknown;
  version?: unknown;
  vendor_name?: unknown;
}

export interface OcsfVulnerability {
  cve?: {
    uid?: string;
    title?: string;
    desc?: string;
    cvss?: OcsfCvss[] | OcsfCvss;
    epss?: { score?: unknown };
  };
  title?: string;
  severity?: string;
  vendor_name?: string;
  affected_packages?: OcsfAffectedPackage[];
  packages?: OcsfAffectedPackage[];
  is_exploit_available?: boolean;
  exploit_last_seen_time?: number;
  exploit_last_seen_time_dt?: string;
  is_fix_available?: boolean;
  fix_coverage?: string;
  fix_coverage_id?: number;
  references?: string[];
  related_vulnerabilities?: string[];
}

export interface OcsfRemediation {
  desc?: string;
  references?: string[];
  kb_articles?: string[];
}

export interface OcsfFindingInfo {
  uid?: string;
  uid_alt?: string;
  title?: string;
  desc?: string;
  types?: string[];
  src_url?: string;
  analytic?: { uid?: string; name?: string };
  created_time?: number;
  created_time_dt?: string;
  first_seen_time?: number;
  first_seen_time_dt?: string;
  last_seen_time?: number;
  last_seen_time_dt?: string;
  modified_time?: number;
  modified_time_dt?: string;
  remediation?: OcsfRemediation;
}

export interface OcsfFinding {
  class_uid: number;
  class_name?: string;
  activity_id?: number;
  activity_name?: string;
  severity?: string;
  severity_id?: number;
  status?: string;
  status_id?: number;
  state_id?: number;
  confidence_score?: number;
  comment?: string;
  time?: number;
  time_dt?: string;
  cloud: { account?: OcsfAccount; region?: string; cloud_partition?: string };
  metadata: {
    uid?: string;
    version?: string;
    product?: { uid?: string; name?: string; vendor_name?: string; feature?: { uid?: string } };
  };
  finding_info?: OcsfFindingInfo;
  finding?: OcsfFindingInfo;
  compliance?: {
    control?: string;
    standards?: string[];
    requirements?: string[];
    status?: string;
    status_id?: number;
  };
  remediation?: OcsfRemediation;
  resources?: OcsfResource[];
  resource?: OcsfResource;
  vulnerabilities?: OcsfVulnerability[];
}

/** OCSF 1.0 (Security Lake) names `finding_info` `finding`; both carry the same fields. */
export function findingInfoOf(finding: OcsfFinding): OcsfFindingInfo {
  return finding.finding_info ?? finding.finding ?? {};
}

/** The finding's resources: `resources[]`, or the single `resource` of an OCSF 1.1 Compliance Finding. */
export function resourcesOf(finding: OcsfFinding): OcsfResource[] {
  if (finding.resources && finding.resources.length > 0) return finding.resources;
  return finding.resource ? [finding.resource] : [];
}
