import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SERVICE_ARGS } from '../support/service-process.ts';
import { outputMatching, until } from '../support/wait.ts';

// The service as `npm start` runs it: a real process, no variables but a free port and a data
// directory, embedded PGlite, dev mode. Each test starts its own.

interface Started {
  child: ChildProcess;
  output: () => string;
  base: string;
}

const started: { child: ChildProcess; dataDir: string }[] = [];

async function npmStart(): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hubgraph-start-'));
  const child = spawn(process.execPath, SERVICE_ARGS, {
    env: { PATH: process.env.PATH, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push({ child, dataDir });
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  const output = () => text;
  const [, url] = await outputMatching(child, output, /"url":"(http:\/\/[^"]+)\/graphql"/);
  await until('the service to answer /readyz with 200', async () => {
    const ready = await fetch(`${url}/readyz`).catch(() => undefined);
    return ready?.status === 200 ? true : undefined;
  });
  return { child, output, base: url! };
}

afterEach(async () => {
  for (const { child, dataDir } of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGKILL');
      await closed;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('npm start', () => {
  it('serves the subgraph SDL with its entity keys on an embedded database, in dev mode', async () => {
    const { base, output } = await npmStart();
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
    expect(output()).toContain('DEV MODE');
    expect(output()).toContain('"driver":"pglite"');
  });

  it('shuts down gracefully on SIGTERM', async () => {
    const { child, output } = await npmStart();
    // 'close': the exit code, and the output up to the last line.
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output()).toContain('shutting down');
    expect(output()).toContain('"msg":"stopped"');
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
