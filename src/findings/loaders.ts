import DataLoader from 'dataloader';
import { and, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import {
  buildConnection,
  type ConnectionModel,
  type PageArgs,
  pageQuery,
  resolvePageArgs,
} from '../db/keyset.ts';
import { keyedLoader, loaderFamily } from '../db/loaders.ts';
import { findings } from '../db/schema.ts';
import type { FindingFilter, FindingOrder } from '../generated/graphql.ts';
import { findingFilterCondition } from './filter.ts';
import type { FindingModel } from './model.ts';
import {
  findingCountsForAssets,
  findingExists,
  findingOrder,
  findingPagesForAssets,
  findingsByAwsIdentity,
  findingsByDedupKeys,
  findingsByIds,
  rawFindingsByIds,
  severityCountsByAsset,
} from './queries.ts';

export interface SeverityCountsModel {
  critical: number;
  high: number;
  medium: number;
  low: number;
  informational: number;
  total: number;
}

export interface AssetFindingsArgs extends PageArgs {
  filter?: FindingFilter | null;
  orderBy?: FindingOrder | null;
}

export type FindingLoaders = ReturnType<typeof createFindingLoaders>;

export function createFindingLoaders(db: Executor, tenantId: string) {
  const byId = keyedLoader<string, FindingModel>(
    (ids) => findingsByIds(db, tenantId, ids),
    (row) => row.id,
  );
  const byAwsIdentity = keyedLoader<{ productArn: string; awsId: string }, FindingModel>(
    (keys) => findingsByAwsIdentity(db, tenantId, keys),
    (row) => ({ productArn: row.productArn, awsId: row.awsId }),
    (key) => `${key.productArn}\n${key.awsId}`,
  );
  const raw = new DataLoader<string, Record<string, unknown> | null>(async (ids) => {
    const rows = new Map((await rawFindingsByIds(db, tenantId, ids)).map((row) => [row.id, row.raw]));
    return ids.map((id) => rows.get(id) ?? null);
  });
  const severityCounts = new DataLoader<string, SeverityCountsModel>(async (assetIds) => {
    const counts = new Map<string, SeverityCountsModel>();
    for (const row of await severityCountsByAsset(db, tenantId, assetIds)) {
      const entry = counts.get(row.assetId) ?? emptyCounts();
      const field = (['informational', 'low', 'medium', 'high', 'critical'] as const)[
        row.findingSeverity - 1
      ];
      if (field) entry[field] += row.count;
      entry.total += row.count;
      counts.set(row.assetId, entry);
    }
    return assetIds.map((id) => counts.get(id) ?? emptyCounts());
  });

  /** `Asset.findings(...)`: every asset on the page asking with the same arguments shares one query. */
  const forAsset = loaderFamily((args: AssetFindingsArgs) => {
    const condition = findingFilterCondition(args.filter);
    const order = findingOrder(args.orderBy);
    const page = resolvePageArgs(args, order);
    const counts = new DataLoader<string, number>(async (assetIds) => {
      const found = await findingCountsForAssets(db, tenantId, condition, assetIds);
      return assetIds.map((id) => found.get(id) ?? 0);
    });
    return new DataLoader<string, ConnectionModel<FindingModel>>(async (assetIds) => {
      const pages =
        page.size === 0
          ? new Map<string, FindingModel[]>()
          : await findingPagesForAssets(db, tenantId, condition, pageQuery(page, order), assetIds);
      return assetIds.map((assetId) => {
        // The far side of a nested page is asked per asset, and only when a client asks for it.
        const ofAsset = and(condition, eq(findings.assetId, assetId));
        return buildConnection(page, order, pages.get(assetId) ?? [], {
          exists: (bound) => findingExists(db, tenantId, and(ofAsset, bound)),
          count: () => counts.load(assetId),
        });
      });
    });
  });

  /** The members of a de-duplication group, by its key. */
  const group = new DataLoader<string, FindingModel[]>(async (keys) => {
    const members = await findingsByDedupKeys(db, tenantId, keys);
    return keys.map((key) => members.filter((member) => member.dedupKey === key));
  });

  return { byId, byAwsIdentity, raw, severityCounts, forAsset, group };
}

function emptyCounts(): SeverityCountsModel {
  return { critical: 0, high: 0, medium: 0, low: 0, informational: 0, total: 0 };
}
