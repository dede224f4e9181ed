import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { findingCves } from '../../../src/mapping/cves.ts';
import { dedupKey } from '../../../src/mapping/dedup.ts';

// The order of a finding's CVEs (own CVEs first) and the group key's edge cases; every finding is
// built inside its test.

describe('findingCves', () => {
  it('lists every vulnerability’s own CVE before the other CVEs they mention', () => {
    const finding = {
      Vulnerabilities: [
        { Id: 'ALAS-2026-1', RelatedVulnerabilities: ['CVE-2026-0002', 'CVE-2026-0003'] },
        { Id: 'CVE-2026-0001' },
      ],
    };
    expect(findingCves(finding)).toEqual(['CVE-2026-0002', 'CVE-2026-0001', 'CVE-2026-0003']);
  });
});

describe('dedupKey', () => {
  it('has no key without a resource, even for a control finding', () => {
    const finding = { Compliance: { SecurityControlId: 'S3.1' } } as AwsSecurityFinding;
    expect(dedupKey(finding, null)).toBeNull();
    expect(dedupKey(finding, 'arn:aws:s3:::bucket')).toBe('control:S3.1:arn:aws:s3:::bucket');
  });

  it('takes a GHSA advisory only when the id starts with it', () => {
    const ghsa = { Vulnerabilities: [{ Id: 'ghsa-abcd-efgh-ijkl' }] } as AwsSecurityFinding;
    expect(dedupKey(ghsa, 'image')).toBe('cve:GHSA-ABCD-EFGH-IJKL:image');
    const other = { Vulnerabilities: [{ Id: 'PYSEC-GHSA-abcd-efgh-ijkl' }] } as AwsSecurityFinding;
    expect(dedupKey(other, 'image')).toBeNull();
  });
});
