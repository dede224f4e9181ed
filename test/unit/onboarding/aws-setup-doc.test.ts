import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsSetup } from '../../../src/onboarding/aws-setup.ts';
import { EXAMPLE, withGeneratedSection } from '../../../src/onboarding/setup-reference.ts';

// docs/aws-setup.md cannot drift from the code: its reference section is what the code generates.

const page = readFileSync(join(import.meta.dirname, '../../../docs/aws-setup.md'), 'utf8');

describe('docs/aws-setup.md', () => {
  it('carries the reference the code generates today (else: npm run docs:aws-setup)', () => {
    expect(page).toBe(withGeneratedSection(page));
  });

  it("shows the example's policies and templates as awsSetup gives them", () => {
    const setup = awsSetup(EXAMPLE);
    for (const document of [setup.trustPolicy, setup.permissionsPolicy, setup.cloudFormationTemplate])
      expect(page).toContain(JSON.stringify(document, null, 2));
    expect(page).toContain(setup.cliCommands!.trimEnd());
  });

  it('is linked from the README', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');
    expect(readme).toContain('(docs/aws-setup.md)');
  });
});
