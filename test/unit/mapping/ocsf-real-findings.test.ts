import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VULNERABILITY_MAP } from '../../../src/mapping/built-in-maps.ts';
import { mapFinding } from '../../../src/mapping/map-finding.ts';
import { OCSF_VULNERABILITY_MAP } from '../../../src/mapping/ocsf/built-in-map.ts';
import { asffIdentity, identityKey, recordIdentity } from '../../../src/mapping/ocsf/identity.ts';
import { mapOcsfFinding } from '../../../src/mapping/ocsf/map-ocsf-finding.ts';
import type { SeverityLabel } from '../../../src/mapping/scoring-constants.ts';
import { compileTransformMap } from '../../../src/mapping/transform-map.ts';

// Real OCSF findings other people published (test/fixtures/real-findings-ocsf, each file with its
// origin), and what an analyst expects of each once mapped: kept, or rejected with the reason; the
// class; the severity band of its score; the workflow and compliance status in ASFF's words; the CVE
// and the CVSS entry the score rests on; its assets by type, name and identity (the ARN Security Hub
// puts in uid_alt, or the one ASFF would use); the de-duplication group it joins. Worked out from
// the findings and DESIGN §5 (the same rules as the ASFF corpus), never from the mapper's output.

const ocsfMap = compiled(OCSF_VULNERABILITY_MAP);
const asffMap = compiled(VULNERABILITY_MAP);

function compiled(definition: typeof VULNERABILITY_MAP) {
  const result = compileTransformMap(definition);
  if (!result.ok) throw new Error(`${definition.name} does not compile: ${JSON.stringify(result.errors)}`);
  return result.map;
}

interface Expected {
  kept: true | string;
  class?: number;
  band?: SeverityLabel;
  workflow?: string;
  compliance?: string | null;
  cve?: string | null;
  cvss?: [string, number] | null;
  epss?: number | null;
  assets?: [type: string, name: string | null, identity: string][];
  group?: string | null;
}

const ACCOUNT = (account: string, region: string) =>
  JSON.stringify(['aws', account, region, 'AwsAccount', `AWS::::Account:${account}`]);
const NODE = 'arn:aws:ec2:us-east-2:123456789012:instance/i-abcd1235cdef1234';
const QUEUE = 'arn:aws:sqs:us-east-2:123456789012:securityhubfinding';
const ECR_IMAGE =
  'arn:aws:ecr:us-east-2:111111111111:repository/browserhostingstack-EXAMPLE-btb1o54yh1jr/sha256:e9e2afad74f4e80511a5cff33d3d989b9797a718425f27e549f5b1f862c058a8';
const LAMBDA =
  'arn:aws:lambda:us-east-2:123456789012:function:cloudtrail-test-ab-LambdaFunction-jVHJUsdbdkj6';

