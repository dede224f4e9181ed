import type { Logger } from 'pino';
import { staleRiskAssets, tenantsWithStaleRisk } from '../assets/queries.ts';
import { recomputeAssetRisk } from '../assets/risk.ts';
import { connectorsByIds } from '../connectors/queries.ts';
import type { Db, Executor } from '../db/client.ts';
import { VULNERABILITY_MAP_KEY } from '../mapping/built-in-maps.ts';
import { type DocumentFormat, type FormatMaps, mapDocument } from '../mapping/map-document.ts';
import { SCORING_VERSION, type SeverityLabel } from '../mapping/scoring-constants.ts';
import { compiledMapsFor } from '../transform-maps/service.ts';
import { applyPageEffects } from './ingest.ts';
import { staleFindings, tenantsWithStaleScores, updateDerivedColumns } from './queries.ts';

// When the scoring changes (SCORING_VERSION), stored findings are mapped again from the raw document
// they were stored with — through their connector's transform map and settings, as a sync would —
// and their assets re-scored, so no stored score silently mixes versions. Each finding is rewritten
// whole in one statement: its score, factors and version always agree. Runs in the worker at start;
// several workers share the work (rows are locked, and skipped by the others).

const BATCH = 500;

export interface RescoreResult {
  findings: number;
  /** Findings whose raw ASFF no longer maps (kept as they were, still under their old version). */
  unmappable: number;
  assets: number;
}

/** Rescores every tenant's stale findings and assets, or only those of `options.tenants`. */
export async function rescoreStaleFindings(
  db: Db,
  log: Logger,
  options: { tenants?: readonly string[] } = {},
): Promise<RescoreResult> {
  const wanted = (tenants: string[]) =>
    options.tenants ? tenants.filter((tenant) => options.tenants!.includes(tenant)) : tenants;
  const result: RescoreResult = { findings: 0, unmappable: 0, assets: 0 };
  for (const tenantId of wanted(await tenantsWithStaleScores(db, SCORING_VERSION))) {
    const settingsOf = connectorSettings(tenantId);
    let afterId: string | null = null;
    for (;;) {
      const batch = await db.transaction(async (tx) => {
        const rows = await staleFindings(tx, tenantId, SCORING_VERSION, afterId, BATCH);
        const updates: ({ id: string } & Record<string, unknown>)[] = [];
        const dedupKeys = new Set<string>();
        const assetIds = new Set<string>();
        for (const row of rows) {
          const { maps, defaultSeverity } = await settingsOf(tx, row.connectorId);
          const outcome = mapDocument(row.raw, row.format as DocumentFormat, maps, { defaultSeverity });
          if (!outcome.ok) {
            result.unmappable += 1;
            log.warn({ findingId: row.id, reason: outcome.reject.reason }, 'stored finding no longer maps');
            continue;
          }
          // updateDerivedColumns writes the derived columns only (not identity, dates, raw or links).
          updates.push({ id: row.id, ...outcome.finding });
          for (const key of [row.dedupKey, outcome.finding.dedupKey]) if (key) dedupKeys.add(key);
          if (row.assetId) assetIds.add(row.assetId);
        }
        await updateDerivedColumns(tx, tenantId, updates);
        return { rows, updated: updates.length, dedupKeys, assetIds };
      });
      if (batch.rows.length === 0) break;
      afterId = batch.rows.at(-1)!.id;
      result.findings += batch.updated;
      await applyPageEffects(db, tenantId, {
        dedupKeys: [...batch.dedupKeys],
        assetIds: [...batch.assetIds],
      });
    }
  }
  // Assets of no rescored finding (or whose risk was never computed) under the current version too.
  for (const tenantId of wanted(await tenantsWithStaleRisk(db, SCORING_VERSION))) {
    let afterId: string | null = null;
    for (;;) {
      const ids = await staleRiskAssets(db, tenantId, SCORING_VERSION, afterId, BATCH);
      if (ids.length === 0) break;
      await recomputeAssetRisk(db, tenantId, ids);
      result.assets += ids.length;
      afterId = ids.at(-1)!;
    }
  }
  return result;
}

/** Each connector's map and default severity, looked up once per rescoring. */
function connectorSettings(
  tenantId: string,
): (
  db: Executor,
  connectorId: string | null,
) => Promise<{ maps: FormatMaps; defaultSeverity: SeverityLabel }> {
  const cache = new Map<string, Promise<{ maps: FormatMaps; defaultSeverity: SeverityLabel }>>();
  // Read through the caller's transaction: PGlite has one connection, which the transaction holds.
  const load = async (db: Executor, connectorId: string | null) => {
    const [connector] = connectorId ? await connectorsByIds(db, tenantId, [connectorId]) : [];
    // A finding without its connector (seeded, or the connector deleted) maps as seeding does.
    const maps =
      (connector && (await compiledMapsFor(db, tenantId, connector.transformMapKey))) ??
      (await compiledMapsFor(db, tenantId, VULNERABILITY_MAP_KEY));
    if (!maps) throw new Error('the built-in transform map does not compile');
    return { maps, defaultSeverity: (connector?.defaultSeverity ?? 'MEDIUM') as SeverityLabel };
  };
  return (db, connectorId) => {
    const key = connectorId ?? '';
    let settings = cache.get(key);
    if (!settings) {
      settings = load(db, connectorId);
      cache.set(key, settings);
    }
    return settings;
  };
}
