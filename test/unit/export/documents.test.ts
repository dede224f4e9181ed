import { describe, expect, it } from 'vitest';
import {
  batchesOf,
  checkDocument,
  contentHash,
  defaultProductArn,
  type ExportTarget,
  isAwsProduct,
  MAX_BATCH_BYTES,
  renderStoredFinding,
  routeRegion,
} from '../../../src/export/documents.ts';

// What an export sends, as pure functions: routing, AWS's import checks, stored findings rendered
// back to ASFF, and batches within both of BatchImportFindings' limits.

const target: ExportTarget = { account: '111122223333', partition: 'aws', primaryRegion: 'us-east-1' };

function aFinding(overrides: Record<string, unknown> = {}, region = 'eu-west-1'): Record<string, unknown> {
  return {
    SchemaVersion: '2018-10-08',
    Id: 'acme-1',
    ProductArn: defaultProductArn(target, region),
    GeneratorId: 'acme/check',
    AwsAccountId: target.account,
    Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
    CreatedAt: '2026-11-30T10:00:00.000Z',
    UpdatedAt: '2026-11-30T10:00:00.000Z',
    Severity: { Label: 'LOW' },
    Title: 'A check',
    Description: 'It failed.',
    Resources: [{ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::bucket', Region: region }],
    ...overrides,
  };
}

describe('routeRegion', () => {
  it("sends a finding to its first resource's Region", () => {
    expect(routeRegion(aFinding(), 'us-east-1')).toBe('eu-west-1');
  });

  it('sends global resources, a "global" Region and no Region to the primary Region', () => {
    for (const resource of [
      { Type: 'AwsIamRole', Id: 'arn:aws:iam::111122223333:role/x', Region: 'eu-west-1' },
      { Type: 'AwsCloudFrontDistribution', Id: 'd1', Region: 'eu-west-1' },
      { Type: 'AwsWafWebAcl', Id: 'w1', Region: 'eu-west-1' },
      { Type: 'Other', Id: 'x', Region: 'global' },
      { Type: 'Other', Id: 'x' },
    ])
      expect(routeRegion(aFinding({ Resources: [resource] }), 'ap-south-1')).toBe('ap-south-1');
    // Regional WAF (v2) is not global.
    expect(
      routeRegion(
        aFinding({ Resources: [{ Type: 'AwsWafv2WebAcl', Id: 'w', Region: 'eu-west-1' }] }),
        'ap-south-1',
      ),
    ).toBe('eu-west-1');
  });
});

describe('checkDocument', () => {
  it('accepts a finding under the default product of its Region', () => {
    expect(checkDocument(aFinding(), target)).toEqual({ ok: true, region: 'eu-west-1' });
  });

  it("refuses another Region's product, another account, an unknown Region and a non-ASFF document, each saying why", () => {
    const wrongProduct = checkDocument(
      aFinding({ ProductArn: defaultProductArn(target, 'us-east-1') }),
      target,
    );
    expect(wrongProduct).toMatchObject({ ok: false, code: 'InvalidInput', region: 'eu-west-1' });
    expect(!wrongProduct.ok && wrongProduct.message).toContain(defaultProductArn(target, 'eu-west-1'));
    expect(checkDocument(aFinding({ AwsAccountId: '999988887777' }), target)).toMatchObject({
      ok: false,
      code: 'InvalidInput',
    });
    expect(
      checkDocument(aFinding({ Resources: [{ Type: 'Other', Id: 'x', Region: 'moon-1' }] }), target),
    ).toMatchObject({ ok: false, code: 'InvalidInput', region: null });
    const broken = checkDocument({ ...aFinding(), SchemaVersion: '2020' }, target);
    expect(!broken.ok && broken.message).toContain('SchemaVersion');
    expect(checkDocument('not a finding', target)).toMatchObject({ ok: false, code: 'InvalidInput' });
  });

  it('refuses a finding over 240 KB with FindingSizeExceeded', () => {
    const big = aFinding({ Description: 'x', ProductFields: { blob: 'y'.repeat(240 * 1024) } });
    expect(checkDocument(big, target)).toMatchObject({ ok: false, code: 'FindingSizeExceeded' });
  });
});

describe('renderStoredFinding', () => {
  it("puts a stored finding under the account's default product, without what Security Hub sets and its aws/ fields", () => {
    const stored = aFinding({
      ProductArn: 'arn:aws:securityhub:eu-west-1::product/prowler/prowler',
      AwsAccountId: '444455556666',
      ProductName: 'Prowler',
      CompanyName: 'Prowler',
      Region: 'eu-west-1',
      ProcessedAt: '2026-11-30T10:00:01.000Z',
      WorkflowState: 'NEW',
      ProductFields: { 'aws/securityhub/FindingId': 'x', ProwlerCheck: 'iam_root_mfa' },
    });
    const rendered = renderStoredFinding(stored, target);
    expect(rendered).toEqual({
      ...aFinding(),
      ProductFields: { ProwlerCheck: 'iam_root_mfa' },
    });
    expect(stored.ProductName).toBe('Prowler');
    expect(checkDocument(rendered, target).ok).toBe(true);
  });

  it('knows the findings of AWS products', () => {
    expect(isAwsProduct('arn:aws:securityhub:us-east-1::product/aws/inspector')).toBe(true);
    expect(isAwsProduct('arn:aws:securityhub:us-east-1::product/prowler/prowler')).toBe(false);
  });
});

describe('batchesOf', () => {
  it('cuts at 100 findings', () => {
    const sizes = batchesOf(
      Array.from({ length: 250 }, (_, i) => i),
      () => 10,
    ).map((batch) => batch.length);
    expect(sizes).toEqual([100, 100, 50]);
  });

  it('cuts before 6 MB, keeping the order', () => {
    const items = Array.from({ length: 30 }, (_, i) => i);
    const batches = batchesOf(items, () => 240 * 1024);
    expect(batches.map((batch) => batch.length)).toEqual([25, 5]);
    expect(batches.flat()).toEqual(items);
    for (const batch of batches) expect(batch.length * (240 * 1024 + 1)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
  });
});

describe('contentHash', () => {
  it('does not depend on key order, and does on content', () => {
    expect(contentHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(contentHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
  });
});
