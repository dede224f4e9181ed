import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// `npm run demo -- --once` as a new user runs it: emulator, service, a connector created over
// GraphQL, its connection test and first sync, then one JSON line.

describe('npm run demo -- --once', () => {
  it('syncs the emulator into a fresh embedded database and prints one JSON line', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hubgraph-demo-test-'));
    try {
      const child = spawn(
        process.execPath,
        ['--import', './src/module-hooks.ts', 'scripts/demo.ts', '--once', '--findings', '600'],
        {
          env: { PATH: process.env.PATH, DATA_DIR: dataDir },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk) => (stdout += chunk));
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code, stderr).toBe(0);
      const lines = stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      const summary = JSON.parse(lines[0]!) as Record<string, unknown>;
      expect(summary).toMatchObject({ ok: true, status: 'SUCCEEDED', findings: 600 });
      expect(summary.assets as number).toBeGreaterThan(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
