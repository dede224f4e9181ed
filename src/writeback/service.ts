import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchUpdateFindingsCommand,
  type BatchUpdateFindingsCommandInput,
  BatchUpdateFindingsV2Command,
  type OcsfFindingIdentifier,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import type { SQL } from 'drizzle-orm';
import { type BatchSendSettings, DEFAULT_BATCH_SEND_SETTINGS } from '../aws/batch-sends.ts';
import type { ConnectorModel } from '../connectors/model.ts';
import { connectorById } from '../connectors/service.ts';
import { type AppServices, type TenantContext, tenantContext } from '../context.ts';
import { isUuid } from '../db/keyset.ts';
import type { FindingUpdateItemRow } from '../db/schema.ts';
import { quoteInput, UserInputError } from '../errors.ts';
import type { NewEvent } from '../events/model.ts';
import { appendEvents } from '../events/queries.ts';
import { findingFilterCondition } from '../findings/filter.ts';
import { applyPageEffects, changedTopLevelFields } from '../findings/ingest.ts';
import { updateDerivedColumns } from '../findings/queries.ts';
import type { FindingsUpdateInput } from '../generated/graphql.ts';
import { parseGlobalId, toGlobalId } from '../global-id.ts';
import { type DocumentFormat, type FormatMaps, mapDocument } from '../mapping/map-document.ts';
import type { SeverityLabel } from '../mapping/scoring-constants.ts';
import { errorSummary } from '../observability/logger.ts';
import { isThrottling, isTransient } from '../sync/aws-errors.ts';
import { crashPoint } from '../sync/crash-points.ts';
import { compiledMapsFor } from '../transform-maps/service.ts';
import { type UserErrorModel, userError } from '../user-errors.ts';
import {
  applyChangesToAsff,
  applyChangesToOcsf,
  type BatchUpdateChanges,
  changesFromInput,
  changesV2Of,
  fieldsV2CannotChange,
} from './changes.ts';
import { connectorClients } from './clients.ts';
import type {
  FindingsUpdateCounts,
  FindingsUpdatePayloadModel,
  FindingsUpdateProgressEventModel,
  FindingUpdateResultModel,
} from './model.ts';
import {
  countsOf,
  findingsForUpdate,
  finishRequest,
  insertRequest,
  itemsOf,
  MAX_FINDINGS_PER_REQUEST,
  markItems,
  type OcsfTarget,
  requestById,
  requestExists,
  routesOf,
  type SelectedFinding,
  selectFindings,
  touchRequest,
  writeFindingRaw,
} from './queries.ts';

// Triage write-back: `findingsUpdate` checks everything, records the request in the outbox
// (finding_updates), sends BatchUpdateFindings per connector, account and Region in chunks of 100
// at AWS's quota, and commits each chunk's answer together with the local copy of the findings
// Security Hub processed and their events. A request a crash interrupted is resumed by a worker;
// sending the same values again leaves Security Hub as it was, so a resumed chunk does no harm.
// A finding last read through the new Security Hub (OCSF) goes through BatchUpdateFindingsV2
// instead, which changes only its status, severity and comment (research/ocsf-v2.md §4).

/** BatchUpdateFindings and BatchUpdateFindingsV2 each take at most 100 finding identifiers. */
const CHUNK = 100;
/** AWS authorises BatchUpdateFindingsV2 by this action too (condition keys securityhub:OCSFSyntaxPath/…). */
const PERMISSION = 'securityhub:BatchUpdateFindings';
/** Unprocessed codes worth sending again: another writer got there first, or AWS failed inside. */
const RETRYABLE = new Set([
  'ConcurrentUpdateError',
  'InternalFailure',
  'ConflictException',
  'InternalServerException',
]);

export type WriteBackSettings = BatchSendSettings;

export const DEFAULT_WRITE_BACK_SETTINGS: WriteBackSettings = DEFAULT_BATCH_SEND_SETTINGS;

