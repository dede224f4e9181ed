import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent } from 'node:https';
import type { BlockList } from 'node:net';
import { rootCertificates } from 'node:tls';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { allowListOf, assertLiteralAllowed, checkedLookup, type EgressRule } from './egress.ts';

// How Hubgraph reaches AWS for one connector: the source identity (Hubgraph's default chain or a
// stored access key, decrypted only here, in memory), an assumed role on top when configured, and
// clients that talk only to AWS's endpoints — or to an override the operator explicitly allowed.

export type AuthMode = 'DEFAULT_CHAIN' | 'ACCESS_KEY' | 'ASSUME_ROLE';

export interface AwsTarget {
  authMode: AuthMode;
  /** With ASSUME_ROLE: the identity that assumes the role. */
  sourceMode: 'DEFAULT_CHAIN' | 'ACCESS_KEY' | null;
  accessKeyId: string | null;
  secretAccessKey: string | null;
  roleArn: string | null;
  externalId: string;
  roleSessionName: string;
  sessionDurationSeconds: number;
  regions: string[];
  endpointOverride: string | null;
}

export interface AwsTransport {
  /** Extra CA certificates to trust (a TLS-inspecting proxy, the emulator's CA). */
  caBundlePem?: string;
  allowCustomEndpoints: boolean;
  /**
   * Internal addresses (CIDRs) a custom endpoint may reach, e.g. an emulator on loopback; nothing
   * else private, loopback, link-local or metadata is reached (egress.ts).
   */
  endpointAllowList?: readonly string[];
  /**
   * Longest one call may take, its retries and their back-off included (default 120 s). Each
   * attempt also has its own limits: 5 s to connect, 30 s without an answer.
   */
  callDeadlineMs?: number;
}

const DEFAULT_CALL_DEADLINE_MS = 120_000;

/** A call to AWS that outlived its overall deadline (not a cancellation: the caller did not abort). */
export class AwsCallDeadlineError extends Error {
  readonly operation: string;
  constructor(operation: string, deadlineMs: number) {
    super(
      `AWS did not complete ${operation} within ${deadlineMs / 1000} s (retries included). ` +
        'AWS or the network path to it is slow or unreachable: check the endpoint and any proxy, then try again; ' +
        'HUBGRAPH_AWS_CALL_DEADLINE_SECONDS sets this limit.',
    );
    this.name = 'AwsCallDeadlineError';
    this.operation = operation;
  }
}

