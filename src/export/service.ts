import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchImportFindingsCommand,
  DescribeHubCommand,
  ListEnabledProductsForImportCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import type { SQL } from 'drizzle-orm';
import { type BatchSendSettings, DEFAULT_BATCH_SEND_SETTINGS } from '../aws/batch-sends.ts';
import { partitionOfRegion } from '../aws/regions.ts';
import type { ConnectorModel } from '../connectors/model.ts';
import { lockConnector } from '../connectors/queries.ts';
import { connectorById } from '../connectors/service.ts';
import { type AppServices, type TenantContext, tenantContext } from '../context.ts';
import { isUuid } from '../db/keyset.ts';
import type { FindingExportItemRow, FindingExportRow } from '../db/schema.ts';
import { quoteInput, UserInputError } from '../errors.ts';
import type { NewEvent } from '../events/model.ts';
import { appendEvents } from '../events/queries.ts';
import { findingFilterCondition } from '../findings/filter.ts';
import type { FindingsExportInput } from '../generated/graphql.ts';
import { parseGlobalId, toGlobalId } from '../global-id.ts';
import { errorSummary } from '../observability/logger.ts';
import { isThrottling, isTransient } from '../sync/aws-errors.ts';
import { crashPoint } from '../sync/crash-points.ts';
import { type UserErrorModel, userError } from '../user-errors.ts';
import { connectorClients } from '../writeback/clients.ts';
import {
  batchesOf,
  checkDocument,
  contentHash,
  defaultProductSubscriptionArn,
  type ExportTarget,
  isAwsProduct,
  isComplianceFailed,
  renderStoredFinding,
} from './documents.ts';
import type {
  ExportCounts,
  ExportFailedFindingModel,
  ExportRegionState,
  FindingsExportProgressEventModel,
} from './model.ts';
import {
  countsOf,
  exportById,
  exportByIdempotencyKey,
  failedItemsBySeq,
  findingsForExport,
  finishExport,
  insertExport,
  latestExportOf,
  MAX_FINDINGS_PER_EXPORT,
  markItems,
  type NewExportItem,
  pendingItems,
  previouslyExported,
  replaceExported,
  type StoredFindingForExport,
  touchExport,
} from './queries.ts';

// Export: `findingsExport` checks every finding with AWS's import rules, records the export and its
// findings in the outbox (finding_exports), then sends each Region's findings to Security Hub with
// BatchImportFindings in batches of at most 100 findings and 6 MB, at AWS's quota (the process's
// one limiter), committing each batch's answer per finding. A crash leaves the export pending and a
// worker resumes it: BatchImportFindings upserts by Id and ProductArn, so a batch sent twice leaves
// one finding in Security Hub.

const PERMISSION = 'securityhub:BatchImportFindings';
const MAX_IDEMPOTENCY_KEY = 200;

export type ExportSettings = BatchSendSettings;

export const DEFAULT_EXPORT_SETTINGS: ExportSettings = DEFAULT_BATCH_SEND_SETTINGS;

export interface FindingsExportPayloadModel {
  export: FindingExportRow | null;
  userErrors: UserErrorModel[];
}

interface Candidate {
  document: unknown;
  findingId: string | null;
}

