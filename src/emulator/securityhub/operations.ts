import { createHash, randomUUID } from 'node:crypto';
import type { AwsSecurityFinding, FindingHistoryUpdate } from '@aws-sdk/client-securityhub';
import { validateAsff } from '../../mapping/asff-validation.ts';
import { AwsError, invalidInput } from '../errors.ts';
import { STANDARDS } from '../generator/catalog.ts';
import type { Principal } from '../identity.ts';
import { compareFindings, compileFindingFilters, FilterValidationError } from './filters.ts';
import {
  findingKey,
  type HubState,
  productSubscriptionArn,
  type SecurityHubStore,
  type StoredRecord,
} from './store.ts';

// The Security Hub operations Hubgraph uses, with AWS's validation, limits and semantics
// (research/aws-api.md §1, §4). Each takes the caller's hub and the parsed JSON body. Findings are
// read and managed across the hubs the caller can see (SecurityHubStore.readableHubs): an
// administrator's members, and the linked Regions when called in an aggregation Region.

export interface OperationContext {
  store: SecurityHubStore;
  hub: HubState;
  caller: Principal;
  now: Date;
  query: URLSearchParams;
  snapshots: SnapshotCache;
  /** A fault: whether this page's NextToken should lead to the same page again. */
  duplicatePage?: () => boolean;
  /** A fault: whether this finding's BatchUpdateFindings loses a race with another writer. */
  concurrentUpdate?: () => boolean;
  /** Whether triage set through one API (V1 or V2) reaches the finding's twin in the other. */
  mirrorTriage?: boolean;
}

type Body = Record<string, unknown>;

const LABEL_TO_NORMALIZED: Record<string, number> = {
  INFORMATIONAL: 0,
  LOW: 1,
  MEDIUM: 40,
  HIGH: 70,
  CRITICAL: 90,
};

// --- GetFindings -----------------------------------------------------------------------------

interface Snapshot {
  hash: string;
  /** ASFF findings (GetFindings) or OCSF documents and resources (GetFindingsV2, GetResourcesV2). */
  findings: readonly unknown[];
  createdAt: number;
}

/**
 * A query's result is fixed when its first page is asked for: later pages slice the same sorted
 * list (so N findings page out exactly once, however the data moves meanwhile). Bounded and aged.
 */
export class SnapshotCache {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly limit: number;
  private readonly ttlMs: number;

  constructor(limit = 500, ttlMs = 60 * 60 * 1000) {
    this.limit = limit;
    this.ttlMs = ttlMs;
  }

  add(snapshot: Snapshot): string {
    const id = randomUUID();
    this.snapshots.set(id, snapshot);
    while (this.snapshots.size > this.limit) this.snapshots.delete(this.snapshots.keys().next().value!);
    return id;
  }

  get(id: string, nowMs: number): Snapshot | undefined {
    const snapshot = this.snapshots.get(id);
    if (snapshot && nowMs - snapshot.createdAt > this.ttlMs) {
      this.snapshots.delete(id);
      return undefined;
    }
    return snapshot;
  }

  clear(): void {
    this.snapshots.clear();
  }
}

