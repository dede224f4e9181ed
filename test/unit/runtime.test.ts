import { describe, expect, it } from 'vitest';

describe('runtime', () => {
  it('runs on Node 24 LTS or later, as package.json promises', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(major).toBeGreaterThanOrEqual(24);
  });
});
