import { readFileSync } from 'node:fs';
import type { AwsSecurityFinding, Vulnerability } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { VULNERABILITY_MAP } from '../../../src/mapping/built-in-maps.ts';
import { type MapOutcome, mapFinding } from '../../../src/mapping/map-finding.ts';
import {
  type CompiledTransformMap,
  compileTransformMap,
  type TransformMapDefinition,
} from '../../../src/mapping/transform-map.ts';

// Every column mapFinding stores, on real producers' findings (test/fixtures/real-findings), and the
// fallbacks a custom map can lead to. Each expectation is read off the finding: the record is what
// AWS sent, in the columns DESIGN §4 gives it. Everything is computed inside the tests (mutation
// testing activates a mutant only while tests run, not while a file is collected).

function compile(definition: TransformMapDefinition): CompiledTransformMap {
  const compiled = compileTransformMap(definition);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
  return compiled.map;
}

const builtIn = () => compile(VULNERABILITY_MAP);

/** The built-in map with some entries replaced (or added). */
const customMap = (entries: TransformMapDefinition['entries']) =>
  compile({
    name: 'Custom',
    entries: [
      ...VULNERABILITY_MAP.entries.filter((entry) => !entries.some((e) => e.target === entry.target)),
      ...entries,
    ],
  });

function fixture(file: string): AwsSecurityFinding {
  return JSON.parse(readFileSync(new URL(`../../fixtures/real-findings/${file}`, import.meta.url), 'utf8'))
    .finding;
}

const INSPECTOR_EPSS = 'inspector/ocsf-ecr-alpine-openssl-cve-2023-1255-epss.json';
const ELECTRICEYE_GCP = 'electriceye/gcp-gce-deletion-protection-securityhub-output.json';
const CONTROL = 'securityhub-controls/fsbp-cloudtrail2-docs-sample.json';

function mapped(input: unknown, map = builtIn()): Extract<MapOutcome, { ok: true }> {
  const outcome = mapFinding(input, map, { defaultSeverity: 'MEDIUM' });
  if (!outcome.ok) throw new Error(outcome.reject.reason);
  return outcome;
}

function rejected(input: unknown, map = builtIn()) {
  const outcome = mapFinding(input, map, { defaultSeverity: 'MEDIUM' });
  if (outcome.ok) throw new Error('kept');
  return outcome.reject;
}