/** The mutation: check, record, apply, and answer per finding. */
export async function updateFindings(
  ctx: TenantContext,
  input: FindingsUpdateInput,
  requestedBy: string | null,
  settings: WriteBackSettings = DEFAULT_WRITE_BACK_SETTINGS,
): Promise<FindingsUpdatePayloadModel> {
  const failed = (userErrors: UserErrorModel[]): FindingsUpdatePayloadModel => ({
    requestId: null,
    results: [],
    processedCount: 0,
    unprocessedCount: 0,
    userErrors,
  });
  const { changes, errors } = changesFromInput(input.changes);
  if (input.requestId != null) {
    if (!isUuid(input.requestId))
      errors.push(
        userError(
          ['input', 'requestId'],
          'A request id is a UUID you choose, e.g. from crypto.randomUUID().',
          'INVALID',
        ),
      );
    else if (await requestExists(ctx.db, input.requestId))
      errors.push(
        userError(['input', 'requestId'], 'This request id is taken; choose a fresh UUID.', 'DUPLICATE'),
      );
  }
  const selection = await selectionOf(ctx, input);
  errors.push(...selection.errors);
  if (errors.length > 0) return failed(errors);
  const selected = selection.findings;
  const blocked = writeBackBlocked(selected, input.ids ? ['input', 'ids'] : ['input', 'filter']);
  if (blocked.length > 0) return failed(blocked);
  const beyondV2 = beyondBatchUpdateFindingsV2(selected, changes);
  if (beyondV2.length > 0) return failed(beyondV2);

  const requestId = input.requestId ?? randomUUID();
  await ctx.db.transaction(async (tx) => {
    await insertRequest(
      tx,
      ctx.tenantId,
      requestId,
      requestedBy,
      changes as Record<string, unknown>,
      selected,
    );
    // Should this process die before the request is done, a worker finishes it.
    await ctx.app.jobs?.enqueueWriteBack(
      tx,
      { tenantId: ctx.tenantId, requestId },
      // A second more than the idle time the job checks: the database's clock and this process's
      // need not agree to the millisecond.
      settings.resumeAfterIdleMs + 1_000,
    );
    await appendEvents(tx, ctx.tenantId, [
      progressEvent(requestId, 'RECORDED', await countsOf(tx, requestId), []),
    ]);
  });
  settings.onStep?.('recorded');
  crashPoint('writeback-recorded');
  await applyFindingsUpdate(ctx, requestId, settings);
  const results = await resultsOf(ctx, requestId);
  const userErrors = results.some((result) => result.errorCode === 'AccessDeniedException')
    ? [
        userError(
          ['input'],
          results.find((result) => result.errorCode === 'AccessDeniedException')!.errorMessage!,
          'NOT_ALLOWED',
        ),
      ]
    : [];
  return {
    requestId,
    results,
    processedCount: results.filter((result) => result.status === 'PROCESSED').length,
    unprocessedCount: results.filter((result) => result.status === 'UNPROCESSED').length,
    userErrors,
  };
}

export async function resultsOf(ctx: TenantContext, requestId: string): Promise<FindingUpdateResultModel[]> {
  return (await itemsOf(ctx.db, ctx.tenantId, requestId)).map((item) => ({
    findingId: item.findingId,
    productArn: item.productArn,
    awsId: item.awsId,
    status: item.status as FindingUpdateResultModel['status'],
    errorCode: item.errorCode,
    errorMessage: item.errorMessage,
  }));
}

