import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { TEST_AUDIENCE, TEST_ISSUER } from './server.ts';

// An identity provider as production has one: signing keys whose public halves it publishes as a
// JSON Web Key Set over HTTP (AUTH_JWKS_URL), for tests of JWKS verification and key rotation.

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface IdentityProvider {
  jwksUrl: string;
  /** How many times the JWKS was fetched. */
  fetches(): number;
  /** Replaces the published key set (a rotation). */
  publish(keys: SigningKey[]): void;
  /** A token with the given claims (tenant_id, iss, aud, exp and iat filled in unless given). */
  sign(
    key: SigningKey,
    claims?: JWTPayload,
    options?: { kid?: string | null; expiresIn?: string },
  ): Promise<string>;
  close(): Promise<void>;
}

export async function aSigningKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export async function startIdentityProvider(keys: SigningKey[]): Promise<IdentityProvider> {
  let published = keys;
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    res.end(JSON.stringify({ keys: published.map((key) => key.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => fetches,
    publish(keys) {
      published = keys;
    },
    sign(key, claims = {}, options = {}) {
      const kid = options.kid === undefined ? key.kid : options.kid;
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: key.alg, typ: 'JWT', ...(kid === null ? {} : { kid }) })
        .setIssuer(claims.iss ?? TEST_ISSUER)
        .setAudience(claims.aud ?? TEST_AUDIENCE)
        .setSubject(claims.sub ?? 'user-1')
        .setIssuedAt(claims.iat)
        .setExpirationTime(claims.exp ?? options.expiresIn ?? '10m')
        .sign(key.privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
