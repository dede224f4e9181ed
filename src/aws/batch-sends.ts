// Write-back (BatchUpdateFindings) and export (BatchImportFindings) both send findings to Security
// Hub as background requests that a crash cannot lose: the same retry and takeover settings.

export interface BatchSendSettings {
  /** Sends per finding (what the operation reports as transient — throttling, AWS's 5xx, InternalFailure, ConcurrentUpdateError — is tried again). */
  attempts: number;
  /** Backoff before the next round of retries; doubles each round (at most 30 s). */
  backoffMs: number;
  /** SDK attempts per request (its own retries of throttling and transient faults). */
  sdkMaxAttempts: number;
  /** A request nobody advanced for this long is taken over by a worker (its process died). */
  resumeAfterIdleMs: number;
  /** Tests: called at each step, so a test can play a crash there by throwing. */
  onStep?: (step: 'recorded' | 'sent') => void;
}

export const DEFAULT_BATCH_SEND_SETTINGS: BatchSendSettings = {
  attempts: 5,
  backoffMs: 500,
  sdkMaxAttempts: 3,
  resumeAfterIdleMs: 60_000,
};