/** The mutation: check, record, send, and answer with the export. */
export async function exportFindings(
  ctx: TenantContext,
  input: FindingsExportInput,
  requestedBy: string | null,
  settings: ExportSettings = DEFAULT_EXPORT_SETTINGS,
): Promise<FindingsExportPayloadModel> {
  const refused = (userErrors: UserErrorModel[]): FindingsExportPayloadModel => ({
    export: null,
    userErrors,
  });
  const connector = await connectorById(ctx, input.connectorId);
  if (!connector)
    return refused([
      userError(
        ['input', 'connectorId'],
        `No connector has the id ${quoteInput(input.connectorId)}: pass the id of one of your connectors (query connectors).`,
        'NOT_FOUND',
      ),
    ]);
  const errors: UserErrorModel[] = [];
  if (!connector.exportEnabled)
    errors.push(
      userError(
        ['input', 'connectorId'],
        `Connector "${connector.name}" does not have export on: turn it on with connectorUpdate(input: { id: "${toGlobalId('Connector', connector.id)}", exportEnabled: true }) (its identity then needs ${PERMISSION} and securityhub:ListEnabledProductsForImport; awsSetup lists them).`,
        'NOT_ALLOWED',
      ),
    );
  const key = input.idempotencyKey ?? null;
  if (key !== null && (key.trim() === '' || key.length > MAX_IDEMPOTENCY_KEY))
    errors.push(
      userError(
        ['input', 'idempotencyKey'],
        `An idempotency key is 1–${MAX_IDEMPOTENCY_KEY} characters you choose per export, e.g. crypto.randomUUID().`,
        'INVALID',
      ),
    );
  const target = targetOf(connector);
  if (!target)
    errors.push(
      userError(
        ['input', 'connectorId'],
        `Hubgraph does not know connector "${connector.name}"'s AWS account yet, which every exported finding must name: run connectorTest on it (or give it a role ARN), then export again.`,
        'NOT_ALLOWED',
      ),
    );
  const sources = [input.findings, input.ids, input.filter].filter((source) => source != null).length;
  if (sources !== 1)
    errors.push(
      userError(
        ['input'],
        'Give exactly one of `findings` (ASFF documents), `ids` or `filter` (with `expectedCount`) (Hubgraph findings).',
        'INVALID',
      ),
    );
  if (errors.length > 0) return refused(errors);

  const selection = input.findings
    ? documentsFromInput(input.findings)
    : await storedCandidates(ctx, input, target!);
  if (selection.errors.length > 0) return refused(selection.errors);
  const onlyFailed = input.onlyFailed ?? false;
  const archivePrevious = input.archivePrevious ?? false;
  const candidates = onlyFailed
    ? selection.candidates.filter((candidate) => isComplianceFailed(candidate.document))
    : selection.candidates;
  const hash = contentHash({
    connectorId: connector.id,
    onlyFailed,
    archivePrevious,
    documents: candidates.map((candidate) => candidate.document),
  });

  const before = await askedBefore(ctx, key, connector.id, hash);
  if (before) return before;

  const items = itemsOf(candidates, target!);
  const record = () =>
    ctx.db.transaction(async (tx) => {
      // One export of a connector at a time records what it sends: archivePrevious compares against it.
      await lockConnector(tx, ctx.tenantId, connector.id);
      const sent = items.filter((item) => item.status === 'PENDING');
      const generators = [...new Set(sent.map((item) => item.generatorId))];
      const previous = await previouslyExported(tx, ctx.tenantId, connector.id, generators);
      const present = new Set(items.map((item) => `${item.productArn}\n${item.awsId}`));
      const now = ctx.clock.now().toISOString();
      const archived: NewExportItem[] = archivePrevious
        ? previous
            .filter((row) => !present.has(`${row.productArn}\n${row.awsId}`))
            .map((row, index) => ({
              seq: items.length + index,
              findingId: null,
              awsId: row.awsId,
              productArn: row.productArn,
              generatorId: row.generatorId,
              region: row.region,
              // UpdatedAt must move on: Security Hub ignores an import that is not newer than what it holds.
              document: { ...row.document, RecordState: 'ARCHIVED', UpdatedAt: now },
              archive: true,
              status: 'PENDING',
              errorCode: null,
              errorMessage: null,
            }))
        : [];
      const row = await insertExport(
        tx,
        {
          tenantId: ctx.tenantId,
          connectorId: connector.id,
          requestedBy,
          idempotencyKey: key,
          contentHash: hash,
          onlyFailed,
          archivePrevious,
          skippedCount: selection.candidates.length - candidates.length,
          regions: [],
        },
        [...items, ...archived],
      );
      await replaceExported(
        tx,
        ctx.tenantId,
        connector.id,
        row.id,
        sent.map((item) => ({
          generatorId: item.generatorId,
          productArn: item.productArn,
          awsId: item.awsId,
          region: item.region!,
          document: item.document as Record<string, unknown>,
        })),
      );
      // Should this process die before the export is done, a worker finishes it.
      await ctx.app.jobs?.enqueueExport(
        tx,
        { tenantId: ctx.tenantId, exportId: row.id },
        settings.resumeAfterIdleMs + 1_000,
      );
      const failed = items
        .filter((item) => item.status === 'FAILED')
        .map((item) => failedOf({ ...item, errorCode: item.errorCode!, errorMessage: item.errorMessage! }));
      await appendEvents(tx, ctx.tenantId, [
        progressEvent(row.id, 'RECORDED', await countsOf(tx, row.id), failed),
      ]);
      return row;
    });
  let recorded: FindingExportRow;
  try {
    recorded = await record();
  } catch (error) {
    // The same key, recorded meanwhile by a concurrent request: its answer is this one's.
    const concurrent =
      key !== null && sqlState(error) === '23505'
        ? await askedBefore(ctx, key, connector.id, hash)
        : undefined;
    if (!concurrent) throw error;
    return concurrent;
  }
  settings.onStep?.('recorded');
  crashPoint('export-recorded');
  await applyExport(ctx, recorded.id, settings);
  return { export: (await exportById(ctx.db, ctx.tenantId, recorded.id)) ?? recorded, userErrors: [] };
}

