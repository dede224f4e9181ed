import { readFileSync, writeFileSync } from 'node:fs';
import { withGeneratedSection } from '../src/onboarding/setup-reference.ts';

// `npm run docs:aws-setup`: rewrites the generated reference of docs/aws-setup.md from the code that
// generates every connector's awsSetup (test/unit/onboarding/aws-setup-doc.test.ts checks it).

const path = new URL('../docs/aws-setup.md', import.meta.url);
const page = readFileSync(path, 'utf8');
const next = withGeneratedSection(page);
if (next !== page) writeFileSync(path, next);
process.stdout.write(next === page ? 'docs/aws-setup.md is up to date\n' : 'docs/aws-setup.md regenerated\n');
