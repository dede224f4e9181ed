import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

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

/** One HTTP handler per CA bundle: keep-alive connections, the system's roots plus the extra CAs. */
export function requestHandler(transport: AwsTransport): NodeHttpHandler {
  const key = transport.caBundlePem ?? '';
  let handler = handlers.get(key);
  if (!handler) {
    handler = new NodeHttpHandler({
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
      httpsAgent: new Agent({
        keepAlive: true,
        ca: transport.caBundlePem ? [...rootCertificates, transport.caBundlePem] : undefined,
      }),
    });
    handlers.set(key, handler);
  }
  return handler;
}

function endpointFor(target: AwsTarget, transport: AwsTransport): string | undefined {
  if (!target.endpointOverride) return undefined;
  if (!transport.allowCustomEndpoints) throw new CustomEndpointNotAllowedError(target.endpointOverride);
  return target.endpointOverride;
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

export function stsClient(
  target: AwsTarget,
  transport: AwsTransport,
  credentials: AwsCredentialIdentityProvider,
  region = target.regions[0]!,
  maxAttempts = 3,
): STSClient {
  return new STSClient({
    region,
    endpoint: endpointFor(target, transport),
    credentials,
    requestHandler: requestHandler(transport),
    maxAttempts,
  });
}

export function securityHubClient(
  target: AwsTarget,
  transport: AwsTransport,
  credentials: AwsCredentialIdentityProvider,
  region: string,
  maxAttempts = 3,
): SecurityHubClient {
  return new SecurityHubClient({
    region,
    endpoint: endpointFor(target, transport),
    credentials,
    requestHandler: requestHandler(transport),
    maxAttempts,
  });
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