describe('the stored record of real findings, column by column', () => {
  it('an Inspector ECR image vulnerability with EPSS, an exploit and a fix', () => {
    const asff = fixture(INSPECTOR_EPSS);
    const image =
      'arn:aws:ecr:us-east-2:111111111111:repository/browserhostingstack-EXAMPLE-btb1o54yh1jr/sha256:e9e2afad74f4e80511a5cff33d3d989b9797a718425f27e549f5b1f862c058a8';
    const findingId = 'arn:aws:inspector2:us-east-2:111111111111:finding/faa0d54609b94871badcc83ac7c2add5';
    const outcome = mapped(asff);
    expect(outcome.finding).toEqual({
      format: 'ASFF',
      productArn: 'arn:aws:securityhub:us-east-2::product/aws/inspector',
      awsId: findingId,
      generatorId: 'AWSInspector',
      awsAccountId: '111111111111',
      region: 'us-east-2',
      productName: 'Inspector',
      companyName: 'Amazon',
      externalFindingId: `arn:aws:securityhub:us-east-2::product/aws/inspector/${findingId}`,
      title: 'CVE-2023-1255 - openssl',
      description: asff.Description,
      recommendation: 'apk update && apk upgrade openssl',
      vulnerablePackageName: 'openssl',
      vulnerablePackageVersion: '3.0.8',
      fixedVersion: '0:3.0.8-r4',
      references: [
        'https://git.openssl.org/gitweb/?p=openssl.git;a=commitdiff;h=bc2f61ad70971869b242fc1cb445b98bad50074a',
        'https://www.openssl.org/news/secadv/20230419.txt',
        'https://git.openssl.org/gitweb/?p=openssl.git;a=commitdiff;h=02ac9c9420275868472f33b01def01218742b8bb',
      ],
      assetName: 'browserhostingstack-EXAMPLE-btb1o54yh1jr',
      cloudInstanceId: null,
      systemType: 'AwsEcrContainerImage',
      resourceType: 'AwsEcrContainerImage',
      // The image's digest, not its ARN.
      resourceId: 'sha256:e9e2afad74f4e80511a5cff33d3d989b9797a718425f27e549f5b1f862c058a8',
      types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
      severityLabel: 'MEDIUM',
      severityNormalized: 40,
      severityOriginal: null,
      findingSeverity: 3,
      // 0.65 × 59 + 0.35 × 70 (an exploit exists; EPSS 0.00066 alone would say less) = 62.85.
      detectionScore: 63,
      scoreFactors: outcome.score.factors,
      scoringVersion: '2026-11.2',
      counted: true,
      cves: ['CVE-2023-1255'],
      cvssV2Base: null,
      cvss3Base: 5.9,
      epssScore: 0.00066,
      exploitAvailable: 'YES',
      isExploitAvailable: true,
      fixAvailable: 'YES',
      isPatchAvailable: true,
      workflowStatus: 'NEW',
      recordState: 'ACTIVE',
      verificationState: null,
      complianceStatus: null,
      securityControlId: null,
      confidence: null,
      criticality: null,
      note: null,
      userDefinedFields: null,
      dedupKey: `cve:CVE-2023-1255:${image}`,
      firstObservedAt: new Date('2023-04-21T15:59:04Z'),
      lastObservedAt: new Date('2024-01-26T22:19:14Z'),
      awsCreatedAt: new Date('2023-04-21T15:59:04Z'),
      awsUpdatedAt: new Date('2024-01-26T22:19:14Z'),
      raw: asff,
      assetIdentityKey: image,
    });
    expect(outcome.finding.raw).toBe(asff);
    expect(outcome.warnings).toEqual([]);
  });

  it('an ElectricEye check of a GCP VM: confidence, compliance, a non-ARN resource', () => {
    const asff = fixture(ELECTRICEYE_GCP);
    const vm = 'national-security-project-id/us-central1-a/123456';
    const identity = JSON.stringify(['aws-iso', '111111111111', 'us-iso-west-1', 'GcpGceVmInstance', vm]);
    const outcome = mapped(asff);
    expect(outcome.finding).toEqual({
      format: 'ASFF',
      productArn: 'arn:aws-iso:securityhub:us-iso-west-1:111111111111:product/111111111111/default',
      awsId: `${vm}/gce-instance-del-protection-check`,
      generatorId: `${vm}/gce-instance-del-protection-check`,
      awsAccountId: '111111111111',
      region: 'us-iso-west-1',
      productName: 'Default',
      companyName: 'Personal',
      externalFindingId: `arn:aws-iso:securityhub:us-iso-west-1:111111111111:product/111111111111/default/${vm}/gce-instance-del-protection-check`,
      title: '[GCP.GCE.1] Google Compute Engine VM instances should have deletion protection enabled',
      description: asff.Description,
      recommendation:
        'If your GCE VM instance should have deletion protection enabled refer to the Prevent accidental VM deletion section of the GCP Compute Engine guide.',
      vulnerablePackageName: null,
      vulnerablePackageVersion: null,
      fixedVersion: null,
      references: ['https://cloud.google.com/compute/docs/instances/preventing-accidental-vm-deletion'],
      assetName: 'instance-1', // Details.Other.Name
      cloudInstanceId: null,
      systemType: 'GcpGceVmInstance',
      resourceType: 'GcpGceVmInstance',
      resourceId: vm,
      types: ['Software and Configuration Checks'],
      severityLabel: 'LOW',
      severityNormalized: 1,
      severityOriginal: null,
      findingSeverity: 2,
      detectionScore: 1,
      scoreFactors: outcome.score.factors,
      scoringVersion: '2026-11.2',
      counted: true,
      cves: [],
      cvssV2Base: null,
      cvss3Base: null,
      epssScore: null,
      exploitAvailable: null,
      isExploitAvailable: null,
      fixAvailable: null,
      isPatchAvailable: null,
      workflowStatus: 'NEW',
      recordState: 'ACTIVE',
      verificationState: null,
      complianceStatus: 'FAILED',
      securityControlId: null,
      confidence: 99,
      criticality: null,
      note: null,
      userDefinedFields: null,
      dedupKey: null,
      firstObservedAt: new Date('2021-05-01T13:55:09.692Z'),
      lastObservedAt: new Date('2021-05-01T13:55:09.692Z'),
      awsCreatedAt: new Date('2021-05-01T13:55:09.692Z'),
      awsUpdatedAt: new Date('2021-05-01T13:55:09.692Z'),
      raw: asff,
      assetIdentityKey: identity,
    });
  });

  it('a CSPM control: its security control, compliance and the Original severity', () => {
    const trail = 'arn:aws:cloudtrail:us-east-2:123456789012:trail/AWSMacieTrail-DO-NOT-EDIT';
    expect(mapped(fixture(CONTROL)).finding).toMatchObject({
      companyName: 'AWS',
      resourceId: trail, // not an instance: the ARN is the short id too
      severityOriginal: 'MEDIUM',
      complianceStatus: 'FAILED',
      securityControlId: 'CloudTrail.2',
      dedupKey: `control:CloudTrail.2:${trail}`,
      firstObservedAt: new Date('2020-08-06T02:18:23.076Z'),
      lastObservedAt: new Date('2021-09-28T16:10:06.956Z'),
      awsUpdatedAt: new Date('2021-09-28T16:10:00.093Z'),
    });
  });

  it('keeps the analyst-facing blocks a finding carries: note, user fields, verification, criticality', () => {
    const asff: AwsSecurityFinding = {
      ...fixture(INSPECTOR_EPSS),
      Note: { Text: 'Base image rebuild planned', UpdatedBy: 'alice', UpdatedAt: '2024-02-01T10:00:00Z' },
      UserDefinedFields: { ticket: 'SEC-42' },
      VerificationState: 'TRUE_POSITIVE',
      Criticality: 80,
      Confidence: 0,
    };
    expect(mapped(asff).finding).toMatchObject({
      note: { text: 'Base image rebuild planned', updatedBy: 'alice', updatedAt: '2024-02-01T10:00:00Z' },
      userDefinedFields: { ticket: 'SEC-42' },
      verificationState: 'TRUE_POSITIVE',
      criticality: 80,
      confidence: 0,
    });
  });

  it('stores a finding without Types with none, and one without a CompanyName with null', () => {
    const { Types: _types, CompanyName: _company, ...asff } = fixture(INSPECTOR_EPSS);
    expect(mapped(asff).finding).toMatchObject({ types: [], companyName: null });
  });
});

