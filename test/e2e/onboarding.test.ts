import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// The acceptance test of onboarding: docs/aws-setup.md's flow, its GraphQL operations read from the
// page and sent as written — prepare, read awsSetup, let the emulator's IAM apply the generated
// policies as an account owner would, test the draft, create the connector (the same external ID),
// test it. Hubgraph's own identity (the default credential chain) is the emulator's base user.

const page = readFileSync(join(import.meta.dirname, '../../docs/aws-setup.md'), 'utf8');

/** The GraphQL operation of a step, as the page shows it. */
function documented(step: string): string {
  const block = [...page.matchAll(/```graphql\n([\s\S]*?)```/g)].find((match) =>
    match[1]!.startsWith(`# step: ${step}\n`),
  );
  if (!block) throw new Error(`docs/aws-setup.md shows no operation for the step "${step}"`);
  return block[1]!;
}

/** The draft's variables, as the page shows them. */
function documentedDraft(): Record<string, unknown> {
  const block = [...page.matchAll(/```json\n([\s\S]*?)```/g)].find((match) => match[1]!.includes('"draft"'));
  return (JSON.parse(block![1]!) as { draft: Record<string, unknown> }).draft;
}

let database: Database;
let emulator: RunningEmulator;
let api: TestServer;
const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  database = await openTestDatabase();
  emulator = await startEmulator({
    findings: 20,
    accounts: 1,
    regions: ['us-east-1'],
    quotas: false,
    seed: 67,
  });
  process.env.AWS_ACCESS_KEY_ID = emulator.baseCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = emulator.baseCredentials.secretAccessKey;
  api = await startTestServer(database, {
    HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS: 'true',
    HUBGRAPH_ENDPOINT_ALLOWLIST: '127.0.0.0/8',
  });
});

