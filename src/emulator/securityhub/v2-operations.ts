import { createHash } from 'node:crypto';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { AwsError } from '../errors.ts';
import {
  hasOcsfTwin,
  type OcsfDocument,
  ocsfTwinOf,
  productV1Arn,
  SEVERITY_IDS,
  STATUS_IDS,
} from '../generator/ocsf.ts';
import {
  compileV2Filters,
  compileV2Sort,
  FINDING_FILTER_SCHEMA,
  type FilterSchema,
  RESOURCE_FILTER_SCHEMA,
  V2ValidationError,
} from './ocsf-filters.ts';
import { diff, type OperationContext, record, stableJson } from './operations.ts';
import { findingKey, type HubState, type Presence } from './store.ts';

// The new Security Hub's operations (V2, OCSF) with AWS's shapes, limits and errors
// (research/ocsf-v2.md §1, §4–§6): GetFindingsV2, GetResourcesV2, BatchUpdateFindingsV2,
// Describe/Enable/DisableSecurityHubV2, GetAggregatorV2 and ListAggregatorsV2. V2 is a store of its
// own beside CSPM (HubState.ocsf); the provider path (Emulator.importAsProvider) keeps each AWS
// finding's OCSF twin in it (placeFinding). V2 answers ValidationException where V1 answers
// InvalidInputException, and ThrottlingException where V1 answers TooManyRequestsException.

type Body = Record<string, unknown>;

export const validation = (message: string) => new AwsError('ValidationException', 400, message);

const MAX_RESULTS = 100;
const MAX_IDENTIFIERS = 100;
const MAX_SCOPES = 10;
const COMMENT_LENGTH = 512;

// --- Where a finding exists: V1, V2 or both ---------------------------------------------------

/**
 * Puts a finding where the scene says it exists: its OCSF twin (re)built from the CSPM finding for
 * V2, the CSPM finding held back from V1 when V2 only. Customer fields of an existing twin (the
 * status, the comment, a severity BatchUpdateFindingsV2 set) survive a provider update, as V1's
 * Workflow and Note survive BatchImportFindings.
 */
export function placeFinding(hub: HubState, key: string, presence: Presence): void {
  const asff = hub.findings.get(key) ?? hub.v1Withdrawn.get(key);
  if (!asff) return;
  hub.presence.set(key, presence);
  const twin = presence === 'V1' ? undefined : ocsfTwinOf(asff);
  if (twin) {
    const existing = hub.ocsf.get(key);
    if (existing) keepCustomerFields(twin, existing, hub.v2Updated.get(key));
    hub.ocsf.set(key, twin);
  } else {
    hub.ocsf.delete(key);
  }
  if (presence === 'V2' && twin) {
    hub.v1Withdrawn.set(key, asff);
    hub.findings.delete(key);
  } else if (hub.v1Withdrawn.has(key)) {
    hub.findings.set(key, asff);
    hub.v1Withdrawn.delete(key);
  }
}

function keepCustomerFields(twin: OcsfDocument, existing: OcsfDocument, updated: Set<string> | undefined) {
  twin.status = existing.status;
  twin.status_id = existing.status_id;
  if (existing.comment !== undefined) twin.comment = existing.comment;
  else delete twin.comment;
  if (updated?.has('severity_id')) {
    twin.severity = existing.severity;
    twin.severity_id = existing.severity_id;
  }
}

/** The presence a finding gets unless told otherwise: what it had, else the emulator's default. */
export function presenceOf(hub: HubState, key: string, fallback: Presence): Presence {
  return hub.presence.get(key) ?? fallback;
}

export { hasOcsfTwin };

// --- GetFindingsV2 and GetResourcesV2 ----------------------------------------------------------