describe('the workflow status of a finding that only has the deprecated WorkflowState', () => {
  const cases: [string | undefined, string][] = [
    ['NEW', 'NEW'],
    ['ASSIGNED', 'NOTIFIED'],
    ['IN_PROGRESS', 'NOTIFIED'],
    ['DEFERRED', 'NOTIFIED'],
    ['RESOLVED', 'RESOLVED'],
    ['DUPLICATE', 'NEW'],
    [undefined, 'NEW'],
  ];
  for (const [state, status] of cases) {
    it(`${state ?? 'none'} → ${status}`, () => {
      const { Workflow: _workflow, WorkflowState: _state, ...asff } = fixture(INSPECTOR_EPSS);
      expect(mapped({ ...asff, ...(state ? { WorkflowState: state } : {}) }).finding.workflowStatus).toBe(
        status,
      );
    });
  }

  it('Workflow.Status wins over WorkflowState', () => {
    const asff = {
      ...fixture(INSPECTOR_EPSS),
      Workflow: { Status: 'SUPPRESSED' },
      WorkflowState: 'RESOLVED',
    };
    expect(mapped(asff).finding.workflowStatus).toBe('SUPPRESSED');
  });
});

describe('EPSS, exploit and fix availability over all vulnerabilities of a finding', () => {
  const cve = (id: number, rest: Partial<Vulnerability>): Vulnerability => ({
    Id: `CVE-2024-${id}`,
    ...rest,
  });
  const cases: [
    string,
    Vulnerability[],
    { epss: number | null; exploit: string | null; fix: string | null },
  ][] = [
    [
      'the highest EPSS; an exploit for one is an exploit; a fix for some is partial',
      [
        cve(1001, { EpssScore: 0.2, ExploitAvailable: 'NO', FixAvailable: 'YES' }),
        cve(1002, { EpssScore: 0.7, ExploitAvailable: 'YES', FixAvailable: 'NO' }),
        cve(1003, { EpssScore: 0.05 }),
      ],
      { epss: 0.7, exploit: 'YES', fix: 'PARTIAL' },
    ],
    [
      'EPSS of the vulnerabilities that have one; NO when every known answer is NO',
      [cve(1004, {}), cve(1005, { EpssScore: 0.3, ExploitAvailable: 'NO', FixAvailable: 'NO' })],
      { epss: 0.3, exploit: 'NO', fix: 'NO' },
    ],
    [
      'a fix for every vulnerability that says, even when one does not say',
      [cve(1006, { FixAvailable: 'YES', ExploitAvailable: 'NO' }), cve(1007, { EpssScore: 0 })],
      { epss: 0, exploit: 'NO', fix: 'YES' },
    ],
    ['nothing known', [cve(1008, {}), cve(1009, {})], { epss: null, exploit: null, fix: null }],
    ['no vulnerabilities', [], { epss: null, exploit: null, fix: null }],
  ];
  for (const [name, vulnerabilities, expected] of cases) {
    it(name, () => {
      const { finding } = mapped({ ...fixture(INSPECTOR_EPSS), Vulnerabilities: vulnerabilities });
      expect({
        epss: finding.epssScore,
        exploit: finding.exploitAvailable,
        fix: finding.fixAvailable,
      }).toEqual(expected);
    });
  }

  it('no Vulnerabilities block at all', () => {
    const { Vulnerabilities: _vulnerabilities, ...asff } = fixture(INSPECTOR_EPSS);
    const { finding } = mapped(asff);
    expect({ epss: finding.epssScore, exploit: finding.exploitAvailable, fix: finding.fixAvailable }).toEqual(
      {
        epss: null,
        exploit: null,
        fix: null,
      },
    );
  });
});

