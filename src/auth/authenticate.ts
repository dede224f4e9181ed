import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import type { AuthConfig } from '../config.ts';

// The tenant of every request comes from a verified JWT (the gateway forwards the user's token).
// Without auth configuration the service runs in dev mode: one tenant, no checks.

export const DEV_TENANT_ID = 'dev';

export interface Principal {
  tenantId: string;
  subject: string | undefined;
  /** When the token stops being valid (undefined in dev mode): a WebSocket closes then. */
  expiresAt?: Date;
}

export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

export type Authenticator = (authorization: string | undefined) => Promise<Principal>;

const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Verified tokens are kept (by their whole text, signature included) for `seconds` or until they
 * expire, whichever is sooner: a client sends the same token with every request, and verifying it
 * (WebCrypto's HMAC or RSA, a key import, a thread-pool hop) was a third of a small request's CPU.
 * So a key removed from the JWKS stops being accepted up to `seconds` later.
 */
export interface VerifiedTokenCache {
  /** At most this many tokens (the oldest go first); 0 keeps none. */
  size: number;
  seconds: number;
}

export const DEFAULT_VERIFIED_TOKEN_CACHE: VerifiedTokenCache = { size: 10_000, seconds: 60 };

export function createAuthenticator(
  config: AuthConfig | undefined,
  cache: VerifiedTokenCache = DEFAULT_VERIFIED_TOKEN_CACHE,
  verify: typeof jwtVerify = jwtVerify,
): Authenticator {
  if (!config) return async () => ({ tenantId: DEV_TENANT_ID, subject: undefined });
  const key =
    config.kind === 'jwks'
      ? createRemoteJWKSet(new URL(config.jwksUrl!))
      : new TextEncoder().encode(config.secret!);
  const algorithms = config.kind === 'secret' ? ['HS256', 'HS384', 'HS512'] : undefined;
  const verified = new Map<string, { principal: Principal; until: number }>();
  return async (authorization) => {
    const token = bearerToken(authorization);
    const known = verified.get(token);
    if (known && Date.now() < known.until) return known.principal;
    if (known) verified.delete(token);
    let payload: JWTPayload;
    try {
      ({ payload } = await verify(token, key as Parameters<typeof jwtVerify>[1], {
        issuer: config.issuer,
        audience: config.audience,
        algorithms,
        // A token without an expiry would be a session that never ends (a WebSocket's included).
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw new AuthenticationError(describeJwtError(error));
    }
    const tenant = payload[config.tenantClaim];
    if (typeof tenant !== 'string' || !TENANT_ID.test(tenant)) {
      throw new AuthenticationError(
        `The token has no usable \`${config.tenantClaim}\` claim (a tenant id of letters, digits, '.', '_', ':' or '-'). Ask your identity provider to add it.`,
      );
    }
    const expiresAt = new Date(payload.exp! * 1000);
    const lifetime = Math.round((expiresAt.getTime() - Date.now()) / 1000);
    if (lifetime > config.maxTokenLifetimeSeconds) {
      throw new AuthenticationError(
        `The token is valid for another ${lifetime} s; this service accepts tokens valid for at most ${config.maxTokenLifetimeSeconds} s (AUTH_MAX_TOKEN_LIFETIME_SECONDS). Issue shorter-lived tokens.`,
      );
    }
    const principal = { tenantId: tenant, subject: payload.sub, expiresAt };
    if (cache.size > 0) {
      if (verified.size >= cache.size) verified.delete(verified.keys().next().value!);
      verified.set(token, {
        principal,
        until: Math.min(expiresAt.getTime(), Date.now() + cache.seconds * 1000),
      });
    }
    return principal;
  };
}

function bearerToken(authorization: string | undefined): string {
  const match = authorization?.match(/^Bearer\s+(\S+)$/i);
  if (!match) {
    throw new AuthenticationError(
      'Send a JWT as `Authorization: Bearer <token>` (over WebSocket: connectionParams.authorization).',
    );
  }
  return match[1]!;
}

function describeJwtError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired; get a new one.';
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'exp') {
    return 'The token has no `exp` claim: tokens must expire. Ask your identity provider to set one.';
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    // jose's `reason` is a code (check_failed, missing); its message says what was wrong.
    const advice =
      error.claim === 'nbf' || error.claim === 'iat'
        ? 'it is not valid yet: check the clocks of the identity provider and of this service'
        : 'check the issuer and audience it was issued for';
    return `The token's \`${error.claim}\` claim is not accepted here (${error.message}); ${advice}.`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is invalid.';
  if (error instanceof errors.JOSEError) return `The token is not valid: ${error.message}`;
  return 'The token could not be verified.';
}