/** The findings the input selects: by ids (each must exist), or by a filter whose count the client confirmed. */
async function selectionOf(
  ctx: TenantContext,
  input: FindingsUpdateInput,
): Promise<{ findings: SelectedFinding[]; errors: UserErrorModel[] }> {
  if ((input.ids == null) === (input.filter == null))
    return {
      findings: [],
      errors: [
        userError(
          ['input'],
          'Select findings with either `ids` or `filter` (with `expectedCount`).',
          'INVALID',
        ),
      ],
    };
  if (input.ids != null) {
    const ids = [...new Set(input.ids)];
    if (ids.length === 0)
      return {
        findings: [],
        errors: [userError(['input', 'ids'], 'Give at least one finding id.', 'REQUIRED')],
      };
    if (ids.length > MAX_FINDINGS_PER_REQUEST)
      return {
        findings: [],
        errors: [
          userError(
            ['input', 'ids'],
            `At most ${MAX_FINDINGS_PER_REQUEST} findings per request.`,
            'TOO_LONG',
          ),
        ],
      };
    // Global ids or bare UUIDs; another type's id names no finding.
    const keyOfId = (id: string) => {
      const parsed = parseGlobalId(id);
      return parsed?.type === 'Finding' ? parsed.key : id;
    };
    const valid = ids.map(keyOfId).filter(isUuid);
    const found = valid.length > 0 ? await selectFindingsByIds(ctx, valid) : [];
    const known = new Set(found.map((finding) => finding.id));
    const errors = input.ids.flatMap((id, index) =>
      known.has(keyOfId(id))
        ? []
        : [userError(['input', 'ids', index], `No finding has the id ${quoteInput(id)}.`, 'NOT_FOUND')],
    );
    if (input.expectedCount != null && input.expectedCount !== found.length && errors.length === 0)
      errors.push(
        userError(
          ['input', 'expectedCount'],
          `The ids name ${found.length} findings, not ${input.expectedCount}; nothing was changed.`,
          'INVALID',
        ),
      );
    return { findings: found, errors };
  }
  if (input.expectedCount == null)
    return {
      findings: [],
      errors: [
        userError(
          ['input', 'expectedCount'],
          'A filter selection needs `expectedCount`: how many findings you mean to change (findingStats or findings.totalCount tells you).',
          'REQUIRED',
        ),
      ],
    };
  let condition: SQL | undefined;
  try {
    condition = findingFilterCondition(input.filter, ['input', 'filter']);
  } catch (error) {
    if (!(error instanceof UserInputError)) throw error;
    const path = (error.extensions.argumentPath as string[] | undefined) ?? ['input', 'filter'];
    return { findings: [], errors: [userError(path, error.message, 'INVALID')] };
  }
  const found = await selectFindings(ctx.db, ctx.tenantId, condition, MAX_FINDINGS_PER_REQUEST + 1);
  if (found.length !== input.expectedCount) {
    const count =
      found.length > MAX_FINDINGS_PER_REQUEST ? `more than ${MAX_FINDINGS_PER_REQUEST}` : found.length;
    return {
      findings: [],
      errors: [
        userError(
          ['input', 'expectedCount'],
          `The filter matches ${count} findings, not ${input.expectedCount}; nothing was changed.`,
          'INVALID',
        ),
      ],
    };
  }
  return { findings: found, errors: [] };
}

function selectFindingsByIds(ctx: TenantContext, ids: string[]): Promise<SelectedFinding[]> {
  return selectFindings(ctx.db, ctx.tenantId, findingFilterCondition({ ids }), ids.length);
}

/** Findings whose connector does not allow write-back: one error per such connector. */
function writeBackBlocked(selected: readonly SelectedFinding[], field: string[]): UserErrorModel[] {
  const errors: UserErrorModel[] = [];
  const orphans = selected.filter((finding) => finding.connectorId === null).length;
  if (orphans > 0)
    errors.push(
      userError(
        field,
        `${orphans} of the findings belong to no connector (seeded, or their connector was deleted), so there is no identity to write back with.`,
        'NOT_ALLOWED',
      ),
    );
  const off = new Map<string, { name: string; count: number }>();
  for (const finding of selected) {
    if (finding.connectorId === null || finding.writeBackEnabled) continue;
    const entry = off.get(finding.connectorId) ?? { name: finding.connectorName ?? '', count: 0 };
    entry.count += 1;
    off.set(finding.connectorId, entry);
  }
  for (const [id, { name, count }] of off)
    errors.push(
      userError(
        field,
        `${count} of the findings come from connector "${name}", which does not have write-back on: turn it on with connectorUpdate(input: { id: "${toGlobalId('Connector', id)}", writeBackEnabled: true }) (its identity then needs ${PERMISSION}; connectorTest checks it).`,
        'NOT_ALLOWED',
      ),
    );
  return errors;
}

