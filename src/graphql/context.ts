import type { Logger } from 'pino';
import { createAssetLoaders } from '../assets/loaders.ts';
import { AuthenticationError, type Authenticator, type Principal } from '../auth/authenticate.ts';
import { ensureTenant } from '../auth/tenants.ts';
import type { AwsTransport, RoleSessionCache } from '../aws/clients.ts';
import type { Config } from '../config.ts';
import type { MasterKey } from '../connectors/crypto.ts';
import { createConnectorLoaders } from '../connectors/loaders.ts';
import type { Database, Db } from '../db/client.ts';
import type { EventBus } from '../events/bus.ts';
import { createFindingLoaders } from '../findings/loaders.ts';
import type { Metrics } from '../observability/metrics.ts';
import { createTransformMapLoaders } from '../transform-maps/loaders.ts';
import { UnauthenticatedError } from './errors.ts';

/** What lives as long as the process: shared by every request. */
export interface AppServices {
  config: Config;
  /** Seals connector secrets at rest. */
  masterKey: MasterKey;
  aws: { transport: AwsTransport; roleSessions: RoleSessionCache };
  database: Database;
  eventBus: EventBus;
  log: Logger;
  metrics: Metrics;
  authenticate: Authenticator;
}

/** What one request (or one WebSocket connection's operation) sees. */
export interface GraphQLContext {
  requestId: string;
  tenantId: string;
  devMode: boolean;
  db: Db;
  log: Logger;
  loaders: Loaders;
  app: AppServices;
}

export type Loaders = ReturnType<typeof createLoaders>;

/** Fresh per request: a DataLoader cache must never outlive the request (or cross tenants). */
export function createLoaders(db: Db, tenantId: string) {
  return {
    findings: createFindingLoaders(db, tenantId),
    assets: createAssetLoaders(db, tenantId),
    connectors: createConnectorLoaders(db, tenantId),
    transformMaps: createTransformMapLoaders(db, tenantId),
  };
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
  return {
    requestId: request.requestId,
    tenantId: principal.tenantId,
    devMode: app.config.auth === undefined,
    db,
    log: app.log.child({ requestId: request.requestId, tenantId: principal.tenantId }),
    loaders: createLoaders(db, principal.tenantId),
    app,
  };
}
