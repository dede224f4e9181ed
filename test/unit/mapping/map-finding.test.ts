import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import {
  aControlAsff,
  aGuardDutyAsff,
  anInspectorEc2Asff,
  anInspectorEcrAsff,
  anInspectorLambdaAsff,
  aPartnerAsff,
  CONTROLS,
  CVES,
  generateFindings,
  STANDARDS,
} from '../../../src/emulator/generator/index.ts';
import { validateAsff } from '../../../src/mapping/asff-validation.ts';
import { VULNERABILITY_MAP } from '../../../src/mapping/built-in-maps.ts';
import { type MapOutcome, mapFinding } from '../../../src/mapping/map-finding.ts';
import { compileTransformMap } from '../../../src/mapping/transform-map.ts';

const compiled = compileTransformMap(VULNERABILITY_MAP);
if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
const map = compiled.map;
const settings = { defaultSeverity: 'MEDIUM' as const };

function mapped(input: unknown): Extract<MapOutcome, { ok: true }> {
  const outcome = mapFinding(input, map, settings);
  if (!outcome.ok) throw new Error(outcome.reject.reason);
  return outcome;
}

describe('the built-in map on an Inspector EC2 package vulnerability', () => {
  const asff = anInspectorEc2Asff({}, 11, CVES[6]!); // openssl CVE-2022-3602
  const { finding, assets, mapped: fields } = mapped(asff);
  const resource = asff.Resources![0]!;

  it('fills every target field of the industry map from where ASFF keeps it', () => {
    expect(fields).toEqual({
      externalAssetId: resource.Id,
      findingName: 'CVE-2022-3602 - openssl',
      externalFindingId: `${asff.ProductArn}/${asff.Id}`,
      findingSeverity: 4, // Severity.Label HIGH as a level 1–5
      findingDescription: asff.Description,
      findingFirstFoundOn: '2026-10-01T09:00:00.000Z',
      findingLastFoundOn: '2026-10-20T09:00:00.000Z',
      productName: 'Inspector',
      // The package's own fix, not Inspector's generic "Remediation is available. Please refer to…".
      recommendation: 'Upgrade openssl to 3.0.7',
      vulnerablePackageName: 'openssl',
      vulnerablePackageVersion: '3.0.5',
      fixedVersion: '3.0.7',
      cvss3Base: 7.5, // the only CVSS entry: NVD 3.1
      isExploitAvailable: false,
      isPatchAvailable: true, // FixAvailable YES
      references: [
        'https://nvd.nist.gov/vuln/detail/CVE-2022-3602',
        'https://www.cve.org/CVERecord?id=CVE-2022-3602',
      ],
      assetName: 'i-089c1daed188c5f64', // no Name tag: the name in the instance's ARN
      cloudInstanceId: 'i-089c1daed188c5f64',
      systemType: 'AwsEc2Instance',
    });
  });

  it('stores the record with identity, vulnerability facts and score', () => {
    expect(finding).toMatchObject({
      productArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector',
      awsId: asff.Id,
      awsAccountId: '111122223333',
      region: 'us-east-1',
      title: 'CVE-2022-3602 - openssl',
      cves: ['CVE-2022-3602'],
      epssScore: 0.0211,
      exploitAvailable: 'NO',
      workflowStatus: 'NEW',
      recordState: 'ACTIVE',
      counted: true,
      dedupKey: `cve:CVE-2022-3602:${resource.Id}`,
      assetIdentityKey: resource.Id,
      resourceType: 'AwsEc2Instance',
      firstObservedAt: new Date('2026-10-01T09:00:00.000Z'),
      awsUpdatedAt: new Date('2026-10-20T09:00:00.000Z'),
    });
    expect(finding.raw).toBe(asff);
    expect(finding.detectionScore).toBe((finding.scoreFactors as { score: number }).score);
  });

  it('extracts the instance as an asset identified by its ARN, never by its AMI', () => {
    expect(assets).toHaveLength(1);
    expect(assets[0]).toMatchObject({
      resourceArn: resource.Id,
      resourceId: resource.Id!.split('/').at(-1),
      resourceType: 'AwsEc2Instance',
      awsAccountId: '111122223333',
      region: 'us-east-1',
      partition: 'aws',
      details: { AwsEc2Instance: { ImageId: 'ami-0abcdef1234567890' } },
    });
    expect(assets[0]!.resourceArn).not.toContain('ami-');
  });
});