function maxResultsOf(value: unknown): number {
  if (value === undefined || value === null) return MAX_RESULTS;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_RESULTS) {
    throw validation(
      `1 validation error detected: Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value ${(value as number) < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_RESULTS}`}`,
    );
  }
  return value as number;
}

/** The accounts Scopes select (AwsOrganizations entries OR'd); all of them when Scopes is absent. */
function scopedHubs(hubs: HubState[], scopes: unknown, context: OperationContext): HubState[] {
  if (scopes === undefined || scopes === null) return hubs;
  const organizations = (scopes as { AwsOrganizations?: unknown }).AwsOrganizations;
  if (!Array.isArray(organizations))
    throw validation(
      "1 validation error detected: Value null at 'scopes.awsOrganizations' failed to satisfy constraint: Member must not be null",
    );
  if (organizations.length > MAX_SCOPES)
    throw validation(
      `1 validation error detected: Value at 'scopes.awsOrganizations' failed to satisfy constraint: Member must have length less than or equal to ${MAX_SCOPES}`,
    );
  // Scopes are the delegated administrator's (research/ocsf-v2.md §1); a member has nothing to scope.
  if (!context.store.members.has(context.hub.accountId))
    throw new AwsError(
      'AccessDeniedException',
      403,
      `Account ${context.hub.accountId} is not the delegated administrator; only it can use Scopes.`,
    );
  const places = [...context.store.organizations.values()];
  const wanted = organizations.map((entry: { OrganizationId?: unknown; OrganizationalUnitId?: unknown }) => {
    const organizationId = typeof entry?.OrganizationId === 'string' ? entry.OrganizationId : undefined;
    const unitId = typeof entry?.OrganizationalUnitId === 'string' ? entry.OrganizationalUnitId : undefined;
    if (!organizationId && !unitId)
      throw validation('Each AwsOrganizations scope needs OrganizationId, OrganizationalUnitId or both.');
    if (organizationId && !places.some((place) => place.organizationId === organizationId))
      throw new AwsError(
        'OrganizationNotFoundException',
        400,
        `Organization ${organizationId} was not found.`,
      );
    if (unitId && !places.some((place) => place.organizationalUnitId === unitId))
      throw new AwsError(
        'OrganizationalUnitNotFoundException',
        400,
        `Organizational unit ${unitId} was not found.`,
      );
    return { organizationId, unitId };
  });
  return hubs.filter((hub) => {
    const place = context.store.organizations.get(hub.accountId);
    return (
      place !== undefined &&
      wanted.some(
        (scope) =>
          (!scope.organizationId || scope.organizationId === place.organizationId) &&
          (!scope.unitId || scope.unitId === place.organizationalUnitId),
      )
    );
  });
}

interface V2Token {
  s: string;
  o: number;
  h: string;
}

/**
 * One page of a query whose result is fixed at its first page (SnapshotCache, as GetFindings): the
 * NextToken stays valid, and N items page out exactly once, while the filter stays the same.
 */
function paginate(
  body: Body,
  context: OperationContext,
  name: string,
  collect: () => unknown[],
): Record<string, unknown> {
  const maxResults = maxResultsOf(body.MaxResults);
  const hash = createHash('sha256')
    .update(
      stableJson({
        op: name,
        f: body.Filters ?? null,
        s: body.SortCriteria ?? null,
        sc: body.Scopes ?? null,
        a: context.hub.accountId,
        r: context.hub.region,
      }),
    )
    .digest('hex')
    .slice(0, 32);
  let items: readonly unknown[];
  let offset = 0;
  let snapshotId: string;
  if (body.NextToken !== undefined && body.NextToken !== null && body.NextToken !== '') {
    const token = decode(body.NextToken);
    if (token.h !== hash) throw validation('Invalid NextToken: the query changed since the first page.');
    const found = context.snapshots.get(token.s, Date.now());
    if (!found)
      throw validation('Invalid NextToken: the token has expired; start again without a NextToken.');
    items = found.findings;
    snapshotId = token.s;
    offset = token.o;
  } else {
    items = collect();
    snapshotId = context.snapshots.add({ hash, findings: items, createdAt: Date.now() });
  }
  const page = items.slice(offset, offset + maxResults);
  const more = offset + page.length < items.length;
  const next = more && context.duplicatePage?.() ? offset : offset + page.length;
  return {
    [name]: page,
    ...(more
      ? { NextToken: Buffer.from(JSON.stringify({ s: snapshotId, o: next, h: hash })).toString('base64') }
      : {}),
  };
}

function decode(value: unknown): V2Token {
  try {
    const token = JSON.parse(Buffer.from(String(value), 'base64').toString('utf8')) as Partial<V2Token>;
    if (typeof token.s === 'string' && Number.isInteger(token.o) && typeof token.h === 'string')
      return token as V2Token;
  } catch {
    // fall through
  }
  throw validation('Invalid NextToken.');
}

function compiled<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof V2ValidationError) throw validation(error.message);
    throw error;
  }
}

function readableV2Hubs(context: OperationContext): HubState[] {
  return context.store.readableV2Hubs(context.hub.accountId, context.hub.region);
}

const metadataUid = (document: unknown) => String((document as OcsfDocument).metadata?.uid ?? '');

export function getFindingsV2(body: Body, context: OperationContext) {
  return paginate(body, context, 'Findings', () => {
    const matches = compiled(() => compileV2Filters(body.Filters, FINDING_FILTER_SCHEMA, context.now));
    const order = compiled(() =>
      compileV2Sort(
        body.SortCriteria,
        FINDING_FILTER_SCHEMA,
        { Field: 'finding_info.modified_time_dt', SortOrder: 'desc' },
        metadataUid,
      ),
    );
    return scopedHubs(readableV2Hubs(context), body.Scopes, context)
      .flatMap((hub) => [...hub.ocsf.values()])
      .filter(matches)
      .sort(order);
  });
}

const CATEGORIES: Record<string, string> = {
  EC2: 'Compute',
  Lambda: 'Compute',
  ECR: 'Compute',
  S3: 'Storage',
  IAM: 'Identity',
  SQS: 'Messaging',
  RDS: 'Database',
  KMS: 'Identity',
};

const SEVERITY_KEYS: Record<number, string> = {
  0: 'Unknown',
  1: 'Informational',
  2: 'Low',
  3: 'Medium',
  4: 'High',
  5: 'Critical',
  6: 'Fatal',
  99: 'Other',
};

/**
 * The resources the caller's OCSF findings touch, each with its findings counted per finding type
 * (the OCSF class) and product, as GetResourcesV2's FindingsSummary; a closed (archived) finding
 * no longer counts.
 */
export function resourcesOf(documents: OcsfDocument[]): Record<string, unknown>[] {
  const resources = new Map<string, Record<string, unknown> & { summaries: Map<string, Summary> }>();
  for (const document of documents) {
    const closed = document.activity_name === 'Close';
    for (const resource of (document.resources ?? []) as Record<string, unknown>[]) {
      const id = String(resource.uid_alt ?? resource.uid ?? '');
      const accountId = String(
        (resource.owner as { account?: { uid?: string } })?.account?.uid ?? document.cloud.account.uid,
      );
      const key = `${accountId}\u0000${id}`;
      const modified = document.finding_info.modified_time_dt;
      let entry = resources.get(key);
      if (!entry) {
        const type = String(resource.type ?? 'Other');
        const service = /^AWS::([^:]+)::/.exec(type)?.[1] ?? '';
        entry = {
          ResourceGuid: guid(key),
          ResourceId: id,
          AccountId: accountId,
          Region: document.cloud.region,
          ResourceProvider: 'AWS',
          ResourceOwnerAccountId: accountId,
          ResourceCloudPartition: resource.cloud_partition ?? 'aws',
          ResourceRegion: resource.region ?? document.cloud.region,
          ResourceCategory: CATEGORIES[service] ?? 'Other',
          ResourceType: type,
          ResourceName: String(resource.uid ?? id),
          ResourceDetailCaptureTimeDt: modified,
          ResourceTags: ((resource.tags ?? []) as { name?: string; value?: string }[]).map((tag) => ({
            Key: tag.name,
            Value: tag.value,
          })),
          ResourceConfig: resource.data ?? {},
          summaries: new Map(),
        };
        resources.set(key, entry);
      }
      if (modified > String(entry.ResourceDetailCaptureTimeDt)) entry.ResourceDetailCaptureTimeDt = modified;
      if (closed) continue;
      const findingType = String(document.class_name ?? 'Finding');
      const productName = String(document.metadata.product.name ?? 'Unknown');
      const summaryKey = `${findingType}\u0000${productName}`;
      const summary = entry.summaries.get(summaryKey) ?? {
        FindingType: findingType,
        ProductName: productName,
        TotalFindings: 0,
        Severities: {},
      };
      summary.TotalFindings += 1;
      const severity = SEVERITY_KEYS[Number(document.severity_id ?? 0)] ?? 'Other';
      summary.Severities[severity] = (summary.Severities[severity] ?? 0) + 1;
      entry.summaries.set(summaryKey, summary);
    }
  }
  return [...resources.values()].map(({ summaries, ...resource }) => ({
    ...resource,
    FindingsSummary: [...summaries.values()],
  }));
}

interface Summary {
  FindingType: string;
  ProductName: string;
  TotalFindings: number;
  Severities: Record<string, number>;
}

function guid(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function getResourcesV2(body: Body, context: OperationContext) {
  return paginate(body, context, 'Resources', () => {
    const schema: FilterSchema = RESOURCE_FILTER_SCHEMA;
    const matches = compiled(() => compileV2Filters(body.Filters, schema, context.now));
    const order = compiled(() =>
      compileV2Sort(body.SortCriteria, schema, { Field: 'ResourceId', SortOrder: 'asc' }, (resource) =>
        String((resource as { ResourceGuid?: string }).ResourceGuid),
      ),
    );
    const documents = scopedHubs(readableV2Hubs(context), body.Scopes, context).flatMap((hub) => [
      ...hub.ocsf.values(),
    ]);
    return resourcesOf(documents).filter(matches).sort(order);
  });
}

// --- BatchUpdateFindingsV2 -----------------------------------------------------------------------

const SEVERITY_LABEL_OF_ID: Record<number, string> = {
  1: 'INFORMATIONAL',
  2: 'LOW',
  3: 'MEDIUM',
  4: 'HIGH',
  5: 'CRITICAL',
  6: 'CRITICAL',
};
const WORKFLOW_OF_STATUS_ID: Record<number, string> = {
  1: 'NEW',
  2: 'NOTIFIED',
  3: 'SUPPRESSED',
  4: 'RESOLVED',
};
const STATUS_ID_OF_WORKFLOW: Record<string, number> = { NEW: 1, NOTIFIED: 2, SUPPRESSED: 3, RESOLVED: 4 };
const SEVERITY_ID_OF_LABEL: Record<string, number> = {
  INFORMATIONAL: 1,
  LOW: 2,
  MEDIUM: 3,
  HIGH: 4,
  CRITICAL: 5,
};

interface Identifier {
  CloudAccountUid?: unknown;
  FindingInfoUid?: unknown;
  MetadataProductUid?: unknown;
}

export function batchUpdateFindingsV2(body: Body, context: OperationContext) {
  const byIdentifier = body.FindingIdentifiers;
  const byUid = body.MetadataUids;
  const hasIdentifiers = Array.isArray(byIdentifier) && byIdentifier.length > 0;
  const hasUids = Array.isArray(byUid) && byUid.length > 0;
  if (hasIdentifiers === hasUids)
    throw validation('Provide either FindingIdentifiers or MetadataUids (one of them, not both).');
  const targets = (hasIdentifiers ? byIdentifier : byUid) as unknown[];
  if (targets.length > MAX_IDENTIFIERS)
    throw validation(
      `1 validation error detected: Value at '${hasIdentifiers ? 'findingIdentifiers' : 'metadataUids'}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_IDENTIFIERS}`,
    );
  const changes = checkedChanges(body);
  const hubs = readableV2Hubs(context);
  const processed: Record<string, unknown>[] = [];
  const unprocessed: Record<string, unknown>[] = [];
  for (const target of targets) {
    const reference = hasIdentifiers
      ? { FindingIdentifier: target as Identifier }
      : { MetadataUid: target as string };
    const found = hasIdentifiers ? findByIdentifier(hubs, target as Identifier) : findByUid(hubs, target);
    if (!found) {
      unprocessed.push({
        ...reference,
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: 'The finding was not found.',
      });
      continue;
    }
    if (context.concurrentUpdate?.()) {
      unprocessed.push({
        ...reference,
        ErrorCode: 'ConflictException',
        ErrorMessage: 'The finding was updated concurrently; retry the update.',
      });
      continue;
    }
    const { hub, key, document } = found;
    const next = structuredClone(document);
    const updated = hub.v2Updated.get(key) ?? new Set<string>();
    if (changes.comment !== undefined) {
      next.comment = changes.comment;
      updated.add('comment');
    }
    if (changes.severityId !== undefined) {
      next.severity_id = changes.severityId;
      next.severity = SEVERITY_IDS[changes.severityId];
      updated.add('severity_id');
    }
    if (changes.statusId !== undefined) {
      next.status_id = changes.statusId;
      next.status = STATUS_IDS[changes.statusId];
      updated.add('status_id');
    }
    // BatchUpdateFindingsV2 moves neither finding_info.modified_time(_dt) nor time(_dt) (research §4).
    hub.ocsf.set(key, next);
    hub.v2Updated.set(key, updated);
    if (context.mirrorTriage) mirrorToAsff(hub, key, changes, context);
    processed.push({
      FindingIdentifier: {
        CloudAccountUid: next.cloud.account.uid,
        FindingInfoUid: next.finding_info.uid,
        MetadataProductUid: next.metadata.product.uid,
      },
      MetadataUid: next.metadata.uid,
    });
  }
  return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
}

