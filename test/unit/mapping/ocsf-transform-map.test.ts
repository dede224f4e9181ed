import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OCSF_VULNERABILITY_MAP } from '../../../src/mapping/ocsf/built-in-map.ts';
import { mapOcsfFinding } from '../../../src/mapping/ocsf/map-ocsf-finding.ts';
import { OCSF_FINDING_SHAPE } from '../../../src/mapping/ocsf/ocsf-shape.ts';
import { compilePath } from '../../../src/mapping/paths.ts';
import { compileTransformMap, type TransformMapDefinition } from '../../../src/mapping/transform-map.ts';

// Transform maps whose source language reads OCSF paths (issue 15 §3): the same language, checked
// against our OCSF schema instead of ASFF's, with the same errors and the same target fields.

const finding = JSON.parse(
  readFileSync(
    new URL(
      '../../fixtures/real-findings-ocsf/inspector/elastic-ec2-python-cve-2025-8194-five-packages.json',
      import.meta.url,
    ),
    'utf8',
  ),
).finding;

const withEntry = (target: string, source: string, transform?: string): TransformMapDefinition => ({
  ...OCSF_VULNERABILITY_MAP,
  entries: [
    ...OCSF_VULNERABILITY_MAP.entries.filter((entry) => entry.target !== target),
    { target, source, ...(transform ? { transform } : {}) },
  ],
});

describe('OCSF paths', () => {
  it('read fields, lists, filters and keys of an OCSF finding, typed by our schema', () => {
    const read = (source: string) => compilePath(source, OCSF_FINDING_SHAPE).read(finding);
    expect(read('finding_info.title')).toBe('CVE-2025-8194 - python, python-devel and 3 more');
    expect(read('vulnerabilities[0].cve.epss.score')).toBe('0.00198');
    expect(read('vulnerabilities[*].affected_packages[*].name')).toEqual([
      'python',
      'python-devel',
      'python-libs',
      'python3',
      'python3-libs',
    ]);
    expect(read('resources[type="AWS::EC2::Instance"].uid')).toEqual(['i-abcd1235cdef1234']);
    expect(read('resources[0].tags[name="eks:cluster-name"].value')).toEqual(['demo_prod']);
    expect(compilePath('finding_info.created_time', OCSF_FINDING_SHAPE).type.kind).toBe('number');
    expect(compilePath('vulnerabilities[*].is_fix_available', OCSF_FINDING_SHAPE).type).toMatchObject({
      kind: 'boolean',
      many: true,
    });
  });

  it('are refused where the schema has no such field, with a suggestion', () => {
    const compiled = compileTransformMap(withEntry('findingName', 'finding_info.Title'));
    expect(compiled.ok ? [] : compiled.errors).toEqual([
      expect.objectContaining({
        code: 'INVALID',
        message: '`finding_info.Title`: OcsfFindingInfo has no field Title (did you mean title?)',
      }),
    ]);
  });

  it('are not ASFF paths, and ASFF maps do not read OCSF', () => {
    const ocsf = compileTransformMap(withEntry('findingName', 'Title'));
    expect(ocsf.ok ? [] : ocsf.errors.map((error) => error.message)).toEqual([
      '`Title`: OcsfFinding has no field Title',
    ]);
    const asff = compileTransformMap({ ...withEntry('findingName', 'finding_info.title'), format: 'ASFF' });
    expect(asff.ok).toBe(false);
  });

  it('are type-checked against the transforms: a boolean list needs anyTrue, not yesNoToBoolean', () => {
    const compiled = compileTransformMap(
      withEntry('isExploitAvailable', 'vulnerabilities[*].is_exploit_available', 'yesNoToBoolean'),
    );
    expect(compiled.ok ? [] : compiled.errors.map((error) => error.message)).toEqual([
      '`vulnerabilities[*].is_exploit_available`: transform yesNoToBoolean needs YES/NO/PARTIAL strings; the path yields several boolean values.',
    ]);
  });
});

describe('the built-in OCSF map', () => {
  it('compiles, and fills every field the ASFF map must fill', () => {
    const compiled = compileTransformMap(OCSF_VULNERABILITY_MAP);
    expect(compiled.ok).toBe(true);
  });

  it("a tenant's change to an OCSF path changes the stored field", () => {
    const compiled = compileTransformMap(withEntry('findingName', 'vulnerabilities[0].cve.uid'));
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
    const outcome = mapOcsfFinding(finding, compiled.map, { defaultSeverity: 'MEDIUM' });
    expect(outcome.ok && outcome.finding.title).toBe('CVE-2025-8194');
  });

  it('reads packages, their own remediation, CVSS, exploit and fix from OCSF', () => {
    const compiled = compileTransformMap(OCSF_VULNERABILITY_MAP);
    if (!compiled.ok) throw new Error('does not compile');
    const outcome = mapOcsfFinding(finding, compiled.map, { defaultSeverity: 'MEDIUM' });
    if (!outcome.ok) throw new Error(outcome.reject.reason);
    expect(outcome.finding).toMatchObject({
      vulnerablePackageName: 'python',
      vulnerablePackageVersion: '2.7.18',
      fixedVersion: '0:2.7.18-1.amzn2.0.14',
      recommendation:
        'yum update python; yum update python-devel; yum update python-libs; yum update python3; yum update python3-libs',
      cvss3Base: 7.5,
      cvssV2Base: null,
      isExploitAvailable: false,
      isPatchAvailable: true,
      exploitAvailable: 'NO',
      fixAvailable: 'YES',
      epssScore: 0.00198,
      systemType: 'AwsEc2Instance',
      cloudInstanceId: 'i-abcd1235cdef1234',
      externalFindingId: 'd1bc4b01234567890123456789abcdefabc0123456789bcdef123456',
      productName: 'Inspector',
      // Stored under the CSPM product ARN, where the finding's ASFF copy is too (one problem, one row).
      format: 'OCSF',
      productArn: 'arn:aws:securityhub:us-east-2::product/aws/inspector',
      awsId: 'arn:aws:inspector2:us-east-2:123456789012:finding/9abcdefabcdef0123456789abcdef121',
      awsAccountId: '123456789012',
      region: 'us-east-2',
      references: expect.arrayContaining(['https://explore.alas.aws.amazon.com/CVE-2025-8194.html']),
    });
    expect(outcome.finding.firstObservedAt.toISOString()).toBe('2025-08-20T12:26:28.521Z');
    expect(outcome.ocsf).toMatchObject({ format: 'OCSF', classUid: 2002, mappedClass: true });
    // Public addresses among the instance's IPv4 addresses make it internet-exposed, as in ASFF.
    expect(outcome.assets[0]?.internetExposed).toBe(true);
    expect(outcome.warnings).toEqual([]);
  });
});