const EXPECTED: Record<string, Expected> = {
  // Security Hub CSPM controls, as GetFindingsV2 returns them (Elastic's test data).
  'securityhub-controls/elastic-sqs3-pass-resolved-queue.json': {
    kept: true,
    class: 2003,
    band: 'INFORMATIONAL',
    workflow: 'RESOLVED',
    compliance: 'PASSED',
    assets: [['AwsSqsQueue', 'securityhubfinding', QUEUE]],
    group: `control:SQS.3:${QUEUE}`,
  },
  'securityhub-controls/elastic-sqs1-fail-new-queue.json': {
    kept: true,
    class: 2003,
    band: 'MEDIUM',
    workflow: 'NEW',
    compliance: 'FAILED',
    assets: [['AwsSqsQueue', 'securityhubfinding', QUEUE]],
    group: `control:SQS.1:${QUEUE}`,
  },
  'securityhub-controls/elastic-iam1-pass-global-policy.json': {
    kept: true,
    class: 2003,
    band: 'INFORMATIONAL',
    workflow: 'RESOLVED',
    compliance: 'PASSED',
    assets: [
      [
        'AwsIamPolicy',
        'Amazon_EventBridge_Invoke_Sqs_1412345678',
        'arn:aws:iam::123456789012:policy/service-role/Amazon_EventBridge_Invoke_Sqs_1412345678',
      ],
    ],
    group:
      'control:IAM.1:arn:aws:iam::123456789012:policy/service-role/Amazon_EventBridge_Invoke_Sqs_1412345678',
  },
  'securityhub-controls/elastic-kms1-pass-global-policy.json': {
    kept: true,
    class: 2003,
    band: 'INFORMATIONAL',
    workflow: 'RESOLVED',
    compliance: 'PASSED',
    assets: [
      [
        'AwsIamPolicy',
        'Amazon_EventBridge_Invoke_Sqs_1451083178',
        'arn:aws:iam::123456789012:policy/service-role/Amazon_EventBridge_Invoke_Sqs_1451083178',
      ],
    ],
    group:
      'control:KMS.1:arn:aws:iam::123456789012:policy/service-role/Amazon_EventBridge_Invoke_Sqs_1451083178',
  },
  'securityhub-controls/elastic-ssm1-fail-ec2-instance.json': {
    kept: true,
    class: 2003,
    band: 'MEDIUM',
    workflow: 'NEW',
    compliance: 'FAILED',
    assets: [['AwsEc2Instance', 'i-abcd1235cdef1234', NODE]],
    group: `control:SSM.1:${NODE}`,
  },
  // The account as CSPM names it, so the two formats' account assets are one.
  'securityhub-controls/elastic-redshift3-pass-account-evaluations-empty.json': {
    kept: true,
    class: 2003,
    band: 'INFORMATIONAL',
    workflow: 'RESOLVED',
    compliance: 'PASSED',
    assets: [['AwsAccount', '123456789012', ACCOUNT('123456789012', 'us-east-2')]],
    group: `control:Redshift.3:${ACCOUNT('123456789012', 'us-east-2')}`,
  },
  'securityhub-controls/zenn-s3-1-fail-bucket-redacted.json': {
    kept: true,
    class: 2003,
    band: 'HIGH',
    workflow: 'NEW',
    compliance: 'FAILED',
    assets: [['AwsS3Bucket', 'my-public-bucket', 'arn:aws:s3:::my-public-bucket']],
    group: 'control:S3.1:arn:aws:s3:::my-public-bucket',
  },
  // OCSF 1.1 as OCSF's own mapping writes it: one `resource`, status words without ids.
  'securityhub-controls/ocsf-examples-pci-config1-account-ocsf-1.1.json': {
    kept: true,
    class: 2003,
    band: 'MEDIUM',
    workflow: 'NEW',
    compliance: 'FAILED',
    assets: [['AwsAccount', '111111111111', ACCOUNT('111111111111', 'us-east-2')]],
    group: `control:Config.1:${ACCOUNT('111111111111', 'us-east-2')}`,
  },
  // Inspector: CVE, the CVSS the score rests on, EPSS read from its text, the instance ARN built
  // from the bare instance id the V2 finding gives.
  'inspector/elastic-ec2-gobinary-cve-2023-44487-exploited.json': {
    kept: true,
    class: 2002,
    band: 'CRITICAL',
    workflow: 'NEW',
    compliance: null,
    cve: 'CVE-2023-44487',
    cvss: ['3', 7.5],
    epss: 0.94422,
    assets: [
      [
        'AwsEc2Instance',
        'i-0abcdef012345678b',
        'arn:aws:ec2:us-east-2:123456789012:instance/i-0abcdef012345678b',
      ],
    ],
    group: 'cve:CVE-2023-44487:arn:aws:ec2:us-east-2:123456789012:instance/i-0abcdef012345678b',
  },
  // NVD's 7.5 with EPSS 0.00198 and no exploit: a MEDIUM score under a HIGH label.
  'inspector/elastic-ec2-python-cve-2025-8194-five-packages.json': {
    kept: true,
    class: 2002,
    band: 'MEDIUM',
    workflow: 'NEW',
    cve: 'CVE-2025-8194',
    cvss: ['3', 7.5],
    epss: 0.00198,
    assets: [['AwsEc2Instance', 'i-abcd1235cdef1234', NODE]],
    group: `cve:CVE-2025-8194:${NODE}`,
  },
  // Of Amazon's 4.7 and NVD's 5.5 (both 3.1, neither adjusted), the higher.
  'inspector/elastic-ec2-kernel-cve-2021-47412-amazon-vs-nvd.json': {
    kept: true,
    class: 2002,
    band: 'LOW',
    workflow: 'NEW',
    cve: 'CVE-2021-47412',
    cvss: ['3', 5.5],
    epss: 0.00034,
    assets: [['AwsEc2Instance', 'i-abcd1235cdef1234', NODE]],
    group: `cve:CVE-2021-47412:${NODE}`,
  },
  'inspector/elastic-lambda-go-stdlib-cve-2025-47906-ocsf-1.5.json': {
    kept: true,
    class: 2002,
    band: 'MEDIUM',
    cve: 'CVE-2025-47906',
    cvss: ['3', 6.5],
    epss: 0.00017,
    assets: [['AwsLambdaFunction', 'cloudtrail-test-ab-LambdaFunction-jVHJUsdbdkj6', LAMBDA]],
    group: `cve:CVE-2025-47906:${LAMBDA}`,
  },
  // A redacted CVE id is no CVE, so no CVE group; an instance id that is not hex gets no built ARN.
  'inspector/zenn-ec2-critical-redacted-cve.json': {
    kept: true,
    class: 2002,
    band: 'CRITICAL',
    cve: null,
    cvss: ['3', 10],
    epss: 0.00018,
    assets: [
      [
        'AwsEc2Instance',
        'i-xxxxxxxxxxxxxxxxx',
        JSON.stringify(['aws', '111122223333', 'ap-northeast-1', 'AwsEc2Instance', 'i-xxxxxxxxxxxxxxxxx']),
      ],
    ],
    group: null,
  },
  'inspector/ocsf-examples-ecr-openssl-cve-2023-1255-ocsf-1.1.json': {
    kept: true,
    class: 2002,
    band: 'MEDIUM',
    cve: 'CVE-2023-1255',
    cvss: ['3', 5.9],
    epss: 0.00066,
    assets: [['AwsEcrContainerImage', 'browserhostingstack-EXAMPLE-btb1o54yh1jr', ECR_IMAGE]],
    group: `cve:CVE-2023-1255:${ECR_IMAGE}`,
  },
  // GuardDuty: detections have no group; the access key is named by its user.
  'guardduty/sumo-cloudtrail-disabled-suppressed-with-comment.json': {
    kept: true,
    class: 2004,
    band: 'LOW',
    workflow: 'SUPPRESSED',
    assets: [
      [
        'AwsIamAccessKey',
        'cis_automation',
        JSON.stringify(['aws', '869728294964', 'us-east-1', 'AwsIamAccessKey', 'ASIA4U76YS3TEOA3O']),
      ],
    ],
    group: null,
  },
  'guardduty/zenn-attack-sequence-critical-redacted.json': {
    kept: true,
    class: 2004,
    band: 'CRITICAL',
    workflow: 'NEW',
    group: null,
  },
  'guardduty/ocsf-examples-cloudtrail-logging-disabled-ocsf-1.1.json': {
    kept: true,
    class: 2004,
    band: 'LOW',
    workflow: 'NEW',
    assets: [
      [
        'AwsIamAccessKey',
        'Admin',
        JSON.stringify([
          'aws',
          '111111111111',
          'us-east-2',
          'AwsIamAccessKey',
          'AWS::IAM::AccessKey:ASIATMJPC7EXAMPLE',
        ]),
      ],
    ],
    group: null,
  },
  'securityhub-exposure/aws-docs-lambda-exposure-critical.json': {
    kept: true,
    class: 2004,
    band: 'CRITICAL',
    workflow: 'NEW',
    assets: [
      [
        'AwsLambdaFunction',
        'application-function',
        'arn:aws:lambda:us-east-1:123456789012:application-function',
      ],
    ],
    group: null,
  },
  // Coverage: a passed check counts for nothing; its "account" resource is the detector ARN AWS gives.
  'securityhub-coverage/asr-guardduty-foundational-coverage.json': {
    kept: true,
    class: 2003,
    band: 'INFORMATIONAL',
    compliance: 'PASSED',
    assets: [
      [
        'AwsAccount',
        'GuardDuty',
        'arn:aws:guardduty:us-east-1:123456789012:detector/00000000000000000000000000000000',
      ],
    ],
    group: null,
  },
  'macie/zenn-s3-object-multiple-sensitive-data.json': {
    kept: true,
    class: 2006,
    band: 'MEDIUM',
    workflow: 'NEW',
    assets: [
      [
        'AwsS3Object',
        'path/to/object.gz',
        JSON.stringify(['aws', '111122223333', 'ap-northeast-1', 'AwsS3Object', 'path/to/object.gz']),
      ],
    ],
    group: null,
  },
  // OCSF 1.0 (Security Lake): another class, kept; `finding`, state_id and one cvss object read.
  // Its synthetic CVE (CVSS 4.7, no EPSS) scores above the INFORMATIONAL label, as in ASFF.
  'security-lake/elastic-ec2-19-security-finding-ocsf-1.0.json': {
    kept: true,
    class: 2001,
    band: 'MEDIUM',
    workflow: 'RESOLVED',
    compliance: 'PASSED',
    cve: 'CVE-2020-12345',
    cvss: ['3', 4.7],
    epss: null,
    assets: [
      [
        'AwsEc2SecurityGroup',
        'sg-0daf160f08dfed499',
        'arn:aws:ec2:us-east-1:522536594833:security-group/sg-0daf160f08dfed499',
      ],
    ],
  },
  'other/ocsf-examples-security-hub-ocsf-1.0-rc2-account-uid.json': {
    kept: 'cloud.account.uid must be a 12-digit AWS account id',
  },
  'other/ocsf-examples-okta-login-failures-no-cloud.json': { kept: 'cloud is required' },
  'other/elastic-security-lake-fuzzed-vulnerability.json': {
    kept: 'cloud.account.uid must be a 12-digit AWS account id',
  },
};

