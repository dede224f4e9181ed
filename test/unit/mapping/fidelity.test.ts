import type { AwsSecurityFinding, Vulnerability } from '@aws-sdk/client-securityhub';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anInspectorEc2Asff } from '../../../src/emulator/generator/index.ts';
import { VULNERABILITY_MAP } from '../../../src/mapping/built-in-maps.ts';
import { canonicalCveOf, cveOfVulnerability, findingCves } from '../../../src/mapping/cves.ts';
import { cvssBaseOfVersion, cvssForScoring, cvssMajor } from '../../../src/mapping/cvss.ts';
import { type MapOutcome, mapFinding } from '../../../src/mapping/map-finding.ts';
import { withProducerFields } from '../../../src/mapping/producers.ts';
import { compileTransformMap } from '../../../src/mapping/transform-map.ts';

// Mapping fidelity on the shapes real producers send (issue 9): CVSS versions however they are
// spelled and the one rule that picks the entry; the canonical CVE; third-party producers' fields;
// recommendations that are not placeholders. Expectations are worked from DESIGN §5 and the samples.

const compiled = compileTransformMap(VULNERABILITY_MAP);
if (!compiled.ok) throw new Error('the built-in map does not compile');
const map = compiled.map;

function mapped(input: unknown): Extract<MapOutcome, { ok: true }> {
  const outcome = mapFinding(input, map, { defaultSeverity: 'MEDIUM' });
  if (!outcome.ok) throw new Error(outcome.reject.reason);
  return outcome;
}

const withVulnerabilities = (
  vulnerabilities: Vulnerability[],
  title = 'A vulnerability',
): AwsSecurityFinding => ({
  ...anInspectorEc2Asff(),
  Title: title,
  Vulnerabilities: vulnerabilities,
});

