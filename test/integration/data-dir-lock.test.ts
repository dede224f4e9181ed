import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type DataDirLock, DataDirLockedError, lockDataDir } from '../../src/db/data-dir-lock.ts';

// `npm start` and `npm run seed` on one DATA_DIR: the second process must be refused before PGlite
// opens the directory, and a lock left by a killed process must not block the next start.

const dirs: string[] = [];
const children: ChildProcess[] = [];
const locks: DataDirLock[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const lock of locks.splice(0)) lock.release();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hubgraph-lock-'));
  dirs.push(dir);
  return join(dir, '.data');
}

async function lock(dataDir: string): Promise<DataDirLock> {
  const taken = await lockDataDir(dataDir);
  locks.push(taken);
  return taken;
}

function lockFile(dataDir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dataDir, 'hubgraph.lock'), 'utf8'));
}

/** Runs the holder script; resolves 'locked' once it holds the lock, or its stderr if it exits. */
function startHolder(dataDir: string): { child: ChildProcess; outcome: Promise<string> } {
  const child = spawn(process.execPath, ['test/support/data-dir-lock-holder.ts', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const outcome = new Promise<string>((resolve) => {
    let err = '';
    child.stderr!.on('data', (chunk) => (err += chunk));
    child.stdout!.on('data', (chunk) => String(chunk).includes('locked') && resolve('locked'));
    child.once('exit', () => resolve(err));
  });
  return { child, outcome };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await exited(child);
  return child.pid!;
}

describe('lockDataDir', () => {
  it('refuses a second lock in the same process until the first is released', async () => {
    const dataDir = tempDataDir();
    const first = await lock(dataDir);
    expect(lockFile(dataDir)).toMatchObject({ pid: process.pid, hostname: hostname() });

    const refused = await lockDataDir(dataDir).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as DataDirLockedError).holder.pid).toBe(process.pid);
    expect((refused as DataDirLockedError).message).toContain(`pid ${process.pid}`);

    first.release();
    first.release();
    expect(existsSync(join(dataDir, 'hubgraph.lock'))).toBe(false);
    await lock(dataDir);
  });

  it('refuses at once while another process holds the directory, and takes over after it is killed', async () => {
    const dataDir = tempDataDir();
    const holder = startHolder(dataDir);
    expect(await holder.outcome).toBe('locked');
    const before = readdirSync(dataDir);
    expect(before).toEqual(['hubgraph.lock']);

    const refused = await lockDataDir(dataDir).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    const { message, dataDir: reportedDir, holder: reported } = refused as DataDirLockedError;
    expect(reported).toMatchObject({ pid: holder.child.pid, command: 'data-dir-lock-holder' });
    expect(reportedDir).toBe(dataDir);
    expect(message).toContain(`pid ${holder.child.pid}`);
    expect(message).toContain('DATA_DIR');
    expect(message).toContain('DATABASE_URL');
    expect(readdirSync(dataDir)).toEqual(before);
    expect(lockFile(dataDir).pid).toBe(holder.child.pid);

    // SIGKILL runs no exit handler: the lock file stays, naming a dead pid.
    holder.child.kill('SIGKILL');
    await exited(holder.child);
    expect(lockFile(dataDir).pid).toBe(holder.child.pid);
    await lock(dataDir);
    expect(lockFile(dataDir).pid).toBe(process.pid);
  });

  it('is released when the holding process exits normally', async () => {
    const dataDir = tempDataDir();
    const holder = startHolder(dataDir);
    expect(await holder.outcome).toBe('locked');
    holder.child.kill('SIGTERM');
    await exited(holder.child);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('lets exactly one of several processes racing on a stale lock take it', async () => {
    const dataDir = tempDataDir();
    mkdirSync(dataDir);
    const stale = { pid: await deadPid(), hostname: hostname(), startedAt: '2026-01-01T00:00:00.000Z' };
    writeFileSync(join(dataDir, 'hubgraph.lock'), JSON.stringify({ ...stale, command: 'npm start' }));

    const outcomes = await Promise.all(Array.from({ length: 4 }, () => startHolder(dataDir).outcome));
    expect(outcomes.filter((outcome) => outcome === 'locked')).toHaveLength(1);
    for (const outcome of outcomes.filter((outcome) => outcome !== 'locked')) {
      expect(outcome).toContain('is in use by another Hubgraph process');
    }
    expect(readdirSync(dataDir)).toEqual(['hubgraph.lock']);
  });

  it.each([
    ['garbage', 'not json {'],
    ['empty (killed while writing it)', ''],
    ['not a lock', JSON.stringify({ pid: 0, hostname: 'x' })],
  ])('treats a %s lock file as stale', async (_, content) => {
    const dataDir = tempDataDir();
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'hubgraph.lock'), content);
    await lock(dataDir);
    expect(lockFile(dataDir).pid).toBe(process.pid);
  });

  it('treats a lock with our pid that this process does not hold as left by an earlier process', async () => {
    const dataDir = tempDataDir();
    mkdirSync(dataDir);
    const earlier = { pid: process.pid, hostname: hostname(), startedAt: '2026-01-01T00:00:00.000Z' };
    writeFileSync(join(dataDir, 'hubgraph.lock'), JSON.stringify({ ...earlier, command: 'npm start' }));
    await lock(dataDir);
    expect(lockFile(dataDir).startedAt).not.toBe(earlier.startedAt);
  });

  it('refuses a lock from another host, saying it may be stale and how to remove it', async () => {
    const dataDir = tempDataDir();
    mkdirSync(dataDir);
    const other = { pid: process.pid, hostname: 'elsewhere', startedAt: '2026-01-01T00:00:00.000Z' };
    writeFileSync(join(dataDir, 'hubgraph.lock'), JSON.stringify({ ...other, command: 'npm start' }));

    const refused = await lockDataDir(dataDir).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as Error).message).toContain('on host elsewhere');
    expect((refused as Error).message).toContain(
      `If host elsewhere is gone, the lock may be stale: delete ${join(dataDir, 'hubgraph.lock')}.`,
    );
  });

  it('leaves a lock it no longer holds alone on release', async () => {
    const dataDir = tempDataDir();
    const taken = await lock(dataDir);
    const theirs = JSON.stringify({ pid: 1, hostname: 'elsewhere', startedAt: 'now', command: 'npm start' });
    writeFileSync(join(dataDir, 'hubgraph.lock'), theirs);
    taken.release();
    expect(readFileSync(join(dataDir, 'hubgraph.lock'), 'utf8')).toBe(theirs);
  });

  it('does not lock in-memory databases', async () => {
    await lock('memory://');
    await lock('memory://');
    expect(existsSync('memory:')).toBe(false);
  });
});