describe('assets of every kind', () => {
  it('names a container image by repository and tag, keeping digest and tags', () => {
    const { assets } = mapped(anInspectorEcrAsff());
    expect(assets[0]).toMatchObject({
      resourceType: 'AwsEcrContainerImage',
      resourceId: expect.stringMatching(/^sha256:/),
      name: expect.stringMatching(/^[a-z-]+:\d/),
      details: { AwsEcrContainerImage: { RepositoryName: expect.any(String), ImageTags: expect.any(Array) } },
    });
  });

  it('names a Lambda function by its function name', () => {
    const { assets, finding } = mapped(anInspectorLambdaAsff());
    expect(assets[0]!.resourceType).toBe('AwsLambdaFunction');
    expect(assets[0]!.name).toBe(assets[0]!.resourceId);
    expect(finding.cloudInstanceId).toBeNull();
  });

  it('takes criticality from the configured tag and exposure from a public IP or an exposure tag', () => {
    const asff = anInspectorEc2Asff();
    asff.Resources![0]!.Tags = { Name: 'edge-1', Tier: '5', exposure: 'internet' };
    const byTier = mapFinding(asff, map, { ...settings, criticalityTag: 'Tier' });
    expect(byTier.ok && byTier.assets[0]).toMatchObject({
      name: 'edge-1',
      criticality: 5,
      criticalitySource: 'TAG',
      internetExposed: true,
    });
    const defaultTag = mapped(asff);
    expect(defaultTag.assets[0]).toMatchObject({ criticality: null, criticalitySource: 'DEFAULT' });
    const publicIp = anInspectorEc2Asff();
    publicIp.Resources![0]!.Tags = {};
    (publicIp.Resources![0]!.Details!.AwsEc2Instance as { IpV4Addresses: string[] }).IpV4Addresses = [
      '10.0.0.4',
      '54.12.7.9',
    ];
    expect(mapped(publicIp).assets[0]!.internetExposed).toBe(true);
  });

  it('extracts every resource of a multi-resource finding generically', () => {
    const asff = aGuardDutyAsff();
    asff.Resources!.push({
      Type: 'AwsIamAccessKey',
      Id: 'AKIAEXAMPLEKEY',
      Partition: 'aws',
      Region: 'us-east-1',
    });
    const { assets, finding } = mapped(asff);
    expect(assets.map((asset) => asset.resourceType)).toEqual(['AwsEc2Instance', 'AwsIamAccessKey']);
    expect(assets[1]).toMatchObject({
      resourceArn: 'AKIAEXAMPLEKEY',
      identityKey: JSON.stringify([
        'aws',
        asff.AwsAccountId,
        'us-east-1',
        'AwsIamAccessKey',
        'AKIAEXAMPLEKEY',
      ]),
      resourceId: 'AKIAEXAMPLEKEY',
      name: 'AKIAEXAMPLEKEY',
    });
    expect(finding.assetIdentityKey).toBe(asff.Resources![0]!.Id);
  });
});

describe('de-duplication keys', () => {
  it('gives the same control on the same resource under several standards one key', () => {
    const [a, b] = STANDARDS.slice(0, 2).map((standard) =>
      aControlAsff({}, 21, { control: CONTROLS[0], standard }),
    );
    const keyA = mapped(a).finding.dedupKey;
    expect(keyA).toBe(`control:EC2.8:${a!.Resources![0]!.Id}`);
    expect(mapped(b).finding.dedupKey).toBe(keyA);
    expect(a!.Id).not.toBe(b!.Id);
  });

  it('gives the same CVE on the same resource from two products one key', () => {
    const inspector = anInspectorEc2Asff({}, 31, CVES[1]!);
    const partner = aPartnerAsff({
      Resources: inspector.Resources,
      Vulnerabilities: [{ Id: 'cve-2024-3094' }],
    });
    expect(mapped(partner).finding.dedupKey).toBe(mapped(inspector).finding.dedupKey);
  });

  it('gives findings about different problems different keys, or none', () => {
    expect(mapped(aGuardDutyAsff()).finding.dedupKey).toBeNull();
    expect(mapped(anInspectorEc2Asff({}, 41, CVES[2]!)).finding.dedupKey).not.toBe(
      mapped(anInspectorEc2Asff({}, 41, CVES[3]!)).finding.dedupKey,
    );
  });
});