interface V2Changes {
  comment?: string;
  severityId?: number;
  statusId?: number;
}

function checkedChanges(body: Body): V2Changes {
  const changes: V2Changes = {};
  if (body.Comment !== undefined && body.Comment !== null) {
    if (typeof body.Comment !== 'string' || body.Comment.length < 1 || body.Comment.length > COMMENT_LENGTH)
      throw validation(
        `1 validation error detected: Value at 'comment' failed to satisfy constraint: Member must have length between 1 and ${COMMENT_LENGTH}`,
      );
    changes.comment = body.Comment;
  }
  for (const [member, ids, field] of [
    ['SeverityId', SEVERITY_IDS, 'severityId'],
    ['StatusId', STATUS_IDS, 'statusId'],
  ] as const) {
    const value = body[member];
    if (value === undefined || value === null) continue;
    if (!Number.isInteger(value) || !((value as number) in ids))
      throw validation(
        `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must be one of ${Object.keys(ids).join(', ')}`,
      );
    changes[field] = value as number;
  }
  if (Object.keys(changes).length === 0)
    throw validation('At least one of Comment, SeverityId and StatusId must be provided.');
  return changes;
}

interface Found {
  hub: HubState;
  key: string;
  document: OcsfDocument;
}

function findByIdentifier(hubs: HubState[], identifier: Identifier): Found | undefined {
  if (
    typeof identifier?.CloudAccountUid !== 'string' ||
    typeof identifier.FindingInfoUid !== 'string' ||
    typeof identifier.MetadataProductUid !== 'string'
  )
    return undefined;
  const key = findingKey(productV1Arn(identifier.MetadataProductUid), identifier.FindingInfoUid);
  for (const hub of hubs) {
    if (hub.accountId !== identifier.CloudAccountUid) continue;
    const document = hub.ocsf.get(key);
    if (document?.metadata.product.uid === identifier.MetadataProductUid) return { hub, key, document };
  }
  return undefined;
}

