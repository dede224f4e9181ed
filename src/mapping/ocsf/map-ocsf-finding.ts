import { extractAssets, findingRegion } from '../assets.ts';
import { findingCves } from '../cves.ts';
import { dedupKey } from '../dedup.ts';
import { detectionScore } from '../detection-score.ts';
import {
  dateOr,
  exploitOf,
  fixOf,
  invalidDocument,
  levelOr,
  type MapOutcome,
  type MappingSettings,
  mappingFailed,
  maxOf,
  missingTargets,
  primaryAsset,
  type Reject,
  stringOr,
} from '../map-finding.ts';
import type { FindingRecord } from '../records.ts';
import type { CompiledTransformMap } from '../transform-map.ts';
import { asffView } from './asff-view.ts';
import { cspmProductArn, identityKey, type OcsfIdentity, ocsfIdentity } from './identity.ts';
import { validateOcsf } from './ocsf-validation.ts';

// One OCSF finding in (a GetFindingsV2 document), one stored finding with its assets out — the
// same record, scores and assets the ASFF path produces — or a reject that says exactly why. The
// map (an OCSF-format transform map) reads the OCSF document; scoring, assets, CVEs and grouping
// read its ASFF view (asff-view.ts), so both formats share that code. Pure and total, like mapFinding.

/** The OCSF classes Hubgraph maps field by field; any other class is kept with what it shares and its raw document. */
export const MAPPED_CLASSES: Readonly<Record<number, string>> = {
  2002: 'Vulnerability Finding',
  2003: 'Compliance Finding',
  2004: 'Detection Finding',
  2006: 'Data Security Finding',
};

export interface OcsfFacts {
  format: 'OCSF';
  classUid: number;
  className: string | null;
  /** One of MAPPED_CLASSES; otherwise the finding was kept with the fields every class shares. */
  mappedClass: boolean;
  identity: OcsfIdentity;
  /** The join key with the finding's CSPM (ASFF) copy (identity.ts). */
  identityKey: string;
}

export type OcsfMapOutcome =
  | (Extract<MapOutcome, { ok: true }> & { ocsf: OcsfFacts })
  | Extract<MapOutcome, { ok: false }>;

export function mapOcsfFinding(
  input: unknown,
  map: CompiledTransformMap,
  settings: MappingSettings,
): OcsfMapOutcome {
  try {
    return mapValidated(input, map, settings);
  } catch (error) {
    return mappingFailed(error, identityOf(input));
  }
}