/** The export an earlier request made: the same key, or the same request as the connector's latest export. */
async function askedBefore(
  ctx: TenantContext,
  key: string | null,
  connectorId: string,
  hash: string,
): Promise<FindingsExportPayloadModel | undefined> {
  if (key === null) {
    const latest = await latestExportOf(ctx.db, ctx.tenantId, connectorId);
    return latest?.contentHash === hash && latest.idempotencyKey === null
      ? { export: latest, userErrors: [] }
      : undefined;
  }
  const existing = await exportByIdempotencyKey(ctx.db, ctx.tenantId, key);
  if (!existing) return undefined;
  if (existing.contentHash === hash && existing.connectorId === connectorId)
    return { export: existing, userErrors: [] };
  return {
    export: null,
    userErrors: [
      userError(
        ['input', 'idempotencyKey'],
        'This idempotency key belongs to an export with other findings or options; choose a fresh key for a new export.',
        'DUPLICATE',
      ),
    ],
  };
}

function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The connector's account and partition, or null when Hubgraph has not learnt its account yet. */
function targetOf(connector: ConnectorModel): ExportTarget | null {
  const account = connector.roleArn?.split(':')[4] ?? connector.baseAccountId ?? null;
  const primaryRegion = connector.regions[0];
  const partition = primaryRegion ? partitionOfRegion(primaryRegion)?.id : undefined;
  if (!account || !primaryRegion || !partition) return null;
  return { account, partition, primaryRegion };
}

function documentsFromInput(documents: readonly unknown[]): {
  candidates: Candidate[];
  errors: UserErrorModel[];
} {
  if (documents.length === 0)
    return {
      candidates: [],
      errors: [userError(['input', 'findings'], 'Give at least one finding.', 'REQUIRED')],
    };
  if (documents.length > MAX_FINDINGS_PER_EXPORT)
    return {
      candidates: [],
      errors: [
        userError(
          ['input', 'findings'],
          `At most ${MAX_FINDINGS_PER_EXPORT} findings per export; got ${documents.length}. Split them over several exports.`,
          'TOO_LONG',
        ),
      ],
    };
  return { candidates: documents.map((document) => ({ document, findingId: null })), errors: [] };
}