describe('edge cases', () => {
  it('gives a partner finding with only Severity.Original the default severity', () => {
    const { finding } = mapped(aPartnerAsff({ Severity: { Original: '9/10' } }));
    expect(finding).toMatchObject({
      severityLabel: 'MEDIUM',
      findingSeverity: 3,
      detectionScore: 55,
      severityOriginal: '9/10',
      severityNormalized: null,
    });
  });

  it('keeps an archived finding, not counted', () => {
    expect(mapped(anInspectorEc2Asff({ RecordState: 'ARCHIVED' })).finding).toMatchObject({
      recordState: 'ARCHIVED',
      counted: false,
    });
  });

  it('maps a finding without any optional block', () => {
    const minimal = {
      SchemaVersion: '2018-10-08',
      Id: 'minimal-1',
      ProductArn: 'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default',
      GeneratorId: 'custom',
      AwsAccountId: '111122223333',
      CreatedAt: '2026-01-01T00:00:00Z',
      UpdatedAt: '2026-01-02T00:00:00+01:00',
      Title: 'Minimal',
      Description: 'Only the required fields',
      Resources: [{ Type: 'Other', Id: 'thing-1' }],
    };
    const { finding, assets } = mapped(minimal);
    expect(finding).toMatchObject({
      region: 'eu-west-1',
      productName: 'Unknown',
      workflowStatus: 'NEW',
      recordState: 'ACTIVE',
      cves: [],
      references: [],
      firstObservedAt: new Date('2026-01-01T00:00:00Z'),
      lastObservedAt: new Date('2026-01-01T23:00:00Z'),
      severityLabel: 'MEDIUM',
    });
    expect(assets[0]).toMatchObject({
      resourceArn: 'thing-1',
      resourceType: 'Other',
      awsAccountId: '111122223333',
    });
  });

  it('keeps unicode and text at the ASFF limits intact', () => {
    const title = `Überprüfung — 安全检查 — ${'x'.repeat(200)}`.slice(0, 256);
    const description = 'ñ'.repeat(1024);
    expect(mapped(anInspectorEc2Asff({ Title: title, Description: description })).finding).toMatchObject({
      title,
      description,
    });
  });

  it('records several CVEs of one finding and the worst fix availability', () => {
    const asff = { ...anInspectorEc2Asff(), Title: 'CVE-2026-1111 - openssl' };
    asff.Vulnerabilities = [
      { Id: 'CVE-2026-1111', FixAvailable: 'YES', Cvss: [{ Version: '3.1', BaseScore: 5 }] },
      { Id: 'CVE-2026-2222', FixAvailable: 'NO', RelatedVulnerabilities: ['CVE-2025-9999'] },
    ];
    expect(mapped(asff).finding).toMatchObject({
      cves: ['CVE-2026-1111', 'CVE-2026-2222', 'CVE-2025-9999'],
      fixAvailable: 'PARTIAL',
      isPatchAvailable: true,
    });
  });
});

describe('rejects', () => {
  const cases: [string, unknown, RegExp, string][] = [
    ['not an object', 'hello', /JSON object/, ''],
    ['a missing required field', { ...anInspectorEc2Asff(), Title: undefined }, /Title is required/, 'Title'],
    ['a field of the wrong type', { ...anInspectorEc2Asff(), Title: 42 }, /Title must be a string/, 'Title'],
    [
      'a nested wrong type',
      { ...anInspectorEc2Asff(), Resources: [{ Type: 'AwsEc2Instance', Id: 7 }] },
      /Resources\[0\]\.Id must be a string/,
      'Resources[0].Id',
    ],
    [
      'an id longer than Hubgraph indexes',
      { ...anInspectorEc2Asff(), Id: 'x'.repeat(1025) },
      /Id is 1025 characters; Hubgraph stores at most 1024/,
      'Id',
    ],
    [
      'an unknown label',
      { ...anInspectorEc2Asff(), Severity: { Label: 'SEVERE' } },
      /Severity\.Label must be one of/,
      'Severity.Label',
    ],
    [
      'a malformed date',
      { ...anInspectorEc2Asff(), UpdatedAt: 'yesterday' },
      /UpdatedAt must be an ISO-8601/,
      'UpdatedAt',
    ],
    ['no resources', { ...anInspectorEc2Asff(), Resources: [] }, /at least one resource/, 'Resources'],
    ['a bad account id', { ...anInspectorEc2Asff(), AwsAccountId: '1234' }, /12-digit/, 'AwsAccountId'],
  ];
  for (const [name, input, reason, path] of cases) {
    it(`turns ${name} into a reject with the path and reason`, () => {
      const outcome = mapFinding(input, map, settings);
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.reject.reason).toMatch(reason);
      expect(outcome.reject.problems[0]!.path).toBe(path);
    });
  }

  it('keeps the identity of a rejected finding so it can be found again', () => {
    const asff = anInspectorEc2Asff({ Title: undefined as never });
    const outcome = mapFinding(asff, map, settings);
    expect(!outcome.ok && outcome.reject).toMatchObject({ productArn: asff.ProductArn, awsId: asff.Id });
  });
});

