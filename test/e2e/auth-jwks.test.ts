import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import {
  base64url,
  exportSPKI,
  importJWK,
  type CryptoKey as JoseCryptoKey,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { Database } from '../../src/db/client.ts';
import { openTestDatabase } from '../support/database.ts';
import {
  aSigningKey,
  type IdentityProvider,
  type SigningKey,
  startIdentityProvider,
} from '../support/identity-provider.ts';
import {
  startTestServer,
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_JWT_SECRET,
  type TestServer,
} from '../support/server.ts';

// JWT verification the way production runs it: AUTH_JWKS_URL names an identity provider's JSON Web
// Key Set, served here over HTTP by a provider of the test's own. A token is accepted only when a key
// of that set signed it, for this issuer and audience, and it is within its validity period
// (RFC 7515, RFC 7517, RFC 7519 §4.1, and RFC 8725's advice: no `none`, no algorithm confusion).

const QUERY = '{ viewer { tenantId devMode } }';

let database: Database;
/** Started per test when a test changes the provider's keys or the clock. */
const owned: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(owned.splice(0).map((resource) => resource.close()));
});

afterAll(async () => {
  await database?.close();
});

/** The service verifying tokens against the provider's JWKS (and no shared secret). */
async function serviceTrusting(provider: IdentityProvider): Promise<TestServer> {
  const api = await startTestServer(database, { AUTH_JWT_SECRET: '', AUTH_JWKS_URL: provider.jwksUrl });
  owned.push(api);
  return api;
}

async function providerWith(keys: SigningKey[]): Promise<IdentityProvider> {
  const provider = await startIdentityProvider(keys);
  owned.push(provider);
  return provider;
}

const aTenant = () => `jwks-${randomUUID()}`;

async function ask(api: TestServer, token: string | null) {
  return api.graphql<{ viewer: { tenantId: string; devMode: boolean } }>(QUERY, {}, { token });
}

function expectRefused(response: Awaited<ReturnType<typeof ask>>, message: RegExp): void {
  expect(response.status).toBe(401);
  expect(response.data).toBeUndefined();
  expect(response.errors).toHaveLength(1);
  expect(response.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');
  expect(response.errors![0]!.message).toMatch(message);
}

describe('tokens signed by a key of the JWKS', () => {
  it('are accepted, and name the tenant', async () => {
    const rsa = await aSigningKey('rsa-2026-11', 'RS256');
    const provider = await providerWith([rsa]);
    const api = await serviceTrusting(provider);
    const tenantId = aTenant();
    const response = await ask(api, await provider.sign(rsa, { tenant_id: tenantId }));
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ viewer: { tenantId, devMode: false } });
  });

  it('are verified with the key their `kid` names, whichever of the published keys it is', async () => {
    const rsa = await aSigningKey('rsa-a', 'RS256');
    const ec = await aSigningKey('ec-b', 'ES256');
    const provider = await providerWith([rsa, ec]);
    const api = await serviceTrusting(provider);
    const [first, second] = [aTenant(), aTenant()];
    expect((await ask(api, await provider.sign(rsa, { tenant_id: first }))).data?.viewer.tenantId).toBe(
      first,
    );
    expect((await ask(api, await provider.sign(ec, { tenant_id: second }))).data?.viewer.tenantId).toBe(
      second,
    );
  });

  it('are accepted over WebSocket too, and a refused token closes the connection with 4403', async () => {
    const rsa = await aSigningKey('rsa-ws', 'RS256');
    const provider = await providerWith([rsa]);
    const api = await serviceTrusting(provider);
    const tenantId = aTenant();
    const viewerOver = (authorization: string) => {
      const client = createClient({
        url: api.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization },
      });
      owned.push({ close: () => client.dispose() as Promise<void> });
      return new Promise<unknown>((resolve, reject) => {
        client.subscribe(
          { query: QUERY },
          { next: (result) => resolve(result), error: reject, complete: () => {} },
        );
      });
    };
    expect(await viewerOver(`Bearer ${await provider.sign(rsa, { tenant_id: tenantId })}`)).toEqual({
      data: { viewer: { tenantId, devMode: false } },
    });
    const stranger = await aSigningKey('rsa-ws', 'RS256');
    await expect(
      viewerOver(`Bearer ${await provider.sign(stranger, { tenant_id: tenantId })}`),
    ).rejects.toMatchObject({ code: 4403 });
  });
});