/** Hubgraph findings by ids or filter, rendered back to ASFF under the connector's default product. */
async function storedCandidates(
  ctx: TenantContext,
  input: FindingsExportInput,
  target: ExportTarget,
): Promise<{ candidates: Candidate[]; errors: UserErrorModel[] }> {
  const failed = (errors: UserErrorModel[]) => ({ candidates: [], errors });
  let found: StoredFindingForExport[];
  if (input.ids != null) {
    const ids = [...new Set(input.ids)];
    if (ids.length === 0)
      return failed([userError(['input', 'ids'], 'Give at least one finding id.', 'REQUIRED')]);
    if (ids.length > MAX_FINDINGS_PER_EXPORT)
      return failed([
        userError(['input', 'ids'], `At most ${MAX_FINDINGS_PER_EXPORT} findings per export.`, 'TOO_LONG'),
      ]);
    const keyOfId = (id: string) => {
      const parsed = parseGlobalId(id);
      return parsed?.type === 'Finding' ? parsed.key : id;
    };
    const valid = ids.map(keyOfId).filter(isUuid);
    found =
      valid.length > 0
        ? await findingsForExport(ctx.db, ctx.tenantId, findingFilterCondition({ ids: valid }), valid.length)
        : [];
    const known = new Set(found.map((finding) => finding.id));
    // Another tenant's finding is refused exactly like one that does not exist.
    const missing = input.ids.flatMap((id, index) =>
      known.has(keyOfId(id))
        ? []
        : [userError(['input', 'ids', index], `No finding has the id ${quoteInput(id)}.`, 'NOT_FOUND')],
    );
    if (missing.length > 0) return failed(missing);
  } else {
    if (input.expectedCount == null)
      return failed([
        userError(
          ['input', 'expectedCount'],
          'A filter selection needs `expectedCount`: how many findings you mean to export (findings.totalCount tells you).',
          'REQUIRED',
        ),
      ]);
    let condition: SQL | undefined;
    try {
      condition = findingFilterCondition(input.filter, ['input', 'filter']);
    } catch (error) {
      if (!(error instanceof UserInputError)) throw error;
      const path = (error.extensions.argumentPath as string[] | undefined) ?? ['input', 'filter'];
      return failed([userError(path, error.message, 'INVALID')]);
    }
    found = await findingsForExport(ctx.db, ctx.tenantId, condition, MAX_FINDINGS_PER_EXPORT + 1);
    if (found.length !== input.expectedCount) {
      const count =
        found.length > MAX_FINDINGS_PER_EXPORT ? `more than ${MAX_FINDINGS_PER_EXPORT}` : found.length;
      return failed([
        userError(
          ['input', 'expectedCount'],
          `The filter matches ${count} findings, not ${input.expectedCount}; nothing was exported.`,
          'INVALID',
        ),
      ]);
    }
  }
  const aws = found.filter((finding) => isAwsProduct(finding.productArn)).length;
  if (aws > 0)
    return failed([
      userError(
        input.ids != null ? ['input', 'ids'] : ['input', 'filter'],
        `${aws} of the findings come from AWS's own products, which Security Hub already holds; export findings of custom sources only (narrow the selection, e.g. by productName).`,
        'NOT_ALLOWED',
      ),
    ]);
  return {
    candidates: found.map((finding) => ({
      document: renderStoredFinding(finding.raw, target),
      findingId: finding.id,
    })),
    errors: [],
  };
}

/** Every candidate as an item: checked now, so what fails a check is answered before anything is sent. */
function itemsOf(candidates: readonly Candidate[], target: ExportTarget): NewExportItem[] {
  const seen = new Map<string, number>();
  return candidates.map((candidate, seq) => {
    const document = candidate.document as Record<string, unknown> | null;
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    const base = {
      seq,
      findingId: candidate.findingId,
      awsId: text(document?.Id),
      productArn: text(document?.ProductArn),
      generatorId: text(document?.GeneratorId),
      document: candidate.document ?? null,
      archive: false,
    };
    const check = checkDocument(candidate.document, target);
    if (!check.ok)
      return {
        ...base,
        region: check.region,
        status: 'FAILED',
        errorCode: check.code,
        errorMessage: check.message,
      };
    const identity = `${base.productArn}\n${base.awsId}`;
    const first = seen.get(identity);
    if (first !== undefined)
      return {
        ...base,
        region: check.region,
        status: 'FAILED',
        errorCode: 'DuplicatedFindingIdentifier',
        errorMessage: `The export already has this finding (Id and ProductArn) at position ${first}; each finding is sent once.`,
      };
    seen.set(identity, seq);
    return { ...base, region: check.region, status: 'PENDING', errorCode: null, errorMessage: null };
  });
}

function failedOf(
  item: Pick<FindingExportItemRow, 'seq' | 'awsId' | 'productArn' | 'region' | 'archive' | 'findingId'> & {
    errorCode: string;
    errorMessage: string;
  },
): ExportFailedFindingModel {
  return {
    seq: item.seq,
    id: item.awsId,
    productArn: item.productArn,
    region: item.region,
    errorCode: item.errorCode,
    errorMessage: item.errorMessage,
    archive: item.archive,
    findingId: item.findingId,
  };
}

