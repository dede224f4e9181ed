import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { RunningEmulator } from '../../src/emulator/index.ts';

/** The real SDK clients, pointed at the emulator as Hubgraph points them at AWS. */
export function stsClient(
  emulator: RunningEmulator,
  credentials = emulator.baseCredentials,
  extra: Record<string, unknown> = {},
): STSClient {
  return new STSClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials, ...extra });
}

export async function assumeReadRole(emulator: RunningEmulator, index = 0, durationSeconds = 3600) {
  const role = emulator.roles[index]!;
  const result = await stsClient(emulator).send(
    new AssumeRoleCommand({
      RoleArn: role.arn,
      RoleSessionName: 'hubgraph-test',
      ExternalId: role.externalId,
      DurationSeconds: durationSeconds,
    }),
  );
  return {
    accessKeyId: result.Credentials!.AccessKeyId!,
    secretAccessKey: result.Credentials!.SecretAccessKey!,
    sessionToken: result.Credentials!.SessionToken!,
  };
}

export async function securityHubClient(
  emulator: RunningEmulator,
  options: { index?: number; region?: string; maxAttempts?: number; durationSeconds?: number } = {},
): Promise<SecurityHubClient> {
  return new SecurityHubClient({
    region: options.region ?? 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: await assumeReadRole(emulator, options.index ?? 0, options.durationSeconds),
    maxAttempts: options.maxAttempts ?? 3,
  });
}

/** The error an SDK call failed with: its name, message and HTTP status. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}