/**
 * The changes BatchUpdateFindingsV2 cannot make, when some selected findings were read through the
 * new Security Hub: one error per such field, saying how many findings and what would work.
 */
function beyondBatchUpdateFindingsV2(
  selected: readonly SelectedFinding[],
  changes: BatchUpdateChanges,
): UserErrorModel[] {
  const ocsf = selected.filter((finding) => finding.format === 'OCSF');
  if (ocsf.length === 0) return [];
  const connectors = new Map(ocsf.map((finding) => [finding.connectorId, finding.connectorName]));
  const names = [...connectors.values()].map((name) => `"${name ?? ''}"`).join(', ');
  return fieldsV2CannotChange(changes).map((field) =>
    userError(
      ['input', 'changes', ...field.split('.')],
      `${ocsf.length} of the findings were read through the new Security Hub (OCSF, connector ${names}), whose BatchUpdateFindingsV2 changes only the workflow status, the severity label and the note (as its comment): it cannot change ${field}. Leave ${field} out for these findings${field === 'severity.normalized' ? ' (give severity.label instead)' : ''}, or, where the account also runs Security Hub CSPM, read them through CSPM (connectorUpdate with api: CSPM) so they are written back with BatchUpdateFindings.`,
      'NOT_ALLOWED',
    ),
  );
}

/**
 * Applies what is still pending of a request (all of it the first time; what a crash left over when
 * resumed), round after round while some findings are worth another try, then marks it done.
 */
export async function applyFindingsUpdate(
  ctx: TenantContext,
  requestId: string,
  settings: WriteBackSettings = DEFAULT_WRITE_BACK_SETTINGS,
): Promise<void> {
  const request = await requestById(ctx.db, ctx.tenantId, requestId);
  if (!request || request.status === 'DONE') return;
  const sender = new ChunkSender(ctx, requestId, request.changes as BatchUpdateChanges, settings);
  for (let round = 0; ; round++) {
    const pending = await itemsOf(ctx.db, ctx.tenantId, requestId, 'PENDING');
    if (pending.length === 0) break;
    if (round > 0) await sleep(Math.min(30_000, settings.backoffMs * 2 ** (round - 1)));
    // Through the API the finding was last read from: a BOTH connector's copy may have moved.
    const routes = await routesOf(
      ctx.db,
      ctx.tenantId,
      pending.map((item) => item.findingId),
    );
    const groups = new Map<string, { format: DocumentFormat; items: FindingUpdateItemRow[] }>();
    for (const item of pending) {
      const format = routes.get(item.findingId)?.format === 'OCSF' ? 'OCSF' : 'ASFF';
      const key = `${item.connectorId}|${item.awsAccountId}|${item.region}|${format}`;
      const group = groups.get(key) ?? { format, items: [] };
      group.items.push(item);
      groups.set(key, group);
    }
    const targets = new Map([...routes].map(([id, route]) => [id, route.target]));
    // Account-Regions in parallel (each has its own quota); one chunk after another within each.
    await Promise.all(
      [...groups.values()].map(async ({ format, items }) => {
        for (let i = 0; i < items.length; i += CHUNK)
          await sender.send(items.slice(i, i + CHUNK), format, targets);
      }),
    );
  }
  await ctx.db.transaction(async (tx) => {
    if (await finishRequest(tx, requestId))
      await appendEvents(tx, ctx.tenantId, [
        progressEvent(requestId, 'FINISHED', await countsOf(tx, requestId), []),
      ]);
  });
}

/** A step of a request, as `findingsUpdateProgress` delivers it. */
function progressEvent(
  requestId: string,
  type: FindingsUpdateProgressEventModel['type'],
  counts: FindingsUpdateCounts,
  results: FindingUpdateResultModel[],
): NewEvent {
  return { topic: 'finding_update', type, entityId: requestId, payload: { ...counts, results } };
}

