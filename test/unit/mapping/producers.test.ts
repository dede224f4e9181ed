import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { withProducerFields } from '../../../src/mapping/producers.ts';

// Trivy's Details.Other read into Vulnerabilities[], key by key, with the spacing and the edge
// scores Trivy's template can write; every finding is built inside its test.

const V3 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const trivy = (other: Record<string, string>) =>
  ({
    Resources: [
      { Type: 'Container', Id: 'image', Details: { Other: { 'CVE ID': 'CVE-2026-0001', ...other } } },
    ],
  }) as unknown as AwsSecurityFinding;
const vulnerabilityOf = (other: Record<string, string>) =>
  withProducerFields(trivy(other)).Vulnerabilities?.[0];

describe('the package', () => {
  it('trims the name, installed and fixed versions', () => {
    expect(
      vulnerabilityOf({ PkgName: ' openssl ', 'Installed Package': ' 3.0.1 ', 'Patched Package': ' 3.0.2 ' }),
    ).toEqual({
      Id: 'CVE-2026-0001',
      VulnerablePackages: [{ Name: 'openssl', Version: '3.0.1', FixedInVersion: '3.0.2' }],
      FixAvailable: 'YES',
    });
  });

  it('has no fix when the patched version is blank, and no version when none is installed', () => {
    expect(vulnerabilityOf({ PkgName: 'openssl', 'Patched Package': '  ' })).toEqual({
      Id: 'CVE-2026-0001',
      VulnerablePackages: [{ Name: 'openssl' }],
      FixAvailable: 'NO',
    });
  });
});

describe('NVD scores', () => {
  it('keeps a score of 0 with a vector, and of 10', () => {
    expect(vulnerabilityOf({ NvdCvssScoreV3: '0', NvdCvssVectorV3: V3 })?.Cvss).toEqual([
      { Version: '3.1', BaseScore: 0, BaseVector: V3, Source: 'NVD' },
    ]);
    expect(vulnerabilityOf({ NvdCvssScoreV3: '10' })?.Cvss).toEqual([
      { Version: '3', BaseScore: 10, Source: 'NVD' },
    ]);
  });

  it('reads a blank score as none, even with a vector', () => {
    expect(vulnerabilityOf({ NvdCvssScoreV3: ' ', NvdCvssVectorV3: V3 })).toEqual({ Id: 'CVE-2026-0001' });
  });

  it('trims the vector, and reads a blank one as none', () => {
    expect(vulnerabilityOf({ NvdCvssScoreV3: '9.8', NvdCvssVectorV3: ` ${V3} ` })?.Cvss).toEqual([
      { Version: '3.1', BaseScore: 9.8, BaseVector: V3, Source: 'NVD' },
    ]);
    expect(vulnerabilityOf({ NvdCvssScoreV3: '9.8', NvdCvssVectorV3: ' ' })?.Cvss).toEqual([
      { Version: '3', BaseScore: 9.8, Source: 'NVD' },
    ]);
  });

  it('reads the minor version only from a vector that starts with it', () => {
    expect(vulnerabilityOf({ NvdCvssScoreV3: '9.8', NvdCvssVectorV3: `X${V3}` })?.Cvss).toEqual([
      { Version: '3', BaseScore: 9.8, BaseVector: `X${V3}`, Source: 'NVD' },
    ]);
  });
});
