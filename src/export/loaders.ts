import DataLoader from 'dataloader';
import type { Executor } from '../db/client.ts';
import { keyedLoader } from '../db/loaders.ts';
import type { ExportCounts, ExportModel } from './model.ts';
import { countsByExportIds, exportsByIds } from './queries.ts';

export type ExportLoaders = ReturnType<typeof createExportLoaders>;

export function createExportLoaders(db: Executor, tenantId: string) {
  return {
    byId: keyedLoader<string, ExportModel>(
      (ids) => exportsByIds(db, tenantId, ids),
      (row) => row.id,
    ),
    /** Counts of each export's findings (the exports are the tenant's: they were loaded through it). */
    counts: new DataLoader<string, ExportCounts & { archivedCount: number }>(async (ids) => {
      const counts = await countsByExportIds(db, ids);
      return ids.map((id) => counts.get(id)!);
    }),
  };
}
