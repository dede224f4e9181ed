// One problem, one Finding, whether CSPM reported it in ASFF or the new Security Hub in OCSF
// (issue 15 §4). A CSPM finding and its OCSF copy share the account and the finding id (ASFF `Id`
// is OCSF `finding_info.uid`: `arn:aws:securityhub:…:security-control/SQS.3/finding/…` for
// controls, `arn:aws:inspector2:…:finding/…` for Inspector), but not the product ARN: CSPM writes
// `…::product/aws/securityhub`, the new Security Hub `…::productv2/aws/securityhub`. The join key
// therefore uses the product with its Region and that prefix taken off. AWS does not promise the
// join (research/ocsf-v2.md §3); OCSF's globally unique `metadata.uid`, which BatchUpdateFindingsV2
// also accepts, is kept as the second key of an OCSF finding.

export interface FindingIdentity {
  /** The account the finding belongs to (ASFF AwsAccountId, OCSF cloud.account.uid). */
  account: string;
  /** ASFF Id = OCSF finding_info.uid. */
  id: string;
  /** The product the same way in both formats, e.g. `aws/securityhub` (see `productKey`). */
  product: string;
}

export interface OcsfIdentity extends FindingIdentity {
  /** OCSF metadata.uid: the second key, unique on its own; null where the producer sent none. */
  metadataUid: string | null;
}

/**
 * The product an ARN names, the same for both formats: `arn:aws:securityhub:us-east-1::product/aws/inspector`
 * and `arn:aws:securityhub:us-east-2::productv2/aws/inspector` are both `aws/inspector`; a partner's
 * `…:123456789012:product/123456789012/default` is `123456789012/default`. Region and partition are
 * left out (the finding id carries both); anything that is not a Security Hub product ARN is its own
 * key.
 */
export function productKey(productArn: string): string {
  const match = /^arn:[^:]+:securityhub:[^:]*:[^:]*:product(?:v2)?\/(.+)$/.exec(productArn);
  return match ? match[1]! : productArn;
}

/**
 * The CSPM form of a product ARN: `…::productv2/aws/securityhub` → `…::product/aws/securityhub`
 * (any other ARN unchanged). Both formats' copies of a finding are stored under it, so the findings
 * table's identity (tenant, product ARN, Id) is the join key and a problem is one row.
 */
export function cspmProductArn(productArn: string): string {
  return productArn.replace(/^(arn:[^:]+:securityhub:[^:]*:[^:]*:)productv2\//, '$1product/');
}

/** The identity of an ASFF finding. */
export function asffIdentity(finding: {
  AwsAccountId?: string;
  Id?: string;
  ProductArn?: string;
}): FindingIdentity {
  return {
    account: finding.AwsAccountId ?? '',
    id: finding.Id ?? '',
    product: productKey(finding.ProductArn ?? ''),
  };
}

/** The identity of an OCSF finding, with its second key. */
export function ocsfIdentity(finding: {
  cloud?: { account?: { uid?: string } };
  finding_info?: { uid?: string };
  finding?: { uid?: string };
  metadata?: { uid?: string; product?: { uid?: string } };
}): OcsfIdentity {
  return {
    account: finding.cloud?.account?.uid ?? '',
    id: finding.finding_info?.uid ?? finding.finding?.uid ?? '',
    product: productKey(finding.metadata?.product?.uid ?? ''),
    metadataUid: finding.metadata?.uid || null,
  };
}

/**
 * The identity of a stored finding, whichever format it was mapped from: both mappers store the
 * account, the finding id (ASFF Id, OCSF finding_info.uid) and the product ARN (ASFF ProductArn,
 * OCSF metadata.product.uid) in the same columns.
 */
export function recordIdentity(record: {
  awsAccountId: string;
  awsId: string;
  productArn: string;
}): FindingIdentity {
  return asffIdentity({ AwsAccountId: record.awsAccountId, Id: record.awsId, ProductArn: record.productArn });
}

/**
 * The join key: equal for a CSPM finding and its OCSF copy, different for any two findings that
 * differ in account, id or product. A JSON array, so no separator inside a part can make two
 * identities collide.
 */
export function identityKey(identity: FindingIdentity): string {
  return JSON.stringify([identity.account, identity.id, identity.product]);
}

/** Whether two identities name one finding: the same join key, or (both OCSF) the same metadata.uid. */
export function sameFinding(
  a: FindingIdentity & { metadataUid?: string | null },
  b: FindingIdentity & { metadataUid?: string | null },
): boolean {
  if (a.metadataUid && b.metadataUid && a.metadataUid === b.metadataUid) return true;
  return identityKey(a) === identityKey(b);
}