describe('CVSS versions, however they are spelled', () => {
  const spellings: [string, string | null][] = [
    ['3.1', '3'],
    ['3.0', '3'],
    ['3', '3'],
    ['V3', '3'],
    ['v3.0', '3'],
    ['CVSS:3.1', '3'],
    ['CVSS v4.0', '4'],
    ['4.0', '4'],
    ['V2', '2'],
    ['2.0', '2'],
    ['latest', null],
  ];
  for (const [Version, major] of spellings) {
    it(`reads "${Version}" as ${major ?? 'unknown'}`, () => {
      expect(cvssMajor({ Version })).toBe(major);
    });
  }

  it('reads the version from the vector when the entry does not say', () => {
    expect(cvssMajor({ BaseVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' })).toBe('3');
    expect(cvssMajor({ BaseVector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' })).toBe(
      '4',
    );
    expect(cvssMajor({ BaseVector: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' })).toBe('2');
    expect(cvssMajor({ BaseVector: 'AV:N/AC:L' })).toBeNull();
  });

  it("scores by AWS's own documented spelling (V3, V2), which used to be ignored", () => {
    // AWS's ASFF syntax example: { Version: "V3", BaseScore: 4.7 }, { Version: "V2", BaseScore: 1.0 }.
    const outcome = mapped(
      withVulnerabilities([
        {
          Id: 'CVE-2020-12345',
          Cvss: [
            { Version: 'V3', BaseScore: 4.7 },
            { Version: 'V2', BaseScore: 1 },
          ],
        },
      ]),
    );
    expect(outcome.score.factors.cvss).toMatchObject({ version: 'V3', major: '3', baseScore: 4.7 });
    expect(outcome.finding).toMatchObject({ cvss3Base: 4.7, cvssV2Base: 1 });
  });
});

describe('the CVSS entry a score rests on, and the stored fields (DESIGN §5)', () => {
  it("takes Inspector's adjusted entry over NVD's, in the score and in cvss3Base alike", () => {
    // The case: NVD 9.8, adjusted to 5.9 for this deployment.
    const outcome = mapped(
      withVulnerabilities([
        {
          Id: 'CVE-2026-0001',
          Cvss: [
            { Version: '3.1', BaseScore: 9.8, Source: 'NVD' },
            {
              Version: '3.1',
              BaseScore: 5.9,
              Source: 'NVD',
              Adjustments: [{ Metric: 'AttackVector', Reason: 'not reachable from the internet' }],
            },
          ],
        },
      ]),
    );
    expect(outcome.score.factors.cvss).toMatchObject({ baseScore: 5.9, adjusted: true });
    expect(outcome.finding.cvss3Base).toBe(5.9);
  });

  it('takes the highest base among v4.0 and v3.x, not the newer version by default', () => {
    const choice = cvssForScoring([
      { Version: '4.0', BaseScore: 8.7, Source: 'NVD' },
      { Version: '3.1', BaseScore: 9.8, Source: 'NVD' },
      { Version: '2.0', BaseScore: 10, Source: 'NVD' },
    ]);
    expect(choice).toMatchObject({ major: '3', baseScore: 9.8 });
  });

  it('takes v2 only when nothing else is there, and an entry of no known version last of all', () => {
    expect(
      cvssForScoring([
        { Version: '2.0', BaseScore: 10 },
        { Version: 'x', BaseScore: 4 },
      ]),
    ).toMatchObject({
      major: '2',
      baseScore: 10,
    });
    expect(cvssForScoring([{ Version: 'x', BaseScore: 4 }])).toMatchObject({ major: null, baseScore: 4 });
    expect(cvssForScoring([{ Version: '3.1', BaseScore: 11 }])).toBeUndefined();
  });

  it("fills another version's field with that version's adjusted entry, else its highest", () => {
    const entries = [
      { Version: '4.0', BaseScore: 9.3 },
      { Version: '3.1', BaseScore: 7.5 },
      { Version: '3.1', BaseScore: 6.1, Adjustments: [] },
      { Version: '2.0', BaseScore: 5 },
      { Version: '2.0', BaseScore: 4.3 },
    ];
    expect(cvssBaseOfVersion(entries, '4')).toBe(9.3); // the scoring entry itself
    expect(cvssBaseOfVersion(entries, '3')).toBe(7.5); // an empty Adjustments list adjusts nothing
    expect(cvssBaseOfVersion(entries, '2')).toBe(5);
  });

  it('reads the fields from the vulnerability the score rests on, when a finding has several', () => {
    const outcome = mapped(
      withVulnerabilities([
        {
          Id: 'CVE-2026-0001',
          Cvss: [
            { Version: '3.1', BaseScore: 5.3 },
            { Version: '2.0', BaseScore: 9.3 },
          ],
        },
        { Id: 'CVE-2026-0002', Cvss: [{ Version: '3.1', BaseScore: 8.1 }], ExploitAvailable: 'YES' },
      ]),
    );
    expect(outcome.score.factors.cvss).toMatchObject({ cve: 'CVE-2026-0002', baseScore: 8.1 });
    expect(outcome.finding).toMatchObject({ cvss3Base: 8.1, cvssV2Base: null });
  });

  const versions = fc.constantFrom('2.0', '3.0', '3.1', '4.0', 'V2', 'V3', 'CVSS:3.1', '3', 'unknown');
  const entry = fc.record({
    Version: versions,
    BaseScore: fc.integer({ min: 0, max: 100 }).map((tenths) => tenths / 10),
    Source: fc.constantFrom('NVD', 'VENDOR'),
    Adjustments: fc.constantFrom(undefined, [], [{ Metric: 'AttackVector', Reason: 'internal' }]),
  });
  const vulnerability = fc.record({
    Id: fc.constantFrom('CVE-2026-0001', 'CVE-2026-0002', 'GHSA-abcd-efgh-ijkl'),
    Cvss: fc.array(entry, { maxLength: 5 }),
    ExploitAvailable: fc.constantFrom(undefined, 'YES', 'NO'),
    EpssScore: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
  });

  it("stores CVSS fields that always equal the factors' CVSS (property)", () => {
    fc.assert(
      fc.property(fc.array(vulnerability, { maxLength: 4 }), (vulnerabilities) => {
        const outcome = mapped(withVulnerabilities(vulnerabilities as Vulnerability[]));
        const chosen = outcome.score.factors.cvss;
        const { cvss3Base, cvssV2Base } = outcome.finding;
        if (!chosen) {
          expect([cvss3Base, cvssV2Base]).toEqual([null, null]);
          return;
        }
        if (chosen.major === '3') expect(cvss3Base).toBe(chosen.baseScore);
        if (chosen.major === '2') expect(cvssV2Base).toBe(chosen.baseScore);
      }),
    );
  });
});

describe('the canonical CVE', () => {
  const resource = anInspectorEc2Asff().Resources![0]!;
  // Inspector on Bottlerocket (test/fixtures/real-findings/inspector/…ghsa-with-cve.json): the advisory
  // is a GHSA, the CVE a related id.
  const ghsa = {
    ...withVulnerabilities(
      [{ Id: 'GHSA-p98r-538v-jgw5', RelatedVulnerabilities: ['CVE-2023-34256'], FixAvailable: 'YES' }],
      'GHSA-p98r-538v-jgw5 - kernel-5.15',
    ),
    Resources: [resource],
  };

  it('groups and filters a GHSA advisory under the CVE it names', () => {
    const { finding } = mapped(ghsa);
    expect(finding.cves).toEqual(['CVE-2023-34256']);
    expect(finding.dedupKey).toBe(`cve:CVE-2023-34256:${resource.Id}`);
  });

  it("joins another product's finding of that CVE on the same resource", () => {
    const other = {
      ...withVulnerabilities([{ Id: 'CVE-2023-34256', Cvss: [{ Version: '3.1', BaseScore: 5.5 }] }]),
      ProductArn: 'arn:aws:securityhub:us-east-1::product/acme/scanner',
      Resources: [resource],
    };
    expect(mapped(other).finding.dedupKey).toBe(mapped(ghsa).finding.dedupKey);
  });

  it('names the CVE a sole GHSA vulnerability stands for in the score factors, from the title when nowhere else', () => {
    const titled = withVulnerabilities(
      [{ Id: 'GHSA-xxxx-yyyy-zzzz', Cvss: [{ Version: '3.1', BaseScore: 7.5 }] }],
      'CVE-2024-1111 in left-pad',
    );
    const outcome = mapped(titled);
    expect(outcome.score.factors.cvss?.cve).toBe('CVE-2024-1111');
    expect(outcome.finding.cves).toEqual(['CVE-2024-1111']);
  });

  it('does not group a detection that only mentions a CVE with the vulnerability itself', () => {
    const detection = {
      ...anInspectorEc2Asff(),
      Title: 'Exploit attempt for CVE-2021-44228',
      Vulnerabilities: undefined,
    };
    const { finding } = mapped(detection);
    expect(finding.cves).toEqual(['CVE-2021-44228']);
    expect(finding.dedupKey).toBeNull();
  });
});

describe("Trivy's template: the CVE, package and NVD scores as strings in Details.Other", () => {
  // Trivy's contrib/asff.tpl output (test/fixtures/real-findings/trivy), reduced to one resource.
  const trivy = (other: Record<string, string>): AwsSecurityFinding => ({
    SchemaVersion: '2018-10-08',
    Id: 'alpine:3.10 (alpine 3.10.9)/CVE-2021-36159',
    ProductArn: 'arn:aws:securityhub:eu-west-2::product/aquasecurity/aquasecurity',
    GeneratorId: 'Trivy/CVE-2021-36159',
    AwsAccountId: '123456789012',
    Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
    CreatedAt: '2026-11-01T10:00:00Z',
    UpdatedAt: '2026-11-01T10:00:00Z',
    Severity: { Label: 'CRITICAL' },
    Title: 'Trivy found a vulnerability to CVE-2021-36159 in container alpine:3.10 (alpine 3.10.9)',
    Description: 'libfetch before 2021-07-26 … a one-byte buffer over-read',
    Resources: [
      {
        Type: 'Container',
        Id: 'alpine:3.10 (alpine 3.10.9)',
        Partition: 'aws',
        Region: 'eu-west-2',
        Details: { Container: { ImageName: 'alpine:3.10 (alpine 3.10.9)' }, Other: other },
      },
    ],
    RecordState: 'ACTIVE',
  });
  const other = {
    'CVE ID': 'CVE-2021-36159',
    'CVE Title': '',
    PkgName: 'apk-tools',
    'Installed Package': '2.10.6-r0',
    'Patched Package': '2.10.7-r0',
    NvdCvssScoreV3: '9.1',
    NvdCvssVectorV3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H',
    NvdCvssScoreV2: '6.4',
    NvdCvssVectorV2: 'AV:N/AC:L/Au:N/C:P/I:N/A:P',
  };

  it('reads them into the CVE, CVSS, package, fix and score, and keeps the raw finding as sent', () => {
    const input = trivy(other);
    const outcome = mapped(input);
    expect(outcome.finding).toMatchObject({
      cves: ['CVE-2021-36159'],
      cvss3Base: 9.1,
      cvssV2Base: 6.4,
      fixAvailable: 'YES',
      vulnerablePackageName: 'apk-tools',
      vulnerablePackageVersion: '2.10.6-r0',
      fixedVersion: '2.10.7-r0',
      recommendation: 'Update apk-tools 2.10.6-r0 to 2.10.7-r0',
    });
    // 0.65·91 + 0.35·50 (nothing known of the threat) = 76.65.
    // Grouped under the CVE on the image's asset (its Id is not an ARN: the Id within partition,
    // account, Region and type).
    expect(outcome.finding.dedupKey).toBe(
      `cve:CVE-2021-36159:${JSON.stringify(['aws', '123456789012', 'eu-west-2', 'Container', 'alpine:3.10 (alpine 3.10.9)'])}`,
    );
    expect(outcome.score).toMatchObject({ score: 77 });
    expect(outcome.score.factors.cvss).toMatchObject({ version: '3.1', source: 'NVD', baseScore: 9.1 });
    expect(outcome.finding.raw).toBe(input);
    expect(input.Vulnerabilities).toBeUndefined();
  });

  it("reads trivy-operator's %f scores, and takes a zero without a vector for no score", () => {
    const outcome = mapped(
      trivy({
        ...other,
        NvdCvssScoreV3: '7.500000',
        NvdCvssVectorV3: '',
        NvdCvssScoreV2: '0',
        NvdCvssVectorV2: '',
      }),
    );
    expect(outcome.finding).toMatchObject({ cvss3Base: 7.5, cvssV2Base: null });
    expect(outcome.score.factors.cvss).toMatchObject({ version: '3', baseScore: 7.5 });
  });

  it('scores by severity when Trivy has no NVD score, and says there is no fix when none is patched', () => {
    const outcome = mapped(
      trivy({ ...other, NvdCvssScoreV3: '', NvdCvssScoreV2: '', 'Patched Package': '' }),
    );
    expect(outcome.score.factors.branch).toBe('band-default');
    expect(outcome.finding).toMatchObject({ fixAvailable: 'NO', fixedVersion: null, recommendation: null });
  });
});

describe('recommendations that say something', () => {
  const inspectorWith = (text: string, packages: Record<string, string>[]): AwsSecurityFinding => ({
    ...withVulnerabilities([{ Id: 'CVE-2017-9735', VulnerablePackages: packages }]),
    Remediation: { Recommendation: { Text: text } },
  });

  it("uses each package's own fix over Inspector's generic sentence, once per fix", () => {
    const { finding } = mapped(
      inspectorWith(
        'Remediation is available. Please refer to the Fixed version in the vulnerability details section above.For detailed remediation guidance for each of the affected packages, refer to the vulnerabilities section of the detailed finding JSON.',
        [
          {
            Name: 'org.eclipse.jetty:jetty-server',
            Version: '8.1.14',
            FixedInVersion: '9.4.6.v20170531',
            Remediation: 'Update jetty-server to 9.4.6.v20170531',
          },
          {
            Name: 'org.eclipse.jetty:jetty-util',
            Version: '8.1.14',
            FixedInVersion: '9.4.6.v20170531',
            Remediation: 'Update jetty-util to 9.4.6.v20170531',
          },
          {
            Name: 'org.eclipse.jetty:jetty-util',
            Version: '8.1.15',
            FixedInVersion: '9.4.6.v20170531',
            Remediation: 'Update jetty-util to 9.4.6.v20170531',
          },
        ],
      ),
    );
    expect(finding).toMatchObject({
      recommendation: 'Update jetty-server to 9.4.6.v20170531; Update jetty-util to 9.4.6.v20170531',
      vulnerablePackageName: 'org.eclipse.jetty:jetty-server',
      vulnerablePackageVersion: '8.1.14',
      fixedVersion: '9.4.6.v20170531',
    });
  });

  it('states the upgrade when a package has a fixed version but no remediation text', () => {
    const { finding } = mapped(
      inspectorWith('None Provided', [{ Name: 'krb5', Version: '1.15.5', FixedInVersion: '1.15.6' }]),
    );
    expect(finding.recommendation).toBe('Update krb5 1.15.5 to 1.15.6');
  });

  it('leaves "None Provided" out when no package has a fix: nothing is better than a placeholder', () => {
    const { finding } = mapped(inspectorWith('None Provided', [{ Name: 'krb5', Version: '1.15.5' }]));
    expect(finding.recommendation).toBeNull();
  });

  it("keeps a product's real recommendation", () => {
    const text =
      'You can edit the Security Group sg-0af64c8a5eb30ca75 to remove access from the internet on port 22';
    const { finding } = mapped({
      ...anInspectorEc2Asff(),
      Vulnerabilities: undefined,
      Remediation: { Recommendation: { Text: text } },
    });
    expect(finding.recommendation).toBe(text);
  });
});

it('takes the severity from FindingProviderFields when a finding has not been through Security Hub yet', () => {
  const { Severity: _severity, ...rest } = anInspectorEc2Asff();
  const outcome = mapped({
    ...rest,
    Vulnerabilities: undefined,
    FindingProviderFields: { Severity: { Label: 'LOW', Original: 'LOW' } },
  });
  expect(outcome.score).toMatchObject({ label: 'LOW', score: 20 });
});

describe('CVE ids, wherever and however they are written', () => {
  it('reads lower-case ids as the canonical upper case, once each', () => {
    const finding = withVulnerabilities(
      [{ Id: 'cve-2021-44228', RelatedVulnerabilities: ['CVE-2021-44228', 'cve-2021-45046'] }],
      'cve-2021-44228 in log4j-core',
    );
    expect(findingCves(finding)).toEqual(['CVE-2021-44228', 'CVE-2021-45046']);
  });

  it("takes a vulnerability's own CVE only when its Id is exactly one, else its first related CVE", () => {
    expect(cveOfVulnerability({ Id: 'CVE-2023-1111' })).toBe('CVE-2023-1111');
    expect(
      cveOfVulnerability({ Id: 'ALAS-2023-2000 (CVE-2023-2222)', RelatedVulnerabilities: ['CVE-2023-3333'] }),
    ).toBe('CVE-2023-3333');
    expect(
      cveOfVulnerability({
        Id: 'GHSA-aaaa-bbbb-cccc',
        RelatedVulnerabilities: ['GHSA-x', 'see CVE-2023-4444'],
      }),
    ).toBe('CVE-2023-4444');
    expect(cveOfVulnerability({ Id: 'GHSA-aaaa-bbbb-cccc' })).toBeNull();
  });

  it("lists the vulnerabilities' CVEs first, then those in the title, generator and resource details", () => {
    const finding: AwsSecurityFinding = {
      ...withVulnerabilities(
        [{ Id: 'GHSA-aaaa-bbbb-cccc' }, { Id: 'CVE-2024-0002' }],
        'CVE-2024-0003 and more',
      ),
      GeneratorId: 'scanner/CVE-2024-0004',
      Resources: [
        { Type: 'Other', Id: 'x', Details: { Other: { 'CVE ID': 'CVE-2024-0005', note: 'no id here' } } },
      ],
    };
    expect(findingCves(finding)).toEqual([
      'CVE-2024-0002',
      'CVE-2024-0003',
      'CVE-2024-0004',
      'CVE-2024-0005',
    ]);
  });

  it('names no CVE for one of several GHSA vulnerabilities from the title: it cannot tell which', () => {
    const finding = withVulnerabilities([{ Id: 'GHSA-1' }, { Id: 'GHSA-2' }], 'CVE-2024-0009 found');
    expect(canonicalCveOf(finding.Vulnerabilities![0]!, finding)).toBeNull();
    const single = withVulnerabilities([{ Id: 'GHSA-1' }], 'CVE-2024-0009 found');
    expect(canonicalCveOf(single.Vulnerabilities![0]!, single)).toBe('CVE-2024-0009');
  });

  it("keeps a vulnerability's own CVE over one the finding names elsewhere, and reads a finding without Vulnerabilities", () => {
    const finding = withVulnerabilities([{ Id: 'CVE-2024-0001' }], 'CVE-2024-0009 in the title');
    expect(canonicalCveOf(finding.Vulnerabilities![0]!, finding)).toBe('CVE-2024-0001');
    expect(canonicalCveOf({ Id: 'GHSA-1' }, { Title: 'about cve-2024-0008' })).toBe('CVE-2024-0008');
    expect(canonicalCveOf({ Id: 'GHSA-1' }, { Title: 'no identifier' })).toBeNull();
  });

  it('groups a GHSA-only vulnerability finding under the GHSA, and a finding with neither under nothing', () => {
    const resource = anInspectorEc2Asff().Resources![0]!;
    const ghsa = {
      ...withVulnerabilities([{ Id: 'ghsa-aaaa-bbbb-cccc' }], 'A package advisory'),
      Resources: [resource],
    };
    expect(mapped(ghsa).finding.dedupKey).toBe(`cve:GHSA-AAAA-BBBB-CCCC:${resource.Id}`);
    const vendor = { ...withVulnerabilities([{ Id: 'ALAS-2023-1' }], 'An advisory'), Resources: [resource] };
    expect(mapped(vendor).finding.dedupKey).toBeNull();
  });
});

describe("reading third parties' fields into ASFF", () => {
  const finding = (
    resources: AwsSecurityFinding['Resources'],
    vulnerabilities?: Vulnerability[],
  ): AwsSecurityFinding => ({
    ...anInspectorEc2Asff(),
    Vulnerabilities: vulnerabilities,
    Resources: resources,
  });
  const other = (values: Record<string, string>) => ({
    Type: 'Container',
    Id: 'img',
    Details: { Other: values },
  });

  it('leaves a finding alone when it has vulnerabilities, or no resource names a CVE', () => {
    const own = finding([other({ 'CVE ID': 'CVE-2024-1' })], [{ Id: 'CVE-2024-2' }]);
    expect(withProducerFields(own)).toBe(own);
    const none = finding([other({ note: 'x' }), { Type: 'Other', Id: 'y' }]);
    expect(withProducerFields(none)).toBe(none);
  });

  it('reads one vulnerability per resource, with exactly the fields given', () => {
    const read = withProducerFields(
      finding([
        other({
          'CVE ID': ' CVE-2024-0001 ',
          NvdCvssScoreV3: '7.5',
          NvdCvssVectorV3: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
        }),
        other({
          'CVE ID': 'CVE-2024-0002',
          PkgName: 'zlib',
          'Installed Package': ' ',
          'Patched Package': '1.3',
          NvdCvssScoreV2: '5',
          NvdCvssVectorV2: 'AV:N/AC:L/Au:N/C:N/I:N/A:P',
        }),
        other({ 'CVE ID': 'CVE-2024-0003', NvdCvssScoreV3: '11', NvdCvssScoreV2: 'n/a' }),
        other({ 'CVE ID': 'CVE-2024-0004', NvdCvssScoreV3: '-1', NvdCvssScoreV2: ' ' }),
      ]),
    );
    expect(read.Vulnerabilities).toEqual([
      {
        Id: 'CVE-2024-0001',
        Cvss: [
          {
            Version: '3.0',
            BaseScore: 7.5,
            BaseVector: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
            Source: 'NVD',
          },
        ],
      },
      {
        Id: 'CVE-2024-0002',
        Cvss: [{ Version: '2.0', BaseScore: 5, BaseVector: 'AV:N/AC:L/Au:N/C:N/I:N/A:P', Source: 'NVD' }],
        VulnerablePackages: [{ Name: 'zlib', FixedInVersion: '1.3' }],
        FixAvailable: 'YES',
      },
      { Id: 'CVE-2024-0003' },
      { Id: 'CVE-2024-0004' },
    ]);
  });
});