/**
 * The job the request's transaction queued (src/sync/jobs.ts): finishes a request whose process died
 * between recording it and marking it done. A request still being advanced is left to its process
 * (the job fails, and the engine tries again later); a finished one is skipped.
 */
export async function resumeFindingsUpdate(
  app: AppServices,
  job: { tenantId: string; requestId: string },
  settings: WriteBackSettings = DEFAULT_WRITE_BACK_SETTINGS,
): Promise<void> {
  const ctx = tenantContext(app, job.tenantId);
  const request = await requestById(ctx.db, ctx.tenantId, job.requestId);
  if (!request || request.status === 'DONE') return;
  if (Date.now() - request.updatedAt.getTime() < settings.resumeAfterIdleMs)
    throw new Error(`findings update ${job.requestId} is still being applied; trying again later`);
  ctx.log.info({ requestId: job.requestId }, 'resuming an interrupted findings update');
  await applyFindingsUpdate(ctx, job.requestId, settings);
}

interface ConnectorAccess {
  connector: ConnectorModel | null;
  client?: (region: string) => SecurityHubClient;
  maps?: FormatMaps;
  /** The account whose quota the requests spend (the role's). */
  account?: string;
}

/** Sends chunks of one request and commits each answer. */
class ChunkSender {
  private readonly ctx: TenantContext;
  private readonly requestId: string;
  private readonly changes: BatchUpdateChanges;
  private readonly settings: WriteBackSettings;
  private readonly access = new Map<string, Promise<ConnectorAccess>>();

  constructor(
    ctx: TenantContext,
    requestId: string,
    changes: BatchUpdateChanges,
    settings: WriteBackSettings,
  ) {
    this.ctx = ctx;
    this.requestId = requestId;
    this.changes = changes;
    this.settings = settings;
  }

  private accessOf(connectorId: string | null): Promise<ConnectorAccess> {
    const key = connectorId ?? '';
    let access = this.access.get(key);
    if (!access) {
      access = this.load(connectorId);
      this.access.set(key, access);
    }
    return access;
  }

  private async load(connectorId: string | null): Promise<ConnectorAccess> {
    const connector = connectorId ? await connectorById(this.ctx, connectorId) : null;
    if (!connector?.writeBackEnabled) return { connector };
    const clients = await connectorClients(this.ctx, connector, this.settings.sdkMaxAttempts);
    const maps =
      (await compiledMapsFor(this.ctx.db, this.ctx.tenantId, connector.transformMapKey)) ?? undefined;
    return { connector, maps, account: clients.account, client: (region) => clients.client(region) };
  }

  /** One chunk of one connector, account, Region and format: sent, and its answer committed. */
  async send(
    items: FindingUpdateItemRow[],
    format: DocumentFormat,
    targets: Map<string, OcsfTarget | null>,
  ): Promise<void> {
    const first = items[0]!;
    const access = await this.accessOf(first.connectorId);
    const ids = items.map((item) => item.findingId);
    const nothingSent = (code: string, message: string) =>
      this.commit(items, [], [], { codes: new Map(ids.map((id) => [id, { code, message }])) });
    if (!access.client) {
      await nothingSent(
        'WriteBackDisabled',
        access.connector
          ? `Connector "${access.connector.name}" no longer has write-back on; nothing was sent.`
          : 'The finding no longer belongs to a connector; nothing was sent.',
      );
      return;
    }
    // Checked when the request was recorded; a finding read through the new Security Hub since
    // (a BOTH connector's copy moves to the newer one) may meet changes V2 cannot make.
    const beyondV2 = format === 'OCSF' ? fieldsV2CannotChange(this.changes) : [];
    if (beyondV2.length > 0) {
      await nothingSent(
        'NotChangeableThroughV2',
        `Since the request was recorded, the finding was read through the new Security Hub, whose BatchUpdateFindingsV2 cannot change ${beyondV2.join(', ')}; nothing was sent. Ask again with only the workflow status, the severity label and the note.`,
      );
      return;
    }
    const operation = format === 'OCSF' ? 'BatchUpdateFindingsV2' : 'BatchUpdateFindings';
    let answer: ChunkAnswer;
    try {
      answer =
        format === 'OCSF'
          ? await this.sendV2(access.client(first.region), items, targets)
          : await this.sendV1(access.client(first.region), items);
    } catch (error) {
      const failure = this.describe(error, access, first, format);
      this.ctx.log.warn({ err: errorSummary(error), requestId: this.requestId }, `${operation} failed`);
      await this.commit(items, [], failure.retry ? items : [], {
        codes: new Map(ids.map((id) => [id, failure])),
      });
      return;
    }
    this.settings.onStep?.('sent');
    crashPoint('writeback-sent');
    const retry: FindingUpdateItemRow[] = [];
    const codes = new Map<string, { code: string; message: string }>();
    for (const item of items) {
      const unprocessed = answer.unprocessed.get(item.findingId);
      if (unprocessed) {
        // The same values again are safe.
        if (RETRYABLE.has(unprocessed.code)) retry.push(item);
        codes.set(item.findingId, unprocessed);
      } else if (!answer.processed.includes(item.findingId)) {
        codes.set(item.findingId, {
          code: 'Unknown',
          message: 'Security Hub did not answer for this finding.',
        });
      }
    }
    await this.commit(items, answer.processed, retry, { codes, access, format });
  }

