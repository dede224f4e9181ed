import { randomBytes, randomUUID } from 'node:crypto';
import type { AwsTarget } from '../aws/clients.ts';
import type { TenantContext } from '../context.ts';
import type { Tx } from '../db/client.ts';
import { isUuid } from '../db/keyset.ts';
import { quoteInput } from '../errors.ts';
import type { NewEvent } from '../events/model.ts';
import { appendEvents } from '../events/queries.ts';
import { findingIdsOfConnector } from '../findings/queries.ts';
import type {
  ConnectorDeleteInput,
  ConnectorInput,
  ConnectorRegenerateExternalIdInput,
  ConnectorSetEnabledInput,
  ConnectorTestInput,
  ConnectorUpdateInput,
  SecurityHubApi,
} from '../generated/graphql.ts';
import { BUILT_IN_TRANSFORM_MAPS } from '../mapping/built-in-maps.ts';
import { externalIdChangeMessage } from '../onboarding/aws-setup.ts';
import { preparedConnectorExpiry, preparedNotFound } from '../onboarding/prepared.ts';
import {
  livePreparedConnector,
  takePreparedConnector,
  updatePreparedConnector,
} from '../onboarding/queries.ts';
import { cancelActiveRunOf } from '../sync/service.ts';
import { transformMapsByIds } from '../transform-maps/queries.ts';
import { type UserErrorModel, userError } from '../user-errors.ts';
import type { ConnectionCheckModel, ConnectionTestResultModel } from './connection-test/model.ts';
import { runConnectionTest } from './connection-test/run.ts';
import { SecretUnreadableError, seal, unseal } from './crypto.ts';
import type { ConnectorModel } from './model.ts';
import {
  connectorNameTaken,
  connectorsByIds,
  deleteConnectorRow,
  deleteSecrets,
  insertConnector,
  lockConnector,
  purgeConnectorData,
  secretOf,
  storeSecret,
  updateConnectorRow,
} from './queries.ts';
import {
  type ConnectorSettings,
  defaultSessionName,
  nextRunAt,
  scheduleFromInput,
  scopeFromInput,
  settingsFromInput,
  validateSettings,
} from './settings.ts';

// Connector lifecycle: create, update, delete, enable/disable, regenerate the external id, test.
// Every write validates the whole connector first (nothing is written on a userError) and records
// each state change as an event in the same transaction.

const SECRET_KEY = 'SECRET_ACCESS_KEY';

export interface ConnectorPayloadModel {
  connector: ConnectorModel | null;
  userErrors: UserErrorModel[];
}

/** ≥ 32 random characters, never chosen by a user: AWS's confused-deputy defence. */
export function generateExternalId(): string {
  return `hg-${randomBytes(30).toString('base64url')}`;
}

export async function createConnector(
  ctx: TenantContext,
  input: ConnectorInput,
): Promise<ConnectorPayloadModel> {
  const settings = settingsFromInput(input);
  const errors = await checkSettings(ctx, settings);
  const now = ctx.clock.now();
  if (input.preparedId != null && !(await livePreparedConnector(ctx.db, ctx.tenantId, input.preparedId, now)))
    errors.push(preparedNotFound(input.preparedId, ['input', 'preparedId']));
  if (errors.length > 0) return { connector: null, userErrors: errors };
  const connector = await ctx.db.transaction(async (tx) => {
    // The prepared connector's external ID, the one its role already trusts; taken once.
    const prepared =
      input.preparedId != null
        ? await takePreparedConnector(tx, ctx.tenantId, input.preparedId, now)
        : undefined;
    if (input.preparedId != null && !prepared) return null;
    const next = nextRunAt(settings.schedule, now);
    const row = await insertConnector(tx, {
      tenantId: ctx.tenantId,
      ...columnsOf(settings),
      externalId: prepared?.externalId ?? generateExternalId(),
      state: stateFor(true, next, now),
      nextRunAt: next,
    });
    if (settings.secretAccessKey !== undefined)
      await storeSecret(
        tx,
        ctx.tenantId,
        row.id,
        SECRET_KEY,
        seal(ctx.app.masterKey, settings.secretAccessKey),
      );
    await ctx.app.jobs?.applySchedule(tx, row, now);
    await appendEvents(tx, ctx.tenantId, [stateEvent(row, null)]);
    return row;
  });
  // Another request created a connector from the same prepared one in the meantime.
  if (!connector)
    return { connector: null, userErrors: [preparedNotFound(input.preparedId!, ['input', 'preparedId'])] };
  return { connector, userErrors: [] };
}