export function getFindings(body: Body, context: OperationContext) {
  const maxResults = checkMaxResults(body.MaxResults, 100);
  const hash = createHash('sha256')
    .update(stableJson({ f: body.Filters ?? null, s: body.SortCriteria ?? null }))
    .digest('hex')
    .slice(0, 32);
  let snapshot: Snapshot;
  let offset = 0;
  let snapshotId: string;
  if (body.NextToken !== undefined && body.NextToken !== null && body.NextToken !== '') {
    const token = decodeToken(body.NextToken);
    if (token.h !== hash) throw invalidInput('Invalid NextToken: Input Query has changed');
    const found = context.snapshots.get(token.s, Date.now());
    if (!found)
      throw invalidInput('Invalid NextToken: the token has expired; start again without a NextToken');
    snapshot = found;
    snapshotId = token.s;
    offset = token.o;
  } else {
    let matches: (finding: AwsSecurityFinding) => boolean;
    let order: (a: AwsSecurityFinding, b: AwsSecurityFinding) => number;
    try {
      matches = compileFindingFilters(body.Filters as never, context.now);
      order = compareFindings(body.SortCriteria as never);
    } catch (error) {
      if (error instanceof FilterValidationError) throw invalidInput(error.message);
      throw error;
    }
    const findings = readableHubs(context)
      .flatMap((hub) => [...hub.findings.values()])
      .filter(matches)
      .sort(order);
    snapshot = { hash, findings, createdAt: Date.now() };
    snapshotId = context.snapshots.add(snapshot);
  }
  const page = snapshot.findings.slice(offset, offset + maxResults);
  const next =
    offset + page.length < snapshot.findings.length && context.duplicatePage?.()
      ? offset
      : offset + page.length;
  return {
    Findings: page,
    ...(offset + page.length < snapshot.findings.length
      ? { NextToken: encodeToken({ s: snapshotId, o: next, h: hash }) }
      : {}),
  };
}

export function encodeToken(token: { s: string; o: number; h: string }): string {
  return Buffer.from(JSON.stringify(token)).toString('base64');
}

export function decodeToken(value: unknown): { s: string; o: number; h: string } {
  try {
    const token = JSON.parse(Buffer.from(String(value), 'base64').toString('utf8')) as {
      s: unknown;
      o: unknown;
      h: unknown;
    };
    if (typeof token.s === 'string' && Number.isInteger(token.o) && typeof token.h === 'string')
      return token as { s: string; o: number; h: string };
  } catch {
    // fall through
  }
  throw invalidInput('Invalid NextToken');
}

// --- BatchImportFindings ---------------------------------------------------------------------

const MAX_FINDING_BYTES = 240 * 1024;
const MAX_BATCH_BYTES = 6 * 1024 * 1024;

export function batchImportFindings(body: Body, context: OperationContext) {
  const findings = body.Findings;
  if (!Array.isArray(findings))
    throw invalidInput(
      "1 validation error detected: Value null at 'findings' failed to satisfy constraint: Member must not be null",
    );
  if (findings.length < 1 || findings.length > 100) {
    throw invalidInput(
      `1 validation error detected: Value at 'findings' failed to satisfy constraint: Member must have length between 1 and 100 (got ${findings.length})`,
    );
  }
  if (Buffer.byteLength(JSON.stringify(findings)) > MAX_BATCH_BYTES)
    throw invalidInput('The request is larger than the 6 MB limit for a BatchImportFindings call.');
  // Providers import only into their own account; another account's finding fails the whole call.
  const foreign = findings.find(
    (finding) =>
      (finding as AwsSecurityFinding)?.AwsAccountId !== undefined &&
      (finding as AwsSecurityFinding).AwsAccountId !== context.hub.accountId,
  );
  if (foreign) {
    throw new AwsError(
      'AccessDeniedException',
      403,
      `User: ${context.caller.arn} is not authorized to perform: securityhub:BatchImportFindings for account ${(foreign as AwsSecurityFinding).AwsAccountId}`,
    );
  }
  const failed: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
  let success = 0;
  for (const input of findings) {
    const problem = importProblem(input, context.hub);
    if (problem) {
      failed.push({
        Id: String((input as AwsSecurityFinding)?.Id ?? ''),
        ErrorCode: problem.code,
        ErrorMessage: problem.message,
      });
      continue;
    }
    importFinding(context.hub, input as AwsSecurityFinding, context.now, context.caller.arn);
    success += 1;
  }
  return { FailedCount: failed.length, SuccessCount: success, FailedFindings: failed };
}

