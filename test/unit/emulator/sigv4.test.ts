import {
  GetFindingAggregatorCommand,
  GetFindingsCommand,
  ListFindingAggregatorsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AwsError } from '../../../src/emulator/errors.ts';
import { Identity, type Session, type User } from '../../../src/emulator/identity.ts';
import { type SignedRequest, type SigningService, verifySignature } from '../../../src/emulator/sigv4.ts';

// Requests are signed by the real SDK (its request handler captures the signed request instead of
// sending it), then verified the way the emulator verifies what arrives on the wire. Each failure
// must answer with the code, status and message the real service answers with.

const ACCOUNT = '111122223333';
const MINUTE = 60_000;

interface CapturedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

class CapturedSignal extends Error {
  readonly request: CapturedRequest;
  constructor(request: CapturedRequest) {
    super('captured');
    this.request = request;
  }
}

const capture = {
  handle: async (request: CapturedRequest) => {
    throw new CapturedSignal(request);
  },
};

type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

async function signedBy(send: () => Promise<unknown>): Promise<SignedRequest> {
  try {
    await send();
  } catch (error) {
    if (!(error instanceof CapturedSignal)) throw error;
    const { request } = error;
    const query = Object.entries(request.query ?? {})
      .flatMap(([key, value]) =>
        (Array.isArray(value) ? value : [value]).map((v) =>
          v === null ? encodeURIComponent(key) : `${encodeURIComponent(key)}=${encodeURIComponent(v)}`,
        ),
      )
      .join('&');
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
    return {
      method: request.method,
      path: request.path,
      query,
      headers,
      body: bodyBytes(request.body),
    };
  }
  throw new Error('the request was not captured');
}

/** The body as bytes; the JSON protocol's body is a Uint8Array that warns when read as a string. */
function bodyBytes(body: CapturedRequest['body']): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function securityHub(keys: Keys, region = 'eu-west-1') {
  return new SecurityHubClient({
    region,
    endpoint: 'https://securityhub.example.test',
    credentials: keys,
    requestHandler: capture as never,
    maxAttempts: 1,
  });
}

function sts(keys: Keys) {
  return new STSClient({
    region: 'us-east-1',
    endpoint: 'https://sts.example.test',
    credentials: keys,
    requestHandler: capture as never,
    maxAttempts: 1,
  });
}

const getFindings = (keys: Keys, region?: string) =>
  signedBy(() => securityHub(keys, region).send(new GetFindingsCommand({ MaxResults: 10 })));

const getCallerIdentity = (keys: Keys) => signedBy(() => sts(keys).send(new GetCallerIdentityCommand({})));

function refusal(
  request: SignedRequest,
  service: SigningService,
  wallClockMs = Date.now(),
  nowMs = Date.now(),
) {
  try {
    verifySignature(request, service, identity, wallClockMs, nowMs);
  } catch (error) {
    const e = error as AwsError;
    return { code: e.code, status: e.status, message: e.message };
  }
  throw new Error('expected the signature to be refused');
}

/** The request with one part of its Authorization header rewritten (the signature itself is kept). */
function withAuthorization(
  request: SignedRequest,
  rewrite: (authorization: string) => string,
): SignedRequest {
  return {
    ...request,
    headers: { ...request.headers, authorization: rewrite(request.headers.authorization as string) },
  };
}

function withHeaders(request: SignedRequest, headers: Record<string, string | undefined>): SignedRequest {
  return { ...request, headers: { ...request.headers, ...headers } };
}

let identity: Identity;
let user: User;
let userKeys: Keys;

beforeEach(() => {
  identity = new Identity(7);
  identity.addAccount(ACCOUNT);
  user = identity.addUser(ACCOUNT, 'hubgraph');
  userKeys = { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey };
});

describe('a correctly signed request', () => {
  it('identifies the caller and the region it signed for', async () => {
    const caller = verifySignature(
      await getFindings(userKeys, 'ap-southeast-2'),
      'securityhub',
      identity,
      Date.now(),
      Date.now(),
    );
    expect(caller).toEqual({ principal: user, region: 'ap-southeast-2', accessKeyId: user.accessKeyId });
  });

  it('verifies a GET whose query string the SDK signed, whatever order the parameters arrive in', async () => {
    const request = await signedBy(() =>
      securityHub(userKeys).send(new ListFindingAggregatorsCommand({ MaxResults: 5, NextToken: 'a b/c+d' })),
    );
    expect(request.method).toBe('GET');
    const reordered = { ...request, query: request.query.split('&').reverse().join('&') };
    expect(verifySignature(reordered, 'securityhub', identity, Date.now(), Date.now()).accessKeyId).toBe(
      user.accessKeyId,
    );
  });

  it('verifies a path carrying an encoded ARN, as the SDK double-encodes it for signing', async () => {
    const request = await signedBy(() =>
      securityHub(userKeys).send(
        new GetFindingAggregatorCommand({
          FindingAggregatorArn: `arn:aws:securityhub:eu-west-1:${ACCOUNT}:finding-aggregator/1a2b`,
        }),
      ),
    );
    expect(request.path).toMatch(/%3A/);
    expect(verifySignature(request, 'securityhub', identity, Date.now(), Date.now()).region).toBe(
      'eu-west-1',
    );
  });

  it('ignores a presigned X-Amz-Signature parameter when rebuilding the query', async () => {
    const request = await getFindings(userKeys);
    const withPresignedParameter = { ...request, query: 'X-Amz-Signature=abc' };
    expect(
      verifySignature(withPresignedParameter, 'securityhub', identity, Date.now(), Date.now()).region,
    ).toBe('eu-west-1');
  });
});