  /** BatchUpdateFindings (Security Hub CSPM, ASFF): the recorded body as it is. */
  private async sendV1(client: SecurityHubClient, items: FindingUpdateItemRow[]): Promise<ChunkAnswer> {
    const byIdentity = new Map(items.map((item) => [`${item.productArn}\n${item.awsId}`, item]));
    const command: BatchUpdateFindingsCommandInput = {
      FindingIdentifiers: items.map((item) => ({ ProductArn: item.productArn, Id: item.awsId })),
      ...(this.changes as Omit<BatchUpdateFindingsCommandInput, 'FindingIdentifiers'>),
    };
    const output = await client.send(new BatchUpdateFindingsCommand(command));
    return answerOf(
      output.ProcessedFindings ?? [],
      output.UnprocessedFindings ?? [],
      (identifier: { ProductArn?: string; Id?: string } | undefined) =>
        byIdentity.get(`${identifier?.ProductArn}\n${identifier?.Id}`)?.findingId,
    );
  }

  /**
   * BatchUpdateFindingsV2 (the new Security Hub, OCSF): each finding named as its document names it
   * (account, finding_info.uid, the productv2 ARN), the changes as StatusId, SeverityId and Comment.
   */
  private async sendV2(
    client: SecurityHubClient,
    items: FindingUpdateItemRow[],
    targets: Map<string, OcsfTarget | null>,
  ): Promise<ChunkAnswer> {
    const keyOf = (identifier: OcsfTarget | OcsfFindingIdentifier | null | undefined) =>
      JSON.stringify([
        identifier?.CloudAccountUid,
        identifier?.FindingInfoUid,
        identifier?.MetadataProductUid,
      ]);
    const named: { item: FindingUpdateItemRow; identifier: OcsfFindingIdentifier }[] = [];
    const unnamed = new Map<string, { code: string; message: string }>();
    for (const item of items) {
      const target = targets.get(item.findingId);
      if (target?.CloudAccountUid && target.FindingInfoUid && target.MetadataProductUid)
        named.push({
          item,
          identifier: {
            CloudAccountUid: target.CloudAccountUid,
            FindingInfoUid: target.FindingInfoUid,
            MetadataProductUid: target.MetadataProductUid,
          },
        });
      else
        unnamed.set(item.findingId, {
          code: 'MissingIdentifier',
          message:
            "The finding's OCSF document lacks cloud.account.uid, finding_info.uid or metadata.product.uid, which BatchUpdateFindingsV2 needs to name it; nothing was sent.",
        });
    }
    if (named.length === 0) return { processed: [], unprocessed: unnamed };
    const byIdentity = new Map(named.map(({ item, identifier }) => [keyOf(identifier), item]));
    const output = await client.send(
      new BatchUpdateFindingsV2Command({
        FindingIdentifiers: named.map(({ identifier }) => identifier),
        ...changesV2Of(this.changes),
      }),
    );
    const answer = answerOf(
      (output.ProcessedFindings ?? []).map((entry) => entry.FindingIdentifier),
      output.UnprocessedFindings ?? [],
      (identifier: OcsfFindingIdentifier | undefined) => byIdentity.get(keyOf(identifier))?.findingId,
    );
    for (const [id, failure] of unnamed) answer.unprocessed.set(id, failure);
    return answer;
  }

