import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { permissionsPolicy } from '../../src/onboarding/aws-setup.ts';
import type { SyncWorker } from '../../src/sync/worker.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import type { TestServer } from '../support/server.ts';
import { createConnectorOverApi, startApiWithWorker } from '../support/sync.ts';
import { until } from '../support/wait.ts';

// Containment as an analyst's tool sees it: a connector with containment on, ipBlock and ipAllow
// over HTTP as a signed-in user, the audit log through containmentActions, and the EC2 actions in
// the connector's awsSetup.

let database: Database;
let emulator: RunningEmulator;
let api: TestServer;
let worker: SyncWorker;
let tenantId: string;
let connectorId: string;
let findingId: string;
const REGION = 'us-east-1';

const gql = <T>(query: string, variables?: Record<string, unknown>, tenant = tenantId) =>
  api.graphql<T>(query, variables, { tenantId: tenant });

beforeAll(async () => {
  database = await openTestDatabase();
  ({ api, worker } = await startApiWithWorker(database));
  emulator = await startEmulator({ findings: 5, accounts: 1, quotas: false, seed: 71, regions: [REGION] });
  tenantId = await newTenant(database, 'containment');
  const accountId = emulator.accounts[0]!;
  const network = emulator.emulator.ec2.network(accountId, REGION);
  const prod = [...network.vpcs.values()].find((vpc) => !vpc.isDefault)!;
  const base = [...emulator.emulator.store.hub(accountId, REGION).findings.values()][0]!;
  await emulator.admin('POST', '/_emulator/findings', {
    findings: [
      {
        ...base,
        Id: `${base.Id}/contain`,
        Title: 'Inbound SSH brute force from 203.0.113.9',
        UpdatedAt: new Date(Date.now() - 1000).toISOString(),
        Resources: [
          {
            Type: 'AwsEc2Instance',
            Id: `arn:aws:ec2:${REGION}:${accountId}:instance/i-0fedcba9876543210`,
            Region: REGION,
            Details: { AwsEc2Instance: { VpcId: prod.vpcId } },
          },
        ],
      },
    ],
  });
  connectorId = await createConnectorOverApi(
    async <T>(query: string, variables?: Record<string, unknown>) => (await gql<T>(query, variables)).data!,
    emulator,
    emulator.roles[0]!.arn,
    { containmentEnabled: true },
  );
  await emulator.admin('PUT', '/_emulator/roles/policy', {
    roleArn: emulator.roles[0]!.arn,
    policyDocument: permissionsPolicy(false, { containment: true }),
  });
  const queued = await gql<{ connectorRunNow: { run: { id: string } } }>(
    `mutation($input: ConnectorRunNowInput!) { connectorRunNow(input: $input) { run { id } } }`,
    { input: { id: connectorId } },
  );
  await until('the first sync to succeed', async () => {
    const run = await gql<{ run: { status: string } }>(`query($id: ID!) { run(id: $id) { status } }`, {
      id: queued.data!.connectorRunNow.run.id,
    });
    if (run.data!.run.status === 'FAILED') throw new Error('the sync failed');
    return run.data!.run.status === 'SUCCEEDED' ? true : undefined;
  });
  const listed = await gql<{ findings: { nodes: { id: string; findingName: string }[] } }>(
    `{ findings(first: 50) { nodes { id findingName } } }`,
  );
  findingId = listed.data!.findings.nodes.find((node) => node.findingName.includes('203.0.113.9'))!.id;
}, 90_000);

afterAll(async () => {
  await worker?.stop(5_000);
  await api?.close();
  await emulator?.close();
  await database?.close();
});

const ACTION = `action { id kind method result dryRun requestedBy reason cidr protocol fromPort toPort accountId region vpcId
  message awsErrorCode awsRequestIds createdAt finding { id } connector { id containmentEnabled }
  changes { operation resource resourceId ruleNumber ruleAction cidr protocol fromPort toPort } }
  userErrors { field message code }`;

interface Payload {
  action: {
    id: string;
    result: string;
    requestedBy: string;
    protocol: string;
    finding: { id: string };
    connector: { id: string; containmentEnabled: boolean };
    changes: { operation: string; ruleNumber: number; resourceId: string }[];
    awsRequestIds: string[];
  } | null;
  userErrors: { field: string[]; message: string; code: string }[];
}

