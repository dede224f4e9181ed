import type { Executor } from '../db/client.ts';
import { assetRiskScore } from '../mapping/risk-score.ts';
import { riskInputsForAssets, updateAssetRisks } from './queries.ts';

/**
 * Recomputes the risk of the given assets from their findings as stored now. Called whenever an
 * asset's findings or criticality change — inside the same transaction — so risk is never stale.
 * Two reads and one write, whatever the number of assets.
 */
export async function recomputeAssetRisk(
  db: Executor,
  tenantId: string,
  assetIds: readonly string[],
): Promise<void> {
  if (assetIds.length === 0) return;
  const { assetRows, findingRows } = await riskInputsForAssets(db, tenantId, assetIds);
  const byAsset = new Map<string, typeof findingRows>();
  for (const row of findingRows) {
    const list = byAsset.get(row.assetId!) ?? [];
    list.push(row);
    byAsset.set(row.assetId!, list);
  }
  const updates = assetRows.map((asset) => {
    const risk = assetRiskScore({
      findings: byAsset.get(asset.id) ?? [],
      criticality: asset.criticality,
      internetExposed: asset.internetExposed,
    });
    return { id: asset.id, score: risk.score, factors: risk.factors, scoringVersion: risk.scoringVersion };
  });
  await updateAssetRisks(db, tenantId, updates);
}
