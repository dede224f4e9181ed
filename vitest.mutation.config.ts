import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The tests Stryker runs against each mutant: unit tests, and the in-process integration and e2e
// tests that the mutated modules need (ingest writes to a database; keyset paging reads from one;
// authentication and connector settings are checked through an in-process server). Tests that spawn
// the service cannot see a mutant, and tests that sync thousands of findings would make every mutant
// cost minutes; what they cover of the mutated modules is covered here by unit tests (test/unit/sync
// for the sync engine's windows). Spread, not mergeConfig: that would append to the base config's
// include list, not replace it.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    setupFiles: [
      ...(base.test?.setupFiles ? [base.test.setupFiles].flat() : []),
      'test/support/mutation-setup.ts',
    ],
    include: [
      'test/unit/**/*.test.ts',
      'test/integration/ingest.test.ts',
      'test/integration/ingest-effects.test.ts',
      'test/integration/findings-query.test.ts',
      'test/e2e/tenancy-and-auth.test.ts',
      'test/e2e/auth-jwks.test.ts',
      'test/e2e/connectors.test.ts',
      'test/e2e/bad-input.test.ts',
    ],
  },
});
