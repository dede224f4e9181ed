import type { Executor } from '../db/client.ts';
import { keyedLoader } from '../db/loaders.ts';
import type { ConnectorModel } from './model.ts';
import { connectorsByIds } from './queries.ts';

export type ConnectorLoaders = ReturnType<typeof createConnectorLoaders>;

export function createConnectorLoaders(db: Executor, tenantId: string) {
  return {
    byId: keyedLoader<string, ConnectorModel>(
      (ids) => connectorsByIds(db, tenantId, ids),
      (row) => row.id,
    ),
  };
}