describe('rejects say exactly why, and keep what identifies the finding', () => {
  it('one problem: its path and message', () => {
    const asff = { ...fixture(INSPECTOR_EPSS), Title: 42 };
    expect(rejected(asff)).toEqual({
      reason: 'invalid ASFF: Title must be a string, not number 42',
      problems: [{ path: 'Title', message: 'must be a string, not number 42' }],
      productArn: 'arn:aws:securityhub:us-east-2::product/aws/inspector',
      awsId: 'arn:aws:inspector2:us-east-2:111111111111:finding/faa0d54609b94871badcc83ac7c2add5',
    });
  });

  it('several problems: the first, and how many more', () => {
    const two = rejected(fixture('securityhub-controls/awscli-cis-1.13-root-mfa-id-with-space.json'));
    expect(two.reason).toBe(
      'invalid ASFF: FindingProviderFields.Severity.Original must be a string, not number 90 (and 1 more)',
    );
    expect(two.problems).toHaveLength(2);
    const three = rejected({ ...fixture(INSPECTOR_EPSS), Title: 42, Description: 43, GeneratorId: 44 });
    expect(three.reason).toMatch(/^invalid ASFF: \S+ must be a string, not number 4\d \(and 2 more\)$/);
    expect(three.problems).toHaveLength(3);
  });

  it('a value that is no finding at all: "finding", and no identity', () => {
    for (const input of ['hello', null, undefined, 42, [1, 2]]) {
      const reject = rejected(input);
      expect(reject.reason).toMatch(/^invalid ASFF: finding /);
      expect(reject.productArn).toBeUndefined();
      expect(reject.awsId).toBeUndefined();
      expect(Object.keys(reject).sort()).toEqual(['problems', 'reason']);
    }
  });

  it('cuts an identity longer than any ARN to 2,048 characters', () => {
    const asff = { ...fixture(INSPECTOR_EPSS), Id: 'i'.repeat(3000), ProductArn: `arn:${'p'.repeat(3000)}` };
    const reject = rejected(asff);
    expect(reject.awsId).toBe('i'.repeat(2048));
    expect(reject.productArn).toBe(`arn:${'p'.repeat(2044)}`);
  });

  it('keeps no identity that is not a string', () => {
    const reject = rejected({ ...fixture(INSPECTOR_EPSS), Id: 7, ProductArn: ['arn'] });
    expect(reject.awsId).toBeUndefined();
    expect(reject.productArn).toBeUndefined();
  });

  it('names every required entry the finding does not provide, in map order', () => {
    const map = customMap([
      { target: 'cloudInstanceId', source: 'Note.Text', required: true },
      { target: 'fixedVersion', source: 'Note.UpdatedBy ?? Note.UpdatedAt', required: true },
    ]);
    expect(rejected(fixture(INSPECTOR_EPSS), map)).toEqual({
      reason:
        'the transform map "Custom" requires cloudInstanceId, fixedVersion, which the finding does not provide',
      problems: [
        { path: 'Note.Text', message: 'has no value for cloudInstanceId' },
        { path: 'Note.UpdatedBy ?? Note.UpdatedAt', message: 'has no value for fixedVersion' },
      ],
      productArn: 'arn:aws:securityhub:us-east-2::product/aws/inspector',
      awsId: 'arn:aws:inspector2:us-east-2:111111111111:finding/faa0d54609b94871badcc83ac7c2add5',
    });
  });

  it('turns a map that throws into a reject, never into an exception', () => {
    const asff = fixture(INSPECTOR_EPSS);
    const throwing = (thrown: unknown): CompiledTransformMap => ({
      ...builtIn(),
      apply: () => {
        throw thrown;
      },
    });
    expect(rejected(asff, throwing(new Error('boom')))).toEqual({
      reason: 'mapping failed: boom',
      problems: [],
      productArn: 'arn:aws:securityhub:us-east-2::product/aws/inspector',
      awsId: 'arn:aws:inspector2:us-east-2:111111111111:finding/faa0d54609b94871badcc83ac7c2add5',
    });
    expect(rejected(asff, throwing('a string')).reason).toBe('mapping failed: a string');
  });
});