export async function updateConnector(
  ctx: TenantContext,
  input: ConnectorUpdateInput,
): Promise<ConnectorPayloadModel> {
  const current = await connectorById(ctx, input.id);
  if (!current) return notFound(input.id);
  const stored = await secretOf(ctx.db, ctx.tenantId, current.id, SECRET_KEY);
  const settings: ConnectorSettings = {
    ...settingsOf(current),
    hasStoredSecret: stored !== undefined,
    ...(input.name != null ? { name: input.name.trim() } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.regions != null ? { regions: input.regions } : {}),
    ...(input.endpointOverride !== undefined ? { endpointOverride: input.endpointOverride } : {}),
    ...(input.scope != null ? { scope: scopeFromInput(input.scope) } : {}),
    ...(input.schedule != null ? { schedule: scheduleFromInput(input.schedule) } : {}),
    ...(input.clearSchedule ? { schedule: null } : {}),
    ...(input.transformMapId != null ? { transformMapKey: input.transformMapId } : {}),
    ...(input.defaultSeverity != null ? { defaultSeverity: input.defaultSeverity } : {}),
    ...(input.writeBackEnabled != null ? { writeBackEnabled: input.writeBackEnabled } : {}),
    ...(input.exportEnabled != null ? { exportEnabled: input.exportEnabled } : {}),
    ...(input.containmentEnabled != null ? { containmentEnabled: input.containmentEnabled } : {}),
    ...(input.api != null ? { api: input.api } : {}),
  };
  if (input.auth) {
    const auth = settingsFromInput({ name: settings.name, auth: input.auth, regions: settings.regions });
    // A stored secret belongs to its key id: changing the key id needs the new secret too.
    const keepSecret =
      stored !== undefined && auth.accessKeyId === current.accessKeyId && auth.secretAccessKey === undefined;
    Object.assign(settings, {
      authMode: auth.authMode,
      sourceMode: auth.sourceMode,
      accessKeyId: auth.accessKeyId,
      secretAccessKey: auth.secretAccessKey,
      hasStoredSecret: keepSecret,
      roleArn: auth.roleArn,
      roleSessionName: auth.roleSessionName,
      sessionDurationSeconds: auth.sessionDurationSeconds,
    });
  }
  const errors = await checkSettings(ctx, settings, current.id);
  if (errors.length > 0) return { connector: null, userErrors: errors };
  const now = ctx.clock.now();
  const connector = await ctx.db.transaction(async (tx) => {
    const next = nextRunAt(settings.schedule, now);
    const state =
      current.state === 'DISABLED' || current.state === 'PROCESSING'
        ? current.state
        : stateFor(current.enabled, next, now);
    const row = (await updateConnectorRow(tx, ctx.tenantId, current.id, {
      ...columnsOf(settings),
      nextRunAt: next,
      ...(state !== current.state ? { state, stateChangedAt: now, lastError: null } : {}),
    }))!;
    const usesKeys = settings.accessKeyId !== null;
    if (!usesKeys) await deleteSecrets(tx, ctx.tenantId, row.id);
    else if (settings.secretAccessKey !== undefined)
      await storeSecret(
        tx,
        ctx.tenantId,
        row.id,
        SECRET_KEY,
        seal(ctx.app.masterKey, settings.secretAccessKey),
      );
    await ctx.app.jobs?.applySchedule(tx, row, now);
    if (state !== current.state) await appendEvents(tx, ctx.tenantId, [stateEvent(row, current.state)]);
    return row;
  });
  ctx.app.aws.roleSessions.forget(connector.id);
  return { connector, userErrors: [] };
}

