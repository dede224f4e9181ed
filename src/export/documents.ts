import { createHash } from 'node:crypto';
import { partitionOfRegion } from '../aws/regions.ts';
import { validateAsff } from '../mapping/asff-validation.ts';

// What an export sends, as pure functions of the documents and the connector: AWS's BatchImportFindings
// checks (the read path's validator in its import mode, the 240 KB limit, the account's default
// product), the Region each finding goes to, ASFF rendered back from a stored finding, and batches
// within AWS's 100-finding and 6 MB limits (research/aws-api.md §1).

export const MAX_BATCH_FINDINGS = 100;
export const MAX_FINDING_BYTES = 240 * 1024;
/** 6 MB, less room for the request's own envelope (`{"Findings":[…]}` and the commas). */
export const MAX_BATCH_BYTES = 6 * 1024 * 1024 - 1024;

/** Where an export goes: the connector's account, partition and first (primary) Region. */
export interface ExportTarget {
  account: string;
  partition: string;
  primaryRegion: string;
}

/** The product a custom source imports under: the account's own default product, one per Region. */
export function defaultProductArn(target: Pick<ExportTarget, 'account' | 'partition'>, region: string) {
  return `arn:${target.partition}:securityhub:${region}:${target.account}:product/${target.account}/default`;
}

/** Its subscription, as ListEnabledProductsForImport names it. */
export function defaultProductSubscriptionArn(
  target: Pick<ExportTarget, 'account' | 'partition'>,
  region: string,
) {
  return `arn:${target.partition}:securityhub:${region}:${target.account}:product-subscription/${target.account}/default`;
}

/** Resource types that live in no Region (IAM, CloudFront, Route 53, classic WAF): the primary Region takes them. */
const GLOBAL_RESOURCE_TYPE =
  /^(AwsIam|AwsCloudFront|AwsRoute53|AwsWafWebAcl$|AwsWafRule$|AwsWafRuleGroup$|AwsWafRateBasedRule$)/;
const GLOBAL_REGION_NAMES = new Set(['global', 'aws-global']);

/** The Region a finding goes to: its first resource's, unless that resource is global or has none. */
export function routeRegion(finding: Record<string, unknown>, primaryRegion: string): string {
  const resource = (finding.Resources as { Type?: unknown; Region?: unknown }[] | undefined)?.[0];
  const region = typeof resource?.Region === 'string' ? resource.Region.trim() : '';
  if (region === '' || GLOBAL_REGION_NAMES.has(region.toLowerCase())) return primaryRegion;
  if (typeof resource?.Type === 'string' && GLOBAL_RESOURCE_TYPE.test(resource.Type)) return primaryRegion;
  return region;
}

export type DocumentCheck =
  | { ok: true; region: string }
  | { ok: false; region: string | null; code: string; message: string };

/** BatchImportFindings' rules for one document sent through this connector. */
export function checkDocument(document: unknown, target: ExportTarget): DocumentCheck {
  const bytes = Buffer.byteLength(JSON.stringify(document ?? null));
  if (bytes > MAX_FINDING_BYTES)
    return {
      ok: false,
      region: null,
      code: 'FindingSizeExceeded',
      message: `The finding is ${Math.ceil(bytes / 1024)} KB; Security Hub takes at most 240 KB per finding. Trim long fields (Description, ProductFields, Resources[].Details).`,
    };
  const validation = validateAsff(document, 'import');
  if (!validation.ok)
    return {
      ok: false,
      region: null,
      code: 'InvalidInput',
      message: `The finding does not follow ASFF: ${validation.problems
        .slice(0, 3)
        .map((problem) => `${problem.path || 'the finding'} ${problem.message}`)
        .join('; ')}.`,
    };
  const finding = document as Record<string, unknown>;
  const region = routeRegion(finding, target.primaryRegion);
  if (partitionOfRegion(region)?.id !== target.partition)
    return {
      ok: false,
      region: null,
      code: 'InvalidInput',
      message: `Resources[0].Region "${region}" is not a Region of partition ${target.partition}, where this connector's account lives.`,
    };
  if (finding.AwsAccountId !== target.account)
    return {
      ok: false,
      region,
      code: 'InvalidInput',
      message: `AwsAccountId is ${String(finding.AwsAccountId)}; a finding imported through this connector belongs to its account ${target.account}.`,
    };
  const productArn = defaultProductArn(target, region);
  if (finding.ProductArn !== productArn)
    return {
      ok: false,
      region,
      code: 'InvalidInput',
      message: `ProductArn must be the account's default product in the Region the finding goes to (${region}, its resource's Region or the connector's first Region): ${productArn}.`,
    };
  return { ok: true, region };
}

/** Fields Security Hub sets itself on import: they are not the provider's to send. */
const SERVICE_SET = ['ProductName', 'CompanyName', 'Region', 'ProcessedAt', 'WorkflowState'] as const;

/**
 * A stored finding as the connector's account sends it under its default product: the same Id,
 * GeneratorId and content, without what Security Hub sets itself and the `aws/` ProductFields it reserves.
 */
export function renderStoredFinding(
  raw: Record<string, unknown>,
  target: ExportTarget,
): Record<string, unknown> {
  const document: Record<string, unknown> = structuredClone(raw);
  for (const field of SERVICE_SET) delete document[field];
  const productFields = document.ProductFields as Record<string, string> | undefined;
  if (productFields) {
    const kept = Object.fromEntries(Object.entries(productFields).filter(([key]) => !key.startsWith('aws/')));
    if (Object.keys(kept).length > 0) document.ProductFields = kept;
    else delete document.ProductFields;
  }
  document.AwsAccountId = target.account;
  document.ProductArn = defaultProductArn(target, routeRegion(document, target.primaryRegion));
  return document;
}

/** Whether a stored finding comes from one of AWS's own products, which Security Hub already holds. */
export function isAwsProduct(productArn: string): boolean {
  return (productArn.split(':')[5] ?? '').split('/')[1] === 'aws';
}

export function isComplianceFailed(document: unknown): boolean {
  return (document as { Compliance?: { Status?: unknown } } | null)?.Compliance?.Status === 'FAILED';
}

/** Fixed-size groups of a Region's documents, each within both of AWS's limits, in order. */
export function batchesOf<T>(items: readonly T[], bytesOf: (item: T) => number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item) + 1;
    if (current.length > 0 && (current.length >= MAX_BATCH_FINDINGS || bytes + size > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** A fingerprint of a request: key order inside objects does not change it. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
