import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { tablePageSource } from '../db/page-source.ts';
import { connectors, runCheckpoints, runs } from '../db/schema.ts';
import {
  type ConnectionModel,
  dateKey,
  isUuid,
  type KeysetOrder,
  type PageArgs,
  paginate,
} from '../graphql/connection.ts';
import type { ConnectorModel, ConnectorRunModel } from './model.ts';

// Every SQL statement about connectors and their runs lives here. Each one is scoped to a tenant.

const connectorOrder: KeysetOrder<ConnectorModel> = {
  name: 'CREATED_AT',
  direction: 'ASC',
  keys: [
    dateKey(sql`${connectors.createdAt}`, (row) => row.createdAt),
    { expression: sql`${connectors.id}`, type: 'uuid', read: (row) => row.id },
  ],
};

export function listConnectors(
  db: Executor,
  tenantId: string,
  args: PageArgs,
): Promise<ConnectionModel<ConnectorModel>> {
  return paginate(args, connectorOrder, tablePageSource(db, connectors, eq(connectors.tenantId, tenantId)));
}

export function connectorsByIds(
  db: Executor,
  tenantId: string,
  ids: readonly string[],
): Promise<ConnectorModel[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(connectors)
    .where(and(eq(connectors.tenantId, tenantId), inArray(connectors.id, valid)));
}

/** Newest run first. */
const runOrder: KeysetOrder<ConnectorRunModel> = {
  name: 'CREATED_AT',
  direction: 'DESC',
  keys: [
    dateKey(sql`${runs.createdAt}`, (row) => row.createdAt),
    { expression: sql`${runs.id}`, type: 'uuid', read: (row) => row.id },
  ],
};

export function listRuns(
  db: Executor,
  tenantId: string,
  connectorId: string,
  args: PageArgs,
): Promise<ConnectionModel<ConnectorRunModel>> {
  const where = and(eq(runs.tenantId, tenantId), eq(runs.connectorId, connectorId));
  return paginate(args, runOrder, tablePageSource(db, runs, where));
}

export function checkpointsByRunIds(db: Executor, tenantId: string, runIds: readonly string[]) {
  return db
    .select()
    .from(runCheckpoints)
    .where(and(eq(runCheckpoints.tenantId, tenantId), inArray(runCheckpoints.runId, [...runIds])))
    .orderBy(asc(runCheckpoints.accountId), asc(runCheckpoints.region));
}
