import type { AwsTarget } from '../aws/clients.ts';
import { partitionOfRegion } from '../aws/regions.ts';
import type { ConnectorModel } from '../connectors/model.ts';
import { generateExternalId, targetOfConnector } from '../connectors/service.ts';
import { validateEndpointOverride, validateRegions } from '../connectors/settings.ts';
import type { TenantContext } from '../context.ts';
import type {
  ConnectorPrepareInput,
  PreparedConnectorRegenerateExternalIdInput,
} from '../generated/graphql.ts';
import { type UserErrorModel, userError } from '../user-errors.ts';
import { type AwsSetupModel, awsSetup, DEFAULT_ROLE_NAME, externalIdChangeMessage } from './aws-setup.ts';
import type { PreparedConnectorModel } from './model.ts';
import { PREPARED_CONNECTOR_TTL_DAYS, preparedConnectorExpiry, preparedNotFound } from './prepared.ts';
import {
  countPreparedConnectors,
  deleteExpiredPreparedConnectors,
  insertPreparedConnector,
  livePreparedConnector,
  updatePreparedConnector,
} from './queries.ts';

// Onboarding: the external ID is issued once, to a prepared connector, before the account owner
// creates the role (the way the best onboarding flows show it first); draft tests and connectorCreate
// carry the prepared connector's id, so the trust policy written from it is the one that works. Every
// connector, prepared or saved, can say what its IAM set-up is (`awsSetup`).

/** Live prepared connectors per tenant: plenty for people, a bound for a script in a loop. */
export const MAX_PREPARED_CONNECTORS = 100;

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export interface PreparedConnectorPayloadModel {
  preparedConnector: PreparedConnectorModel | null;
  externalIdChange: { previousExternalId: string; externalId: string; message: string } | null;
  userErrors: UserErrorModel[];
}

export async function prepareConnector(
  ctx: TenantContext,
  input: ConnectorPrepareInput,
): Promise<PreparedConnectorPayloadModel> {
  const errors: UserErrorModel[] = [];
  validateRegions(input.regions, errors);
  validateEndpointOverride(input.endpointOverride ?? null, ctx.app.config.allowCustomEndpoints, errors);
  const roleName = input.roleName ?? DEFAULT_ROLE_NAME;
  if (!ROLE_NAME.test(roleName))
    errors.push(
      userError(
        ['input', 'roleName'],
        'An IAM role name has 1 to 64 letters, digits or + = , . @ _ -.',
        'INVALID',
      ),
    );
  const sessionDurationSeconds = input.sessionDurationSeconds ?? 3600;
  if (
    !Number.isInteger(sessionDurationSeconds) ||
    sessionDurationSeconds < 900 ||
    sessionDurationSeconds > 43_200
  )
    errors.push(
      userError(
        ['input', 'sessionDurationSeconds'],
        `A session lasts 900 to 43200 seconds (15 minutes to 12 hours); got ${sessionDurationSeconds}.`,
        'OUT_OF_RANGE',
      ),
    );
  if (errors.length > 0) return { preparedConnector: null, externalIdChange: null, userErrors: errors };
  const now = ctx.clock.now();
  const preparedConnector = await ctx.db.transaction(async (tx) => {
    await deleteExpiredPreparedConnectors(tx, ctx.tenantId, now);
    if ((await countPreparedConnectors(tx, ctx.tenantId)) >= MAX_PREPARED_CONNECTORS) return null;
    return insertPreparedConnector(tx, {
      tenantId: ctx.tenantId,
      externalId: generateExternalId(),
      regions: input.regions,
      endpointOverride: input.endpointOverride ?? null,
      roleName,
      writeBackEnabled: input.writeBackEnabled ?? false,
      exportEnabled: input.exportEnabled ?? false,
      containmentEnabled: input.containmentEnabled ?? false,
      sessionDurationSeconds,
      createdAt: now,
      expiresAt: preparedConnectorExpiry(now),
    });
  });
  if (!preparedConnector)
    return {
      preparedConnector: null,
      externalIdChange: null,
      userErrors: [
        userError(
          ['input'],
          `This tenant has ${MAX_PREPARED_CONNECTORS} prepared connectors in use: create connectors from them (connectorCreate with preparedId), or let them expire (${PREPARED_CONNECTOR_TTL_DAYS} days unused).`,
          'OUT_OF_RANGE',
        ),
      ],
    };
  return { preparedConnector, externalIdChange: null, userErrors: [] };
}