interface Fixture {
  origin: { url: string | null; searchIndexId?: string; license: string; extracted: string };
  analyst: { producer: string; ocsfClass: number };
  finding: Record<string, unknown>;
}

const ROOT = new URL('../../fixtures/real-findings-ocsf/', import.meta.url);

function fixture(file: string): Fixture {
  return JSON.parse(readFileSync(new URL(file, ROOT), 'utf8'));
}

function corpusFiles(): string[] {
  return readdirSync(ROOT).flatMap((dir) =>
    statSync(new URL(dir, ROOT)).isDirectory()
      ? readdirSync(new URL(`${dir}/`, ROOT)).map((file) => `${dir}/${file}`)
      : [],
  );
}

describe('real OCSF findings, as an analyst expects them', () => {
  it('covers at least 20 findings of the four Security Hub classes and others, each with its origin', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(corpusFiles().sort());
    expect(Object.keys(EXPECTED).length).toBeGreaterThanOrEqual(20);
    const classes = new Set(Object.keys(EXPECTED).map((file) => fixture(file).analyst.ocsfClass));
    for (const uid of [2002, 2003, 2004, 2006, 2001]) expect(classes).toContain(uid);
    for (const file of Object.keys(EXPECTED)) {
      const { origin } = fixture(file);
      expect(origin.url ?? `search index ${origin.searchIndexId}`, file).toMatch(
        /^(https:\/\/|search index \d+)/,
      );
      expect(origin.license, file).toBeTruthy();
    }
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(file, () => {
      const { finding } = fixture(file);
      const outcome = mapOcsfFinding(finding, ocsfMap, { defaultSeverity: 'MEDIUM' });
      if (expected.kept !== true) {
        expect(outcome.ok ? 'kept' : outcome.reject.reason).toContain(expected.kept);
        if (!outcome.ok) expect(outcome.reject.problems.length).toBeGreaterThan(0);
        return;
      }
      if (!outcome.ok) throw new Error(`rejected: ${outcome.reject.reason}`);
      const { finding: record, score, assets, ocsf } = outcome;
      const chosen = score.factors.cvss;
      const actual: Expected = {
        kept: true,
        class: ocsf.classUid,
        band: score.factors.band,
        workflow: record.workflowStatus,
        compliance: record.complianceStatus ?? null,
        cve: record.cves?.[0] ?? null,
        cvss: chosen ? [chosen.major ?? '', chosen.baseScore] : null,
        epss: record.epssScore ?? null,
        assets: assets.map((asset) => [asset.resourceType, asset.name ?? null, asset.identityKey]),
        group: record.dedupKey ?? null,
      };
      const compared = Object.fromEntries(
        Object.keys(expected).map((key) => [key, actual[key as keyof Expected]]),
      );
      expect(compared).toEqual(expected);
      // Nothing AWS sent is lost: the stored raw document is the one AWS returned.
      expect(record.raw).toBe(finding);
    });
  }
});