function findByUid(hubs: HubState[], uid: unknown): Found | undefined {
  if (typeof uid !== 'string') return undefined;
  for (const hub of hubs)
    for (const [key, document] of hub.ocsf) if (document.metadata.uid === uid) return { hub, key, document };
  return undefined;
}

/** With mirrorTriage: V2's status, severity and comment reach the CSPM twin, as V1 would set them. */
function mirrorToAsff(hub: HubState, key: string, changes: V2Changes, context: OperationContext): void {
  const source = hub.findings.has(key) ? hub.findings : hub.v1Withdrawn;
  const existing = source.get(key);
  if (!existing) return;
  const next: AwsSecurityFinding = structuredClone(existing);
  if (changes.comment !== undefined)
    next.Note = {
      Text: changes.comment,
      UpdatedBy: context.caller.arn,
      UpdatedAt: context.now.toISOString(),
    };
  const workflow = changes.statusId === undefined ? undefined : WORKFLOW_OF_STATUS_ID[changes.statusId];
  if (workflow) next.Workflow = { Status: workflow as never };
  const label = changes.severityId === undefined ? undefined : SEVERITY_LABEL_OF_ID[changes.severityId];
  if (label) next.Severity = { ...next.Severity, Label: label as never };
  source.set(key, next);
  record(hub, key, context.now, 'BATCH_UPDATE_FINDINGS', context.caller.arn, false, diff(existing, next));
}