function mapValidated(input: unknown, map: CompiledTransformMap, settings: MappingSettings): OcsfMapOutcome {
  const validation = validateOcsf(input);
  if (!validation.ok) return invalidDocument('OCSF', validation.problems, identityOf(input));
  const ocsf = validation.finding;
  const view = asffView(ocsf);
  const applied = map.apply(ocsf);
  const missing = missingTargets(map, applied.missing, identityOf(input));
  if (missing) return missing;
  const mapped = applied.values;
  const warnings = [...applied.warnings];
  const score = detectionScore(view, settings);
  const assets = extractAssets(view, { criticalityTag: settings.criticalityTag });
  const primary = primaryAsset(assets, mapped.externalAssetId, warnings);
  const vulnerabilities = view.Vulnerabilities ?? [];
  const firstResource = view.Resources![0]!;
  const identity = ocsfIdentity(ocsf);

  const record: FindingRecord = {
    format: 'OCSF',
    // The CSPM copy's product ARN: a problem read through both APIs is one stored finding.
    productArn: cspmProductArn(view.ProductArn!),
    awsId: view.Id!,
    generatorId: view.GeneratorId!,
    awsAccountId: view.AwsAccountId!,
    region: findingRegion(view),
    productName: stringOr(mapped.productName, view.ProductName ?? 'Unknown'),
    companyName: view.CompanyName ?? null,
    externalFindingId: stringOr(mapped.externalFindingId, identity.metadataUid ?? view.Id!),
    title: stringOr(mapped.findingName, view.Title!),
    description: stringOr(mapped.findingDescription, view.Description!),
    recommendation: (mapped.recommendation as string | undefined) ?? null,
    vulnerablePackageName: (mapped.vulnerablePackageName as string | undefined) ?? null,
    vulnerablePackageVersion: (mapped.vulnerablePackageVersion as string | undefined) ?? null,
    fixedVersion: (mapped.fixedVersion as string | undefined) ?? null,
    references: (mapped.references as string[] | undefined) ?? [],
    assetName: (mapped.assetName as string | undefined) ?? primary?.name ?? null,
    cloudInstanceId: (mapped.cloudInstanceId as string | undefined) ?? null,
    systemType: (mapped.systemType as string | undefined) ?? null,
    resourceType: firstResource.Type!,
    resourceId: primary?.resourceId ?? firstResource.Id!,
    types: view.Types ?? [],
    severityLabel: score.label,
    severityNormalized: null,
    severityOriginal: view.Severity?.Original ?? null,
    findingSeverity: levelOr(mapped.findingSeverity, score.findingSeverity),
    detectionScore: score.score,
    scoreFactors: score.factors as unknown as Record<string, unknown>,
    scoringVersion: score.factors.scoringVersion,
    counted: score.counted,
    cves: findingCves(view),
    cvssV2Base: (mapped.cvssV2Base as number | undefined) ?? null,
    cvss3Base: (mapped.cvss3Base as number | undefined) ?? null,
    epssScore: maxOf(vulnerabilities.map((vulnerability) => vulnerability.EpssScore)),
    exploitAvailable: exploitOf(vulnerabilities),
    isExploitAvailable: (mapped.isExploitAvailable as boolean | undefined) ?? null,
    fixAvailable: fixOf(vulnerabilities),
    isPatchAvailable: (mapped.isPatchAvailable as boolean | undefined) ?? null,
    workflowStatus: view.Workflow?.Status ?? 'NEW',
    recordState: view.RecordState ?? 'ACTIVE',
    verificationState: null,
    complianceStatus: view.Compliance?.Status ?? null,
    securityControlId: view.Compliance?.SecurityControlId ?? null,
    confidence: view.Confidence ?? null,
    criticality: null,
    // V2's comment is one text with no author (BatchUpdateFindingsV2 sets it): kept as a note by nobody.
    note: ocsf.comment ? { text: ocsf.comment, updatedBy: '', updatedAt: view.UpdatedAt! } : null,
    userDefinedFields: null,
    dedupKey: dedupKey(view, primary?.identityKey ?? firstResource.Id),
    firstObservedAt: dateOr(mapped.findingFirstFoundOn, view.FirstObservedAt ?? view.CreatedAt!),
    lastObservedAt: dateOr(mapped.findingLastFoundOn, view.LastObservedAt ?? view.UpdatedAt!),
    awsCreatedAt: new Date(view.CreatedAt!),
    awsUpdatedAt: new Date(view.UpdatedAt!),
    raw: input as Record<string, unknown>,
    assetIdentityKey: primary?.identityKey ?? null,
  };
  return {
    ok: true,
    finding: record,
    assets,
    mapped,
    score,
    warnings,
    ocsf: {
      format: 'OCSF',
      classUid: ocsf.class_uid,
      className: ocsf.class_name ?? MAPPED_CLASSES[ocsf.class_uid] ?? null,
      mappedClass: ocsf.class_uid in MAPPED_CLASSES,
      identity,
      identityKey: identityKey(identity),
    },
  };
}

function identityOf(input: unknown): Pick<Reject, 'productArn' | 'awsId'> {
  if (typeof input !== 'object' || input === null) return {};
  const document = input as {
    metadata?: { product?: { uid?: unknown } };
    finding_info?: { uid?: unknown };
    finding?: { uid?: unknown };
  };
  const product = document.metadata?.product?.uid;
  const id = document.finding_info?.uid ?? document.finding?.uid;
  return {
    ...(typeof product === 'string' ? { productArn: product.slice(0, 2048) } : {}),
    ...(typeof id === 'string' ? { awsId: id.slice(0, 2048) } : {}),
  };
}