function importProblem(input: unknown, hub: HubState): { code: string; message: string } | undefined {
  const { region } = hub;
  if (Buffer.byteLength(JSON.stringify(input ?? null)) > MAX_FINDING_BYTES)
    return { code: 'FindingSizeExceeded', message: 'Finding size exceeded the 240 KB limit' };
  const validation = validateAsff(input, 'import');
  if (!validation.ok) {
    const first = validation.problems[0]!;
    return {
      code: 'InvalidInput',
      message: `Finding does not adhere to Amazon Finding Format. ${first.path || 'Finding'} ${first.message}.`,
    };
  }
  const arn = validation.finding.ProductArn!.split(':');
  if (arn[2] !== 'securityhub' || arn[3] !== region || !arn[5]?.startsWith('product/')) {
    return {
      code: 'InvalidInput',
      message: `Invalid ProductArn ${validation.finding.ProductArn} for Region ${region}`,
    };
  }
  // A custom integration's product (`product/<account>/default`) belongs to its account, and takes
  // findings only while its integration is enabled (research/aws-api.md §1: InvalidAccess).
  const [, company, product] = arn[5]!.split('/');
  if (product === 'default' && /^\d{12}$/.test(company ?? '')) {
    if (company !== hub.accountId)
      return {
        code: 'InvalidAccess',
        message: `Account ${hub.accountId} is not authorized to import findings for product ${validation.finding.ProductArn}`,
      };
    if (!hub.productSubscriptions.has(validation.finding.ProductArn!))
      return {
        code: 'InvalidAccess',
        message: `Product ${validation.finding.ProductArn} is not enabled for import in account ${hub.accountId} (${region}): EnableImportFindingsForProduct`,
      };
  }
  return undefined;
}

// --- Product integrations --------------------------------------------------------------------

export function listEnabledProductsForImport(context: OperationContext) {
  const maxResults = checkMaxResults(
    context.query.get('MaxResults') === null ? undefined : Number(context.query.get('MaxResults')),
    100,
  );
  const { accountId, region } = context.hub;
  const subscriptions = [...context.hub.productSubscriptions]
    .sort()
    .map((productArn) => productSubscriptionArn(productArn, accountId, region));
  return paginateList(
    subscriptions,
    context.query.get('NextToken') ?? undefined,
    maxResults,
    'ProductSubscriptions',
  );
}

export function enableImportFindingsForProduct(body: Body, context: OperationContext) {
  const productArn = body.ProductArn;
  if (
    typeof productArn !== 'string' ||
    !/^arn:[\w-]+:securityhub:[\w-]*:\d*:product\/[^/]+\/[^/]+$/.test(productArn)
  )
    throw invalidInput(
      'ProductArn must be the ARN of a product (arn:aws:securityhub:<region>:<account>:product/<company>/<product>).',
    );
  const { accountId, region } = context.hub;
  if (context.hub.productSubscriptions.has(productArn))
    throw new AwsError('ResourceConflictException', 409, `The product ${productArn} is already enabled.`);
  context.hub.productSubscriptions.add(productArn);
  return { ProductSubscriptionArn: productSubscriptionArn(productArn, accountId, region) };
}

export function disableImportFindingsForProduct(body: Body, context: OperationContext) {
  const subscription = body.ProductSubscriptionArn;
  const { accountId, region } = context.hub;
  const productArn = [...context.hub.productSubscriptions].find(
    (product) => productSubscriptionArn(product, accountId, region) === subscription,
  );
  if (!productArn)
    throw new AwsError(
      'ResourceNotFoundException',
      404,
      `Product subscription ${String(subscription)} not found.`,
    );
  context.hub.productSubscriptions.delete(productArn);
  return {};
}

const PROVIDER_SET = ['Severity', 'Confidence', 'Criticality', 'Types', 'RelatedFindings'] as const;

