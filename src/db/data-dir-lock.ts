import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

// PGlite cannot share its data directory between processes: a second one corrupts it. A lock file
// in the directory lets a second process refuse before PGlite opens anything.

export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
  command: string;
}

export interface DataDirLock {
  release(): void;
}

export class DataDirLockedError extends Error {
  readonly holder: LockHolder;
  readonly dataDir: string;

  constructor(dataDir: string, holder: LockHolder, lockPath: string) {
    const sameHost = holder.hostname === hostname();
    const who = sameHost && holder.pid === process.pid ? 'this process' : 'another Hubgraph process';
    const staleHint = sameHost
      ? `If pid ${holder.pid} is not a Hubgraph process, the lock is stale: delete ${lockPath}.`
      : `If host ${holder.hostname} is gone, the lock may be stale: delete ${lockPath}.`;
    super(
      `The embedded database in ${dataDir} is in use by ${who} (pid ${holder.pid} on host ${holder.hostname}, ` +
        `"${holder.command}", since ${holder.startedAt}). PGlite cannot share a data directory: stop that ` +
        `process first, or give this one its own DATA_DIR (or set DATABASE_URL to use PostgreSQL, which any ` +
        `number of processes can share). ${staleHint}`,
    );
    this.name = 'DataDirLockedError';
    this.dataDir = dataDir;
    this.holder = holder;
  }
}

const LOCK_FILE = 'hubgraph.lock';
const GUARD_ATTEMPTS = 50;
const GUARD_RETRY_MS = 20;
const MAX_COMMAND_LENGTH = 120;

// Lock files this process holds: a file with our pid that is not in here was left by an earlier
// process that had the same pid (containers reuse pids across restarts), so it is stale.
const held = new Set<string>();

/**
 * Takes `<dataDir>/hubgraph.lock` for this process, or throws DataDirLockedError naming the live
 * holder. Locks left by dead processes, by an earlier process with our pid, or unreadable ones are
 * taken over. A normal exit releases the lock; after SIGKILL the next start finds the pid dead.
 */
export async function lockDataDir(dataDir: string, options: { command?: string } = {}): Promise<DataDirLock> {
  if (dataDir.startsWith('memory://')) return { release() {} };
  const dir = resolve(dataDir);
  const lockPath = join(dir, LOCK_FILE);
  // Every write or removal of someone else's lock file happens while holding this guard, so nobody
  // reads a half-written lock, and two processes replacing the same stale lock cannot both win.
  const guardPath = `${lockPath}.guard`;
  const me: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    command: options.command ?? shorten(process.argv.slice(1).join(' ')),
  };
  mkdirSync(dir, { recursive: true });
  for (let attempt = 0; attempt < GUARD_ATTEMPTS; attempt++) {
    // Checked before taking the guard too, so a refused process writes nothing in the directory.
    refuseIfHeld(dir, lockPath);
    if (!createExclusive(guardPath)) {
      await delay(GUARD_RETRY_MS);
      continue;
    }
    try {
      refuseIfHeld(dir, lockPath);
      rmSync(lockPath, { force: true });
      writeFileSync(lockPath, JSON.stringify(me), { flag: 'wx' });
    } finally {
      rmSync(guardPath, { force: true });
    }
    return holdLock(lockPath, me);
  }
  throw new Error(
    `Could not lock the embedded database in ${dir}: ${guardPath} stayed in place. If no other Hubgraph ` +
      `process is starting on this DATA_DIR, delete it.`,
  );
}

function holdLock(lockPath: string, me: LockHolder): DataDirLock {
  held.add(lockPath);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    held.delete(lockPath);
    process.off('exit', release);
    // Someone may have deleted a lock they thought stale and taken it: leave theirs alone.
    const current = readHolder(lockPath);
    if (current?.pid === me.pid && current.startedAt === me.startedAt) rmSync(lockPath, { force: true });
  };
  process.once('exit', release);
  return { release };
}

function refuseIfHeld(dir: string, lockPath: string): void {
  const holder = readHolder(lockPath);
  if (holder && isHeld(holder, lockPath)) throw new DataDirLockedError(dir, holder, lockPath);
}

function isHeld(holder: LockHolder, lockPath: string): boolean {
  // Another host's pids mean nothing here: only a person can tell whether that host is gone.
  if (holder.hostname !== hostname()) return true;
  if (holder.pid === process.pid) return held.has(lockPath);
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock file's holder; undefined when there is no file or it is not a lock we wrote. */
function readHolder(lockPath: string): LockHolder | undefined {
  let parsed: Partial<LockHolder> | null;
  try {
    parsed = JSON.parse(readFileSync(lockPath, 'utf8'));
  } catch {
    return undefined;
  }
  const { pid, hostname: host, startedAt, command } = parsed ?? {};
  // A pid of 0 or below would make process.kill signal a whole process group.
  const valid =
    typeof pid === 'number' &&
    Number.isInteger(pid) &&
    pid > 0 &&
    typeof host === 'string' &&
    typeof startedAt === 'string' &&
    typeof command === 'string';
  return valid ? { pid, hostname: host, startedAt, command } : undefined;
}

function createExclusive(path: string): boolean {
  try {
    closeSync(openSync(path, 'wx'));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function shorten(command: string): string {
  return command.length > MAX_COMMAND_LENGTH ? `${command.slice(0, MAX_COMMAND_LENGTH - 1)}…` : command;
}
