import type { AwsSecurityFinding, Vulnerability } from '@aws-sdk/client-securityhub';

// The CVE a finding is about. Products name it in different places: AWS's in Vulnerabilities[].Id
// (Inspector puts a GHSA or vendor id there when that is the advisory, and the CVE among the
// related ids or in the title); third parties in GeneratorId (`Trivy/CVE-…`), the Title or a
// resource's Details.Other. Grouping, filtering and de-duplication use the CVE, so the same
// vulnerability reported by two products on one resource is one problem (DESIGN §5).

/** What CVEs are read from. */
type FindingText = Partial<
  Pick<AwsSecurityFinding, 'Vulnerabilities' | 'Title' | 'GeneratorId' | 'Resources'>
>;

const CVE = /\bCVE-\d{4}-\d{4,}\b/gi;

/** Cheaper than the global pattern at saying "none here", which most texts are. */
const MAY_NAME_A_CVE = /cve-\d/i;

function cvesIn(text: unknown): string[] {
  if (typeof text !== 'string' || !MAY_NAME_A_CVE.test(text)) return [];
  return [...text.matchAll(CVE)].map((match) => match[0].toUpperCase());
}

/** The vulnerability's own CVE: its id when that is a CVE, else the first CVE among its related ids. */
export function cveOfVulnerability(vulnerability: Vulnerability): string | null {
  const own = cvesIn(vulnerability.Id)[0];
  if (own && own === vulnerability.Id?.toUpperCase()) return own;
  for (const related of vulnerability.RelatedVulnerabilities ?? []) {
    const cve = cvesIn(related)[0];
    if (cve) return cve;
  }
  return null;
}

/** Where a finding names CVEs outside Vulnerabilities[]: its title, generator and resources' Other. */
function cvesNamedElsewhere(finding: FindingText): string[] {
  return [
    ...cvesIn(finding.Title),
    ...cvesIn(finding.GeneratorId),
    ...(finding.Resources ?? []).flatMap((resource) =>
      Object.values(resource.Details?.Other ?? {}).flatMap(cvesIn),
    ),
  ];
}

/**
 * Every CVE the finding names, the canonical one first: the vulnerabilities' own CVEs (in their
 * order), then those named in the title, generator and resource details.
 */
export function findingCves(finding: FindingText): string[] {
  const vulnerabilities = finding.Vulnerabilities ?? [];
  return [
    ...new Set([
      ...vulnerabilities.flatMap((vulnerability) => {
        const own = cveOfVulnerability(vulnerability);
        return own ? [own] : [];
      }),
      ...vulnerabilities.flatMap((vulnerability) => [
        ...cvesIn(vulnerability.Id),
        ...(vulnerability.RelatedVulnerabilities ?? []).flatMap(cvesIn),
      ]),
      ...cvesNamedElsewhere(finding),
    ]),
  ];
}

/**
 * The CVE a vulnerability of this finding stands for: its own, else — when it is the finding's
 * only vulnerability (a GHSA advisory whose finding names the CVE) — the one the finding names.
 */
export function canonicalCveOf(vulnerability: Vulnerability, finding: FindingText): string | null {
  const own = cveOfVulnerability(vulnerability);
  if (own) return own;
  if ((finding.Vulnerabilities?.length ?? 0) > 1) return null;
  return cvesNamedElsewhere(finding)[0] ?? null;
}