describe('limits: what AWS returns is the judge when reading, its import limits when importing', () => {
  const base = anInspectorEc2Asff();
  const resource = base.Resources![0]!;
  // Each exceeds a BatchImportFindings limit, and each is something GetFindings can return: GuardDuty
  // sends 50 ProductFields and Security Hub adds its own aws/securityhub/* keys, for one.
  const cases: [string, AwsSecurityFinding, RegExp, string][] = [
    [
      '53 ProductFields',
      {
        ...base,
        ProductFields: Object.fromEntries(Array.from({ length: 53 }, (_, i) => [`key${i}`, 'v'])),
      },
      /at most 50 fields are allowed; got 53/,
      'ProductFields',
    ],
    ['a 300-character title', { ...base, Title: 'x'.repeat(300) }, /at most 256/, 'Title'],
    [
      'a 2,000-character description',
      { ...base, Description: 'x'.repeat(2000) },
      /at most 1024/,
      'Description',
    ],
    [
      '40 resources',
      { ...base, Resources: Array.from({ length: 40 }, () => resource) },
      /1 to 32/,
      'Resources',
    ],
    ['60 types', { ...base, Types: Array.from({ length: 60 }, (_, i) => `T/${i}`) }, /50 types/, 'Types'],
    [
      'a long product field value',
      { ...base, ProductFields: { note: 'x'.repeat(3000) } },
      /at most 2048/,
      'ProductFields["note"]',
    ],
    [
      'a long Severity.Original',
      { ...base, Severity: { Label: 'HIGH', Original: 'x'.repeat(70) } },
      /at most 64/,
      'Severity.Original',
    ],
  ];
  for (const [name, finding, reason, path] of cases) {
    it(`keeps a finding read with ${name}, and refuses to import it`, () => {
      expect(mapFinding(finding, map, settings).ok).toBe(true);
      const imported = validateAsff(finding, 'import');
      expect(imported.ok).toBe(false);
      if (imported.ok) return;
      expect(imported.problems[0]).toMatchObject({ path, message: expect.stringMatching(reason) });
    });
  }
});

describe('the generator and the mapper agree', () => {
  it('maps every finding of a generated estate (each kind the emulator produces) without a reject', () => {
    const findings = generateFindings({
      seed: 3,
      count: 1000,
      accountIds: ['111122223333', '444455556666'],
      regions: ['us-east-1', 'eu-west-1'],
      now: new Date('2026-11-23T00:00:00Z'),
    });
    const outcomes = findings.map((finding) => mapFinding(finding, map, settings));
    const rejects = outcomes.filter((outcome) => !outcome.ok);
    expect(rejects).toEqual([]);
    const products = new Set(outcomes.map((outcome) => outcome.ok && outcome.finding.productName));
    expect(products).toEqual(new Set(['Inspector', 'Security Hub', 'GuardDuty', 'Default']));
    // As consistent as AWS's own data: a CVE an Inspector title names is one of the finding's CVEs,
    // its canonical one.
    const inconsistent = outcomes.filter(
      (outcome) =>
        outcome.ok &&
        outcome.finding.productName === 'Inspector' &&
        (outcome.finding.title.match(/CVE-\d{4}-\d{4,}/g) ?? []).some(
          (cve) =>
            !(outcome.finding.raw as { Vulnerabilities?: { Id?: string }[] }).Vulnerabilities?.some(
              (vulnerability) => vulnerability.Id === cve,
            ),
        ),
    );
    expect(inconsistent).toEqual([]);
  });
});
