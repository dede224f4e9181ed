import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_ARGS } from '../support/service-process.ts';

// The service as `npm start` runs it: a real process, no variables but a free port and a data
// directory, embedded PGlite, dev mode.

let child: ChildProcess;
let output = '';
let base: string;
const dataDir = mkdtempSync(join(tmpdir(), 'hubgraph-start-'));
const port = 41_000 + Math.floor(Math.random() * 2000);

beforeAll(async () => {
  child = spawn(process.execPath, SERVICE_ARGS, {
    env: { PATH: process.env.PATH, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 150; attempt++) {
    const ready = await fetch(`${base}/readyz`).catch(() => undefined);
    if (ready?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`service did not become ready:\n${output}`);
});

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('serves the subgraph SDL with its entity keys on an embedded database, in dev mode', async () => {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ _service { sdl } viewer { tenantId devMode } }' }),
    });
    const body = (await response.json()) as {
      data: { _service: { sdl: string }; viewer: { tenantId: string; devMode: boolean } };
    };
    expect(body.data.viewer).toEqual({ tenantId: 'dev', devMode: true });
    expect(body.data._service.sdl).toContain('@key(fields: "productArn awsId")');
    expect(body.data._service.sdl).toContain('@key(fields: "resourceArn")');
    expect(output).toContain('DEV MODE');
    expect(output).toContain('"driver":"pglite"');
  });

  it('shuts down gracefully on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('shutting down');
    expect(output).toContain('"msg":"stopped"');
  });
});

describe('a bad configuration', () => {
  it('is refused before a port opens, every problem named', async () => {
    const bad = spawn(process.execPath, SERVICE_ARGS, {
      env: { PATH: process.env.PATH, PORT: 'eighty', DATABASE_URL: 'mysql://nope' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    bad.stderr!.on('data', (chunk) => (text += chunk));
    const code = await new Promise<number | null>((resolve) => bad.once('exit', resolve));
    expect(code).toBe(2);
    expect(text).toMatch(/PORT/);
    expect(text).toMatch(/DATABASE_URL: must be a postgres:\/\//);
  });
});
