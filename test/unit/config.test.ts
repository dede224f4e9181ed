import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('configuration', () => {
  it('runs with no variables at all: PGlite in .data, dev mode, port 4000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: '.data',
      auth: undefined,
    });
    expect(config.graphql.introspection).toBe(true);
    expect(config.graphql.inlineTracing).toBe(false);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).databaseUrl).toBeUndefined();
  });

  it('reports every bad variable at once, each with what is expected', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', AUTH_JWT_SECRET: 'short', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'DATABASE_URL', 'AUTH_JWT_SECRET', 'LOG_LEVEL'])
        expect(problems).toContain(name);
      expect(problems).toContain('postgres://');
    }
  });

  it('requires issuer and audience with JWT auth, and auth plus a master key in production', () => {
    expect(() => loadConfig({ AUTH_JWT_SECRET: 'x'.repeat(32) })).toThrow(/AUTH_ISSUER[\s\S]*AUTH_AUDIENCE/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_JWKS_URL[\s\S]*HUBGRAPH_MASTER_KEY/);
    const production = loadConfig({
      NODE_ENV: 'production',
      AUTH_JWKS_URL: 'https://idp.example/.well-known/jwks.json',
      AUTH_ISSUER: 'https://idp.example',
      AUTH_AUDIENCE: 'hubgraph',
      HUBGRAPH_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(production.auth?.kind).toBe('jwks');
    expect(production.graphql.introspection).toBe(false);
  });
});
