import { randomUUID } from 'node:crypto';
import { lockConnector } from '../connectors/queries.ts';
import type { TenantContext } from '../context.ts';
import type { Tx } from '../db/client.ts';
import type { RunRow } from '../db/schema.ts';
import { quoteInput } from '../errors.ts';
import type { NewEvent } from '../events/model.ts';
import { appendEvents } from '../events/queries.ts';
import type { ConnectorRunCancelInput, ConnectorRunNowInput } from '../generated/graphql.ts';
import { toGlobalId } from '../global-id.ts';
import { errorSummary } from '../observability/logger.ts';
import { type UserErrorModel, userError } from '../user-errors.ts';
import type { RequestedMode } from './model.ts';
import { activeRunOf, insertRun, lockRun, requestRunCancel, runsByIds, updateRun } from './queries.ts';

// Runs as a tenant asks for them: now, or cancelled. The worker does the rest.

export interface RunPayloadModel {
  run: RunRow | null;
  userErrors: UserErrorModel[];
}

export async function runConnectorNow(
  ctx: TenantContext,
  input: ConnectorRunNowInput,
): Promise<RunPayloadModel> {
  const jobs = ctx.app.jobs;
  if (!jobs) throw new Error('This process runs no job engine; connector runs cannot be queued from it.');
  const mode = (input.mode ?? 'AUTO') as RequestedMode;
  return ctx.db.transaction(async (tx): Promise<RunPayloadModel> => {
    // The connector's row lock makes "is a run active? then queue one" atomic.
    const [connector] = await lockConnector(tx, ctx.tenantId, input.id);
    if (!connector)
      return failed(
        userError(['input', 'id'], `No connector has the id ${quoteInput(input.id)}.`, 'NOT_FOUND'),
      );
    if (!connector.enabled)
      return failed(
        userError(
          ['input', 'id'],
          `Connector "${connector.name}" is disabled; enable it with connectorSetEnabled first.`,
          'NOT_ALLOWED',
        ),
      );
    const active = await activeRunOf(tx, ctx.tenantId, connector.id);
    if (active)
      return {
        run: active,
        userErrors: [
          userError(
            ['input', 'id'],
            `Connector "${connector.name}" has a run ${active.status === 'QUEUED' ? 'queued' : 'in progress'} (${toGlobalId('ConnectorRun', active.id)}); follow it with connectorRunProgress, or cancel it with connectorRunCancel.`,
            'IN_PROGRESS',
          ),
        ],
      };
    const jobId = randomUUID();
    const run = await insertRun(tx, {
      tenantId: ctx.tenantId,
      connectorId: connector.id,
      trigger: 'MANUAL',
      requestedMode: mode,
      status: 'QUEUED',
      jobId,
      queue: jobs.queue,
    });
    await jobs.enqueue(tx, jobId, {
      tenantId: ctx.tenantId,
      connectorId: connector.id,
      trigger: 'MANUAL',
      mode,
      runId: run.id,
    });
    await appendEvents(tx, ctx.tenantId, [runEvent(run, 'QUEUED')]);
    return { run, userErrors: [] };
  });
}

export async function cancelConnectorRun(
  ctx: TenantContext,
  input: ConnectorRunCancelInput,
): Promise<RunPayloadModel> {
  if ((input.runId == null) === (input.connectorId == null))
    return failed(userError(['input'], 'Give either `runId` or `connectorId`.', 'INVALID'));
  const run = input.runId
    ? (await runsByIds(ctx.db, ctx.tenantId, [input.runId]))[0]
    : await activeRunOf(ctx.db, ctx.tenantId, input.connectorId!);
  const field = ['input', input.runId ? 'runId' : 'connectorId'];
  if (!run)
    return failed(
      userError(
        field,
        input.runId
          ? `No run has the id "${input.runId}".`
          : `Connector "${input.connectorId}" has no run queued or in progress.`,
        'NOT_FOUND',
      ),
    );
  if (run.status !== 'QUEUED' && run.status !== 'RUNNING')
    return { run, userErrors: [userError(field, `The run already ended (${run.status}).`, 'NOT_ALLOWED')] };
  return { run: await cancelRun(ctx, run), userErrors: [] };
}

/**
 * Cancels a run: one that never started ends at once; a running one is told (its worker stops at
 * its next page, keeping what it committed, and records CANCELLED).
 */
export async function cancelRun(ctx: TenantContext, run: RunRow): Promise<RunRow> {
  const now = ctx.clock.now();
  const updated = await ctx.db.transaction(async (tx) => {
    const current = await lockRun(tx, run.id);
    if (!current || (current.status !== 'QUEUED' && current.status !== 'RUNNING')) return current ?? run;
    if (current.status === 'QUEUED' && current.attempt === 0 && current.worker === null)
      return endQueued(tx, ctx, current, now);
    return (await requestRunCancel(tx, ctx.tenantId, run.id, now)) ?? current;
  });
  await ctx.app.jobs?.cancel(run.jobId).catch((error: unknown) => {
    ctx.log.warn(
      { err: errorSummary(error), runId: run.id },
      'the job engine could not cancel the job (it may have ended)',
    );
  });
  return updated;
}

/** Cancels the connector's active run, if any (when it is disabled or deleted). */
export async function cancelActiveRunOf(ctx: TenantContext, connectorId: string): Promise<void> {
  const run = await activeRunOf(ctx.db, ctx.tenantId, connectorId);
  if (run) await cancelRun(ctx, run);
}

async function endQueued(tx: Tx, ctx: TenantContext, run: RunRow, now: Date): Promise<RunRow> {
  const ended = (await updateRun(tx, run.id, {
    status: 'CANCELLED',
    cancelRequestedAt: now,
    finishedAt: now,
    updatedAt: now,
  }))!;
  await appendEvents(tx, ctx.tenantId, [runEvent(ended, 'CANCELLED')]);
  return ended;
}

/** A run's progress event without figures (queued, or cancelled before it started). */
function runEvent(run: RunRow, status: string): NewEvent {
  return {
    topic: 'run',
    type: 'PROGRESS',
    entityId: run.id,
    payload: { connectorId: run.connectorId, status },
  };
}

function failed(error: UserErrorModel): RunPayloadModel {
  return { run: null, userErrors: [error] };
}