/** BatchImportFindings semantics for one valid finding (research/aws-api.md §4). */
export function importFinding(
  hub: HubState,
  incoming: AwsSecurityFinding,
  now: Date,
  source: string,
): 'created' | 'updated' | 'ignored' {
  const key = findingKey(incoming.ProductArn!, incoming.Id!);
  const existing = hub.findings.get(key);
  if (existing && Date.parse(incoming.UpdatedAt!) <= Date.parse(existing.UpdatedAt!)) return 'ignored';
  const next: AwsSecurityFinding = structuredClone(incoming);
  const product = productOf(next.ProductArn!);
  next.Region = hub.region;
  next.ProductName = product.productName;
  next.CompanyName = product.companyName;
  next.ProcessedAt = now.toISOString();
  next.ProductFields = {
    ...next.ProductFields,
    'aws/securityhub/FindingId': `${next.ProductArn}/${next.Id}`,
    'aws/securityhub/ProductName': product.productName,
    'aws/securityhub/CompanyName': product.companyName,
  };
  const incomingFpf = incoming.FindingProviderFields;
  const batchUpdated = hub.batchUpdated.get(key) ?? new Set<string>();
  if (incomingFpf && Object.keys(incomingFpf).length > 0) {
    // FindingProviderFields win over top-level fields — unless BatchUpdateFindings set the field.
    for (const field of PROVIDER_SET) {
      if (incomingFpf[field] !== undefined && !batchUpdated.has(field))
        (next as unknown as Record<string, unknown>)[field] = structuredClone(incomingFpf[field]);
    }
  } else {
    next.FindingProviderFields = {
      ...(next.Severity
        ? { Severity: { Label: next.Severity.Label, Original: next.Severity.Original } }
        : {}),
      ...(next.Types ? { Types: next.Types } : {}),
      ...(next.Confidence !== undefined ? { Confidence: next.Confidence } : {}),
      ...(next.Criticality !== undefined ? { Criticality: next.Criticality } : {}),
      ...(next.RelatedFindings ? { RelatedFindings: next.RelatedFindings } : {}),
    };
  }
  if (next.Severity && next.Severity.Label === undefined && typeof next.Severity.Normalized === 'number')
    next.Severity.Label = labelOfNormalized(next.Severity.Normalized) as never;
  // And the other way (research/aws-api.md §4): a label alone, or FindingProviderFields' severity,
  // which has no Normalized, gets the label's Normalized, as GetFindings shows it.
  if (next.Severity?.Label !== undefined && next.Severity.Normalized === undefined)
    next.Severity.Normalized = LABEL_TO_NORMALIZED[next.Severity.Label];
  next.RecordState ??= 'ACTIVE';
  if (existing) {
    // An import does not change what customers set on an existing finding.
    next.Note = existing.Note;
    next.UserDefinedFields = existing.UserDefinedFields;
    next.VerificationState = existing.VerificationState;
    next.Workflow = existing.Workflow;
    for (const field of batchUpdated)
      (next as unknown as Record<string, unknown>)[field] = structuredClone(
        (existing as unknown as Record<string, unknown>)[field],
      );
    const status = existing.Workflow?.Status;
    const reactivated = existing.RecordState === 'ARCHIVED' && next.RecordState === 'ACTIVE';
    const failingAgain =
      existing.Compliance?.Status === 'PASSED' &&
      ['FAILED', 'WARNING', 'NOT_AVAILABLE'].includes(next.Compliance?.Status ?? '');
    if ((status === 'NOTIFIED' || status === 'RESOLVED') && (reactivated || failingAgain))
      next.Workflow = { Status: 'NEW' };
  } else {
    next.Workflow ??= { Status: workflowOfState(next.WorkflowState) };
  }
  next.WorkflowState = stateOfWorkflow(next.Workflow?.Status);
  hub.findings.set(key, next);
  record(hub, key, now, 'BATCH_IMPORT_FINDINGS', source, !existing, existing ? diff(existing, next) : []);
  return existing ? 'updated' : 'created';
}

