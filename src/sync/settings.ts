import type { Config } from '../config.ts';
import { DEFAULT_SYNC_SETTINGS, type SyncSettings } from './engine.ts';

/** The engine's settings from the service's configuration. */
export function syncSettingsOf(config: Config): SyncSettings {
  return {
    ...DEFAULT_SYNC_SETTINGS,
    lookbackMs: config.sync.lookbackMinutes * 60_000,
    sweepIntervalMs: config.sync.sweepHours * 3_600_000,
    sliceConcurrency: config.sync.slices,
    fullSlices: config.sync.fullSlices,
    sdkMaxAttempts: config.sync.maxAttempts,
  };
}
