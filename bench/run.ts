import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

// `npm run bench [-- name…]`: runs every bench/*.bench.ts (or the named ones), prints one line per
// figure, and writes them all to bench/results.json with the machine and the date.

const here = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => wanted.length === 0 || wanted.some((name) => file.startsWith(name)))
  .sort();

const results: Record<string, number> = {};
for (const file of files) {
  const module = (await import(`./${file}`)) as { run: () => Promise<Record<string, number>> };
  const figures = await module.run();
  for (const [name, value] of Object.entries(figures)) {
    results[name] = value;
    process.stdout.write(`${name} ${value}\n`);
  }
}
const machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
writeFileSync(
  `${here}results.json`,
  `${JSON.stringify({ date: new Date().toISOString(), machine, results }, null, 2)}\n`,
);