/** With mirrorTriage: what BatchUpdateFindings (V1) set reaches the OCSF twin, without moving its modified_time. */
export function mirrorToOcsf(
  hubs: HubState[],
  processed: { Id: string; ProductArn: string }[],
  body: Body,
): void {
  for (const { Id, ProductArn } of processed) {
    const key = findingKey(ProductArn, Id);
    const hub = hubs.find((each) => each.ocsf.has(key));
    const twin = hub?.ocsf.get(key);
    if (!hub || !twin) continue;
    const next = structuredClone(twin);
    const updated = hub.v2Updated.get(key) ?? new Set<string>();
    const status = STATUS_ID_OF_WORKFLOW[(body.Workflow as { Status?: string } | undefined)?.Status ?? ''];
    if (status !== undefined) {
      next.status_id = status;
      next.status = STATUS_IDS[status];
    }
    const label = (body.Severity as { Label?: string } | undefined)?.Label;
    const severity = label === undefined ? undefined : SEVERITY_ID_OF_LABEL[label];
    if (severity !== undefined) {
      next.severity_id = severity;
      next.severity = SEVERITY_IDS[severity];
      updated.add('severity_id');
    }
    const note = (body.Note as { Text?: string } | undefined)?.Text;
    if (note !== undefined) next.comment = note;
    hub.ocsf.set(key, next);
    hub.v2Updated.set(key, updated);
  }
}