export async function regeneratePreparedExternalId(
  ctx: TenantContext,
  input: PreparedConnectorRegenerateExternalIdInput,
): Promise<PreparedConnectorPayloadModel> {
  const now = ctx.clock.now();
  const current = await livePreparedConnector(ctx.db, ctx.tenantId, input.id, now);
  const updated =
    current &&
    (await updatePreparedConnector(ctx.db, ctx.tenantId, current.id, now, {
      externalId: generateExternalId(),
      expiresAt: preparedConnectorExpiry(now),
    }));
  if (!current || !updated)
    return {
      preparedConnector: null,
      externalIdChange: null,
      userErrors: [preparedNotFound(input.id, ['input', 'id'])],
    };
  return {
    preparedConnector: updated,
    externalIdChange: {
      previousExternalId: current.externalId,
      externalId: updated.externalId,
      message: externalIdChangeMessage(current.externalId, updated.externalId, `role ${updated.roleName}`),
    },
    userErrors: [],
  };
}

export function preparedConnectorById(
  ctx: TenantContext,
  id: string,
): Promise<PreparedConnectorModel | null> {
  return livePreparedConnector(ctx.db, ctx.tenantId, id, ctx.clock.now()).then((row) => row ?? null);
}

export async function awsSetupOfPrepared(
  ctx: TenantContext,
  prepared: PreparedConnectorModel,
): Promise<AwsSetupModel> {
  // Who Hubgraph is: its own identity (the default chain), asked where the connector will ask.
  const target: AwsTarget = {
    authMode: 'DEFAULT_CHAIN',
    sourceMode: null,
    accessKeyId: null,
    secretAccessKey: null,
    roleArn: null,
    externalId: prepared.externalId,
    roleSessionName: 'hubgraph',
    sessionDurationSeconds: prepared.sessionDurationSeconds,
    regions: prepared.regions,
    endpointOverride: prepared.endpointOverride,
  };
  return awsSetup({
    ...(await principalOf(ctx, () => Promise.resolve(target))),
    externalId: prepared.externalId,
    roleName: prepared.roleName,
    roleArn: null,
    partition: partitionOfRegion(prepared.regions[0]!)?.id ?? 'aws',
    writeBack: prepared.writeBackEnabled,
    exportFindings: prepared.exportEnabled,
    containment: prepared.containmentEnabled,
    sessionDurationSeconds: prepared.sessionDurationSeconds,
  });
}

export async function awsSetupOfConnector(
  ctx: TenantContext,
  connector: ConnectorModel,
): Promise<AwsSetupModel> {
  const roleName = connector.roleArn?.split('/').at(-1) ?? DEFAULT_ROLE_NAME;
  return awsSetup({
    ...(await principalOf(ctx, () => targetOfConnector(ctx, connector))),
    externalId: connector.externalId,
    roleName,
    roleArn: connector.roleArn,
    partition: partitionOfRegion(connector.regions[0]!)?.id ?? 'aws',
    writeBack: connector.writeBackEnabled,
    exportFindings: connector.exportEnabled,
    containment: connector.containmentEnabled,
    sessionDurationSeconds: connector.sessionDurationSeconds,
  });
}

/** The principal from STS, or what kept Hubgraph from asking and what to do about it. */
async function principalOf(
  ctx: TenantContext,
  target: () => Promise<AwsTarget>,
): Promise<{ principal: string | null; principalProblem: string | null }> {
  try {
    const identity = await ctx.app.aws.callerIdentities.identity(await target(), ctx.app.aws.transport);
    return { principal: identity.principal, principalProblem: null };
  } catch (error) {
    const e = error as Error;
    return {
      principal: null,
      principalProblem: `Hubgraph could not ask STS who it is (GetCallerIdentity: ${e.name}: ${e.message}). Give the connector's source identity working credentials (for Hubgraph's own: an instance or task role, or AWS_* variables), then ask again; until then the CloudFormation templates take the principal as a parameter.`,
    };
  }
}