  /** What a failed request means for its findings: try again later, or stop with the way out. */
  private describe(
    error: unknown,
    access: ConnectorAccess,
    item: FindingUpdateItemRow,
    format: DocumentFormat,
  ): { code: string; message: string; retry: boolean } {
    const e = error as { name?: string; message?: string };
    const name = e?.name ?? 'Error';
    if (
      (name === 'AccessDenied' || name === 'AccessDeniedException') &&
      /sts:AssumeRole/.test(e.message ?? '')
    )
      return {
        code: name,
        message: `Could not assume ${access.connector?.roleArn}: ${e.message} Its trust policy must let Hubgraph assume it with the connector's external id (connectorTest gives a ready-to-paste statement).`,
        retry: false,
      };
    if (name === 'AccessDeniedException' || name === 'AccessDenied') {
      const who = access.connector?.roleArn ? `role ${access.connector.roleArn}` : "the connector's identity";
      // BatchUpdateFindingsV2 is authorised by the same action; a policy may narrow it by field.
      const v2 =
        format === 'OCSF'
          ? ' (the new Security Hub checks BatchUpdateFindingsV2 against it; where the policy has securityhub:OCSFSyntaxPath conditions, they must allow StatusId, SeverityId and Comment), and check the new Security Hub is enabled there'
          : '';
      return {
        code: 'AccessDeniedException',
        message: `Security Hub refused ${PERMISSION} to ${who} in account ${item.awsAccountId} (${item.region}): allow ${PERMISSION} in its IAM policy${v2}, then run connectorTest. AWS said: ${e.message ?? ''}`,
        retry: false,
      };
    }
    if (isThrottling(error) || isTransient(error))
      return { code: name, message: e.message ?? String(error), retry: true };
    return { code: name, message: e.message ?? String(error), retry: false };
  }

