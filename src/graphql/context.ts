import type { Logger } from 'pino';
import { createAssetLoaders } from '../assets/loaders.ts';
import { AuthenticationError, type Principal } from '../auth/authenticate.ts';
import { ensureTenant } from '../auth/tenants.ts';
import { createConnectorLoaders } from '../connectors/loaders.ts';
import { type AppServices, type TenantContext, tenantContext } from '../context.ts';
import type { Db } from '../db/client.ts';
import { UnauthenticatedError } from '../errors.ts';
import { createExportLoaders } from '../export/loaders.ts';
import { createFindingLoaders } from '../findings/loaders.ts';
import { createRunLoaders } from '../sync/loaders.ts';
import { createTransformMapLoaders } from '../transform-maps/loaders.ts';

export type { AppServices };

/** What one request (or one WebSocket connection's operation) sees. */
export interface GraphQLContext {
  requestId: string;
  tenantId: string;
  /** The verified JWT's subject: who is acting (undefined in dev mode). */
  subject: string | undefined;
  devMode: boolean;
  db: Db;
  log: Logger;
  loaders: Loaders;
  app: AppServices;
  /** What the domain services take: the request's tenant, database, events, clock and logger. */
  tenant: TenantContext;
}

export type Loaders = ReturnType<typeof createLoaders>;

/** Fresh per request: a DataLoader cache must never outlive the request (or cross tenants). */
export function createLoaders(db: Db, tenantId: string) {
  return {
    findings: createFindingLoaders(db, tenantId),
    assets: createAssetLoaders(db, tenantId),
    connectors: createConnectorLoaders(db, tenantId),
    transformMaps: createTransformMapLoaders(db, tenantId),
    runs: createRunLoaders(db, tenantId),
    exports: createExportLoaders(db, tenantId),
  };
}

const batchLoaders = new WeakMap<object, Loaders>();

/**
 * Loaders for one batch of events of a subscription. The event bus hands the same batch to every
 * subscriber of a tenant, so they share these: what one subscriber loads, the others find cached.
 * Fresh per batch: a subscription lives long, and each delivery must see the data as it is now.
 */
export function loadersForBatch(ctx: GraphQLContext, batch: object): Loaders {
  let loaders = batchLoaders.get(batch);
  if (!loaders) {
    loaders = createLoaders(ctx.db, ctx.tenantId);
    batchLoaders.set(batch, loaders);
  }
  return loaders;
}

/** Authenticates, makes sure the tenant row exists, and builds the request's loaders. */
export async function createContext(
  app: AppServices,
  request: { authorization: string | undefined; requestId: string },
): Promise<GraphQLContext> {
  let principal: Principal;
  try {
    principal = await app.authenticate(request.authorization);
  } catch (error) {
    if (error instanceof AuthenticationError) throw new UnauthenticatedError(error.message);
    throw error;
  }
  const db = app.database.db;
  await ensureTenant(db, principal.tenantId);
  const log = app.log.child({ requestId: request.requestId, tenantId: principal.tenantId });
  return {
    requestId: request.requestId,
    tenantId: principal.tenantId,
    subject: principal.subject,
    devMode: app.config.auth === undefined,
    db,
    log,
    loaders: createLoaders(db, principal.tenantId),
    app,
    tenant: tenantContext(app, principal.tenantId, log),
  };
}