function productOf(productArn: string): { productName: string; companyName: string } {
  const [, company, product] = (productArn.split(':')[5] ?? '').split('/');
  const known: Record<string, [string, string]> = {
    'aws/inspector': ['Inspector', 'Amazon'],
    'aws/guardduty': ['GuardDuty', 'Amazon'],
    'aws/securityhub': ['Security Hub', 'AWS'],
    'aws/macie': ['Macie', 'Amazon'],
    'prowler/prowler': ['Prowler', 'Prowler'],
  };
  const match = known[`${company}/${product}`];
  if (match) return { productName: match[0], companyName: match[1] };
  return {
    productName: product === 'default' ? 'Default' : (product ?? 'Unknown'),
    companyName: /^\d{12}$/.test(company ?? '') ? 'Personal' : (company ?? 'Unknown'),
  };
}

// --- BatchUpdateFindings ---------------------------------------------------------------------

const UPDATABLE = [
  'Note',
  'Severity',
  'VerificationState',
  'Confidence',
  'Criticality',
  'Types',
  'UserDefinedFields',
  'Workflow',
  'RelatedFindings',
];
const VERIFICATION = ['UNKNOWN', 'TRUE_POSITIVE', 'FALSE_POSITIVE', 'BENIGN_POSITIVE'];
const WORKFLOW = ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'];

export function batchUpdateFindings(body: Body, context: OperationContext) {
  const identifiers = body.FindingIdentifiers;
  if (!Array.isArray(identifiers) || identifiers.length === 0) {
    throw invalidInput(
      "1 validation error detected: Value at 'findingIdentifiers' failed to satisfy constraint: Member must not be null or empty",
    );
  }
  if (identifiers.length > 100)
    throw invalidInput(
      `The number of finding identifiers (${identifiers.length}) exceeds the limit of 100 per request.`,
    );
  const updates = UPDATABLE.filter((field) => body[field] !== undefined && body[field] !== null);
  if (updates.length === 0) throw invalidInput(`At least one of ${UPDATABLE.join(', ')} must be provided.`);
  validateUpdate(body);
  const hubs = readableHubs(context);
  const processed: { Id: string; ProductArn: string }[] = [];
  const unprocessed: { FindingIdentifier: unknown; ErrorCode: string; ErrorMessage: string }[] = [];
  const seen = new Set<string>();
  for (const identifier of identifiers as { Id?: unknown; ProductArn?: unknown }[]) {
    if (typeof identifier?.Id !== 'string' || typeof identifier.ProductArn !== 'string') {
      unprocessed.push({
        FindingIdentifier: identifier,
        ErrorCode: 'InvalidInput',
        ErrorMessage: 'A finding identifier needs Id and ProductArn.',
      });
      continue;
    }
    const key = findingKey(identifier.ProductArn, identifier.Id);
    if (seen.has(key)) {
      unprocessed.push({
        FindingIdentifier: identifier,
        ErrorCode: 'DuplicatedFindingIdentifier',
        ErrorMessage: 'Duplicated finding identifier',
      });
      continue;
    }
    seen.add(key);
    const home = homeOf(hubs, key);
    const existing = home?.findings.get(key);
    if (!home || !existing) {
      unprocessed.push({
        FindingIdentifier: identifier,
        ErrorCode: 'FindingNotFound',
        ErrorMessage: 'Finding Not Found',
      });
      continue;
    }
    if (context.concurrentUpdate?.()) {
      unprocessed.push({
        FindingIdentifier: identifier,
        ErrorCode: 'ConcurrentUpdateError',
        ErrorMessage: 'Finding was updated concurrently; retry the update',
      });
      continue;
    }
    const next = structuredClone(existing);
    const changed = home.batchUpdated.get(key) ?? new Set<string>();
    for (const field of updates) {
      const value = structuredClone(body[field]);
      if (field === 'Note') {
        const note = value as { Text: string; UpdatedBy: string };
        next.Note = { Text: note.Text, UpdatedBy: note.UpdatedBy, UpdatedAt: context.now.toISOString() };
      } else if (field === 'Severity') {
        const severity = value as { Label?: string; Normalized?: number };
        const label = severity.Label ?? labelOfNormalized(severity.Normalized!);
        next.Severity = {
          ...next.Severity,
          Label: label as never,
          Normalized: severity.Normalized ?? LABEL_TO_NORMALIZED[label],
        };
      } else {
        (next as unknown as Record<string, unknown>)[field] = value;
      }
      if ((PROVIDER_SET as readonly string[]).includes(field)) changed.add(field);
    }
    next.WorkflowState = stateOfWorkflow(next.Workflow?.Status);
    // BatchUpdateFindings never moves UpdatedAt: that is the provider's clock, not the customer's.
    home.findings.set(key, next);
    home.batchUpdated.set(key, changed);
    record(home, key, context.now, 'BATCH_UPDATE_FINDINGS', context.caller.arn, false, diff(existing, next));
    processed.push({ Id: identifier.Id, ProductArn: identifier.ProductArn });
  }
  return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
}