describe("what a custom map's fields change, and the finding's own values when they yield nothing", () => {
  it('takes every mapped field over the finding’s own', () => {
    const map = customMap([
      { target: 'productName', source: 'GeneratorId' },
      { target: 'externalFindingId', source: 'Id' },
      { target: 'findingName', source: 'Vulnerabilities[0].Id' },
      { target: 'findingDescription', source: 'Title' },
      { target: 'findingFirstFoundOn', source: 'ProcessedAt', transform: 'date' },
      { target: 'findingLastFoundOn', source: 'ProcessedAt', transform: 'date' },
      { target: 'assetName', source: 'Resources[0].Details.AwsEcrContainerImage.Architecture' },
    ]);
    expect(mapped(fixture(INSPECTOR_EPSS), map).finding).toMatchObject({
      productName: 'AWSInspector',
      externalFindingId: 'arn:aws:inspector2:us-east-2:111111111111:finding/faa0d54609b94871badcc83ac7c2add5',
      title: 'CVE-2023-1255',
      description: 'CVE-2023-1255 - openssl',
      firstObservedAt: new Date('2024-01-26T22:59:56.923Z'),
      lastObservedAt: new Date('2024-01-26T22:59:56.923Z'),
      assetName: 'amd64',
    });
  });

  it("falls back to the finding's own fields when the map's paths yield nothing", () => {
    const nothing = 'Note.Text';
    const map = customMap([
      { target: 'productName', source: nothing },
      { target: 'externalFindingId', source: nothing },
      { target: 'findingName', source: nothing },
      { target: 'findingDescription', source: nothing },
      { target: 'findingFirstFoundOn', source: nothing },
      { target: 'findingLastFoundOn', source: nothing },
      { target: 'findingSeverity', source: 'Criticality' },
      { target: 'assetName', source: nothing },
    ]);
    const asff = { ...fixture(INSPECTOR_EPSS), ProcessedAt: undefined };
    expect(mapped(asff, map).finding).toMatchObject({
      productName: 'Inspector',
      externalFindingId: `${asff.ProductArn}/${asff.Id}`,
      title: 'CVE-2023-1255 - openssl',
      description: asff.Description,
      firstObservedAt: new Date('2023-04-21T15:59:04Z'),
      lastObservedAt: new Date('2024-01-26T22:19:14Z'),
      findingSeverity: 3, // MEDIUM
      assetName: 'browserhostingstack-EXAMPLE-btb1o54yh1jr', // the primary asset's name
    });
    // Without FirstObservedAt and LastObservedAt: CreatedAt and UpdatedAt.
    const { FirstObservedAt: _first, LastObservedAt: _last, ...bare } = asff;
    expect(
      mapped({ ...bare, CreatedAt: '2023-01-01T00:00:00Z', UpdatedAt: '2023-02-01T00:00:00Z' }, map).finding,
    ).toMatchObject({
      firstObservedAt: new Date('2023-01-01T00:00:00Z'),
      lastObservedAt: new Date('2023-02-01T00:00:00Z'),
    });
  });

  it('takes a mapped severity only as a whole level from 1 to 5', () => {
    const map = customMap([{ target: 'findingSeverity', source: 'Criticality' }]);
    const levelOf = (criticality: number) =>
      mapped({ ...fixture(INSPECTOR_EPSS), Criticality: criticality }, map).finding.findingSeverity;
    // The finding's own level is 3 (MEDIUM): it stands wherever Criticality is no level.
    expect([0, 1, 2, 2.5, 4, 5, 6, 50].map(levelOf)).toEqual([3, 1, 2, 3, 4, 5, 3, 3]);
  });
});

