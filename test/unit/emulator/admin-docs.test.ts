import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handleAdmin } from '../../../src/emulator/admin.ts';
import { Emulator } from '../../../src/emulator/emulator.ts';

// docs/emulator.md documents every admin route, each under a heading of its own: the route table is
// read from the emulator itself (an unknown route answers with the list), so a new route without its
// documentation fails here.

const docs = readFileSync(join(import.meta.dirname, '../../../docs/emulator.md'), 'utf8');

describe('docs/emulator.md', () => {
  const answer = handleAdmin(
    new Emulator({ seed: 1, quotas: true, latencyMs: 0, faultRate: 0, faultKinds: [] }),
    'GET',
    '/_emulator/no-such-route',
    Buffer.from(''),
  );
  const routes = (answer.body as { routes: string[] }).routes;

  it('is checked against the routes the emulator serves', () => {
    expect(answer.status).toBe(404);
    expect(routes).toContain('PUT /_emulator/roles/trust-policy');
  });

  it('documents every admin route under a heading of its own, and no route it does not serve', () => {
    const documented = [...docs.matchAll(/^### `([A-Z]+ \/_emulator\/[^`]+)`$/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual([...routes].sort());
  });

  it('names every command-line flag', () => {
    const cli = readFileSync(join(import.meta.dirname, '../../../src/emulator/cli.ts'), 'utf8');
    const flags = [...cli.matchAll(/^ {4}'?([a-z-]+)'?: \{ type:/gm)].map((match) => match[1]);
    expect(flags.length).toBeGreaterThan(10);
    for (const flag of flags) expect(docs).toContain(`--${flag}`);
  });
});
