import type { Vulnerability } from '@aws-sdk/client-securityhub';
import { type Problem, validateAsff } from './asff-validation.ts';
import { extractAssets, findingRegion, withIdentityKey } from './assets.ts';
import { findingCves } from './cves.ts';
import { dedupKey } from './dedup.ts';
import { type DetectionScore, detectionScore } from './detection-score.ts';
import { withProducerFields } from './producers.ts';
import type { AssetRecord, FindingRecord } from './records.ts';
import type { SeverityLabel } from './scoring-constants.ts';
import type { CompiledTransformMap } from './transform-map.ts';

// One ASFF finding in, one stored finding with its assets out — or a reject that says exactly why.
// Pure and total: it never throws, whatever the input, and one bad finding never affects another.

export interface MappingSettings {
  /** The connector's severity for findings that carry none. */
  defaultSeverity: SeverityLabel;
  /** The resource tag that sets asset criticality (default `Criticality`). */
  criticalityTag?: string;
}

export interface Reject {
  reason: string;
  problems: Problem[];
  productArn?: string;
  awsId?: string;
}

export type MapOutcome =
  | {
      ok: true;
      finding: FindingRecord;
      assets: AssetRecord[];
      /** Every target field the map produced. */
      mapped: Record<string, unknown>;
      score: DetectionScore;
      warnings: string[];
    }
  | { ok: false; reject: Reject };

export function mapFinding(input: unknown, map: CompiledTransformMap, settings: MappingSettings): MapOutcome {
  try {
    return mapValidated(input, map, settings);
  } catch (error) {
    // Validation should make this unreachable; if it is not, the finding is kept as a reject.
    return mappingFailed(error, identityOf(input));
  }
}

type RejectIdentity = Pick<Reject, 'productArn' | 'awsId'>;

/** An exception while mapping a valid document: kept as a reject, never thrown. */
export function mappingFailed(error: unknown, identity: RejectIdentity): { ok: false; reject: Reject } {
  return {
    ok: false,
    reject: {
      reason: `mapping failed: ${error instanceof Error ? error.message : String(error)}`,
      problems: [],
      ...identity,
    },
  };
}

