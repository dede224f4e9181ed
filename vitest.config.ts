import { randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// Files and the tests in them run in an order shuffled by a seed: TEST_SEED when set (to replay a
// run), else a fresh one. global-setup.ts prints it, so a red CI run can be replayed exactly.
const seed = process.env.TEST_SEED ? Number(process.env.TEST_SEED) : randomInt(1, 2 ** 31);
if (!Number.isSafeInteger(seed))
  throw new Error(`TEST_SEED must be an integer, not ${process.env.TEST_SEED}`);

// One suite, three layers: unit (pure functions), integration (database, emulator, real AWS SDK
// clients), e2e (the running server over HTTP and WebSocket, federation through a gateway).
export default defineConfig({
  resolve: {
    // graphql 16 ships CommonJS (main) and ESM (module) builds. Node loads the CommonJS one for
    // every package; Vite would pick the ESM one for our code, and graphql refuses a schema built
    // by "another realm". Pin Vite to the copy Node itself uses.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // `npm test -- --coverage`: what the in-process tests execute of src/ (spawned processes are not
    // counted). Below the thresholds the run fails.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/generated/**'],
      reporter: ['text-summary', 'html', 'json-summary'],
      reportsDirectory: 'reports/coverage',
      thresholds: { lines: 90, branches: 85 },
    },
    sequence: { shuffle: { files: true, tests: true }, seed },
  },
});