export async function deleteConnector(
  ctx: TenantContext,
  input: ConnectorDeleteInput,
): Promise<{
  deletedId: string | null;
  purgedFindings: number;
  purgedAssets: number;
  userErrors: UserErrorModel[];
}> {
  const current = await connectorById(ctx, input.id);
  if (!current)
    return { deletedId: null, purgedFindings: 0, purgedAssets: 0, userErrors: notFound(input.id).userErrors };
  // A run in progress stops at its next page; its rows go with the connector.
  await cancelActiveRunOf(ctx, current.id);
  const purged = await ctx.db.transaction(async (tx) => {
    await ctx.app.jobs?.applySchedule(tx, { ...current, enabled: false }, ctx.clock.now());
    const result = input.purge
      ? await purgeConnectorData(tx, ctx.tenantId, current.id)
      : { findingIds: [], assets: 0 };
    // Kept findings lose their connector (Finding.connector becomes null).
    const kept = input.purge ? [] : await findingIdsOfConnector(tx, ctx.tenantId, current.id);
    await deleteConnectorRow(tx, ctx.tenantId, current.id);
    await appendEvents(tx, ctx.tenantId, [
      ...kept.map(
        (id): NewEvent => ({
          topic: 'finding',
          type: 'UPDATED',
          entityId: id,
          payload: { changedFields: ['connector'] },
        }),
      ),
      ...result.findingIds.map(
        (id): NewEvent => ({
          topic: 'finding',
          type: 'DELETED',
          entityId: id,
          payload: { changedFields: [] },
        }),
      ),
      {
        topic: 'connector',
        type: 'DELETED',
        entityId: current.id,
        payload: { state: current.state, previousState: current.state, lastError: null },
      },
    ]);
    return result;
  });
  ctx.app.aws.roleSessions.forget(current.id);
  return {
    deletedId: current.id,
    purgedFindings: purged.findingIds.length,
    purgedAssets: purged.assets,
    userErrors: [],
  };
}

export async function setConnectorEnabled(
  ctx: TenantContext,
  input: ConnectorSetEnabledInput,
): Promise<ConnectorPayloadModel> {
  const current = await connectorById(ctx, input.id);
  if (!current) return notFound(input.id);
  const now = ctx.clock.now();
  const state = input.enabled
    ? stateFor(true, nextRunAt(settingsOf(current).schedule, now), now)
    : 'DISABLED';
  const connector = await ctx.db.transaction(async (tx) => {
    const row = (await setConnectorState(tx, ctx.tenantId, current.id, state, null, now, {
      enabled: input.enabled,
    }))!;
    await ctx.app.jobs?.applySchedule(tx, row, now);
    return row;
  });
  if (!input.enabled) await cancelActiveRunOf(ctx, current.id);
  return { connector, userErrors: [] };
}

export async function regenerateExternalId(
  ctx: TenantContext,
  input: ConnectorRegenerateExternalIdInput,
): Promise<
  ConnectorPayloadModel & {
    externalIdChange: { previousExternalId: string; externalId: string; message: string } | null;
  }
> {
  const current = await connectorById(ctx, input.id);
  if (!current) return { ...notFound(input.id), externalIdChange: null };
  const connector = (await updateConnectorRow(ctx.db, ctx.tenantId, current.id, {
    externalId: generateExternalId(),
  }))!;
  ctx.app.aws.roleSessions.forget(current.id);
  return {
    connector,
    externalIdChange: {
      previousExternalId: current.externalId,
      externalId: connector.externalId,
      message: externalIdChangeMessage(
        current.externalId,
        connector.externalId,
        connector.roleArn ?? "the connector's role",
      ),
    },
    userErrors: [],
  };
}

