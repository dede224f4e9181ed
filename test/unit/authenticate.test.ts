import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, type JWTPayload, jwtVerify, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthenticationError, createAuthenticator, DEV_TENANT_ID } from '../../src/auth/authenticate.ts';
import type { AuthConfig } from '../../src/config.ts';
import { aSigningKey, type IdentityProvider, startIdentityProvider } from '../support/identity-provider.ts';

// The tenant of a request comes from a verified JWT (RFC 7519): signed by a key we trust, issued by
// our issuer for our audience, within its validity period, and naming a tenant. Every refusal says
// what to do next. Without auth configuration there is one tenant and no checks (dev mode).

const ISSUER = 'https://idp.example.com/';
const AUDIENCE = 'hubgraph';
const SECRET = 'a-test-secret-of-at-least-32-bytes!!';

const secretConfig: AuthConfig = {
  kind: 'secret',
  secret: SECRET,
  issuer: ISSUER,
  audience: AUDIENCE,
  tenantClaim: 'tenant_id',
  maxTokenLifetimeSeconds: 3600,
};

const nowSeconds = () => Math.floor(Date.now() / 1000);

function hmacToken(
  claims: JWTPayload = {},
  options: { alg?: string; secret?: string; iss?: string; aud?: string; exp?: number | string } = {},
) {
  return new SignJWT({ tenant_id: 'acme', sub: 'user-1', ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setExpirationTime(options.exp ?? '10m')
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

async function refusal(promise: Promise<unknown>): Promise<AuthenticationError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  expect((error as Error).name).toBe('AuthenticationError');
  return error as AuthenticationError;
}

describe('authentication without configuration (dev mode)', () => {
  it('puts every request, with or without a token, in the dev tenant', async () => {
    const authenticate = createAuthenticator(undefined);
    expect(DEV_TENANT_ID).toBe('dev');
    await expect(authenticate(undefined)).resolves.toEqual({ tenantId: 'dev', subject: undefined });
    await expect(authenticate('Bearer whatever')).resolves.toEqual({ tenantId: 'dev', subject: undefined });
  });
});

describe('authentication with a shared secret', () => {
  // Made per call: Stryker switches its mutants on per test, after the test file was collected.
  const authenticate = (authorization: string | undefined) =>
    createAuthenticator(secretConfig)(authorization);

  it('accepts HS256, HS384 and HS512 tokens, returning the tenant, subject and expiry', async () => {
    const exp = nowSeconds() + 600;
    for (const alg of ['HS256', 'HS384', 'HS512'])
      await expect(authenticate(`Bearer ${await hmacToken({}, { alg, exp })}`), alg).resolves.toEqual({
        tenantId: 'acme',
        subject: 'user-1',
        expiresAt: new Date(exp * 1000),
      });
    const { sub: _, ...withoutSubject } = { sub: 'x', tenant_id: 'acme' };
    const token = await new SignJWT(withoutSubject)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(SECRET));
    await expect(authenticate(`Bearer ${token}`)).resolves.toEqual({
      tenantId: 'acme',
      subject: undefined,
      expiresAt: new Date(exp * 1000),
    });
  });

  it('refuses a token that never expires: sessions end with their tokens', async () => {
    const token = await new SignJWT({ tenant_id: 'acme' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .sign(new TextEncoder().encode(SECRET));
    expect((await refusal(authenticate(`Bearer ${token}`))).message).toBe(
      'The token has no `exp` claim: tokens must expire. Ask your identity provider to set one.',
    );
  });

  it('refuses a token valid for longer than the configured lifetime, naming the setting', async () => {
    await expect(
      authenticate(`Bearer ${await hmacToken({}, { exp: nowSeconds() + 3590 })}`),
    ).resolves.toMatchObject({
      tenantId: 'acme',
    });
    const error = await refusal(authenticate(`Bearer ${await hmacToken({}, { exp: nowSeconds() + 7200 })}`));
    expect(error.message).toMatch(
      /^The token is valid for another 7\d{3} s; this service accepts tokens valid for at most 3600 s \(AUTH_MAX_TOKEN_LIFETIME_SECONDS\)\. Issue shorter-lived tokens\.$/,
    );
  });

  it('takes the bearer scheme in any case and any whitespace before the token', async () => {
    const token = await hmacToken();
    for (const header of [`Bearer ${token}`, `bearer ${token}`, `BEARER  ${token}`, `Bearer\t${token}`])
      await expect(authenticate(header), header).resolves.toMatchObject({ tenantId: 'acme' });
  });

  it('asks for a bearer token when there is none', async () => {
    const token = await hmacToken();
    for (const header of [
      undefined,
      '',
      token,
      `Basic ${token}`,
      `Bearer ${token} extra`,
      `Bearer${token}`,
      `Bearer `,
      `x Bearer ${token}`,
      `Bearer ${token}\nx`,
    ]) {
      const error = await refusal(authenticate(header));
      expect(error.message, String(header)).toBe(
        'Send a JWT as `Authorization: Bearer <token>` (over WebSocket: connectionParams.authorization).',
      );
    }
  });

  it('refuses a token signed with another secret', async () => {
    const error = await refusal(authenticate(`Bearer ${await hmacToken({}, { secret: `${SECRET}-other` })}`));
    expect(error.message).toBe('The token signature is invalid.');
  });

  it('refuses asymmetric and unsigned tokens: the algorithm is not one of the secret', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const rs256 = await new SignJWT({ tenant_id: 'acme' })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .sign(privateKey);
    expect((await refusal(authenticate(`Bearer ${rs256}`))).message).toBe(
      'The token is not valid: "alg" (Algorithm) Header Parameter value not allowed',
    );
    const unsecured = new UnsecuredJWT({ tenant_id: 'acme' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .encode();
    expect((await refusal(authenticate(`Bearer ${unsecured}`))).message).toMatch(/^The token is not valid: /);
  });

  it('refuses what is not a JWT, quoting why', async () => {
    expect((await refusal(authenticate('Bearer not-a-jwt'))).message).toBe(
      'The token is not valid: Invalid Compact JWS',
    );
  });

  it('refuses an expired token: get a new one', async () => {
    const error = await refusal(authenticate(`Bearer ${await hmacToken({}, { exp: nowSeconds() - 120 })}`));
    expect(error.message).toBe('The token has expired; get a new one.');
  });

  it('refuses a token of another issuer or audience, naming the claim', async () => {
    expect(
      (await refusal(authenticate(`Bearer ${await hmacToken({}, { iss: 'https://evil.example/' })}`)))
        .message,
    ).toBe(
      'The token\'s `iss` claim is not accepted here (unexpected "iss" claim value); check the issuer and audience it was issued for.',
    );
    expect(
      (await refusal(authenticate(`Bearer ${await hmacToken({}, { aud: 'another-api' })}`))).message,
    ).toBe(
      'The token\'s `aud` claim is not accepted here (unexpected "aud" claim value); check the issuer and audience it was issued for.',
    );
  });

  it('refuses a token that is not valid yet, pointing at the clocks', async () => {
    expect(
      (await refusal(authenticate(`Bearer ${await hmacToken({ nbf: nowSeconds() + 3600 })}`))).message,
    ).toBe(
      'The token\'s `nbf` claim is not accepted here ("nbf" claim timestamp check failed); it is not valid yet: check the clocks of the identity provider and of this service.',
    );
    expect(
      (await refusal(authenticate(`Bearer ${await hmacToken({ iat: 'yesterday' as unknown as number })}`)))
        .message,
    ).toBe(
      'The token\'s `iat` claim is not accepted here ("iat" claim must be a number); it is not valid yet: check the clocks of the identity provider and of this service.',
    );
  });

  it('needs a tenant id of letters, digits and . _ : - (at most 128, not starting with punctuation)', async () => {
    for (const tenant of ['a', 'acme', 'Acme.eu_1:prod-2', '9', `a${'b'.repeat(127)}`])
      await expect(
        authenticate(`Bearer ${await hmacToken({ tenant_id: tenant })}`),
        tenant,
      ).resolves.toMatchObject({
        tenantId: tenant,
        subject: 'user-1',
      });
    for (const tenant of [
      undefined,
      '',
      42,
      ['acme'],
      '-acme',
      '.acme',
      'ac me',
      'acme/eu',
      'acme\n',
      `a${'b'.repeat(128)}`,
    ]) {
      const error = await refusal(authenticate(`Bearer ${await hmacToken({ tenant_id: tenant })}`));
      expect(error.message, JSON.stringify(tenant)).toBe(
        "The token has no usable `tenant_id` claim (a tenant id of letters, digits, '.', '_', ':' or '-'). Ask your identity provider to add it.",
      );
    }
  });

  it('reads the tenant from the configured claim', async () => {
    const authenticate = createAuthenticator({ ...secretConfig, tenantClaim: 'org' });
    await expect(authenticate(`Bearer ${await hmacToken({ org: 'globex' })}`)).resolves.toMatchObject({
      tenantId: 'globex',
      subject: 'user-1',
    });
    expect((await refusal(authenticate(`Bearer ${await hmacToken()}`))).message).toMatch(
      /^The token has no usable `org` claim/,
    );
  });
});

describe('verified tokens kept for a while', () => {
  const counting = () => {
    const calls = { count: 0 };
    const verify = ((...args: Parameters<typeof jwtVerify>) => {
      calls.count += 1;
      return jwtVerify(...args);
    }) as typeof jwtVerify;
    return { calls, verify };
  };

  afterEach(() => {
    vi.useRealTimers();
  });

  it('verifies a token once for the requests that send it within the period', async () => {
    const { calls, verify } = counting();
    const authenticate = createAuthenticator(secretConfig, { size: 10, seconds: 60 }, verify);
    const token = await hmacToken();
    const first = await authenticate(`Bearer ${token}`);
    expect(await authenticate(`Bearer ${token}`)).toEqual(first);
    expect(await authenticate(`bearer  ${token}`)).toEqual(first);
    expect(calls.count).toBe(1);
    // Another token (another signature) is verified on its own: one that fails is never kept.
    const forged = `${token.slice(0, token.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;
    expect((await refusal(authenticate(`Bearer ${forged}`))).message).toBe('The token signature is invalid.');
    expect((await refusal(authenticate(`Bearer ${forged}`))).message).toBe('The token signature is invalid.');
    expect(calls.count).toBe(3);
  });

  it('verifies again after the period, and never past the expiry', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z'), toFake: ['Date'] });
    const { calls, verify } = counting();
    const authenticate = createAuthenticator(secretConfig, { size: 10, seconds: 60 }, verify);
    const lasting = await hmacToken({}, { exp: nowSeconds() + 600 });
    const brief = await hmacToken({}, { exp: nowSeconds() + 30 });
    await authenticate(`Bearer ${lasting}`);
    await authenticate(`Bearer ${brief}`);
    vi.setSystemTime(new Date('2026-12-01T10:00:31Z'));
    expect((await refusal(authenticate(`Bearer ${brief}`))).message).toBe(
      'The token has expired; get a new one.',
    );
    await authenticate(`Bearer ${lasting}`);
    expect(calls.count).toBe(3);
    vi.setSystemTime(new Date('2026-12-01T10:01:01Z'));
    await expect(authenticate(`Bearer ${lasting}`)).resolves.toMatchObject({ tenantId: 'acme' });
    expect(calls.count).toBe(4);
  });

  it('keeps at most `size` tokens, the oldest going first', async () => {
    const { calls, verify } = counting();
    const authenticate = createAuthenticator(secretConfig, { size: 2, seconds: 60 }, verify);
    const tokens = await Promise.all([1, 2, 3].map((n) => hmacToken({ sub: `user-${n}` })));
    for (const token of tokens) await authenticate(`Bearer ${token}`);
    await authenticate(`Bearer ${tokens[2]}`);
    await authenticate(`Bearer ${tokens[1]}`);
    expect(calls.count).toBe(3);
    await authenticate(`Bearer ${tokens[0]}`);
    expect(calls.count).toBe(4);
  });
});

describe('authentication with a JSON Web Key Set', () => {
  let provider: IdentityProvider;
  let key: Awaited<ReturnType<typeof aSigningKey>>;
  let config: AuthConfig;

  beforeAll(async () => {
    key = await aSigningKey('key-1', 'RS256');
    provider = await startIdentityProvider([key]);
    config = {
      kind: 'jwks',
      jwksUrl: provider.jwksUrl,
      issuer: ISSUER,
      audience: AUDIENCE,
      tenantClaim: 'tenant_id',
      maxTokenLifetimeSeconds: 3600,
    };
  });
  afterAll(() => provider.close());

  it('accepts a token signed by a published key', async () => {
    const token = await provider.sign(key, { tenant_id: 'acme', iss: ISSUER, aud: AUDIENCE, sub: 'user-9' });
    await expect(createAuthenticator(config)(`Bearer ${token}`)).resolves.toMatchObject({
      tenantId: 'acme',
      subject: 'user-9',
    });
  });

  it('refuses an HMAC token, whatever its secret', async () => {
    const error = await refusal(createAuthenticator(config)(`Bearer ${await hmacToken()}`));
    expect(error.message).toMatch(/^The token is not valid: /);
  });

  it('cannot verify anything when the key set is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const token = await provider.sign(key, { tenant_id: 'acme', iss: ISSUER, aud: AUDIENCE });
    const authenticate = createAuthenticator({ ...config, jwksUrl: `http://127.0.0.1:${port}/jwks.json` });
    expect((await refusal(authenticate(`Bearer ${token}`))).message).toBe('The token could not be verified.');
  });
});