/** A document its format's validator refused: the first problem in the reason, all of them kept. */
export function invalidDocument(
  format: 'ASFF' | 'OCSF',
  problems: Problem[],
  identity: RejectIdentity,
): { ok: false; reject: Reject } {
  const first = problems[0]!;
  return {
    ok: false,
    reject: {
      reason: `invalid ${format}: ${first.path || 'finding'} ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
      problems,
      ...identity,
    },
  };
}

/** A finding that lacks what the transform map requires; undefined when nothing is missing. */
export function missingTargets(
  map: CompiledTransformMap,
  missing: readonly { source: string; target: string }[],
  identity: RejectIdentity,
): { ok: false; reject: Reject } | undefined {
  if (missing.length === 0) return undefined;
  return {
    ok: false,
    reject: {
      reason: `the transform map "${map.name}" requires ${missing.map((entry) => entry.target).join(', ')}, which the finding does not provide`,
      problems: missing.map((entry) => ({ path: entry.source, message: `has no value for ${entry.target}` })),
      ...identity,
    },
  };
}

function mapValidated(input: unknown, map: CompiledTransformMap, settings: MappingSettings): MapOutcome {
  const validation = validateAsff(input);
  if (!validation.ok) return invalidDocument('ASFF', validation.problems, identityOf(input));
  // Scored and mapped with the producer's own fields read into ASFF; stored as AWS returned it.
  const raw = validation.finding;
  const finding = withProducerFields(raw);
  const applied = map.apply(finding);
  const missing = missingTargets(map, applied.missing, identityOf(input));
  if (missing) return missing;
  const mapped = applied.values;
  const warnings = [...applied.warnings];
  const score = detectionScore(finding, settings);
  const assets = extractAssets(finding, { criticalityTag: settings.criticalityTag });
  const primary = primaryAsset(assets, mapped.externalAssetId, warnings);
  const vulnerabilities = finding.Vulnerabilities ?? [];
  const firstObserved = dateOr(mapped.findingFirstFoundOn, finding.FirstObservedAt ?? finding.CreatedAt!);
  const lastObserved = dateOr(mapped.findingLastFoundOn, finding.LastObservedAt ?? finding.UpdatedAt!);

  const record: FindingRecord = {
    format: 'ASFF',
    productArn: finding.ProductArn!,
    awsId: finding.Id!,
    generatorId: finding.GeneratorId!,
    awsAccountId: finding.AwsAccountId!,
    region: findingRegion(finding),
    productName: stringOr(mapped.productName, finding.ProductName ?? 'Unknown'),
    companyName: finding.CompanyName ?? null,
    externalFindingId: stringOr(mapped.externalFindingId, `${finding.ProductArn}/${finding.Id}`),
    title: stringOr(mapped.findingName, finding.Title!),
    description: stringOr(mapped.findingDescription, finding.Description!),
    recommendation: (mapped.recommendation as string | undefined) ?? null,
    vulnerablePackageName: (mapped.vulnerablePackageName as string | undefined) ?? null,
    vulnerablePackageVersion: (mapped.vulnerablePackageVersion as string | undefined) ?? null,
    fixedVersion: (mapped.fixedVersion as string | undefined) ?? null,
    references: (mapped.references as string[] | undefined) ?? [],
    assetName: (mapped.assetName as string | undefined) ?? primary?.name ?? null,
    cloudInstanceId: (mapped.cloudInstanceId as string | undefined) ?? null,
    systemType: (mapped.systemType as string | undefined) ?? null,
    resourceType: finding.Resources![0]!.Type!,
    resourceId: primary?.resourceId ?? finding.Resources![0]!.Id!,
    types: finding.Types ?? [],
    severityLabel: score.label,
    severityNormalized: finding.Severity?.Normalized ?? null,
    severityOriginal: finding.Severity?.Original ?? null,
    findingSeverity: levelOr(mapped.findingSeverity, score.findingSeverity),
    detectionScore: score.score,
    scoreFactors: score.factors as unknown as Record<string, unknown>,
    scoringVersion: score.factors.scoringVersion,
    counted: score.counted,
    cves: findingCves(finding),
    cvssV2Base: (mapped.cvssV2Base as number | undefined) ?? null,
    cvss3Base: (mapped.cvss3Base as number | undefined) ?? null,
    epssScore: maxOf(vulnerabilities.map((vulnerability) => vulnerability.EpssScore)),
    exploitAvailable: exploitOf(vulnerabilities),
    isExploitAvailable: (mapped.isExploitAvailable as boolean | undefined) ?? null,
    fixAvailable: fixOf(vulnerabilities),
    isPatchAvailable: (mapped.isPatchAvailable as boolean | undefined) ?? null,
    workflowStatus: finding.Workflow?.Status ?? workflowFromState(finding.WorkflowState),
    recordState: finding.RecordState ?? 'ACTIVE',
    verificationState: finding.VerificationState ?? null,
    complianceStatus: finding.Compliance?.Status ?? null,
    securityControlId: finding.Compliance?.SecurityControlId ?? null,
    confidence: finding.Confidence ?? null,
    criticality: finding.Criticality ?? null,
    note: finding.Note
      ? { text: finding.Note.Text!, updatedBy: finding.Note.UpdatedBy!, updatedAt: finding.Note.UpdatedAt! }
      : null,
    userDefinedFields: finding.UserDefinedFields ?? null,
    dedupKey: dedupKey(finding, primary?.identityKey ?? finding.Resources![0]!.Id),
    firstObservedAt: firstObserved,
    lastObservedAt: lastObserved,
    awsCreatedAt: new Date(finding.CreatedAt!),
    awsUpdatedAt: new Date(finding.UpdatedAt!),
    raw: raw as unknown as Record<string, unknown>,
    assetIdentityKey: primary?.identityKey ?? null,
  };
  return { ok: true, finding: record, assets, mapped, score, warnings };
}

/**
 * The asset the map names as the finding's own (externalAssetId); normally Resources[0]. A custom
 * map may name another resource Id: the primary resource's asset then takes that Id (and the
 * identity it gives within the resource's account, Region and type).
 */
export function primaryAsset(
  assets: AssetRecord[],
  externalAssetId: unknown,
  warnings: string[],
): AssetRecord | undefined {
  if (typeof externalAssetId !== 'string' || externalAssetId === '') return assets[0];
  const named = assets.find((asset) => asset.resourceArn === externalAssetId);
  if (named) return named;
  const first = assets[0];
  if (!first) return undefined;
  warnings.push(
    `externalAssetId "${externalAssetId}" is not one of the finding's resources; the primary resource takes that identity`,
  );
  const renamed = withIdentityKey({ ...first, resourceArn: externalAssetId });
  assets[0] = renamed;
  return renamed;
}

export function exploitOf(vulnerabilities: Vulnerability[]): string | null {
  const values = vulnerabilities.map((vulnerability) => vulnerability.ExploitAvailable).filter(Boolean);
  if (values.includes('YES')) return 'YES';
  return values.includes('NO') ? 'NO' : null;
}

/** YES only if every vulnerability has a fix; PARTIAL if some do; NO if none do. */
export function fixOf(vulnerabilities: Vulnerability[]): string | null {
  const values = vulnerabilities
    .map((vulnerability) => vulnerability.FixAvailable as string | undefined)
    .filter((value): value is string => Boolean(value));
  if (values.length === 0) return null;
  if (values.every((value) => value === 'YES')) return 'YES';
  if (values.every((value) => value === 'NO')) return 'NO';
  return 'PARTIAL';
}

function workflowFromState(state: string | undefined): string {
  // The deprecated WorkflowState: DEFERRED and ASSIGNED/IN_PROGRESS map onto today's statuses.
  switch (state) {
    case 'ASSIGNED':
    case 'IN_PROGRESS':
    case 'DEFERRED':
      return 'NOTIFIED';
    case 'RESOLVED':
      return 'RESOLVED';
    default:
      return 'NEW';
  }
}

export function maxOf(values: (number | undefined)[]): number | null {
  const numbers = values.filter((value): value is number => typeof value === 'number');
  return numbers.length ? Math.max(...numbers) : null;
}

export function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

export function levelOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5 ? value : fallback;
}

export function dateOr(value: unknown, fallback: string): Date {
  const parsed = typeof value === 'string' ? new Date(value) : undefined;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : new Date(fallback);
}

function identityOf(input: unknown): { productArn?: string; awsId?: string } {
  if (typeof input !== 'object' || input === null) return {};
  const { ProductArn, Id } = input as { ProductArn?: unknown; Id?: unknown };
  return {
    ...(typeof ProductArn === 'string' ? { productArn: ProductArn.slice(0, 2048) } : {}),
    ...(typeof Id === 'string' ? { awsId: Id.slice(0, 2048) } : {}),
  };
}
