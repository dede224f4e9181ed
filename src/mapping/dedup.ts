import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { findingCves } from './cves.ts';

// Findings that report the same problem share a group key, so stats and asset risk count the
// problem once: the same control on the same resource under several standards (or Regions, for
// global resources with an ARN), and the same vulnerability on the same resource from several products — under
// its canonical CVE, whichever id (GHSA, vendor advisory) a product files it under.

/**
 * `resource` is the identity of the finding's primary asset (its ARN, or for an Id that is not an
 * ARN, the Id within its partition, account, Region and type): a group never spans two assets, so
 * "No trails" in two accounts is two problems.
 */
export function dedupKey(finding: AwsSecurityFinding, resource: string | null | undefined): string | null {
  if (!resource) return null;
  const control = finding.Compliance?.SecurityControlId;
  if (control) return `control:${control}:${resource}`;
  // Only a vulnerability finding is "the CVE on this resource": a detection that names a CVE in its
  // title (an exploit attempt) is another problem than the unpatched package.
  const vulnerabilities = finding.Vulnerabilities ?? [];
  if (vulnerabilities.length === 0) return null;
  const advisory =
    findingCves(finding)[0] ??
    vulnerabilities.find((vulnerability) => /^GHSA-/i.test(vulnerability.Id ?? ''))?.Id;
  if (advisory) return `cve:${advisory.toUpperCase()}:${resource}`;
  return null;
}
