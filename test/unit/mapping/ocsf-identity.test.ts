import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  asffIdentity,
  identityKey,
  ocsfIdentity,
  productKey,
  sameFinding,
} from '../../../src/mapping/ocsf/identity.ts';

// A CSPM (ASFF) finding and its copy in the new Security Hub (OCSF) are one Finding: the same
// account, ASFF Id = OCSF finding_info.uid, and the product once `product/` vs `productv2/` and the
// Region are taken off its ARN; metadata.uid is the OCSF finding's second key (issue 15 §4).

const account = fc.stringMatching(/^\d{12}$/);
const region = fc.constantFrom('us-east-1', 'us-east-2', 'eu-west-1', 'ap-northeast-1', 'us-gov-west-1');
const partition = fc.constantFrom('aws', 'aws-cn', 'aws-us-gov');
const service = fc.constantFrom('securityhub', 'inspector', 'guardduty', 'macie', 'access-analyzer');
const findingId = fc.oneof(
  fc
    .tuple(partition, region, account, fc.uuid())
    .map(([p, r, a, uuid]) => `arn:${p}:securityhub:${r}:${a}:security-control/SQS.3/finding/${uuid}`),
  fc
    .tuple(partition, region, account, fc.stringMatching(/^[0-9a-f]{32}$/))
    .map(([p, r, a, hex]) => `arn:${p}:inspector2:${r}:${a}:finding/${hex}`),
  fc.string({ minLength: 1, maxLength: 80 }),
);

const asffOf = (p: string, r: string, a: string, id: string, product: string) => ({
  AwsAccountId: a,
  Id: id,
  ProductArn: `arn:${p}:securityhub:${r}::product/aws/${product}`,
});
const ocsfOf = (p: string, r: string, a: string, id: string, product: string, metadataUid?: string) => ({
  cloud: { account: { uid: a } },
  finding_info: { uid: id },
  metadata: { uid: metadataUid, product: { uid: `arn:${p}:securityhub:${r}::productv2/aws/${product}` } },
});

describe('productKey', () => {
  it('is the same for CSPM and V2 product ARNs of one product, in any Region and partition', () => {
    expect(productKey('arn:aws:securityhub:us-east-1::product/aws/inspector')).toBe('aws/inspector');
    expect(productKey('arn:aws:securityhub:us-east-2::productv2/aws/inspector')).toBe('aws/inspector');
    expect(productKey('arn:aws-us-gov:securityhub:us-gov-west-1::productv2/aws/securityhub')).toBe(
      'aws/securityhub',
    );
  });

  it('keeps products apart: Security Hub, its coverage and exposure findings, partners', () => {
    expect(productKey('arn:aws:securityhub:us-east-1::productv2/aws/securityhub-coverage')).toBe(
      'aws/securityhub-coverage',
    );
    expect(productKey('arn:aws:securityhub:us-east-1::productv2/aws/securityhub-risk')).toBe(
      'aws/securityhub-risk',
    );
    expect(productKey('arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default')).toBe(
      '123456789012/default',
    );
  });

  it('leaves what is not a Security Hub product ARN as it is', () => {
    expect(productKey('c6afd262-4e4c-11ef-a63c-0242ac110005')).toBe('c6afd262-4e4c-11ef-a63c-0242ac110005');
    expect(productKey('arn:aws:securityhub:us-east-1::productv3/aws/x')).toBe(
      'arn:aws:securityhub:us-east-1::productv3/aws/x',
    );
  });
});

describe('the join key', () => {
  it('is equal for a CSPM finding and its OCSF copy', () => {
    fc.assert(
      fc.property(partition, region, region, account, findingId, service, (p, r1, r2, a, id, product) => {
        const asff = asffIdentity(asffOf(p, r1, a, id, product));
        const ocsf = ocsfIdentity(ocsfOf(p, r2, a, id, product, 'f'.repeat(64)));
        expect(identityKey(ocsf)).toBe(identityKey(asff));
        expect(sameFinding(asff, ocsf)).toBe(true);
      }),
    );
  });

  it('differs when the account, the id or the product differs', () => {
    fc.assert(
      fc.property(
        partition,
        region,
        fc.tuple(account, account),
        fc.tuple(findingId, findingId),
        fc.tuple(service, service),
        (p, r, [a1, a2], [id1, id2], [s1, s2]) => {
          const asff = asffIdentity(asffOf(p, r, a1, id1, s1));
          const ocsf = ocsfIdentity(ocsfOf(p, r, a2, id2, s2));
          const same = a1 === a2 && id1 === id2 && s1 === s2;
          expect(identityKey(asff) === identityKey(ocsf)).toBe(same);
        },
      ),
    );
  });

  it('cannot be forged by separators inside a part', () => {
    const a = identityKey({ account: '123456789012', id: 'x","y', product: 'aws/inspector' });
    const b = identityKey({ account: '123456789012', id: 'x', product: 'y","aws/inspector' });
    expect(a).not.toBe(b);
  });

  it('reads OCSF 1.0 findings, which name finding_info `finding`', () => {
    expect(
      ocsfIdentity({ cloud: { account: { uid: '522536594833' } }, finding: { uid: 'test' }, metadata: {} }),
    ).toEqual({
      account: '522536594833',
      id: 'test',
      product: '',
      metadataUid: null,
    });
  });
});

describe('metadata.uid, the second key', () => {
  it('joins two OCSF findings whatever else differs', () => {
    const first = ocsfIdentity(ocsfOf('aws', 'us-east-1', '123456789012', 'a', 'inspector', 'm'.repeat(64)));
    const moved = ocsfIdentity(ocsfOf('aws', 'us-east-1', '123456789012', 'b', 'guardduty', 'm'.repeat(64)));
    expect(sameFinding(first, moved)).toBe(true);
  });

  it('never joins on an absent metadata.uid', () => {
    const first = ocsfIdentity(ocsfOf('aws', 'us-east-1', '123456789012', 'a', 'inspector'));
    const second = ocsfIdentity(ocsfOf('aws', 'us-east-1', '123456789012', 'b', 'inspector'));
    expect(first.metadataUid).toBeNull();
    expect(sameFinding(first, second)).toBe(false);
  });
});