interface Sends {
  send(command: { constructor: { name: string } }, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/**
 * Every call through this client ends by the transport's deadline. The SDK reads the abort signal
 * from `send`'s options only (middleware cannot add one), so `send` itself is wrapped. A caller's
 * own signal still cancels (AbortError); the deadline fails with AwsCallDeadlineError.
 */
function withCallDeadline<Client extends object>(client: Client, transport: AwsTransport): Client {
  const deadlineMs = transport.callDeadlineMs ?? DEFAULT_CALL_DEADLINE_MS;
  const target = client as unknown as Sends;
  const send = target.send.bind(target);
  target.send = async (command, options) => {
    const deadline = AbortSignal.timeout(deadlineMs);
    const own = options?.abortSignal;
    try {
      return await send(command, {
        ...options,
        abortSignal: own ? AbortSignal.any([own, deadline]) : deadline,
      });
    } catch (error) {
      if (deadline.aborted && !own?.aborted)
        throw new AwsCallDeadlineError(command.constructor.name.replace(/Command$/, ''), deadlineMs);
      throw error;
    }
  };
  return client;
}

export class CustomEndpointNotAllowedError extends Error {
  constructor(endpoint: string) {
    super(
      `Custom endpoint ${endpoint} is not allowed: set HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS=true to send credentials anywhere but AWS.`,
    );
    this.name = 'CustomEndpointNotAllowedError';
  }
}

export function readCaBundle(path: string | undefined): string | undefined {
  return path ? readFileSync(path, 'utf8') : undefined;
}

const handlers = new Map<string, NodeHttpHandler>();

/**
 * One HTTP handler per CA bundle (and, for custom endpoints, per egress rule): keep-alive
 * connections, the system's roots plus the extra CAs; for a custom endpoint, a DNS lookup that
 * refuses addresses the connector may not reach, checked on the address the socket connects to.
 */
export function requestHandler(transport: AwsTransport, egress?: EgressRule): NodeHttpHandler {
  const key = `${transport.caBundlePem ?? ''}|${egress ? `${transport.endpointAllowList?.join(',')}|${egress.onlyListed}` : 'aws'}`;
  let handler = handlers.get(key);
  if (!handler) {
    const lookup = egress ? checkedLookup(egress) : undefined;
    handler = new NodeHttpHandler({
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
      httpAgent: lookup ? new HttpAgent({ keepAlive: true, lookup }) : undefined,
      httpsAgent: new Agent({
        keepAlive: true,
        lookup,
        ca: transport.caBundlePem ? [...rootCertificates, transport.caBundlePem] : undefined,
      }),
    });
    handlers.set(key, handler);
  }
  return handler;
}

/** Whether requests are signed with Hubgraph's own identity (directly or to assume a role). */
export function signsWithOwnIdentity(target: AwsTarget): boolean {
  const mode = target.authMode === 'ASSUME_ROLE' ? (target.sourceMode ?? 'DEFAULT_CHAIN') : target.authMode;
  return mode === 'DEFAULT_CHAIN';
}

/** Where a client sends its requests: AWS, or the allowed override with the egress rule it obeys. */
function endpointFor(
  target: AwsTarget,
  transport: AwsTransport,
): { endpoint: string | undefined; egress: EgressRule | undefined } {
  if (!target.endpointOverride) return { endpoint: undefined, egress: undefined };
  if (!transport.allowCustomEndpoints) throw new CustomEndpointNotAllowedError(target.endpointOverride);
  const url = new URL(target.endpointOverride);
  const egress = egressRuleFor(transport, url.protocol === 'http:' && signsWithOwnIdentity(target));
  assertLiteralAllowed(url.hostname, egress);
  return { endpoint: target.endpointOverride, egress };
}

const allowLists = new Map<string, BlockList>();

/** The egress rule of a custom endpoint under this transport's allow-list. */
export function egressRuleFor(transport: AwsTransport, onlyListed: boolean): EgressRule {
  const entries = transport.endpointAllowList ?? [];
  const key = entries.join(',');
  let allowed = allowLists.get(key);
  if (!allowed) {
    allowed = allowListOf(entries);
    allowLists.set(key, allowed);
  }
  return { allowed, onlyListed };
}

/** The identity that signs first: Hubgraph's own (default chain) or the connector's access key. */
export function sourceCredentials(target: AwsTarget): AwsCredentialIdentityProvider {
  const mode = target.authMode === 'ASSUME_ROLE' ? (target.sourceMode ?? 'DEFAULT_CHAIN') : target.authMode;
  if (mode === 'ACCESS_KEY') {
    const identity: AwsCredentialIdentity = {
      accessKeyId: target.accessKeyId!,
      secretAccessKey: target.secretAccessKey!,
    };
    return async () => identity;
  }
  return defaultProvider();
}

/** How every client of a connector is made: its Region, endpoint, egress rule, retries and deadline. */
function clientFor<Client extends object>(
  Service: new (config: {
    region: string;
    endpoint: string | undefined;
    credentials: AwsCredentialIdentityProvider;
    requestHandler: NodeHttpHandler;
    maxAttempts: number;
  }) => Client,
  target: AwsTarget,
  transport: AwsTransport,
  credentials: AwsCredentialIdentityProvider,
  region: string,
  maxAttempts: number,
): Client {
  const { endpoint, egress } = endpointFor(target, transport);
  return withCallDeadline(
    new Service({
      region,
      endpoint,
      credentials,
      requestHandler: requestHandler(transport, egress),
      maxAttempts,
    }),
    transport,
  );
}

export function stsClient(
  target: AwsTarget,
  transport: AwsTransport,
  credentials: AwsCredentialIdentityProvider,
  region = target.regions[0]!,
  maxAttempts = 3,
): STSClient {
  return clientFor(STSClient, target, transport, credentials, region, maxAttempts);
}

export function securityHubClient(
  target: AwsTarget,
  transport: AwsTransport,
  credentials: AwsCredentialIdentityProvider,
  region: string,
  maxAttempts = 3,
): SecurityHubClient {
  return clientFor(SecurityHubClient, target, transport, credentials, region, maxAttempts);
}

export function ec2Client(
  target: AwsTarget,
  transport: AwsTransport,
  credentials: AwsCredentialIdentityProvider,
  region: string,
  maxAttempts = 3,
): EC2Client {
  return clientFor(EC2Client, target, transport, credentials, region, maxAttempts);
}

export interface TemporaryCredentials extends AwsCredentialIdentity {
  expiration: Date;
}

export async function assumeConnectorRole(
  target: AwsTarget,
  transport: AwsTransport,
  maxAttempts = 3,
): Promise<TemporaryCredentials> {
  const sts = stsClient(target, transport, sourceCredentials(target), target.regions[0], maxAttempts);
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: target.roleArn!,
      RoleSessionName: target.roleSessionName,
      ExternalId: target.externalId,
      DurationSeconds: target.sessionDurationSeconds,
    }),
  );
  return {
    accessKeyId: Credentials!.AccessKeyId!,
    secretAccessKey: Credentials!.SecretAccessKey!,
    sessionToken: Credentials!.SessionToken!,
    expiration: Credentials!.Expiration!,
  };
}

const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/**
 * Role sessions cached per connector and configuration, refreshed five minutes before they expire,
 * so a sync assumes the role once per session rather than once per request.
 */
export class RoleSessionCache {
  private readonly sessions = new Map<
    string,
    { fingerprint: string; credentials: Promise<TemporaryCredentials> }
  >();
  /** The clock expirations are judged by (AWS's own, in tests against the emulator). */
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  credentials(
    connectorId: string,
    target: AwsTarget,
    transport: AwsTransport,
  ): AwsCredentialIdentityProvider {
    if (target.authMode !== 'ASSUME_ROLE') return sourceCredentials(target);
    const fingerprint = JSON.stringify([
      target.roleArn,
      target.externalId,
      target.roleSessionName,
      target.sessionDurationSeconds,
      target.sourceMode,
      target.accessKeyId,
      target.endpointOverride,
    ]);
    return async () => {
      const cached = this.sessions.get(connectorId);
      if (cached && cached.fingerprint === fingerprint) {
        const credentials = await cached.credentials.catch(() => undefined);
        if (credentials && credentials.expiration.getTime() - this.now() > REFRESH_MARGIN_MS)
          return credentials;
      }
      const fresh = assumeConnectorRole(target, transport);
      this.sessions.set(connectorId, { fingerprint, credentials: fresh });
      return fresh;
    };
  }

  forget(connectorId: string): void {
    this.sessions.delete(connectorId);
  }
}