/** Connection tests a tenant may run at once in this process. */
const MAX_TESTS_PER_TENANT = 5;
const testsRunning = new Map<string, number>();

export async function testConnector(
  ctx: TenantContext,
  input: ConnectorTestInput,
): Promise<{ result: ConnectionTestResultModel | null; userErrors: UserErrorModel[] }> {
  if ((input.id == null) === (input.draft == null)) {
    return {
      result: null,
      userErrors: [
        userError(
          ['input'],
          'Give either `id` (a saved connector) or `draft` (one not saved yet).',
          'INVALID',
        ),
      ],
    };
  }
  if (input.testId != null && !isUuid(input.testId)) {
    return {
      result: null,
      userErrors: [
        userError(
          ['input', 'testId'],
          'A test id is a UUID you choose, e.g. from crypto.randomUUID().',
          'INVALID',
        ),
      ],
    };
  }
  const testId = input.testId ?? randomUUID();
  let target: AwsTarget;
  let connector: ConnectorModel | null = null;
  let writeBack: boolean;
  let exportFindings: boolean;
  let containment: boolean;
  let api: SecurityHubApi | null;
  if (input.draft) {
    const settings = settingsFromInput(input.draft);
    const errors = (await checkSettings(ctx, settings)).map((error) => ({
      ...error,
      field: ['input', 'draft', ...error.field.slice(1)],
    }));
    const externalId = await draftExternalId(ctx, input.draft, errors);
    if (errors.length > 0 || externalId === undefined) return { result: null, userErrors: errors };
    target = targetOf(settings, externalId, settings.secretAccessKey ?? null);
    writeBack = settings.writeBackEnabled;
    exportFindings = settings.exportEnabled;
    containment = settings.containmentEnabled;
    api = settings.api;
  } else {
    connector = await connectorById(ctx, input.id!);
    if (!connector) return { result: null, userErrors: notFound(input.id!).userErrors };
    try {
      target = await targetOfConnector(ctx, connector);
    } catch (error) {
      if (error instanceof SecretUnreadableError)
        return { result: null, userErrors: [userError(['input', 'id'], error.message, 'INVALID')] };
      if (error instanceof OwnIdentityNotAllowedError)
        return { result: null, userErrors: [userError(['input', 'id'], error.message, 'NOT_ALLOWED')] };
      throw error;
    }
    writeBack = connector.writeBackEnabled;
    exportFindings = connector.exportEnabled;
    containment = connector.containmentEnabled;
    api = connector.api as SecurityHubApi | null;
  }
  const connectorId = connector?.id ?? null;
  const publish = (event: { check?: ConnectionCheckModel; result?: ConnectionTestResultModel }) =>
    ctx.db.transaction((tx) =>
      appendEvents(tx, ctx.tenantId, [
        {
          topic: 'connector_test',
          type: event.result ? 'FINISHED' : 'CHECK',
          entityId: testId,
          payload: { connectorId, ...event },
        },
      ]),
    );
  // Tests open sockets to wherever a draft points: a tenant runs a few at once, not hundreds.
  const running = testsRunning.get(ctx.tenantId) ?? 0;
  if (running >= MAX_TESTS_PER_TENANT)
    return {
      result: null,
      userErrors: [
        userError(
          ['input'],
          `${running} connection tests of this tenant are running; at most ${MAX_TESTS_PER_TENANT} run at once. Wait for one to finish (connectorTestProgress) and try again.`,
          'IN_PROGRESS',
        ),
      ],
    };
  testsRunning.set(ctx.tenantId, running + 1);
  let result: ConnectionTestResultModel;
  try {
    result = await runConnectionTest(target, {
      testId,
      transport: ctx.app.aws.transport,
      writeBack,
      exportFindings,
      containment,
      api,
      onCheck: (check) => publish({ check }),
      checkDeadlineMs: ctx.app.config.connectionTestDeadlineSeconds * 1000,
    });
  } finally {
    const left = (testsRunning.get(ctx.tenantId) ?? 1) - 1;
    if (left > 0) testsRunning.set(ctx.tenantId, left);
    else testsRunning.delete(ctx.tenantId);
  }
  await publish({ result });
  if (connector) await recordTest(ctx, connector, result);
  return { result, userErrors: [] };
}

