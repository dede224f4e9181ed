import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AwsError } from './errors.ts';
import type { Credentials, Identity, Principal } from './identity.ts';

// AWS Signature Version 4, verified the way AWS does: the canonical request is rebuilt from what
// arrived on the wire and signed again with the secret of the access key; the signatures must be
// equal. Every failure answers with the service's own error code and status.

export type SigningService = 'securityhub' | 'sts' | 'ec2';

export interface SignedRequest {
  method: string;
  /** The path exactly as sent (percent-encoded). */
  path: string;
  /** The query string exactly as sent, without `?`. */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface VerifiedCaller {
  principal: Principal;
  region: string;
  accessKeyId: string;
}

const MAX_SKEW_MS = 15 * 60 * 1000;

const ERRORS = {
  securityhub: {
    missing: () => new AwsError('MissingAuthenticationTokenException', 403, 'Missing Authentication Token'),
    unknownKey: () =>
      new AwsError(
        'UnrecognizedClientException',
        403,
        'The security token included in the request is invalid.',
      ),
    badSignature: (message: string) => new AwsError('InvalidSignatureException', 403, message),
    expired: () =>
      new AwsError('ExpiredTokenException', 403, 'The security token included in the request is expired'),
  },
  ec2: {
    missing: () =>
      new AwsError('AuthFailure', 401, 'AWS was not able to validate the provided access credentials'),
    unknownKey: () =>
      new AwsError('AuthFailure', 401, 'AWS was not able to validate the provided access credentials'),
    badSignature: (message: string) => new AwsError('SignatureDoesNotMatch', 403, message),
    expired: () => new AwsError('RequestExpired', 400, 'Request has expired.'),
  },
  sts: {
    missing: () => new AwsError('MissingAuthenticationToken', 403, 'Request is missing Authentication Token'),
    unknownKey: () =>
      new AwsError('InvalidClientTokenId', 403, 'The security token included in the request is invalid.'),
    badSignature: (message: string) => new AwsError('SignatureDoesNotMatch', 403, message),
    expired: () =>
      new AwsError('ExpiredTokenException', 400, 'The security token included in the request is expired'),
  },
} as const;

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/**
 * Verifies a request's signature. `wallClockMs` checks the signing time (the SDK signs with real
 * time); `emulatorNowMs` checks session expiry (the emulator's clock can be advanced in tests).
 */
export function verifySignature(
  request: SignedRequest,
  service: SigningService,
  identity: Identity,
  wallClockMs: number,
  emulatorNowMs: number,
): VerifiedCaller {
  const errors = ERRORS[service];
  const authorization = header(request.headers, 'authorization');
  if (!authorization) throw errors.missing();
  const parsed =
    /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
      authorization.trim(),
    );
  if (!parsed)
    throw errors.badSignature(
      `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' in AWS4-HMAC-SHA256 form.`,
    );
  const [, credential, signedHeaders, signature] = parsed as unknown as [string, string, string, string];
  const scopeParts = credential.split('/');
  if (scopeParts.length !== 5)
    throw errors.badSignature(`Credential should be scoped to a valid region, not '${credential}'.`);
  const [accessKeyId, date, region, scopeService, terminator] = scopeParts as [
    string,
    string,
    string,
    string,
    string,
  ];

  const credentials = identity.credentials(accessKeyId);
  if (!credentials) throw errors.unknownKey();

  const amzDate = header(request.headers, 'x-amz-date');
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate))
    throw errors.badSignature('Request must contain a valid X-Amz-Date header (YYYYMMDDTHHMMSSZ).');
  if (terminator !== 'aws4_request')
    throw errors.badSignature(
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`,
    );
  if (scopeService !== service)
    throw errors.badSignature(`Credential should be scoped to correct service: '${service}'.`);
  if (date !== amzDate.slice(0, 8))
    throw errors.badSignature(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate.slice(0, 8)}'`,
    );
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region))
    throw errors.badSignature(`Credential should be scoped to a valid region, not '${region}'.`);

  const signedAt = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (Math.abs(wallClockMs - signedAt) > MAX_SKEW_MS) {
    const early = signedAt < wallClockMs;
    throw errors.badSignature(
      early
        ? `Signature expired: ${amzDate} is now earlier than ${compact(wallClockMs - MAX_SKEW_MS)} (${compact(wallClockMs)} - 15 min.)`
        : `Signature not yet current: ${amzDate} is still later than ${compact(wallClockMs + MAX_SKEW_MS)} (${compact(wallClockMs)} + 15 min.)`,
    );
  }

  const names = signedHeaders.split(';');
  if (!names.includes('host'))
    throw errors.badSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  const expected = computeSignature(request, names, credentials, { amzDate, date, region, service });
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw errors.badSignature(MISMATCH);

  checkSessionToken(request, credentials, service, emulatorNowMs);
  return { principal: credentials.principal, region, accessKeyId };
}

function checkSessionToken(
  request: SignedRequest,
  credentials: Credentials,
  service: SigningService,
  nowMs: number,
): void {
  const errors = ERRORS[service];
  const token = header(request.headers, 'x-amz-security-token');
  if (credentials.principal.kind === 'session') {
    if (token !== credentials.sessionToken) throw errors.unknownKey();
    if (nowMs >= credentials.principal.expiresAt) throw errors.expired();
  } else if (token) {
    // Long-term keys never carry a session token; one that does is not a credential AWS issued.
    throw errors.unknownKey();
  }
}

function computeSignature(
  request: SignedRequest,
  signedHeaders: string[],
  credentials: Credentials,
  scope: { amzDate: string; date: string; region: string; service: string },
): Buffer {
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${(header(request.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const payloadHash = header(request.headers, 'x-amz-content-sha256') ?? sha256(request.body);
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(request.path),
    canonicalQuery(request.query),
    canonicalHeaders,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', scope.amzDate, credentialScope, sha256(canonicalRequest)].join(
    '\n',
  );
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, scope.date);
  key = hmac(key, scope.region);
  key = hmac(key, scope.service);
  key = hmac(key, 'aws4_request');
  return hmac(key, stringToSign);
}

/** As the SDK builds it: dot segments resolved, then the (already encoded) path encoded once more. */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

function canonicalQuery(query: string): string {
  if (!query) return '';
  const pairs = query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const index = pair.indexOf('=');
      const key = safeDecode(index < 0 ? pair : pair.slice(0, index));
      const value = index < 0 ? '' : safeDecode(pair.slice(index + 1));
      return [escapeUri(key), escapeUri(value)] as const;
    })
    .filter(([key]) => key.toLowerCase() !== 'x-amz-signature');
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return pairs.map(([key, value]) => `${key}=${value}`).join('&');
}

function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function header(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function compact(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
