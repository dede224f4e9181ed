import DataLoader from 'dataloader';
import type { Executor } from '../db/client.ts';
import { keyedLoader } from '../graphql/loader-utils.ts';
import type { ConnectorModel } from './model.ts';
import { checkpointsByRunIds, connectorsByIds } from './queries.ts';

export type ConnectorLoaders = ReturnType<typeof createConnectorLoaders>;
export type RunCheckpointRow = Awaited<ReturnType<typeof checkpointsByRunIds>>[number];

export function createConnectorLoaders(db: Executor, tenantId: string) {
  return {
    byId: keyedLoader<string, ConnectorModel>(
      (ids) => connectorsByIds(db, tenantId, ids),
      (row) => row.id,
    ),
    checkpointsByRun: new DataLoader<string, RunCheckpointRow[]>(async (runIds) => {
      const rows = await checkpointsByRunIds(db, tenantId, runIds);
      return runIds.map((id) => rows.filter((row) => row.runId === id));
    }),
  };
}