describe('an unsigned or malformed request', () => {
  it("answers a request without Authorization with each service's missing-token error", async () => {
    const unsignedHub = withHeaders(await getFindings(userKeys), { authorization: undefined });
    expect(refusal(unsignedHub, 'securityhub')).toEqual({
      code: 'MissingAuthenticationTokenException',
      status: 403,
      message: 'Missing Authentication Token',
    });
    const unsignedSts = withHeaders(await getCallerIdentity(userKeys), { authorization: undefined });
    expect(refusal(unsignedSts, 'sts')).toEqual({
      code: 'MissingAuthenticationToken',
      status: 403,
      message: 'Request is missing Authentication Token',
    });
  });

  it('refuses an Authorization header that is not AWS4-HMAC-SHA256', async () => {
    const request = withHeaders(await getFindings(userKeys), { authorization: 'Bearer abc' });
    expect(refusal(request, 'securityhub')).toEqual({
      code: 'InvalidSignatureException',
      status: 403,
      message:
        "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' in AWS4-HMAC-SHA256 form.",
    });
  });

  it('refuses a credential scope without all five parts', async () => {
    const request = withAuthorization(await getFindings(userKeys), (a) => a.replace('/aws4_request', ''));
    const { code, message } = refusal(request, 'securityhub');
    expect(code).toBe('InvalidSignatureException');
    expect(message).toMatch(/^Credential should be scoped to a valid region, not '.+\/securityhub'\.$/);
  });

  it('refuses a missing or malformed X-Amz-Date', async () => {
    const request = await getFindings(userKeys);
    const expected = {
      code: 'InvalidSignatureException',
      status: 403,
      message: 'Request must contain a valid X-Amz-Date header (YYYYMMDDTHHMMSSZ).',
    };
    expect(refusal(withHeaders(request, { 'x-amz-date': undefined }), 'securityhub')).toEqual(expected);
    expect(refusal(withHeaders(request, { 'x-amz-date': '2026-01-01T00:00:00Z' }), 'securityhub')).toEqual(
      expected,
    );
  });

  it('refuses a scope with the wrong terminator, service, date or region', async () => {
    const request = await getFindings(userKeys);
    const amzDate = request.headers['x-amz-date'] as string;
    const day = amzDate.slice(0, 8);
    expect(
      refusal(
        withAuthorization(request, (a) => a.replace('/aws4_request,', '/aws5_request,')),
        'securityhub',
      ).message,
    ).toBe("Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.");
    expect(refusal(request, 'sts')).toEqual({
      code: 'SignatureDoesNotMatch',
      status: 403,
      message: "Credential should be scoped to correct service: 'sts'.",
    });
    expect(
      refusal(
        withAuthorization(request, (a) => a.replace(`/${day}/`, '/20200101/')),
        'securityhub',
      ).message,
    ).toBe(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20200101' != '${day}'`,
    );
    expect(
      refusal(
        withAuthorization(request, (a) => a.replace('/eu-west-1/', '/moon-base/')),
        'securityhub',
      ).message,
    ).toBe("Credential should be scoped to a valid region, not 'moon-base'.");
  });

  it('refuses a signature that does not cover the Host header', async () => {
    const request = withAuthorization(await getFindings(userKeys), (a) =>
      a.replace(
        /SignedHeaders=([^,]+)/,
        (_, names: string) =>
          `SignedHeaders=${names
            .split(';')
            .filter((n) => n !== 'host')
            .join(';')}`,
      ),
    );
    expect(refusal(request, 'securityhub')).toEqual({
      code: 'InvalidSignatureException',
      status: 403,
      message: "'Host' must be a 'SignedHeader' in the AWS Authorization.",
    });
  });

  it('refuses a request whose signed header was changed after signing', async () => {
    const request = withHeaders(await getFindings(userKeys), { host: 'elsewhere.example.test' });
    const { code, message } = refusal(request, 'securityhub');
    expect(code).toBe('InvalidSignatureException');
    expect(message).toMatch(
      /^The request signature we calculated does not match the signature you provided\./,
    );
  });
  it('answers a query with a malformed percent-escape added after signing as a mismatch, not a crash', async () => {
    const request = await signedBy(() =>
      securityHub(userKeys).send(new ListFindingAggregatorsCommand({ MaxResults: 5 })),
    );
    const tampered = { ...request, query: `${request.query}&extra=%E0%A4%A` };
    expect(refusal(tampered, 'securityhub')).toMatchObject({
      code: 'InvalidSignatureException',
      status: 403,
    });
    expect(refusal(tampered, 'securityhub').message).toMatch(
      /^The request signature we calculated does not match/,
    );
  });
});

