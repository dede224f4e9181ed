import { MAX_INDEXED_LENGTH, type Problem, shapeProblems } from '../asff-validation.ts';
import { epssScore, parseOcsfDate } from './asff-view.ts';
import { OCSF_FINDING_SHAPE } from './ocsf-shape.ts';
import { findingInfoOf, type OcsfFinding, resourcesOf } from './ocsf-types.ts';

// What Hubgraph relies on in an OCSF finding, checked before anything reads it, the way
// asff-validation.ts checks ASFF: the types of our schema (ocsf-shape.ts), the fields a stored
// finding cannot do without, and OCSF's closed value sets. The SDK hands GetFindingsV2's findings
// over as untyped documents, so nothing else has checked them. Never throws: a malformed document
// comes back with every problem and its path, to be kept as a reject.

export type OcsfValidation = { ok: true; finding: OcsfFinding } | { ok: false; problems: Problem[] };

const SEVERITY_IDS = new Set([0, 1, 2, 3, 4, 5, 6, 99]);
const STATUS_IDS = new Set([0, 1, 2, 3, 4, 5, 99]);
const COMPLIANCE_STATUS_IDS = new Set([0, 1, 2, 3, 99]);
const FIX_COVERAGE_IDS = new Set([0, 1, 2, 3, 99]);
/** 9999-12-31T23:59:59.999Z. */
const MAX_EPOCH_MILLIS = 253_402_300_799_999;

export function validateOcsf(input: unknown): OcsfValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      ok: false,
      problems: [{ path: '', message: `an OCSF finding must be a JSON object, not ${describe(input)}` }],
    };
  }
  const problems = shapeProblems(OCSF_FINDING_SHAPE, input);
  if (problems.length === 0) checkFinding(input as OcsfFinding, problems);
  return problems.length === 0 ? { ok: true, finding: input as OcsfFinding } : { ok: false, problems };
}

function checkFinding(finding: OcsfFinding, problems: Problem[]): void {
  // null is absent, as in the ASFF check: JSON producers write null for a field they do not have.
  const required = (path: string, value: string | null | undefined) => {
    if (value == null || value.trim() === '') problems.push({ path, message: 'is required' });
    else if (value.length > MAX_INDEXED_LENGTH)
      problems.push({
        path,
        message: `is ${value.length} characters; Hubgraph stores at most ${MAX_INDEXED_LENGTH}`,
      });
  };
  const oneOf = (path: string, value: number | null | undefined, allowed: Set<number>) => {
    if (value != null && !allowed.has(value))
      problems.push({ path, message: `must be one of ${[...allowed].join(', ')}; got ${value}` });
  };
  const range = (path: string, value: number | null | undefined, min: number, max: number) => {
    if (value != null && (value < min || value > max))
      problems.push({ path, message: `must be between ${min} and ${max}; got ${value}` });
  };
  const date = (path: string, value: string | null | undefined) => {
    if (value != null && parseOcsfDate(value) === undefined)
      problems.push({
        path,
        message: `must be an ISO-8601 date-time with a time zone (e.g. 2025-09-19T09:17:19.594Z); got "${value}"`,
      });
  };

  // Epoch milliseconds; microseconds (as some generators write) would read as the year 56000.
  const epoch = (path: string, value: number | null | undefined) => {
    if (value != null && !(value >= 0 && value <= MAX_EPOCH_MILLIS))
      problems.push({ path, message: `must be epoch milliseconds between 1970 and 9999; got ${value}` });
  };

  if (!Number.isInteger(finding.class_uid))
    problems.push({ path: 'class_uid', message: `must be a whole number; got ${finding.class_uid}` });
  const infoPath = finding.finding_info ? 'finding_info' : finding.finding ? 'finding' : undefined;
  if (!infoPath) {
    problems.push({ path: 'finding_info', message: 'is required' });
    return;
  }
  const info = findingInfoOf(finding);
  required(`${infoPath}.uid`, info.uid);
  required(`${infoPath}.title`, info.title);
  required('metadata.product.uid', finding.metadata.product?.uid);
  const account = finding.cloud.account?.uid;
  if (!/^\d{12}$/.test(account ?? ''))
    problems.push({
      path: 'cloud.account.uid',
      message: `must be a 12-digit AWS account id; got "${account}"`,
    });
  for (const field of ['created', 'first_seen', 'last_seen', 'modified'] as const) {
    date(`${infoPath}.${field}_time_dt`, info[`${field}_time_dt`]);
    epoch(`${infoPath}.${field}_time`, info[`${field}_time`]);
  }
  date('time_dt', finding.time_dt);
  epoch('time', finding.time);
  const hasCreated = [info.created_time_dt, info.created_time, finding.time_dt, finding.time].some(
    (value) => value != null,
  );
  if (!hasCreated)
    problems.push({
      path: `${infoPath}.created_time_dt`,
      message: 'is required (or created_time, or the event time)',
    });
  oneOf('severity_id', finding.severity_id, SEVERITY_IDS);
  oneOf('status_id', finding.status_id, STATUS_IDS);
  oneOf('compliance.status_id', finding.compliance?.status_id, COMPLIANCE_STATUS_IDS);
  range('confidence_score', finding.confidence_score, 0, 100);

  const resources = resourcesOf(finding);
  if (resources.length === 0)
    problems.push({ path: 'resources', message: 'must list at least one resource' });
  const resourcesPath = finding.resources?.length ? 'resources' : 'resource';
  resources.forEach((resource, index) => {
    const at = resourcesPath === 'resources' ? `resources[${index}]` : 'resource';
    if (!resource.uid?.trim() && !resource.uid_alt?.trim())
      problems.push({ path: `${at}.uid`, message: 'is required (or uid_alt, the ARN)' });
  });

  finding.vulnerabilities?.forEach((vulnerability, v) => {
    const at = `vulnerabilities[${v}]`;
    oneOf(`${at}.fix_coverage_id`, vulnerability.fix_coverage_id, FIX_COVERAGE_IDS);
    date(`${at}.exploit_last_seen_time_dt`, vulnerability.exploit_last_seen_time_dt);
    epoch(`${at}.exploit_last_seen_time`, vulnerability.exploit_last_seen_time);
    const cvss = vulnerability.cve?.cvss;
    const entries = Array.isArray(cvss) ? cvss : cvss === undefined || cvss === null ? [] : [cvss];
    entries.forEach((entry, c) => {
      const path = `${at}.cve.cvss${Array.isArray(cvss) ? `[${c}]` : ''}.base_score`;
      if (typeof entry !== 'object' || entry === null) {
        problems.push({ path: path.replace(/\.base_score$/, ''), message: 'must be an object' });
        return;
      }
      const score = entry.base_score;
      if (score == null) return;
      if (typeof score !== 'number' || !Number.isFinite(score))
        problems.push({ path, message: `must be a number, not ${describe(score)}` });
      else range(path, score, 0, 10);
    });
    const epss = vulnerability.cve?.epss?.score;
    if (epss !== undefined && epss !== null && epssScore(epss) === undefined)
      problems.push({
        path: `${at}.cve.epss.score`,
        message: `must be a probability between 0 and 1 (AWS sends it as text, e.g. "0.00198"); got ${describe(epss)}`,
      });
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string')
    return `the string "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