afterAll(async () => {
  await api?.close();
  await emulator?.close();
  await database?.close();
  for (const [key, value] of [
    ['AWS_ACCESS_KEY_ID', savedEnv.id],
    ['AWS_SECRET_ACCESS_KEY', savedEnv.secret],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

/** An admin request to the emulator over HTTP, as a script beside it would send it. */
async function admin(method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${emulator.endpoint}${path}`, { method, body: JSON.stringify(body) });
  const answer = (await response.json()) as Record<string, unknown>;
  expect(response.status, JSON.stringify(answer)).toBe(200);
  return answer;
}

interface AwsSetup {
  principal: string | null;
  principalProblem: string | null;
  externalId: string;
  roleName: string;
  trustPolicy: { Statement: { Principal: { AWS: string }; Condition: unknown }[] };
  permissionsPolicy: { Statement: { Action: string[] }[] };
  actions: { action: string; purpose: string; writeBack: boolean }[];
  cloudFormationTemplate: { Resources: { HubgraphRole: { Properties: { MaxSessionDuration: number } } } };
  stackSetTemplate: unknown;
  cliCommands: string;
}

interface TestResult {
  result: {
    passed: boolean;
    checks: { name: string; status: string; message: string; remediation: string | null }[];
  };
  userErrors: unknown[];
}

describe('connecting an AWS account, as docs/aws-setup.md says', () => {
  it('prepare → awsSetup → the role from the generated policies → draft test → create (same external ID) → test', async () => {
    const tenantId = await newTenant(database, 'onboarding');
    const send = async <T>(step: string, variables: Record<string, unknown>): Promise<T> => {
      const response = await api.graphql<Record<string, T>>(documented(step), variables, { tenantId });
      expect(response.errors).toBeUndefined();
      return Object.values(response.data!)[0]!;
    };

    // 1. Prepare: the external ID and the IAM set-up, before any role exists.
    const prepared = await send<{
      preparedConnector: { id: string; externalId: string; expiresAt: string; awsSetup: AwsSetup };
      userErrors: unknown[];
    }>('prepare', { input: { regions: ['us-east-1'], endpointOverride: emulator.endpoint } });
    expect(prepared.userErrors).toEqual([]);
    const { id: preparedId, externalId, awsSetup } = prepared.preparedConnector;
    expect(externalId).toMatch(/^hg-[A-Za-z0-9_-]{32,}$/);

    // 2. Read awsSetup: Hubgraph's principal from STS, the external ID, least privilege.
    expect(awsSetup).toMatchObject({
      principal: emulator.baseCredentials.arn,
      principalProblem: null,
      externalId,
    });
    expect(awsSetup.trustPolicy.Statement[0]).toMatchObject({
      Principal: { AWS: emulator.baseCredentials.arn },
      Condition: { StringEquals: { 'sts:ExternalId': externalId } },
    });
    expect(awsSetup.permissionsPolicy.Statement.flatMap((statement) => statement.Action)).not.toContain(
      'securityhub:BatchUpdateFindings',
    );
    expect(awsSetup.cliCommands).toContain(externalId);

    // 3. The account owner creates the role from the generated documents, unchanged.
    const accountId = String(randomInt(200_000_000_000, 900_000_000_000));
    await admin('POST', '/_emulator/accounts', { id: accountId });
    await admin('PUT', '/_emulator/hubs', { accountId, region: 'us-east-1' });
    const { arn: roleArn } = (await admin('POST', '/_emulator/roles', {
      accountId,
      name: awsSetup.roleName,
      assumeRolePolicyDocument: awsSetup.trustPolicy,
      policyDocument: awsSetup.permissionsPolicy,
      maxSessionDuration:
        awsSetup.cloudFormationTemplate.Resources.HubgraphRole.Properties.MaxSessionDuration,
    })) as { arn: string };
    expect(roleArn).toBe(`arn:aws:iam::${accountId}:role/HubgraphSecurityHub`);

    // 4. The draft, as the page shows it, with the prepared connector's id: every check passes.
    const draft = {
      ...documentedDraft(),
      preparedId,
      regions: ['us-east-1'],
      endpointOverride: emulator.endpoint,
      auth: { mode: 'ASSUME_ROLE', roleArn },
    };
    const draftTest = await send<TestResult>('test-draft', { draft });
    expect(draftTest.userErrors).toEqual([]);
    expect(draftTest.result.checks.map((check) => `${check.name}:${check.status}`)).toEqual([
      'NETWORK_REACHABILITY:PASSED',
      'TLS_HANDSHAKE:SKIPPED',
      'AUTHENTICATION:PASSED',
      'AUTHORIZATION_SCOPE:PASSED',
      'DATA_FETCH:PASSED',
    ]);
    expect(draftTest.result.passed).toBe(true);

    // 5. Create: the connector keeps the prepared external ID, and the prepared connector is used up.
    const created = await send<{
      connector: {
        id: string;
        auth: { externalId: string; roleArn: string };
        awsSetup: { trustPolicy: unknown };
      };
      userErrors: unknown[];
    }>('create', { input: draft });
    expect(created.userErrors).toEqual([]);
    expect(created.connector.auth).toEqual({ externalId, roleArn });
    expect(created.connector.awsSetup.trustPolicy).toEqual(awsSetup.trustPolicy);
    const gone = await api.graphql<{ preparedConnector: unknown }>(
      'query($id: ID!) { preparedConnector(id: $id) { id } }',
      { id: preparedId },
      { tenantId },
    );
    expect(gone.data!.preparedConnector).toBeNull();

    // 6. The saved connector passes its test with the role as the account owner made it.
    const saved = await send<TestResult>('test', { id: created.connector.id });
    expect(saved.userErrors).toEqual([]);
    expect(saved.result.passed).toBe(true);
  });

  it('says, when an external ID is regenerated, that the trust policy must change, and shows the new one', async () => {
    const tenantId = await newTenant(database, 'onboarding');
    const prepared = await api.graphql<{
      connectorPrepare: { preparedConnector: { id: string; externalId: string } };
    }>(
      documented('prepare'),
      { input: { regions: ['us-east-1'], endpointOverride: emulator.endpoint } },
      { tenantId },
    );
    const { id } = prepared.data!.connectorPrepare.preparedConnector;
    const regenerated = await api.graphql<{
      preparedConnectorRegenerateExternalId: {
        preparedConnector: { externalId: string; awsSetup: { trustPolicy: unknown } };
        externalIdChange: { previousExternalId: string; externalId: string; message: string };
        userErrors: unknown[];
      };
    }>(
      `mutation($id: ID!) { preparedConnectorRegenerateExternalId(input: { id: $id }) {
          preparedConnector { externalId awsSetup { trustPolicy } }
          externalIdChange { previousExternalId externalId message }
          userErrors { field message code } } }`,
      { id },
      { tenantId },
    );
    const payload = regenerated.data!.preparedConnectorRegenerateExternalId;
    expect(payload.userErrors).toEqual([]);
    expect(payload.externalIdChange.previousExternalId).toBe(
      prepared.data!.connectorPrepare.preparedConnector.externalId,
    );
    expect(payload.externalIdChange.externalId).toBe(payload.preparedConnector.externalId);
    expect(payload.externalIdChange.message).toMatch(/trust policy requires sts:ExternalId/);
    expect(JSON.stringify(payload.preparedConnector.awsSetup.trustPolicy)).toContain(
      payload.externalIdChange.externalId,
    );
  });
});