  /**
   * One transaction: the items' answers, the local copy of the processed findings and their
   * events. Items to retry stay pending unless they have used up their attempts.
   */
  private async commit(
    items: FindingUpdateItemRow[],
    processed: string[],
    retry: FindingUpdateItemRow[],
    answer: {
      codes: Map<string, { code: string; message: string }>;
      access?: ConnectorAccess;
      /** The format the processed findings were written back in (the API that was called). */
      format?: DocumentFormat;
    },
  ): Promise<void> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const retrying = new Set(
      retry.filter((item) => item.attempts + 1 < this.settings.attempts).map((item) => item.findingId),
    );
    const effects = { dedupKeys: new Set<string>(), assetIds: new Set<string>() };
    await ctx.db.transaction(async (tx) => {
      await markItems(tx, this.requestId, processed, { status: 'PROCESSED', attempted: true });
      await markItems(tx, this.requestId, [...retrying], { status: 'PENDING', attempted: true });
      // One statement per distinct answer (a refused request gives every finding the same one).
      const unprocessed = new Map<string, { code: string; message: string; ids: string[] }>();
      for (const [findingId, { code, message }] of answer.codes) {
        if (retrying.has(findingId)) continue;
        const key = `${code}\n${message}`;
        const entry = unprocessed.get(key) ?? { code, message, ids: [] };
        entry.ids.push(findingId);
        unprocessed.set(key, entry);
      }
      for (const { code, message, ids } of unprocessed.values())
        await markItems(tx, this.requestId, ids, {
          status: 'UNPROCESSED',
          errorCode: code,
          errorMessage: message,
          attempted: true,
        });
      await touchRequest(tx, this.requestId);
      const answered = new Set([...processed, ...[...unprocessed.values()].flatMap((entry) => entry.ids)]);
      const results = items
        .filter((item) => answered.has(item.findingId))
        .map((item): FindingUpdateResultModel => {
          const failure = processed.includes(item.findingId) ? undefined : answer.codes.get(item.findingId);
          return {
            findingId: item.findingId,
            productArn: item.productArn,
            awsId: item.awsId,
            status: failure ? 'UNPROCESSED' : 'PROCESSED',
            errorCode: failure?.code ?? null,
            errorMessage: failure?.message ?? null,
          };
        });
      const events: NewEvent[] = [];
      if (results.length > 0)
        events.push(progressEvent(this.requestId, 'PROGRESS', await countsOf(tx, this.requestId), results));
      if (processed.length === 0) {
        await appendEvents(tx, ctx.tenantId, events);
        return;
      }
      const derived: ({ id: string } & Record<string, unknown>)[] = [];
      // Wall-clock time, as the sync's pages record when they were read (src/findings/ingest.ts).
      const writtenAt = new Date();
      for (const row of await findingsForUpdate(tx, ctx.tenantId, processed)) {
        // Read through the other API since it was sent (a BOTH connector): AWS changed the copy
        // it was sent to, and the next sync brings that copy as it now is.
        if ((row.format === 'OCSF' ? 'OCSF' : 'ASFF') !== answer.format) continue;
        const raw = row.raw as Record<string, unknown>;
        // BatchUpdateFindingsV2, like BatchUpdateFindings, does not move the finding's modified time.
        const next =
          answer.format === 'OCSF'
            ? applyChangesToOcsf(raw, changesV2Of(this.changes))
            : applyChangesToAsff(raw, this.changes, now);
        const changedFields = changedTopLevelFields(raw, next);
        await writeFindingRaw(tx, ctx.tenantId, row.id, next, writtenAt);
        const maps = answer.access?.maps;
        if (maps) {
          const outcome = mapDocument(next, answer.format, maps, {
            defaultSeverity: (answer.access?.connector?.defaultSeverity ?? 'MEDIUM') as SeverityLabel,
          });
          if (outcome.ok) {
            derived.push({ id: row.id, ...outcome.finding });
            if (outcome.finding.dedupKey) effects.dedupKeys.add(outcome.finding.dedupKey);
          }
        }
        if (row.dedupKey) effects.dedupKeys.add(row.dedupKey);
        if (row.assetId) effects.assetIds.add(row.assetId);
        if (changedFields.length > 0)
          events.push({ topic: 'finding', type: 'UPDATED', entityId: row.id, payload: { changedFields } });
      }
      await updateDerivedColumns(tx, ctx.tenantId, derived);
      await appendEvents(tx, ctx.tenantId, events);
    });
    // Counted, score and severity may have changed: group primaries and asset risk follow.
    if (processed.length > 0)
      await applyPageEffects(ctx.db, ctx.tenantId, {
        dedupKeys: [...effects.dedupKeys],
        assetIds: [...effects.assetIds],
      });
  }
}

/** A chunk's answer: the findings Security Hub processed, and why it did not process the others. */
interface ChunkAnswer {
  processed: string[];
  unprocessed: Map<string, { code: string; message: string }>;
}

/** Either API's processed and unprocessed findings, as our finding ids. */
function answerOf<Identifier>(
  processed: (Identifier | undefined)[],
  unprocessed: { FindingIdentifier?: Identifier; ErrorCode?: string; ErrorMessage?: string }[],
  pick: (identifier: Identifier | undefined) => string | undefined,
): ChunkAnswer {
  return {
    processed: processed.map(pick).filter((id): id is string => id !== undefined),
    unprocessed: new Map(
      unprocessed.flatMap((entry) => {
        const id = pick(entry.FindingIdentifier);
        return id
          ? [[id, { code: entry.ErrorCode ?? 'Unknown', message: entry.ErrorMessage ?? '' }] as const]
          : [];
      }),
    ),
  };
}
