// Mutation testing of the core (`npm run test:mutation`): StrykerJS drives Vitest, running for each
// mutant only the tests that cover it. Scores and explained survivors: TESTING.md.
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  coverageAnalysis: 'perTest',
  // A mutant in a module-level constant (a table of weights, a validation shape) is "static": Stryker
  // cannot tell which tests cover it and reruns the whole set for each, which costs hours here. They
  // are left out of the score; the hand-worked expectations in the unit tests pin those tables.
  ignoreStatic: true,
  mutate: [
    'src/mapping/**/*.ts',
    'src/findings/ingest.ts',
    'src/db/keyset.ts',
    'src/connectors/settings.ts',
    'src/auth/**/*.ts',
    'src/emulator/securityhub/filters.ts',
    'src/sync/windows.ts',
    'src/sync/plan.ts',
    'src/sync/filters.ts',
  ],
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  incremental: true,
  incrementalFile: 'test/mutation/stryker-incremental.json',
  concurrency: 2,
  timeoutMS: 30_000,
  dryRunTimeoutMinutes: 15,
  tempDirName: '.stryker-tmp',
  // Stryker rewrites the tsconfig's out-of-sandbox paths with the TypeScript 5 API, which TypeScript 7
  // (native) no longer has; ours has none to rewrite, so point it at no file.
  tsconfigFile: 'no-tsconfig-rewrite.json',
  cleanTempDir: 'always',
};
