import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';

// Findings that report the same problem share a group key, so stats and asset risk count the
// problem once: the same control on the same resource under several standards (or regions, for
// global resources), and the same CVE on the same resource from several products.

export function dedupKey(finding: AwsSecurityFinding): string | null {
  const resource = finding.Resources?.[0]?.Id;
  if (!resource) return null;
  const control = finding.Compliance?.SecurityControlId;
  if (control) return `control:${control}:${resource}`;
  const cve = finding.Vulnerabilities?.find((vulnerability) =>
    /^(CVE|GHSA)-/i.test(vulnerability.Id ?? ''),
  )?.Id;
  if (cve) return `cve:${cve.toUpperCase()}:${resource}`;
  return null;
}
