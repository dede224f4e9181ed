import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import {
  startTestServer,
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_JWT_SECRET,
  type TestServer,
} from '../support/server.ts';

// Abuse over HTTP (issue 12's table): each test is what an attacker sent and what must hold.

let database: Database;
let api: TestServer;
let tenantId: string;

beforeAll(async () => {
  database = await openTestDatabase();
  api = await startTestServer(database, { NODE_ENV: 'production', HUBGRAPH_MASTER_KEY: 'a'.repeat(64) });
  tenantId = await newTenant(database);
});

afterAll(async () => {
  await api?.close();
  await database?.close();
});

describe('tokens (row 7)', () => {
  it('refuses a JWT without exp', async () => {
    const token = await new SignJWT({ tenant_id: tenantId })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const response = await api.graphql('{ viewer { tenantId } }', {}, { token });
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(response.errors?.[0]?.message).toMatch(/no `exp` claim/);
  });

  it('refuses a JWT valid for longer than the maximum lifetime', async () => {
    const token = await new SignJWT({ tenant_id: tenantId })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime('400d')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const response = await api.graphql('{ viewer { tenantId } }', {}, { token });
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.message).toMatch(/AUTH_MAX_TOKEN_LIFETIME_SECONDS/);
  });
});

describe('query limits (row 10)', () => {
  it('answers a document over the token limit with 400 and the limit, not 500', async () => {
    const fields = Array.from({ length: 6000 }, () => '__typename').join(' ');
    const response = await api.graphql(`{ ${fields} }`, {}, { tenantId });
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(response.errors?.[0]?.message).toMatch(/more that 5000 tokens/);
  });

  it('answers a document too complex to validate with 400 and what to do', async () => {
    const fields = Array.from({ length: 3000 }, () => '__typename').join(' ');
    const response = await api.graphql(`{ ${fields} }`, {}, { tenantId });
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.errors?.[0]?.message).toMatch(/too complex to validate.*split/i);
  });
});

describe('input PostgreSQL cannot store, and echoes (rows 9 and 15)', () => {
  it('refuses a NUL byte in a variable as BAD_USER_INPUT, naming where, and logs no internal error', async () => {
    const before = api.logs.length;
    const response = await api.graphql(
      'query ($filter: FindingFilter) { findings(first: 1, filter: $filter) { totalCount } }',
      { filter: { search: 'log4j\u0000' } },
      { tenantId },
    );
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toMatch(/NUL character.*variables\.filter\.search/);
    expect(api.logs.slice(before).join('\n')).not.toMatch(/internal error|request failed/);
  });

  it('refuses a NUL byte in a literal of the document, and in a mutation input', async () => {
    const literal = await api.graphql(
      '{ findings(first: 1, filter: { regions: ["eu\\u0000"] }) { totalCount } }',
      {},
      { tenantId },
    );
    expect(literal.status).toBe(400);
    expect(literal.errors?.[0]?.message).toMatch(/NUL character.*the document/);
    const mutation = await api.graphql(
      'mutation ($input: ConnectorInput!) { connectorCreate(input: $input) { connector { id } } }',
      { input: { name: 'bad\u0000name', auth: { mode: 'DEFAULT_CHAIN' }, regions: ['us-east-1'] } },
      { tenantId },
    );
    expect(mutation.status).toBe(400);
    expect(mutation.errors?.[0]?.message).toMatch(/variables\.input\.name/);
  });

  it('answers a 1.9 MB id with a short error that quotes only its start', async () => {
    const id = 'x'.repeat(1_900_000);
    const response = await api.graphql(
      'query ($filter: FindingFilter) { findings(first: 1, filter: $filter) { totalCount } }',
      { filter: { assetIds: [id] } },
      { tenantId },
    );
    const text = JSON.stringify(response.errors);
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(text.length).toBeLessThan(2_000);
    expect(response.errors?.[0]?.message).toMatch(/"x{64}…" \(1,900,000 characters\) is not an Asset id\.$/);
  });
});