describe('the primary asset a custom map names (externalAssetId)', () => {
  const twoResources = (): AwsSecurityFinding =>
    fixture('guardduty/defectdojo-iam-network-permissions-two-resources.json');

  it('is the named resource when it is one of the finding’s', () => {
    const asff = twoResources();
    const second = asff.Resources![1]!;
    const outcome = mapped(asff, customMap([{ target: 'externalAssetId', source: 'Resources[1].Id' }]));
    const asset = outcome.assets[1]!;
    expect(asset.resourceArn).toBe(second.Id);
    expect(outcome.finding).toMatchObject({
      resourceId: asset.resourceId,
      assetIdentityKey: asset.identityKey,
      assetName: outcome.mapped.assetName, // the map's own assetName (Resources[0]) stands
      resourceType: asff.Resources![0]!.Type, // the finding's first resource, as ASFF says
    });
    expect(outcome.finding.assetIdentityKey).not.toBe(outcome.assets[0]!.identityKey);
    expect(outcome.warnings).toEqual([]);
  });

  it('gives the primary resource that identity, with a warning, when it is none of them', () => {
    const asff = fixture(INSPECTOR_EPSS);
    const outcome = mapped(
      asff,
      customMap([{ target: 'externalAssetId', source: 'ProductFields["aws/securityhub/FindingId"]' }]),
    );
    const id = asff.ProductFields!['aws/securityhub/FindingId']!;
    expect(outcome.warnings).toEqual([
      `externalAssetId "${id}" is not one of the finding's resources; the primary resource takes that identity`,
    ]);
    expect(outcome.assets).toHaveLength(1);
    expect(outcome.assets[0]).toMatchObject({
      resourceArn: id,
      identityKey: id, // an ARN: its own identity
      resourceType: 'AwsEcrContainerImage',
      name: 'browserhostingstack-EXAMPLE-btb1o54yh1jr',
    });
    expect(outcome.finding).toMatchObject({
      assetIdentityKey: id,
      dedupKey: `cve:CVE-2023-1255:${id}`,
      resourceId: 'sha256:e9e2afad74f4e80511a5cff33d3d989b9797a718425f27e549f5b1f862c058a8',
    });
  });

  it('is the first resource when the map yields no externalAssetId', () => {
    const asff = twoResources();
    const outcome = mapped(asff, customMap([{ target: 'externalAssetId', source: 'Note.Text' }]));
    expect(outcome.warnings).toEqual([]);
    expect(outcome.assets.map((asset) => asset.resourceArn)).toEqual(asff.Resources!.map((r) => r.Id));
    expect(outcome.finding.assetIdentityKey).toBe(outcome.assets[0]!.identityKey);
  });
});