function validateUpdate(body: Body): void {
  const note = body.Note as { Text?: unknown; UpdatedBy?: unknown } | undefined;
  if (note !== undefined) {
    if (typeof note?.Text !== 'string' || typeof note.UpdatedBy !== 'string')
      throw invalidInput('Note requires Text and UpdatedBy.');
    if (note.Text.length > 512) throw invalidInput('Note.Text must be at most 512 characters.');
    if (note.UpdatedBy.length > 512) throw invalidInput('Note.UpdatedBy must be at most 512 characters.');
  }
  const severity = body.Severity as { Label?: unknown; Normalized?: unknown; Product?: unknown } | undefined;
  if (severity !== undefined) {
    if (severity?.Label === undefined && severity?.Normalized === undefined)
      throw invalidInput('Severity requires Label or Normalized.');
    if (
      severity.Label !== undefined &&
      !(typeof severity.Label === 'string' && severity.Label in LABEL_TO_NORMALIZED)
    ) {
      throw invalidInput(`Severity.Label must be one of ${Object.keys(LABEL_TO_NORMALIZED).join(', ')}.`);
    }
    if (
      severity.Normalized !== undefined &&
      !(
        Number.isInteger(severity.Normalized) &&
        (severity.Normalized as number) >= 0 &&
        (severity.Normalized as number) <= 100
      )
    ) {
      throw invalidInput('Severity.Normalized must be an integer from 0 to 100.');
    }
  }
  if (body.VerificationState !== undefined && !VERIFICATION.includes(body.VerificationState as string)) {
    throw invalidInput(`VerificationState must be one of ${VERIFICATION.join(', ')}.`);
  }
  for (const field of ['Confidence', 'Criticality']) {
    const value = body[field];
    if (
      value !== undefined &&
      !(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 100)
    )
      throw invalidInput(`${field} must be an integer from 0 to 100.`);
  }
  if (
    body.Types !== undefined &&
    (!Array.isArray(body.Types) ||
      body.Types.length > 50 ||
      body.Types.some((type) => typeof type !== 'string'))
  ) {
    throw invalidInput('Types must be a list of at most 50 strings.');
  }
  if (body.UserDefinedFields !== undefined) {
    const fields = body.UserDefinedFields as Record<string, unknown>;
    if (
      typeof fields !== 'object' ||
      fields === null ||
      Object.keys(fields).length > 50 ||
      Object.values(fields).some((value) => typeof value !== 'string')
    ) {
      throw invalidInput('UserDefinedFields must be at most 50 string key-value pairs.');
    }
  }
  const workflow = body.Workflow as { Status?: unknown } | undefined;
  if (workflow !== undefined && !WORKFLOW.includes(workflow?.Status as string))
    throw invalidInput(`Workflow.Status must be one of ${WORKFLOW.join(', ')}.`);
  if (
    body.RelatedFindings !== undefined &&
    (!Array.isArray(body.RelatedFindings) || body.RelatedFindings.length > 10)
  ) {
    throw invalidInput('RelatedFindings must be a list of at most 10 findings.');
  }
}

