import { type MapOutcome, type MappingSettings, mapFinding } from './map-finding.ts';
import { mapOcsfFinding } from './ocsf/map-ocsf-finding.ts';
import type { CompiledTransformMap } from './transform-map.ts';

// A finding document in either format Security Hub sends (ASFF from CSPM, OCSF from the new Security
// Hub) through the map for its format: what a sync does with a page, and a rescore with a stored raw.

export type DocumentFormat = 'ASFF' | 'OCSF';

/** The transform map each format's documents go through. */
export type FormatMaps = Record<DocumentFormat, CompiledTransformMap>;

export function mapDocument(
  document: unknown,
  format: DocumentFormat,
  maps: FormatMaps,
  settings: MappingSettings,
): MapOutcome {
  return format === 'OCSF'
    ? mapOcsfFinding(document, maps.OCSF, settings)
    : mapFinding(document, maps.ASFF, settings);
}