/** A step of an export, as `findingsExportProgress` delivers it. */
function progressEvent(
  exportId: string,
  type: FindingsExportProgressEventModel['type'],
  counts: ExportCounts,
  failedFindings: ExportFailedFindingModel[],
): NewEvent {
  return { topic: 'finding_export', type, entityId: exportId, payload: { ...counts, failedFindings } };
}

/**
 * Sends what is still pending of an export (all of it the first time; what a crash left over when
 * resumed), round after round while some findings are worth another try, then marks it done.
 */
export async function applyExport(
  ctx: TenantContext,
  exportId: string,
  settings: ExportSettings = DEFAULT_EXPORT_SETTINGS,
): Promise<void> {
  const record = await exportById(ctx.db, ctx.tenantId, exportId);
  if (!record || record.status === 'DONE') return;
  const sender = new BatchSender(ctx, record, settings);
  for (let round = 0; ; round++) {
    const pending = await pendingItems(ctx.db, exportId);
    if (pending.length === 0) break;
    if (round > 0) await sleep(Math.min(30_000, settings.backoffMs * 2 ** (round - 1)));
    const byRegion = new Map<string, FindingExportItemRow[]>();
    for (const item of pending) byRegion.set(item.region!, [...(byRegion.get(item.region!) ?? []), item]);
    // Regions in parallel (each has its own quota); one batch after another within each.
    await Promise.all(
      [...byRegion].map(async ([region, items]) => {
        if (!(await sender.regionAccepts(region, items))) return;
        for (const batch of batchesOf(items, (item) => Buffer.byteLength(JSON.stringify(item.document))))
          await sender.send(region, batch);
      }),
    );
  }
  await ctx.db.transaction(async (tx) => {
    if (await finishExport(tx, exportId))
      await appendEvents(tx, ctx.tenantId, [
        progressEvent(exportId, 'FINISHED', await countsOf(tx, exportId), []),
      ]);
  });
}

/**
 * The job the export's transaction queued (src/sync/jobs.ts): finishes an export whose process died
 * between recording it and marking it done. One still being advanced is left to its process (the
 * job fails, and the engine tries again later); a finished one is skipped.
 */
export async function resumeFindingsExport(
  app: AppServices,
  job: { tenantId: string; exportId: string },
  settings: ExportSettings = DEFAULT_EXPORT_SETTINGS,
): Promise<void> {
  const ctx = tenantContext(app, job.tenantId);
  const record = await exportById(ctx.db, ctx.tenantId, job.exportId);
  if (!record || record.status === 'DONE') return;
  if (Date.now() - record.updatedAt.getTime() < settings.resumeAfterIdleMs)
    throw new Error(`findings export ${job.exportId} is still being sent; trying again later`);
  ctx.log.info({ exportId: job.exportId }, 'resuming an interrupted findings export');
  await applyExport(ctx, job.exportId, settings);
}

interface Failure {
  code: string;
  message: string;
  retry: boolean;
}

/** Sends the batches of one export and commits each answer. */
class BatchSender {
  private readonly ctx: TenantContext;
  private readonly record: FindingExportRow;
  private readonly settings: ExportSettings;
  private readonly regions: Map<string, ExportRegionState>;
  private access:
    | Promise<{ connector: ConnectorModel | null; client?: (region: string) => SecurityHubClient }>
    | undefined;

  constructor(ctx: TenantContext, record: FindingExportRow, settings: ExportSettings) {
    this.ctx = ctx;
    this.record = record;
    this.settings = settings;
    this.regions = new Map(record.regions.map((state) => [state.region, state]));
  }

  private regionWrites: Promise<unknown> = Promise.resolve();

  /**
   * Writes every Region's state so far. Regions are detected in parallel: one write after another,
   * each taking the states when it runs, so a slower transaction cannot commit an older list last.
   */
  private saveRegions(): Promise<void> {
    const write = this.regionWrites.then(() =>
      this.ctx.db.transaction((tx) => touchExport(tx, this.record.id, [...this.regions.values()])),
    );
    this.regionWrites = write.catch(() => {});
    return write;
  }

