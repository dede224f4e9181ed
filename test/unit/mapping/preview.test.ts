import { readFileSync } from 'node:fs';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { VULNERABILITY_MAP } from '../../../src/mapping/built-in-maps.ts';
import { mapFinding } from '../../../src/mapping/map-finding.ts';
import { previewFinding } from '../../../src/mapping/preview.ts';
import { compileTransformMap } from '../../../src/mapping/transform-map.ts';

// What an integrator sees when they paste a finding into the preview (transformPreview): each
// field of the map with its value, where it came from and through which transform; the score and
// assets mapping would store; or the reject and why.

function builtIn() {
  const compiled = compileTransformMap(VULNERABILITY_MAP);
  if (!compiled.ok) throw new Error('the built-in map does not compile');
  return compiled.map;
}

function fixture(file: string): AwsSecurityFinding {
  return JSON.parse(readFileSync(new URL(`../../fixtures/real-findings/${file}`, import.meta.url), 'utf8'))
    .finding;
}

const settings = { defaultSeverity: 'MEDIUM' as const };
const TRAIL = 'arn:aws:cloudtrail:us-east-2:123456789012:trail/AWSMacieTrail-DO-NOT-EDIT';

describe('the preview of a finding the map accepts', () => {
  it('shows every field of the map: its value (null when none), source and transform', () => {
    const asff = fixture('securityhub-controls/fsbp-cloudtrail2-docs-sample.json');
    const preview = previewFinding(asff, builtIn(), settings);
    expect(preview.fields.map((field) => field.source)).toEqual(
      VULNERABILITY_MAP.entries.map((entry) => entry.source),
    );
    expect(preview.fields.map((field) => [field.target, field.value, field.transform])).toEqual([
      ['externalAssetId', TRAIL, null],
      ['findingName', 'CloudTrail.2 CloudTrail should have encryption at-rest enabled', null],
      ['externalFindingId', `${asff.ProductArn}/${asff.Id}`, null],
      ['findingSeverity', 3, 'severityLevel'],
      ['findingDescription', asff.Description, null],
      ['findingFirstFoundOn', '2020-08-06T02:18:23.076Z', 'date'],
      ['findingLastFoundOn', '2021-09-28T16:10:06.956Z', 'date'],
      ['productName', 'Security Hub', null],
      [
        'recommendation',
        'For directions on how to correct this issue, consult the AWS Security Hub controls documentation.',
        'recommendation',
      ],
      ['vulnerablePackageName', null, null],
      ['vulnerablePackageVersion', null, null],
      ['fixedVersion', null, null],
      ['cvssV2Base', null, 'cvssBaseScore'],
      ['cvss3Base', null, 'cvssBaseScore'],
      ['isExploitAvailable', null, 'yesNoToBoolean'],
      ['isPatchAvailable', null, 'yesNoToBoolean'],
      ['references', ['https://docs.aws.amazon.com/console/securityhub/CloudTrail.2/remediation'], null],
      ['assetName', 'AWSMacieTrail-DO-NOT-EDIT', 'resourceName'],
      ['cloudInstanceId', null, 'lastSegment'],
      ['systemType', 'AwsCloudTrailTrail', null],
    ]);
  });

  it('shows the score, the assets and the de-duplication group mapping would store', () => {
    const asff = fixture('securityhub-controls/fsbp-cloudtrail2-docs-sample.json');
    const map = builtIn();
    const preview = previewFinding(asff, map, settings);
    const outcome = mapFinding(asff, map, settings);
    if (!outcome.ok) throw new Error(outcome.reject.reason);
    const { fields: _fields, ...rest } = preview;
    expect(rest).toEqual({
      accepted: true,
      reject: null,
      detectionScore: 40, // MEDIUM, Normalized 40: in its band
      findingSeverity: 3,
      counted: true,
      riskFactors: outcome.finding.scoreFactors,
      assets: outcome.assets,
      dedupKey: `control:CloudTrail.2:${TRAIL}`,
      warnings: [],
    });
    expect(preview.assets.map((asset) => [asset.resourceType, asset.name])).toEqual([
      ['AwsCloudTrailTrail', 'AWSMacieTrail-DO-NOT-EDIT'],
    ]);
  });

  it('shows null for a finding in no de-duplication group, and the warnings mapping gave', () => {
    const asff = fixture('guardduty/defectdojo-ec2-ssh-bruteforce.json');
    const compiled = compileTransformMap({
      name: 'Custom',
      entries: VULNERABILITY_MAP.entries.map((entry) =>
        entry.target === 'externalAssetId' ? { ...entry, source: 'GeneratorId' } : entry,
      ),
    });
    if (!compiled.ok) throw new Error('does not compile');
    const preview = previewFinding(asff, compiled.map, settings);
    expect(preview.dedupKey).toBeNull();
    expect(preview.warnings).toEqual([
      `externalAssetId "${asff.GeneratorId}" is not one of the finding's resources; the primary resource takes that identity`,
    ]);
  });
});

describe('the preview of a finding mapping rejects', () => {
  it('shows the reject, the map’s fields without values, and nothing stored', () => {
    const asff = { ...fixture('securityhub-controls/fsbp-cloudtrail2-docs-sample.json'), Title: 42 };
    const preview = previewFinding(asff, builtIn(), settings);
    expect(preview).toEqual({
      accepted: false,
      reject: {
        reason: 'invalid ASFF: Title must be a string, not number 42',
        problems: [{ path: 'Title', message: 'must be a string, not number 42' }],
        productArn: asff.ProductArn,
        awsId: asff.Id,
      },
      fields: VULNERABILITY_MAP.entries.map((entry) => ({
        target: entry.target,
        value: null,
        source: entry.source,
        transform: entry.transform ?? null,
      })),
      detectionScore: null,
      findingSeverity: null,
      counted: null,
      riskFactors: null,
      assets: [],
      dedupKey: null,
      warnings: [],
    });
  });
});