// --- Hub, standards, aggregators, history ----------------------------------------------------

export function describeHub(context: OperationContext) {
  const hubArn = `arn:aws:securityhub:${context.hub.region}:${context.hub.accountId}:hub/default`;
  const asked = context.query.get('HubArn');
  if (asked && asked !== hubArn) throw new AwsError('InvalidInputException', 400, `Invalid HubArn ${asked}`);
  return {
    HubArn: hubArn,
    SubscribedAt: context.hub.enabledAt,
    AutoEnableControls: true,
    ControlFindingGenerator: 'SECURITY_CONTROL',
  };
}

export function getEnabledStandards(body: Body, context: OperationContext) {
  const maxResults = checkMaxResults(body.MaxResults, 100);
  const { region, accountId } = context.hub;
  const all = context.hub.standards.map((id) => ({
    StandardsSubscriptionArn: `arn:aws:securityhub:${region}:${accountId}:subscription/${id}`,
    StandardsArn: (
      STANDARDS.find((standard) => standard.id === id)?.arn ?? `arn:aws:securityhub:{region}::standards/${id}`
    ).replace('{region}', region),
    StandardsInput: {},
    StandardsStatus: 'READY',
  }));
  const wanted = body.StandardsSubscriptionArns as string[] | undefined;
  if (wanted !== undefined && (!Array.isArray(wanted) || wanted.length < 1 || wanted.length > 25)) {
    throw invalidInput('StandardsSubscriptionArns must list 1 to 25 ARNs.');
  }
  const chosen = wanted ? all.filter((entry) => wanted.includes(entry.StandardsSubscriptionArn)) : all;
  return paginateList(chosen, body.NextToken, maxResults, 'StandardsSubscriptions');
}

export function listFindingAggregators(context: OperationContext) {
  const maxResults = checkMaxResults(
    context.query.get('MaxResults') === null ? undefined : Number(context.query.get('MaxResults')),
    100,
  );
  const aggregator = context.store.aggregators.get(context.hub.accountId);
  const aggregators = aggregator ? [{ FindingAggregatorArn: aggregator.arn }] : [];
  return paginateList(
    aggregators,
    context.query.get('NextToken') ?? undefined,
    maxResults,
    'FindingAggregators',
  );
}

export function getFindingAggregator(body: Body, context: OperationContext) {
  const arn = body.FindingAggregatorArn;
  if (typeof arn !== 'string' || arn.trim() === '') throw invalidInput('FindingAggregatorArn is required.');
  const aggregator = context.store.aggregators.get(context.hub.accountId);
  if (aggregator?.arn !== arn)
    throw new AwsError('ResourceNotFoundException', 404, `Finding aggregator ${arn} not found.`);
  return {
    FindingAggregatorArn: aggregator.arn,
    FindingAggregationRegion: aggregator.region,
    RegionLinkingMode: aggregator.regionLinkingMode,
    Regions: aggregator.regions,
  };
}

export function getFindingHistory(body: Body, context: OperationContext) {
  const identifier = body.FindingIdentifier as { Id?: unknown; ProductArn?: unknown } | undefined;
  if (typeof identifier?.Id !== 'string' || typeof identifier.ProductArn !== 'string') {
    throw invalidInput('FindingIdentifier with Id and ProductArn is required.');
  }
  const maxResults = checkMaxResults(body.MaxResults, 100);
  const start = body.StartTime === undefined ? Number.NEGATIVE_INFINITY : Date.parse(String(body.StartTime));
  const end = body.EndTime === undefined ? Number.POSITIVE_INFINITY : Date.parse(String(body.EndTime));
  if (Number.isNaN(start) || Number.isNaN(end))
    throw invalidInput('StartTime and EndTime must be date-times.');
  if (start > end) throw invalidInput('StartTime must not be after EndTime.');
  const key = findingKey(identifier.ProductArn, identifier.Id);
  const records = (homeOf(readableHubs(context), key)?.history.get(key) ?? [])
    .filter((entry) => entry.at >= start && entry.at <= end)
    .map(({ at: _at, ...entry }) => entry)
    .reverse();
  return paginateList(records, body.NextToken, maxResults, 'Records');
}

