import { lockDataDir } from '../../src/db/data-dir-lock.ts';

// A second process for data-dir-lock.test.ts: locks the data directory given as its argument,
// prints "locked" and waits. Like main.ts it exits normally on SIGTERM, which releases the lock.

try {
  await lockDataDir(process.argv[2]!, { command: 'data-dir-lock-holder' });
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
process.on('SIGTERM', () => process.exit(0));
process.stdout.write('locked\n');
setInterval(() => {}, 60_000);
