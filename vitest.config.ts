import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

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
  },
});
