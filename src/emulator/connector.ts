import type { ConnectorInput } from '../generated/graphql.ts';

// A connector to the emulator as a user configures one against AWS: an account's read-only role,
// assumed with Hubgraph's own access key, Hubgraph's external id in the role's trust policy — only
// the endpoint differs. Shared by the demo, the benchmarks and the tests.

/** What a running emulator (in this process or printed by `npm run emulator`) tells about itself. */
export interface EmulatorAddress {
  endpoint: string;
  baseCredentials: { accessKeyId: string; secretAccessKey: string; arn: string };
  regions?: string[];
}

export function connectorInputFor(
  emulator: EmulatorAddress,
  roleArn: string,
  overrides: Partial<ConnectorInput> = {},
): ConnectorInput {
  return {
    name: `emulator-${roleArn.split(':')[4]}-${Math.random().toString(36).slice(2, 8)}`,
    regions: emulator.regions ?? ['us-east-1'],
    endpointOverride: emulator.endpoint,
    auth: {
      mode: 'ASSUME_ROLE',
      sourceMode: 'ACCESS_KEY',
      accessKeyId: emulator.baseCredentials.accessKeyId,
      secretAccessKey: emulator.baseCredentials.secretAccessKey,
      roleArn,
    },
    ...overrides,
  };
}

/** Puts Hubgraph's external id into the role's trust policy (in AWS: IAM, CloudFormation, Terraform). */
export async function trustHubgraph(
  emulator: EmulatorAddress,
  roleArn: string,
  externalId: string,
): Promise<void> {
  const response = await fetch(`${emulator.endpoint}/_emulator/roles/trust`, {
    method: 'PUT',
    body: JSON.stringify({ roleArn, trustedPrincipals: [emulator.baseCredentials.arn], externalId }),
  });
  if (!response.ok) throw new Error(`the emulator refused the trust policy: ${await response.text()}`);
}

/**
 * Gives the role the trust policy document as-is (in AWS: `aws iam update-assume-role-policy`), e.g. a
 * connector's awsSetup.trustPolicy.
 */
export async function applyTrustPolicy(
  emulator: EmulatorAddress,
  roleArn: string,
  policyDocument: unknown,
): Promise<void> {
  await putRoleDocument(emulator, '/_emulator/roles/trust-policy', roleArn, policyDocument);
}

/** Gives the role the permissions policy document as-is (in AWS: `aws iam put-role-policy`). */
export async function applyPermissionsPolicy(
  emulator: EmulatorAddress,
  roleArn: string,
  policyDocument: unknown,
): Promise<void> {
  await putRoleDocument(emulator, '/_emulator/roles/policy', roleArn, policyDocument);
}

async function putRoleDocument(
  emulator: EmulatorAddress,
  path: string,
  roleArn: string,
  policyDocument: unknown,
): Promise<void> {
  const response = await fetch(`${emulator.endpoint}${path}`, {
    method: 'PUT',
    body: JSON.stringify({ roleArn, policyDocument }),
  });
  if (!response.ok) throw new Error(`the emulator refused the policy: ${await response.text()}`);
}
