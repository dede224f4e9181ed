import type { ChildProcess } from 'node:child_process';

// Waiting for the thing itself, not for a while: a condition polled until it holds (with a deadline
// that names what never happened), or a child process's output read as it arrives.

/**
 * Polls `probe` until it returns something other than undefined, and returns that. Fails after
 * `timeoutMs` with `what` in the message, so a timeout says what never happened.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Resolves with the match once a child's output (stdout and stderr, from the start) matches
 * `pattern`; rejects if the child ends without it or `timeoutMs` passes. `output` is what the caller
 * has collected so far, by listeners it registered before calling this.
 */
export function outputMatching(
  child: ChildProcess,
  output: () => string,
  pattern: RegExp,
  timeoutMs = 60_000,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('close', onClose);
    };
    function check(): boolean {
      const match = pattern.exec(output());
      if (!match) return false;
      finish();
      resolve(match);
      return true;
    }
    // 'close', not 'exit': by then the child's last output has been read.
    function onClose(code: number | null, signal: NodeJS.Signals | null) {
      if (check()) return;
      finish();
      reject(new Error(`the process ended (${signal ?? code}) without printing ${pattern}:\n${output()}`));
    }
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`no ${pattern} in the process's output after ${timeoutMs} ms:\n${output()}`));
    }, timeoutMs);
    if (check()) return;
    const ended = child.stdout?.readableEnded !== false && child.stderr?.readableEnded !== false;
    if (ended && (child.exitCode !== null || child.signalCode !== null))
      return onClose(child.exitCode, child.signalCode);
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('close', onClose);
  });
}
