import type { Executor } from '../db/client.ts';
import { riskFromSummary } from '../mapping/risk-score.ts';
import { riskInputsForAssets, updateAssetRisks } from './queries.ts';

/**
 * Recomputes the risk of the given assets from their findings as stored now. Called whenever an
 * asset's findings or criticality change — inside the same transaction — so risk is never stale.
 * Two reads and one write, whatever the number of assets or of their findings.
 */
export async function recomputeAssetRisk(
  db: Executor,
  tenantId: string,
  assetIds: readonly string[],
): Promise<void> {
  if (assetIds.length === 0) return;
  const { assetRows, summaries } = await riskInputsForAssets(db, tenantId, assetIds);
  const updates = [...assetRows]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((asset) => {
      const risk = riskFromSummary(
        summaries.get(asset.id) ?? { bands: {}, countedFindings: 0, problems: 0 },
        asset.criticality,
        asset.internetExposed,
      );
      return { id: asset.id, score: risk.score, factors: risk.factors, scoringVersion: risk.scoringVersion };
    });
  await updateAssetRisks(db, tenantId, updates);
}