describe('the signing time', () => {
  it('refuses a signature more than 15 minutes old, saying how late it is', async () => {
    const request = await getFindings(userKeys);
    const { code, message } = refusal(request, 'securityhub', Date.now() + 16 * MINUTE);
    expect(code).toBe('InvalidSignatureException');
    expect(message).toMatch(
      new RegExp(
        `^Signature expired: ${request.headers['x-amz-date']} is now earlier than \\d{8}T\\d{6}Z \\(\\d{8}T\\d{6}Z - 15 min\\.\\)$`,
      ),
    );
  });

  it('refuses a signature from more than 15 minutes in the future', async () => {
    const request = await getCallerIdentity(userKeys);
    const { code, message } = refusal(request, 'sts', Date.now() - 16 * MINUTE);
    expect(code).toBe('SignatureDoesNotMatch');
    expect(message).toMatch(
      /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(.* \+ 15 min\.\)$/,
    );
  });

  it('accepts a clock that is off by less than 15 minutes', async () => {
    const request = await getFindings(userKeys);
    expect(
      verifySignature(request, 'securityhub', identity, Date.now() + 14 * MINUTE, Date.now()).region,
    ).toBe('eu-west-1');
  });
});

describe('credentials', () => {
  let session: Session;
  let sessionKeys: Keys;
  const nowMs = Date.now();

  beforeEach(() => {
    const role = identity.addRole(ACCOUNT, 'reader', { principals: [ACCOUNT] }, ['securityhub:GetFindings']);
    session = identity.createSession(role, 'sync', 900, nowMs);
    sessionKeys = {
      accessKeyId: session.accessKeyId,
      secretAccessKey: session.secretAccessKey,
      sessionToken: session.sessionToken,
    };
  });

  it("answers an unknown access key with each service's invalid-token error", async () => {
    const stranger = { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) };
    expect(refusal(await getFindings(stranger), 'securityhub')).toEqual({
      code: 'UnrecognizedClientException',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
    expect(refusal(await getCallerIdentity(stranger), 'sts')).toEqual({
      code: 'InvalidClientTokenId',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
  });

  it('accepts a session with its own token until it expires', async () => {
    const caller = verifySignature(
      await getFindings(sessionKeys),
      'securityhub',
      identity,
      Date.now(),
      nowMs,
    );
    expect(caller.principal).toBe(session);
  });

  it('answers an expired session with ExpiredTokenException: 403 from Security Hub, 400 from STS', async () => {
    const afterExpiry = session.expiresAt;
    expect(refusal(await getFindings(sessionKeys), 'securityhub', Date.now(), afterExpiry)).toEqual({
      code: 'ExpiredTokenException',
      status: 403,
      message: 'The security token included in the request is expired',
    });
    expect(refusal(await getCallerIdentity(sessionKeys), 'sts', Date.now(), afterExpiry)).toEqual({
      code: 'ExpiredTokenException',
      status: 400,
      message: 'The security token included in the request is expired',
    });
  });

  it("refuses a session key signed with another session's token, or with none", async () => {
    const wrongToken = await getFindings({ ...sessionKeys, sessionToken: 'not-the-session-token' });
    expect(refusal(wrongToken, 'securityhub', Date.now(), nowMs).code).toBe('UnrecognizedClientException');
    const noToken = await getFindings({
      accessKeyId: session.accessKeyId,
      secretAccessKey: session.secretAccessKey,
    });
    expect(refusal(noToken, 'securityhub', Date.now(), nowMs).code).toBe('UnrecognizedClientException');
  });

  it('refuses a long-term access key that carries a session token', async () => {
    const request = await getCallerIdentity({ ...userKeys, sessionToken: 'made-up' });
    expect(refusal(request, 'sts')).toEqual({
      code: 'InvalidClientTokenId',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
  });
});
