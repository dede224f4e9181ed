import { defineConfig } from 'vitest/config';

// One suite, three layers: unit (pure functions), integration (database, emulator, real AWS SDK
// clients), e2e (the running server over HTTP and WebSocket, federation through a gateway).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