// --- helpers ---------------------------------------------------------------------------------

function readableHubs(context: OperationContext): HubState[] {
  return context.store.readableHubs(context.hub.accountId, context.hub.region);
}

/** The hub that stores a finding, among those the caller can see (its own hub first). */
function homeOf(hubs: HubState[], key: string): HubState | undefined {
  return hubs.find((hub) => hub.findings.has(key));
}

export function record(
  hub: HubState,
  key: string,
  now: Date,
  type: 'BATCH_IMPORT_FINDINGS' | 'BATCH_UPDATE_FINDINGS',
  identity: string,
  created: boolean,
  updates: FindingHistoryUpdate[],
): void {
  const entry: StoredRecord = {
    at: now.getTime(),
    FindingIdentifier: { Id: key.split('\u0000')[1]!, ProductArn: key.split('\u0000')[0]! },
    UpdateTime: now,
    FindingCreated: created,
    UpdateSource: { Type: type, Identity: identity },
    Updates: updates,
  };
  hub.history.set(key, [...(hub.history.get(key) ?? []), entry]);
}

export function diff(before: AwsSecurityFinding, after: AwsSecurityFinding): FindingHistoryUpdate[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const updates: FindingHistoryUpdate[] = [];
  for (const key of [...keys].sort()) {
    if (key === 'ProcessedAt') continue;
    const oldValue = stableJson((before as unknown as Record<string, unknown>)[key] ?? null);
    const newValue = stableJson((after as unknown as Record<string, unknown>)[key] ?? null);
    if (oldValue !== newValue) updates.push({ UpdatedField: key, OldValue: oldValue, NewValue: newValue });
  }
  return updates;
}

function paginateList<T>(items: T[], nextToken: unknown, maxResults: number, name: string) {
  let offset = 0;
  if (nextToken !== undefined && nextToken !== null && nextToken !== '') {
    offset = Number(Buffer.from(String(nextToken), 'base64').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0 || offset > items.length)
      throw invalidInput('Invalid NextToken');
  }
  const page = items.slice(offset, offset + maxResults);
  const next = offset + page.length;
  return {
    [name]: page,
    ...(next < items.length ? { NextToken: Buffer.from(String(next)).toString('base64') } : {}),
  };
}

function checkMaxResults(value: unknown, max: number): number {
  if (value === undefined || value === null) return max;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) {
    throw invalidInput(
      `1 validation error detected: Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value ${(value as number) < 1 ? 'greater than or equal to 1' : `less than or equal to ${max}`}`,
    );
  }
  return value as number;
}

function labelOfNormalized(normalized: number): string {
  if (normalized >= 90) return 'CRITICAL';
  if (normalized >= 70) return 'HIGH';
  if (normalized >= 40) return 'MEDIUM';
  if (normalized >= 1) return 'LOW';
  return 'INFORMATIONAL';
}

function workflowOfState(state: string | undefined): 'NEW' | 'NOTIFIED' | 'RESOLVED' {
  if (state === 'RESOLVED') return 'RESOLVED';
  if (state === 'ASSIGNED' || state === 'IN_PROGRESS' || state === 'DEFERRED') return 'NOTIFIED';
  return 'NEW';
}

function stateOfWorkflow(status: string | undefined): AwsSecurityFinding['WorkflowState'] {
  if (status === 'RESOLVED') return 'RESOLVED';
  if (status === 'NOTIFIED') return 'ASSIGNED';
  if (status === 'SUPPRESSED') return 'DEFERRED';
  return 'NEW';
}

export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