/**
 * The external ID a draft is tested with: its prepared connector's, whose expiry the use extends. A
 * draft that assumes a role needs one: an ID made up for one test could never be in a trust policy.
 */
async function draftExternalId(
  ctx: TenantContext,
  draft: ConnectorInput,
  errors: UserErrorModel[],
): Promise<string | undefined> {
  const field = ['input', 'draft', 'preparedId'];
  if (draft.preparedId == null) {
    if (draft.auth.mode !== 'ASSUME_ROLE') return generateExternalId();
    errors.push(
      userError(
        field,
        "A draft that assumes a role is tested with the external ID the connector will keep: call connectorPrepare, put its external ID in the role's trust policy (awsSetup.trustPolicy), and pass its id as preparedId here and to connectorCreate.",
        'REQUIRED',
      ),
    );
    return undefined;
  }
  const now = ctx.clock.now();
  const prepared = await updatePreparedConnector(ctx.db, ctx.tenantId, draft.preparedId, now, {
    expiresAt: preparedConnectorExpiry(now),
  });
  if (!prepared) {
    errors.push(preparedNotFound(draft.preparedId, field));
    return undefined;
  }
  return prepared.externalId;
}

/** Stores the test on the connector; a failed test puts it in FAILED, a passing one takes it out. */
async function recordTest(
  ctx: TenantContext,
  connector: ConnectorModel,
  result: ConnectionTestResultModel,
): Promise<void> {
  const failed = result.checks.find((check) => check.status === 'FAILED');
  const now = ctx.clock.now();
  const state = failed
    ? 'FAILED'
    : connector.state === 'FAILED'
      ? stateFor(connector.enabled, nextRunAt(settingsOf(connector).schedule, now), now)
      : connector.state;
  const lastError = failed
    ? `${failed.name}: ${failed.message}${failed.remediation ? ` Fix: ${failed.remediation}` : ''}`
    : null;
  await changeState(ctx, connector, state, lastError, {
    lastTest: result as unknown as Record<string, unknown>,
    ...(result.baseAccountId ? { baseAccountId: result.baseAccountId } : {}),
    // A connector that did not choose its Security Hub reads the one(s) the test found answering.
    ...(connector.api === null && result.detectedApi ? { api: result.detectedApi } : {}),
  });
}

/**
 * Writes a state (and other columns) and, when the state or error changes, its event — in one
 * transaction.
 */
export async function changeState(
  ctx: TenantContext,
  current: ConnectorModel,
  state: string,
  lastError: string | null,
  columns: Partial<ConnectorModel> = {},
): Promise<ConnectorModel> {
  return ctx.db.transaction(
    async (tx: Tx) =>
      (await setConnectorState(tx, ctx.tenantId, current.id, state, lastError, ctx.clock.now(), columns))!,
  );
}

/**
 * Inside the caller's transaction (the sync engine commits a state with its run): sets a
 * connector's state and error, and appends the state event when either changed. Undefined when
 * the connector is gone.
 */
export async function setConnectorState(
  tx: Tx,
  tenantId: string,
  connectorId: string,
  state: string,
  lastError: string | null,
  now: Date,
  columns: Partial<ConnectorModel> = {},
): Promise<ConnectorModel | undefined> {
  const [current] = await lockConnector(tx, tenantId, connectorId);
  if (!current) return undefined;
  const changed = state !== current.state || lastError !== current.lastError;
  const row = (await updateConnectorRow(tx, tenantId, current.id, {
    ...columns,
    ...(changed ? { state, lastError, stateChangedAt: now } : {}),
  }))!;
  if (changed) await appendEvents(tx, tenantId, [stateEvent(row, current.state)]);
  return row;
}

