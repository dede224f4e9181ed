import { type MappingSettings, mapFinding, type Reject } from './map-finding.ts';
import type { AssetRecord } from './records.ts';
import type { CompiledTransformMap } from './transform-map.ts';

// What an integrator sees when they paste a finding: everything mapping would store, and why.

export interface PreviewModel {
  accepted: boolean;
  reject: Reject | null;
  fields: { target: string; value: unknown; source: string; transform: string | null }[];
  detectionScore: number | null;
  findingSeverity: number | null;
  counted: boolean | null;
  riskFactors: unknown;
  assets: AssetRecord[];
  dedupKey: string | null;
  warnings: string[];
}

export function previewFinding(
  input: unknown,
  map: CompiledTransformMap,
  settings: MappingSettings,
): PreviewModel {
  const outcome = mapFinding(input, map, settings);
  const fields = map.definition.entries.map((entry) => ({
    target: entry.target,
    value: outcome.ok ? (outcome.mapped[entry.target] ?? null) : null,
    source: entry.source,
    transform: entry.transform ?? null,
  }));
  if (!outcome.ok) {
    return {
      accepted: false,
      reject: outcome.reject,
      fields,
      detectionScore: null,
      findingSeverity: null,
      counted: null,
      riskFactors: null,
      assets: [],
      dedupKey: null,
      warnings: [],
    };
  }
  return {
    accepted: true,
    reject: null,
    fields,
    detectionScore: outcome.finding.detectionScore,
    findingSeverity: outcome.finding.findingSeverity,
    counted: outcome.finding.counted,
    riskFactors: outcome.finding.scoreFactors,
    assets: outcome.assets,
    dedupKey: outcome.finding.dedupKey ?? null,
    warnings: outcome.warnings,
  };
}