describe('tokens the JWKS does not vouch for', () => {
  let rsa: SigningKey;
  let provider: IdentityProvider;
  let api: TestServer;

  // One provider and service for these read-only cases: none of them changes keys or clock.
  beforeAll(async () => {
    rsa = await aSigningKey('rsa-main', 'RS256');
    provider = await startIdentityProvider([rsa]);
    api = await startTestServer(database, { AUTH_JWT_SECRET: '', AUTH_JWKS_URL: provider.jwksUrl });
  });
  afterAll(async () => {
    await api?.close();
    await provider?.close();
  });

  it('a token signed by another key under the same `kid`: the signature does not verify', async () => {
    const impostor = await aSigningKey('rsa-main', 'RS256');
    expectRefused(
      await ask(api, await provider.sign(impostor, { tenant_id: aTenant() })),
      /signature is invalid/,
    );
  });

  it('a token whose `kid` the JWKS does not hold', async () => {
    const unknown = await aSigningKey('rsa-unknown', 'RS256');
    expectRefused(
      await ask(api, await provider.sign(unknown, { tenant_id: aTenant() })),
      /no applicable key/,
    );
  });

  it('a payload changed after signing', async () => {
    const [header, , signature] = (await provider.sign(rsa, { tenant_id: aTenant() })).split('.');
    const forged = base64url.encode(
      JSON.stringify({
        tenant_id: 'victim',
        iss: TEST_ISSUER,
        aud: TEST_AUDIENCE,
        exp: Math.floor(Date.now() / 1000) + 600,
      }),
    );
    expectRefused(await ask(api, `${header}.${forged}.${signature}`), /signature is invalid/);
  });

  it('a token from another issuer', async () => {
    const token = await provider.sign(rsa, { tenant_id: aTenant(), iss: 'https://evil.example' });
    expectRefused(
      await ask(api, token),
      /`iss` claim is not accepted here \(unexpected "iss" claim value\); check the issuer and audience/,
    );
  });

  it('a token for another audience', async () => {
    const token = await provider.sign(rsa, { tenant_id: aTenant(), aud: 'another-service' });
    expectRefused(
      await ask(api, token),
      /`aud` claim is not accepted here \(unexpected "aud" claim value\); check the issuer and audience/,
    );
  });

  it('an expired token', async () => {
    const token = await provider.sign(rsa, { tenant_id: aTenant() }, { expiresIn: '-1s' });
    expectRefused(await ask(api, token), /expired/);
  });

  it('a token that is not valid yet', async () => {
    const token = await provider.sign(rsa, {
      tenant_id: aTenant(),
      nbf: Math.floor(Date.now() / 1000) + 3600,
    });
    expectRefused(await ask(api, token), /`nbf` claim .* not valid yet: check the clocks/);
  });

  it('an unsigned token (alg "none")', async () => {
    const token = new UnsecuredJWT({ tenant_id: aTenant() })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime('10m')
      .encode();
    expect(token.endsWith('.')).toBe(true);
    expectRefused(await ask(api, token), /not valid/);
  });

  it('an HS256 token keyed with the published public key (algorithm confusion)', async () => {
    const publicPem = await exportSPKI(
      (await importJWK(rsa.publicJwk, 'RS256', { extractable: true })) as JoseCryptoKey,
    );
    const token = await new SignJWT({ tenant_id: aTenant() })
      .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(publicPem));
    expectRefused(await ask(api, token), /not valid/);
  });

  it('an HS256 token signed with a shared secret: JWKS mode trusts the published keys only', async () => {
    const token = await new SignJWT({ tenant_id: aTenant() })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expectRefused(await ask(api, token), /not valid/);
  });

  it('a verified token without a tenant', async () => {
    expectRefused(await ask(api, await provider.sign(rsa, {})), /`tenant_id` claim/);
  });

  it('no token at all', async () => {
    expectRefused(await ask(api, null), /Authorization: Bearer/);
  });
});

describe('key rotation', () => {
  it('accepts a key the provider publishes later, once the cached key set may be refreshed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const before = await aSigningKey('rsa-2026-10', 'RS256');
    const after = await aSigningKey('rsa-2026-11', 'RS256');
    const provider = await providerWith([before]);
    const api = await serviceTrusting(provider);
    const tenantId = aTenant();

    expect((await ask(api, await provider.sign(before, { tenant_id: tenantId }))).status).toBe(200);
    expect(provider.fetches()).toBe(1);

    // The provider rotates: both keys published, new tokens signed with the new one.
    provider.publish([before, after]);
    vi.setSystemTime(Date.now() + 31_000); // past jose's 30 s cool-down between refetches
    const response = await ask(api, await provider.sign(after, { tenant_id: tenantId }));
    expect(response.data).toEqual({ viewer: { tenantId, devMode: false } });
    expect(provider.fetches()).toBe(2);
    // Tokens signed before the rotation stay good while their key is published.
    expect((await ask(api, await provider.sign(before, { tenant_id: tenantId }))).status).toBe(200);
  });

  it('refuses a key the provider withdrew, once the cached key set has expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const withdrawn = await aSigningKey('rsa-old', 'RS256');
    const current = await aSigningKey('rsa-new', 'RS256');
    const provider = await providerWith([withdrawn, current]);
    const api = await serviceTrusting(provider);
    const tenantId = aTenant();
    expect((await ask(api, await provider.sign(withdrawn, { tenant_id: tenantId }))).status).toBe(200);

    provider.publish([current]);
    vi.setSystemTime(Date.now() + 11 * 60_000); // past jose's 10-minute cache lifetime
    expectRefused(
      await ask(api, await provider.sign(withdrawn, { tenant_id: tenantId })),
      /no applicable key/,
    );
    expect((await ask(api, await provider.sign(current, { tenant_id: tenantId }))).status).toBe(200);
    expect(provider.fetches()).toBe(2);
  });

  it('accepts nothing while the JWKS cannot be fetched', async () => {
    const key = await aSigningKey('rsa-gone', 'RS256');
    const provider = await providerWith([key]);
    const api = await serviceTrusting(provider);
    const token = await provider.sign(key, { tenant_id: aTenant() });
    await provider.close();
    expectRefused(await ask(api, token), /could not be verified/);
  });
});