function stateEvent(row: ConnectorModel, previousState: string | null): NewEvent {
  return {
    topic: 'connector',
    type: 'STATE_CHANGED',
    entityId: row.id,
    payload: { state: row.state, previousState, lastError: row.lastError },
  };
}

function stateFor(enabled: boolean, next: Date | null, now: Date): string {
  if (!enabled) return 'DISABLED';
  return next && next.getTime() > now.getTime() ? 'SCHEDULED' : 'REGISTERED';
}

async function checkSettings(
  ctx: TenantContext,
  settings: ConnectorSettings,
  exceptId?: string,
): Promise<UserErrorModel[]> {
  const errors = validateSettings(settings, {
    allowCustomEndpoints: ctx.app.config.allowCustomEndpoints,
    now: ctx.clock.now(),
  });
  if (settings.authMode === 'DEFAULT_CHAIN' && !mayUseOwnIdentity(ctx)) {
    errors.push(userError(['input', 'auth', 'mode'], OWN_IDENTITY_NOT_ALLOWED, 'NOT_ALLOWED'));
  }
  if (settings.name && (await connectorNameTaken(ctx.db, ctx.tenantId, settings.name, exceptId))) {
    errors.push(
      userError(
        ['input', 'name'],
        `A connector named "${settings.name}" exists already; choose another name.`,
        'DUPLICATE',
      ),
    );
  }
  const builtIn = BUILT_IN_TRANSFORM_MAPS.some((map) => map.key === settings.transformMapKey);
  if (!builtIn && (await transformMapsByIds(ctx.db, ctx.tenantId, [settings.transformMapKey])).length === 0) {
    errors.push(
      userError(
        ['input', 'transformMapId'],
        `No transform map has the id "${settings.transformMapKey}"; list them with the transformMaps query.`,
        'NOT_FOUND',
      ),
    );
  }
  return errors;
}

function columnsOf(settings: ConnectorSettings) {
  return {
    name: settings.name,
    description: settings.description,
    authMode: settings.authMode,
    sourceMode: settings.authMode === 'ASSUME_ROLE' ? (settings.sourceMode ?? 'DEFAULT_CHAIN') : null,
    accessKeyId: settings.accessKeyId,
    roleArn: settings.roleArn,
    roleSessionName:
      settings.roleSessionName ??
      (settings.authMode === 'ASSUME_ROLE' ? defaultSessionName(settings.name) : null),
    sessionDurationSeconds: settings.sessionDurationSeconds,
    regions: settings.regions,
    endpointOverride: settings.endpointOverride,
    scope: settings.scope as unknown as Record<string, unknown>,
    schedule: settings.schedule as unknown as Record<string, unknown> | null,
    transformMapKey: settings.transformMapKey,
    defaultSeverity: settings.defaultSeverity,
    writeBackEnabled: settings.writeBackEnabled,
    exportEnabled: settings.exportEnabled,
    containmentEnabled: settings.containmentEnabled,
    api: settings.api,
  };
}

export function settingsOf(connector: ConnectorModel): ConnectorSettings {
  return {
    name: connector.name,
    description: connector.description,
    authMode: connector.authMode as ConnectorSettings['authMode'],
    sourceMode: connector.sourceMode as ConnectorSettings['sourceMode'],
    accessKeyId: connector.accessKeyId,
    secretAccessKey: undefined,
    hasStoredSecret: connector.accessKeyId !== null,
    roleArn: connector.roleArn,
    roleSessionName: connector.roleSessionName,
    sessionDurationSeconds: connector.sessionDurationSeconds,
    regions: connector.regions,
    endpointOverride: connector.endpointOverride,
    scope: connector.scope as unknown as ConnectorSettings['scope'],
    schedule: connector.schedule as unknown as ConnectorSettings['schedule'],
    transformMapKey: connector.transformMapKey,
    defaultSeverity: connector.defaultSeverity,
    writeBackEnabled: connector.writeBackEnabled,
    exportEnabled: connector.exportEnabled,
    containmentEnabled: connector.containmentEnabled,
    api: connector.api as SecurityHubApi | null,
  };
}

