import DataLoader from 'dataloader';
import type { Executor } from '../db/client.ts';
import { keyedLoader } from '../db/loaders.ts';
import type { RunSliceRow } from '../db/schema.ts';
import type { ConnectorRunModel } from './model.ts';
import { activeRunsOf, runsByIds, slicesByRunIds } from './queries.ts';

export type RunLoaders = ReturnType<typeof createRunLoaders>;

export function createRunLoaders(db: Executor, tenantId: string) {
  return {
    byId: keyedLoader<string, ConnectorRunModel>(
      (ids) => runsByIds(db, tenantId, ids),
      (row) => row.id,
    ),
    slices: new DataLoader<string, RunSliceRow[]>(async (runIds) => {
      const rows = await slicesByRunIds(db, tenantId, runIds);
      return runIds.map((id) => rows.filter((row) => row.runId === id));
    }),
    /** The queued or running run of each connector. */
    activeOf: new DataLoader<string, ConnectorRunModel | null>(async (connectorIds) => {
      const rows = await activeRunsOf(db, tenantId, connectorIds);
      return connectorIds.map((id) => rows.find((row) => row.connectorId === id) ?? null);
    }),
  };
}