  private connectorAccess() {
    this.access ??= (async () => {
      const connector = await connectorById(this.ctx, this.record.connectorId);
      if (!connector?.exportEnabled) return { connector };
      const clients = await connectorClients(this.ctx, connector, this.settings.sdkMaxAttempts);
      return { connector, client: (region: string) => clients.client(region) };
    })();
    return this.access;
  }

  /**
   * Whether Security Hub takes imports in this Region (asked once per export: DescribeHub, then the
   * default product's subscription). When it does not, the Region's findings fail with the reason.
   */
  async regionAccepts(region: string, items: FindingExportItemRow[]): Promise<boolean> {
    const access = await this.connectorAccess();
    if (!access.client) {
      const message = access.connector
        ? `Connector "${access.connector.name}" no longer has export on; nothing was sent.`
        : 'The connector was deleted; nothing was sent.';
      await this.commit(
        items,
        [],
        new Map(items.map((item) => [item.seq, { code: 'ExportDisabled', message, retry: false }])),
      );
      return false;
    }
    let state = this.regions.get(region);
    if (!state) {
      const target = targetOf(access.connector!)!;
      try {
        state = await detectRegion(access.client(region), region, target);
      } catch (error) {
        const failure = this.describe(error, access.connector, region, 'DescribeHub');
        this.ctx.log.warn(
          { err: errorSummary(error), exportId: this.record.id, region },
          'DescribeHub failed',
        );
        await this.commit(items, [], new Map(items.map((item) => [item.seq, failure])));
        return false;
      }
      this.regions.set(region, state);
      await this.saveRegions();
    }
    if (state.accepted) return true;
    await this.commit(
      items,
      [],
      new Map(
        items.map((item) => [item.seq, { code: 'InvalidAccess', message: state.reason!, retry: false }]),
      ),
    );
    return false;
  }

  async send(region: string, items: FindingExportItemRow[]): Promise<void> {
    const access = await this.connectorAccess();
    const bySeqId = new Map(items.map((item) => [item.awsId, item.seq]));
    let failures: Map<number, Failure>;
    try {
      const output = await access.client!(region).send(
        new BatchImportFindingsCommand({ Findings: items.map((item) => item.document) as never }),
      );
      failures = new Map();
      for (const entry of output.FailedFindings ?? []) {
        const seq = bySeqId.get(entry.Id ?? '');
        if (seq === undefined) continue;
        // AWS failed inside: the same finding again is safe.
        failures.set(seq, {
          code: entry.ErrorCode ?? 'Unknown',
          message: entry.ErrorMessage ?? '',
          retry: entry.ErrorCode === 'InternalFailure',
        });
      }
    } catch (error) {
      const failure = this.describe(error, access.connector, region, 'BatchImportFindings');
      this.ctx.log.warn({ err: errorSummary(error), exportId: this.record.id }, 'BatchImportFindings failed');
      await this.commit(items, [], new Map(items.map((item) => [item.seq, failure])));
      return;
    }
    this.settings.onStep?.('sent');
    crashPoint('export-sent');
    const succeeded = items.filter((item) => !failures.has(item.seq)).map((item) => item.seq);
    await this.commit(items, succeeded, failures);
  }

  /** What a refused request means for its findings: try again later, or stop with the way out. */
  private describe(
    error: unknown,
    connector: ConnectorModel | null,
    region: string,
    operation: string,
  ): Failure {
    const e = error as { name?: string; message?: string };
    const name = e?.name ?? 'Error';
    const who = connector?.roleArn ? `role ${connector.roleArn}` : "the connector's identity";
    if (
      (name === 'AccessDenied' || name === 'AccessDeniedException') &&
      /sts:AssumeRole/.test(e.message ?? '')
    )
      return {
        code: name,
        message: `Could not assume ${connector?.roleArn}: ${e.message} Its trust policy must let Hubgraph assume it with the connector's external id (connectorTest gives a ready-to-paste statement).`,
        retry: false,
      };
    if (name === 'AccessDeniedException' || name === 'AccessDenied')
      return {
        code: 'AccessDeniedException',
        message: `Security Hub refused securityhub:${operation} to ${who} in ${region}: allow it in the role's IAM policy (awsSetup.permissionsPolicy lists what export needs), then export again. AWS said: ${e.message ?? ''}`,
        retry: false,
      };
    if (name === 'InvalidAccessException')
      return {
        code: 'InvalidAccess',
        message: `Security Hub is not enabled in ${region} for this account: enable it there, then export again. AWS said: ${e.message ?? ''}`,
        retry: false,
      };
    if (isThrottling(error) || isTransient(error))
      return { code: name, message: e.message ?? String(error), retry: true };
    return { code: name, message: e.message ?? String(error), retry: false };
  }

