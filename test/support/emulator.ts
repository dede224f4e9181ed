import { randomInt, randomUUID } from 'node:crypto';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import {
  type EmulatorRole,
  READ_ROLE_ACTIONS,
  READ_ROLE_NAME,
  type RunningEmulator,
} from '../../src/emulator/index.ts';

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

/**
 * An account of the test's own in an emulator other tests share, set up as startEmulator sets up a
 * member account: Security Hub enabled in `regions` and a read role that trusts Hubgraph's principal.
 * What the test then changes (an aggregator, the role's actions) touches no other test's account.
 */
export async function anAccountOfItsOwn(
  emulator: RunningEmulator,
  options: { regions?: string[]; actions?: string[] } = {},
): Promise<EmulatorRole> {
  let accountId: string;
  do accountId = String(randomInt(200_000_000_000, 900_000_000_000));
  while (emulator.emulator.identity.accounts.has(accountId));
  await emulator.admin('POST', '/_emulator/accounts', { id: accountId });
  const externalId = `hubgraph-${randomUUID()}`;
  const { arn } = (await emulator.admin('POST', '/_emulator/roles', {
    accountId,
    name: READ_ROLE_NAME,
    trustedPrincipals: [emulator.baseCredentials.arn],
    externalId,
    actions: options.actions ?? READ_ROLE_ACTIONS,
    maxSessionDuration: 43_200,
  })) as { arn: string };
  for (const region of options.regions ?? emulator.regions)
    await emulator.admin('PUT', '/_emulator/hubs', { accountId, region });
  return { arn, accountId, externalId };
}
