import type { AwsSecurityFinding, Cvss, Resource, Vulnerability } from '@aws-sdk/client-securityhub';

// What third-party producers put where AWS's own products do not, read into the ASFF fields
// Hubgraph maps and scores from. Trivy's Security Hub template (and tools built on it, such as
// trivy-operator exporters) sends no Vulnerabilities[]: the CVE, package and NVD scores travel as
// strings in Resources[].Details.Other. Only ever fills what the finding lacks; the stored raw
// finding is the one AWS returned, untouched.

/** Keys of Trivy's template in Details.Other. */
const TRIVY = {
  cve: 'CVE ID',
  packageName: 'PkgName',
  installed: 'Installed Package',
  fixed: 'Patched Package',
  v3Score: 'NvdCvssScoreV3',
  v3Vector: 'NvdCvssVectorV3',
  v2Score: 'NvdCvssScoreV2',
  v2Vector: 'NvdCvssVectorV2',
} as const;

/** The finding as mapping reads it: the producer's own fields read into ASFF where it left gaps. */
export function withProducerFields(finding: AwsSecurityFinding): AwsSecurityFinding {
  if ((finding.Vulnerabilities?.length ?? 0) > 0) return finding;
  const vulnerabilities = (finding.Resources ?? []).flatMap(trivyVulnerability);
  return vulnerabilities.length > 0 ? { ...finding, Vulnerabilities: vulnerabilities } : finding;
}

function trivyVulnerability(resource: Resource): Vulnerability[] {
  const other = resource.Details?.Other;
  const id = other?.[TRIVY.cve]?.trim();
  if (!other || !id) return [];
  const cvss = [
    nvdEntry(other[TRIVY.v3Score], other[TRIVY.v3Vector], '3'),
    nvdEntry(other[TRIVY.v2Score], other[TRIVY.v2Vector], '2'),
  ].filter((entry): entry is Cvss => entry !== undefined);
  const name = other[TRIVY.packageName]?.trim();
  const fixed = other[TRIVY.fixed]?.trim();
  return [
    {
      Id: id,
      ...(cvss.length > 0 ? { Cvss: cvss } : {}),
      ...(name
        ? {
            VulnerablePackages: [
              {
                Name: name,
                ...(other[TRIVY.installed]?.trim() ? { Version: other[TRIVY.installed]!.trim() } : {}),
                ...(fixed ? { FixedInVersion: fixed } : {}),
              },
            ],
            FixAvailable: fixed ? 'YES' : 'NO',
          }
        : {}),
    },
  ];
}

/**
 * An NVD score as Trivy writes it ("9.1", "9.100000", "0" when NVD has none). A zero with no vector
 * is Trivy's way of saying "none", not a score of 0.
 */
function nvdEntry(score: string | undefined, vector: string | undefined, major: '2' | '3'): Cvss | undefined {
  const value = Number(score);
  if (score === undefined || score.trim() === '' || !Number.isFinite(value) || value < 0 || value > 10)
    return undefined;
  const baseVector = vector?.trim() || undefined;
  if (value === 0 && !baseVector) return undefined;
  const version = major === '3' ? (/^CVSS:(3\.\d)\//.exec(baseVector ?? '')?.[1] ?? '3') : '2.0';
  return {
    Version: version,
    BaseScore: value,
    ...(baseVector ? { BaseVector: baseVector } : {}),
    Source: 'NVD',
  };
}