describe('containment over GraphQL', () => {
  it('shows containment and its EC2 actions on the connector', async () => {
    const { data } = await gql<{
      connector: {
        containmentEnabled: boolean;
        awsSetup: {
          actions: { action: string; containment: boolean }[];
          permissionsPolicy: { Statement: { Sid: string }[] };
        };
      };
    }>(
      `query($id: ID!) { connector(id: $id) { containmentEnabled awsSetup { actions { action containment } permissionsPolicy } } }`,
      {
        id: connectorId,
      },
    );
    expect(data!.connector.containmentEnabled).toBe(true);
    const ec2 = data!.connector.awsSetup.actions.filter((use) => use.containment).map((use) => use.action);
    expect(ec2).toContain('ec2:CreateNetworkAclEntry');
    expect(ec2.every((action) => action.startsWith('ec2:'))).toBe(true);
    expect(data!.connector.awsSetup.permissionsPolicy.Statement.map((statement) => statement.Sid)).toContain(
      'HubgraphContainsThreats',
    );
  });

  it('blocks and allows as the signed-in user, and lists both in containmentActions', async () => {
    const blocked = await gql<{ ipBlock: Payload }>(
      `mutation($input: IpBlockInput!) { ipBlock(input: $input) { ${ACTION} } }`,
      {
        input: {
          findingId,
          ip: '203.0.113.9',
          protocol: 'TCP',
          ports: { from: 22, to: 22 },
          reason: 'SSH brute force',
        },
      },
    );
    expect(blocked.errors).toBeUndefined();
    const block = blocked.data!.ipBlock;
    expect(block.userErrors).toEqual([]);
    expect(block.action).toMatchObject({
      result: 'APPLIED',
      requestedBy: 'user-1',
      protocol: 'TCP',
      finding: { id: findingId },
      connector: { id: connectorId, containmentEnabled: true },
    });
    // The finding names the VPC, not a subnet: every network ACL of the VPC gets the entry.
    expect(block.action!.changes).toEqual([
      expect.objectContaining({ operation: 'ADDED', ruleNumber: 99 }),
      expect.objectContaining({ operation: 'ADDED', ruleNumber: 99 }),
    ]);

    const allowed = await gql<{ ipAllow: Payload }>(
      `mutation($input: IpAllowInput!) { ipAllow(input: $input) { ${ACTION} } }`,
      { input: { findingId, ip: '203.0.113.9/32', reason: 'blocked long enough' } },
    );
    expect(allowed.data!.ipAllow.action).toMatchObject({ result: 'APPLIED', protocol: 'TCP' });

    const log = await gql<{
      containmentActions: {
        totalCount: number;
        nodes: { id: string; kind: string }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    }>(
      `query($findingId: ID) { containmentActions(first: 1, findingId: $findingId) { totalCount nodes { id kind } pageInfo { hasNextPage endCursor } } }`,
      { findingId },
    );
    expect(log.data!.containmentActions.totalCount).toBeGreaterThanOrEqual(2);
    expect(log.data!.containmentActions.nodes).toEqual([
      { id: allowed.data!.ipAllow.action!.id, kind: 'ALLOW' },
    ]);
    expect(log.data!.containmentActions.pageInfo.hasNextPage).toBe(true);
    const next = await gql<{ containmentActions: { nodes: { id: string }[] } }>(
      `query($after: String) { containmentActions(first: 1, after: $after) { nodes { id } } }`,
      { after: log.data!.containmentActions.pageInfo.endCursor },
    );
    expect(next.data!.containmentActions.nodes).toEqual([{ id: block.action!.id }]);
    const onFinding = await gql<{
      finding: { containmentActions: { nodes: { kind: string; result: string }[] } };
    }>(`query($id: ID!) { finding(id: $id) { containmentActions(first: 10) { nodes { kind result } } } }`, {
      id: findingId,
    });
    expect(onFinding.data!.finding.containmentActions.nodes).toEqual([
      { kind: 'ALLOW', result: 'APPLIED' },
      { kind: 'BLOCK', result: 'APPLIED' },
    ]);
  });

  it("refuses another tenant's finding like a missing one, and shows that tenant none of the log", async () => {
    const other = await newTenant(database, 'containment-other');
    const refused = await gql<{ ipBlock: Payload }>(
      `mutation($input: IpBlockInput!) { ipBlock(input: $input) { ${ACTION} } }`,
      { input: { findingId, ip: '203.0.113.10', reason: 'not mine' } },
      other,
    );
    expect(refused.data!.ipBlock).toEqual({
      action: null,
      userErrors: [
        {
          field: ['input', 'findingId'],
          message: `No finding has the id "${findingId}".`,
          code: 'NOT_FOUND',
        },
      ],
    });
    const log = await gql<{ containmentActions: { totalCount: number } }>(
      `{ containmentActions { totalCount } }`,
      {},
      other,
    );
    expect(log.data!.containmentActions.totalCount).toBe(0);
  });
});
