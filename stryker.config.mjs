// Mutation testing of the core: StrykerJS drives Vitest, running for each mutant only the tests that
// cover it. `npm run test:mutation [-- group…]` (scripts/mutation.ts) runs one group at a time, so a
// long run keeps what it finished, and each group keeps its own incremental results
// (test/mutation/<group>.json: a rerun tests only mutants whose code or tests changed).
// Scores and explained survivors: TESTING.md.

export const MUTATION_GROUPS = {
  auth: ['src/auth/**/*.ts'],
  'connector-settings': ['src/connectors/settings.ts'],
  keyset: ['src/db/keyset.ts'],
  ingest: ['src/findings/ingest.ts'],
  'emulator-filters': ['src/emulator/securityhub/filters.ts'],
  'sync-windows': ['src/sync/windows.ts', 'src/sync/plan.ts', 'src/sync/filters.ts'],
  mapping: ['src/mapping/**/*.ts'],
};

const group = process.env.MUTATION_GROUP;
if (group && !MUTATION_GROUPS[group]) throw new Error(`unknown MUTATION_GROUP ${group}`);
const name = group ?? 'all';

export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  coverageAnalysis: 'perTest',
  // A mutant in a module-level constant (a table of weights, a validation shape) is "static": Stryker
  // cannot tell which tests cover it and reruns the whole set for each, which costs hours here. They
  // are left out of the score; the hand-worked expectations in the unit tests pin those tables.
  ignoreStatic: true,
  mutate: group ? MUTATION_GROUPS[group] : Object.values(MUTATION_GROUPS).flat(),
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  incremental: true,
  incrementalFile: `test/mutation/${name}.json`,
  concurrency: 2,
  timeoutMS: 30_000,
  dryRunTimeoutMinutes: 15,
  tempDirName: '.stryker-tmp',
  // Stryker rewrites the tsconfig's out-of-sandbox paths with the TypeScript 5 API, which TypeScript 7
  // (native) no longer has; ours has none to rewrite, so point it at no file.
  tsconfigFile: 'no-tsconfig-rewrite.json',
  cleanTempDir: 'always',
};