function targetOf(
  settings: ConnectorSettings,
  externalId: string,
  secretAccessKey: string | null,
): AwsTarget {
  return {
    authMode: settings.authMode,
    sourceMode:
      settings.authMode === 'ASSUME_ROLE'
        ? ((settings.sourceMode ?? 'DEFAULT_CHAIN') as AwsTarget['sourceMode'])
        : null,
    accessKeyId: settings.accessKeyId,
    secretAccessKey,
    roleArn: settings.roleArn,
    externalId,
    roleSessionName: settings.roleSessionName ?? defaultSessionName(settings.name),
    sessionDurationSeconds: settings.sessionDurationSeconds,
    regions: settings.regions,
    endpointOverride: settings.endpointOverride,
  };
}

const OWN_IDENTITY_NOT_ALLOWED =
  "DEFAULT_CHAIN reads with Hubgraph's own AWS identity, which this tenant may not use: choose ASSUME_ROLE (Hubgraph assumes a role in your account, with an external ID; see connectorPrepare) or ACCESS_KEY. An operator can allow it with HUBGRAPH_DEFAULT_CHAIN_TENANTS.";

/** Whether the tenant may read with Hubgraph's own AWS identity (HUBGRAPH_DEFAULT_CHAIN_TENANTS). */
function mayUseOwnIdentity(ctx: Pick<TenantContext, 'tenantId' | 'app'>): boolean {
  const allowed = ctx.app.config.defaultChainTenants;
  return allowed.has('*') || allowed.has(ctx.tenantId);
}

/** A saved DEFAULT_CHAIN connector of a tenant the operator no longer (or never) allowed to use Hubgraph's identity. */
export class OwnIdentityNotAllowedError extends Error {
  readonly remediation =
    'Switch the connector to ASSUME_ROLE or ACCESS_KEY with connectorUpdate, or ask the operator to list this tenant in HUBGRAPH_DEFAULT_CHAIN_TENANTS.';
  constructor() {
    super(OWN_IDENTITY_NOT_ALLOWED);
    this.name = 'OwnIdentityNotAllowedError';
  }
}

/**
 * What it takes to reach AWS for a saved connector; the secret is decrypted here, in memory only.
 * Checked again here, at use, and not only when the connector was saved: a connector saved while
 * its tenant could use DEFAULT_CHAIN must not keep using Hubgraph's identity once it cannot.
 */
export async function targetOfConnector(
  ctx: Pick<TenantContext, 'tenantId' | 'app' | 'db'>,
  connector: ConnectorModel,
): Promise<AwsTarget> {
  if (connector.authMode === 'DEFAULT_CHAIN' && !mayUseOwnIdentity(ctx))
    throw new OwnIdentityNotAllowedError();
  const sealed = connector.accessKeyId
    ? await secretOf(ctx.db, connector.tenantId, connector.id, SECRET_KEY)
    : undefined;
  return targetOf(
    settingsOf(connector),
    connector.externalId,
    sealed ? unseal(ctx.app.masterKey, sealed) : null,
  );
}

/** A connector of the context's tenant, or null (an unknown or malformed id, or another tenant's). */
export async function connectorById(ctx: TenantContext, id: string): Promise<ConnectorModel | null> {
  return (await connectorsByIds(ctx.db, ctx.tenantId, [id]))[0] ?? null;
}

function notFound(id: string): ConnectorPayloadModel {
  return {
    connector: null,
    userErrors: [userError(['input', 'id'], `No connector has the id ${quoteInput(id)}.`, 'NOT_FOUND')],
  };
}