  /**
   * One transaction: the items' answers and the export's progress event. Items to retry stay pending
   * unless they have used up their attempts.
   */
  private async commit(
    items: FindingExportItemRow[],
    succeeded: number[],
    failures: Map<number, Failure>,
  ): Promise<void> {
    const { ctx } = this;
    const exportId = this.record.id;
    const bySeq = new Map(items.map((item) => [item.seq, item]));
    const retrying = [...failures]
      .filter(([seq, failure]) => failure.retry && bySeq.get(seq)!.attempts + 1 < this.settings.attempts)
      .map(([seq]) => seq);
    const retrySet = new Set(retrying);
    // One statement per distinct answer (a refused request gives every finding the same one).
    const groups = new Map<string, { code: string; message: string; seqs: number[] }>();
    for (const [seq, { code, message }] of failures) {
      if (retrySet.has(seq)) continue;
      const key = `${code}\n${message}`;
      const entry = groups.get(key) ?? { code, message, seqs: [] };
      entry.seqs.push(seq);
      groups.set(key, entry);
    }
    await ctx.db.transaction(async (tx) => {
      await markItems(tx, exportId, succeeded, { status: 'SUCCEEDED', attempted: true });
      await markItems(tx, exportId, retrying, { status: 'PENDING', attempted: true });
      for (const { code, message, seqs } of groups.values())
        await markItems(tx, exportId, seqs, {
          status: 'FAILED',
          errorCode: code,
          errorMessage: message,
          attempted: true,
        });
      await touchExport(tx, exportId);
      const failedSeqs = [...groups.values()].flatMap((group) => group.seqs);
      if (succeeded.length + failedSeqs.length === 0) return;
      const failedFindings = await failedItemsBySeq(tx, exportId, failedSeqs);
      await appendEvents(tx, ctx.tenantId, [
        progressEvent(exportId, 'PROGRESS', await countsOf(tx, exportId), failedFindings),
      ]);
    });
  }
}

/** DescribeHub, then whether the default product's subscription takes imports. */
async function detectRegion(
  client: SecurityHubClient,
  region: string,
  target: ExportTarget,
): Promise<ExportRegionState> {
  try {
    await client.send(new DescribeHubCommand({}));
  } catch (error) {
    if ((error as { name?: string }).name !== 'InvalidAccessException') throw error;
    return {
      region,
      accepted: false,
      reason: `Security Hub is not enabled in ${region} for account ${target.account}: enable it there (aws securityhub enable-security-hub --region ${region}), or route these findings to a Region where it is (their resource's Region decides).`,
    };
  }
  const subscription = defaultProductSubscriptionArn(target, region);
  const subscriptions: string[] = [];
  try {
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListEnabledProductsForImportCommand({ NextToken: nextToken, MaxResults: 100 }),
      );
      subscriptions.push(...(page.ProductSubscriptions ?? []));
      nextToken = page.NextToken || undefined;
    } while (nextToken && !subscriptions.includes(subscription));
  } catch (error) {
    const name = (error as { name?: string }).name;
    // Without the permission the answer is unknown: BatchImportFindings says InvalidAccess per finding if it must.
    if (name === 'AccessDeniedException' || name === 'AccessDenied')
      return { region, accepted: true, reason: null };
    throw error;
  }
  if (subscriptions.includes(subscription)) return { region, accepted: true, reason: null };
  const productArn = subscription.replace(':product-subscription/', ':product/');
  return {
    region,
    accepted: false,
    reason: `Security Hub in ${region} does not take imports for account ${target.account}'s default product: enable its integration (aws securityhub enable-import-findings-for-product --region ${region} --product-arn ${productArn}), then export again.`,
  };
}