describe('classes', () => {
  it('maps the four Security Hub classes field by field, and keeps any other class with what it shares', () => {
    const classOf = (file: string) => {
      const outcome = mapOcsfFinding(fixture(file).finding, ocsfMap, { defaultSeverity: 'MEDIUM' });
      if (!outcome.ok) throw new Error(outcome.reject.reason);
      return [outcome.ocsf.classUid, outcome.ocsf.className, outcome.ocsf.mappedClass];
    };
    expect(classOf('macie/zenn-s3-object-multiple-sensitive-data.json')).toEqual([
      2006,
      'Data Security Finding',
      true,
    ]);
    expect(classOf('security-lake/elastic-ec2-19-security-finding-ocsf-1.0.json')).toEqual([
      2001,
      'Security Finding',
      false,
    ]);
  });
});

describe('a finding and its OCSF copy map alike', () => {
  // OCSF's own examples map three findings of the ASFF corpus: the same problems in both formats.
  const PAIRS: [asff: string, ocsf: string][] = [
    [
      'securityhub-controls/ocsf-pci-config1-account.json',
      'securityhub-controls/ocsf-examples-pci-config1-account-ocsf-1.1.json',
    ],
    [
      'guardduty/ocsf-cloudtrail-logging-disabled.json',
      'guardduty/ocsf-examples-cloudtrail-logging-disabled-ocsf-1.1.json',
    ],
    [
      'inspector/ocsf-ecr-alpine-openssl-cve-2023-1255-epss.json',
      'inspector/ocsf-examples-ecr-openssl-cve-2023-1255-ocsf-1.1.json',
    ],
  ];

  for (const [asffFile, ocsfFile] of PAIRS) {
    it(`${asffFile} and ${ocsfFile}`, () => {
      const asffDocument = JSON.parse(
        readFileSync(new URL(`../../fixtures/real-findings/${asffFile}`, import.meta.url), 'utf8'),
      ).finding;
      const asff = mapFinding(asffDocument, asffMap, { defaultSeverity: 'MEDIUM' });
      const ocsf = mapOcsfFinding(fixture(ocsfFile).finding, ocsfMap, { defaultSeverity: 'MEDIUM' });
      if (!asff.ok || !ocsf.ok) throw new Error('both formats must be kept');
      // One Finding: the same join key, from the documents and from the stored records alike.
      expect(ocsf.ocsf.identityKey).toBe(identityKey(asffIdentity(asffDocument)));
      expect(identityKey(recordIdentity(ocsf.finding))).toBe(identityKey(recordIdentity(asff.finding)));
      const fields = (outcome: typeof asff) => ({
        awsId: outcome.finding.awsId,
        awsAccountId: outcome.finding.awsAccountId,
        title: outcome.finding.title,
        severityLabel: outcome.finding.severityLabel,
        // Not the score itself: OCSF has no Severity.Normalized, so a control without CVSS scores its
        // band's default where ASFF scored its Normalized value; the band is the same.
        band: outcome.score.factors.band,
        complianceStatus: outcome.finding.complianceStatus,
        cves: outcome.finding.cves,
        cvss3Base: outcome.finding.cvss3Base,
        epssScore: outcome.finding.epssScore,
        vulnerablePackageName: outcome.finding.vulnerablePackageName,
        fixedVersion: outcome.finding.fixedVersion,
        recommendation: outcome.finding.recommendation,
        resourceType: outcome.finding.resourceType,
        assetIdentityKey: outcome.finding.assetIdentityKey,
        assetName: outcome.finding.assetName,
        firstObservedAt: outcome.finding.firstObservedAt,
        lastObservedAt: outcome.finding.lastObservedAt,
        awsCreatedAt: outcome.finding.awsCreatedAt,
      });
      expect(fields(ocsf)).toEqual(fields(asff));
    });
  }
});