// --- Hub V2 and aggregators V2 -------------------------------------------------------------------

function hubV2Arn(hub: HubState): string {
  const id = createHash('sha256').update(`${hub.accountId}/${hub.region}/hubv2`).digest('hex');
  return `arn:aws:securityhub:${hub.region}:${hub.accountId}:hubv2/${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
}

export function notEnabledV2(hub: HubState): AwsError {
  return new AwsError(
    'AccessDeniedException',
    403,
    `Security Hub is not enabled for account ${hub.accountId} in Region ${hub.region}; enable it (EnableSecurityHubV2) first.`,
  );
}

export function describeSecurityHubV2(context: OperationContext) {
  const { hub } = context;
  if (!hub.v2EnabledAt)
    throw new AwsError(
      'ResourceNotFoundException',
      404,
      `Security Hub is not enabled for account ${hub.accountId} in Region ${hub.region}.`,
    );
  return { HubV2Arn: hubV2Arn(hub), SubscribedAt: hub.v2EnabledAt, Features: {} };
}

export function enableSecurityHubV2(context: OperationContext) {
  const { hub } = context;
  if (hub.v2EnabledAt)
    throw new AwsError(
      'ConflictException',
      409,
      `Security Hub is already enabled for account ${hub.accountId} in Region ${hub.region}.`,
    );
  hub.v2EnabledAt = context.now.toISOString();
  return { HubV2Arn: hubV2Arn(hub) };
}

export function disableSecurityHubV2(context: OperationContext) {
  context.hub.v2EnabledAt = null;
  return {};
}

export function listAggregatorsV2(context: OperationContext) {
  const maxResults = maxResultsOf(
    context.query.get('MaxResults') === null ? undefined : Number(context.query.get('MaxResults')),
  );
  const aggregator = context.store.aggregatorsV2.get(context.hub.accountId);
  const all = aggregator ? [{ AggregatorV2Arn: aggregator.arn }] : [];
  const token = context.query.get('NextToken');
  const offset = token ? Number(Buffer.from(token, 'base64').toString('utf8')) : 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > all.length) throw validation('Invalid NextToken.');
  const page = all.slice(offset, offset + maxResults);
  const next = offset + page.length;
  return {
    AggregatorsV2: page,
    ...(next < all.length ? { NextToken: Buffer.from(String(next)).toString('base64') } : {}),
  };
}

export function getAggregatorV2(body: Body, context: OperationContext) {
  const arn = body.AggregatorV2Arn;
  if (typeof arn !== 'string' || arn.trim() === '')
    throw validation(
      "1 validation error detected: Value null at 'aggregatorV2Arn' failed to satisfy constraint: Member must not be null",
    );
  const aggregator = context.store.aggregatorsV2.get(context.hub.accountId);
  if (aggregator?.arn !== arn)
    throw new AwsError('ResourceNotFoundException', 404, `Aggregator ${arn} was not found.`);
  return {
    AggregatorV2Arn: aggregator.arn,
    AggregationRegion: aggregator.region,
    RegionLinkingMode: aggregator.regionLinkingMode,
    LinkedRegions: aggregator.linkedRegions,
  };
}
