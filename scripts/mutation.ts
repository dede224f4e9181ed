import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

// `npm run test:mutation [-- group…]`: StrykerJS over each group of core modules in turn (all of them
// by default), then the mutation score of every module. Score = killed (and timed out) over all
// mutants that ran or had no coverage; static mutants are not run (stryker.config.mjs says why).

const config: string = '../stryker.config.mjs';
const { MUTATION_GROUPS } = (await import(config)) as { MUTATION_GROUPS: Record<string, string[]> };

const wanted = process.argv.slice(2);
const unknown = wanted.filter((group) => !(group in MUTATION_GROUPS));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown group ${unknown.join(', ')}; groups: ${Object.keys(MUTATION_GROUPS).join(', ')}\n`,
  );
  process.exit(2);
}
const groups = wanted.length > 0 ? wanted : Object.keys(MUTATION_GROUPS);

let failed = false;
for (const group of groups) {
  process.stdout.write(`\n== mutation testing: ${group}\n`);
  const result = spawnSync('npx', ['stryker', 'run'], {
    stdio: 'inherit',
    env: { ...process.env, MUTATION_GROUP: group },
  });
  if (result.status !== 0) failed = true;
}

interface MutantResult {
  status: string;
}
const rows: string[] = [];
for (const group of Object.keys(MUTATION_GROUPS)) {
  const report = `reports/mutation/${group}.json`;
  if (!existsSync(report)) continue;
  const { files } = JSON.parse(readFileSync(report, 'utf8')) as {
    files: Record<string, { mutants: MutantResult[] }>;
  };
  for (const [file, { mutants }] of Object.entries(files)) {
    const count = (status: string) => mutants.filter((mutant) => mutant.status === status).length;
    const detected = count('Killed') + count('Timeout');
    const undetected = count('Survived') + count('NoCoverage');
    const total = detected + undetected;
    const score = total === 0 ? 'n/a' : `${((100 * detected) / total).toFixed(1)}%`;
    rows.push(
      `${score.padStart(6)}  ${String(detected).padStart(4)} killed  ${String(count('Survived')).padStart(4)} survived  ${String(count('NoCoverage')).padStart(4)} no coverage  ${file}`,
    );
  }
}
process.stdout.write(
  `\nmutation score per module (reports/mutation/*.html for the mutants)\n${rows.join('\n')}\n`,
);
process.exit(failed ? 1 : 0);
