import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Database } from '../../src/db/client.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { SyncWorker } from '../../src/sync/worker.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { type TestServer, tokenFor } from '../support/server.ts';
import { createConnectorOverApi, startApiWithWorker } from '../support/sync.ts';
import { until } from '../support/wait.ts';

// findingsExport as a scanner's integration sees it over HTTP: the payload, the Export node and its
// failed findings, the connector's exports, findingsExportProgress over WebSocket, and another
// tenant refused.

let database: Database;
let emulator: RunningEmulator;
let api: TestServer;
let worker: SyncWorker;
let tenantId: string;
let connectorId: string;
let account: string;
const clients: Client[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
  ({ api, worker } = await startApiWithWorker(database));
  emulator = await startEmulator({
    findings: 0,
    accounts: 1,
    quotas: true,
    seed: 71,
    regions: ['us-east-1', 'eu-west-1'],
  });
  account = emulator.accounts[0]!;
  tenantId = await newTenant(database, 'findings-export');
  connectorId = await createConnectorOverApi(
    async <T>(query: string, variables?: Record<string, unknown>) => (await gql<T>(query, variables)).data!,
    emulator,
    emulator.roles[0]!.arn,
    { exportEnabled: true },
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
  await worker?.stop(5_000);
  await api?.close();
  await emulator?.close();
  await database?.close();
});

const gql = <T>(query: string, variables?: Record<string, unknown>, tenant = tenantId) =>
  api.graphql<T>(query, variables, { tenantId: tenant });

function aScannerFinding(id: string, region = 'us-east-1'): Record<string, unknown> {
  return {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: `arn:aws:securityhub:${region}:${account}:product/${account}/default`,
    GeneratorId: 'acme-scanner/e2e',
    AwsAccountId: account,
    Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
    CreatedAt: '2026-11-30T10:00:00.000Z',
    UpdatedAt: '2026-11-30T10:00:00.000Z',
    Severity: { Label: 'MEDIUM' },
    Title: `Finding ${id}`,
    Description: 'Found by the tenant scanner.',
    Resources: [
      { Type: 'AwsEc2Instance', Id: `arn:aws:ec2:${region}:${account}:instance/i-${id}`, Region: region },
    ],
  };
}

const EXPORT_FIELDS = `id status totalCount succeededCount failedCount pendingCount archivedCount skippedCount
  idempotencyKey requestedBy regions { region accepted reason findingCount }
  failedFindings(first: 10) { totalCount nodes { id region errorCode errorMessage archive } }
  connector { id exportEnabled awsSetup { actions { action export } } }`;

interface ExportView {
  id: string;
  status: string;
  totalCount: number;
  succeededCount: number;
  failedCount: number;
  regions: { region: string; accepted: boolean | null; findingCount: number }[];
  failedFindings: { totalCount: number; nodes: { id: string; errorCode: string; errorMessage: string }[] };
  connector: {
    id: string;
    exportEnabled: boolean;
    awsSetup: { actions: { action: string; export: boolean }[] };
  };
}

describe('findingsExport over GraphQL', () => {
  it('exports, answers per finding, and the Export is a node listed on its connector with its progress replayable', async () => {
    const invalid = { ...aScannerFinding('e2e-bad'), Severity: { Label: 'SEVERE' } };
    const response = await gql<{ findingsExport: { export: ExportView | null; userErrors: unknown[] } }>(
      `mutation($input: FindingsExportInput!) { findingsExport(input: $input) { export { ${EXPORT_FIELDS} } userErrors { field message code } } }`,
      {
        input: {
          connectorId,
          idempotencyKey: 'e2e-1',
          findings: [aScannerFinding('e2e-1'), aScannerFinding('e2e-2', 'eu-west-1'), invalid],
        },
      },
    );
    expect(response.errors).toBeUndefined();
    const { export: exported, userErrors } = response.data!.findingsExport;
    expect(userErrors).toEqual([]);
    expect(exported).toMatchObject({
      status: 'PARTIALLY_SUCCEEDED',
      totalCount: 3,
      succeededCount: 2,
      failedCount: 1,
      pendingCount: 0,
      idempotencyKey: 'e2e-1',
      requestedBy: 'user-1',
      regions: [
        { region: 'eu-west-1', accepted: true, reason: null, findingCount: 1 },
        { region: 'us-east-1', accepted: true, reason: null, findingCount: 1 },
      ],
      connector: { id: connectorId, exportEnabled: true },
    });
    expect(exported!.failedFindings.totalCount).toBe(1);
    expect(exported!.failedFindings.nodes[0]).toMatchObject({ id: 'e2e-bad', errorCode: 'InvalidInput' });
    expect(exported!.failedFindings.nodes[0]!.errorMessage).toContain('Severity.Label');
    expect(exported!.connector.awsSetup.actions.filter((use) => use.export).map((use) => use.action)).toEqual(
      ['securityhub:BatchImportFindings', 'securityhub:ListEnabledProductsForImport'],
    );
    // In Security Hub, each in its Region.
    const ids = (region: string) =>
      [...emulator.emulator.store.hub(account, region).findings.values()].map((finding) => finding.Id);
    expect(ids('us-east-1')).toContain('e2e-1');
    expect(ids('us-east-1')).not.toContain('e2e-2');
    expect(ids('eu-west-1')).toEqual(['e2e-2']);

    const asNode = await gql<{ node: { __typename: string; id: string; succeededCount: number } }>(
      `query($id: ID!) { node(id: $id) { __typename id ... on Export { succeededCount } } }`,
      { id: exported!.id },
    );
    expect(asNode.data!.node).toEqual({ __typename: 'Export', id: exported!.id, succeededCount: 2 });
    const listed = await gql<{
      exports: { totalCount: number; nodes: { id: string }[] };
      connector: { exports: { nodes: { id: string }[] } };
    }>(
      `query($connectorId: ID!) { exports(connectorId: $connectorId, first: 5) { totalCount nodes { id } }
        connector(id: $connectorId) { exports(first: 5) { nodes { id } } } }`,
      { connectorId },
    );
    expect(listed.data!.exports.nodes.map((node) => node.id)).toContain(exported!.id);
    expect(listed.data!.connector.exports.nodes.map((node) => node.id)).toContain(exported!.id);

    // The same key again: the same export, nothing sent.
    const imports = emulator.emulator.counters.get('BatchImportFindings')!.total;
    const again = await gql<{ findingsExport: { export: { id: string } } }>(
      `mutation($input: FindingsExportInput!) { findingsExport(input: $input) { export { id } } }`,
      {
        input: {
          connectorId,
          idempotencyKey: 'e2e-1',
          findings: [aScannerFinding('e2e-1'), aScannerFinding('e2e-2', 'eu-west-1'), invalid],
        },
      },
    );
    expect(again.data!.findingsExport.export!.id).toBe(exported!.id);
    expect(emulator.emulator.counters.get('BatchImportFindings')!.total).toBe(imports);

    // Its steps, replayed from the start.
    const token = await tokenFor(tenantId);
    const client = createClient({
      url: api.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    clients.push(client);
    type Step = {
      type: string;
      pendingCount: number;
      failedFindings: { id: string }[];
      export: { id: string };
    };
    const steps: Step[] = [];
    let failure: unknown;
    client.subscribe<{ findingsExportProgress: Step }>(
      {
        query: `subscription($exportId: ID!) { findingsExportProgress(exportId: $exportId, after: "0") {
          type pendingCount failedFindings { id } export { id } } }`,
        variables: { exportId: exported!.id },
      },
      {
        next: (result) => {
          if (result.errors) failure = result.errors;
          else steps.push(result.data!.findingsExportProgress);
        },
        error: (error) => {
          failure = error;
        },
        complete: () => {},
      },
    );
    await until('the FINISHED step', () => {
      if (failure) throw new Error(JSON.stringify(failure));
      return steps.some((step) => step.type === 'FINISHED') ? true : undefined;
    });
    expect(steps[0]).toMatchObject({
      type: 'RECORDED',
      pendingCount: 2,
      failedFindings: [{ id: 'e2e-bad' }],
    });
    expect(steps.filter((step) => step.type === 'PROGRESS')).toHaveLength(2);
    expect(steps.at(-1)).toMatchObject({ type: 'FINISHED', pendingCount: 0, export: { id: exported!.id } });
  });

  it("refuses another tenant's connector, and does not show it another tenant's export", async () => {
    const other = await newTenant(database, 'findings-export-other');
    const refused = await gql<{
      findingsExport: { export: null; userErrors: { field: string[]; code: string }[] };
    }>(
      `mutation($input: FindingsExportInput!) { findingsExport(input: $input) { export { id } userErrors { field code } } }`,
      { input: { connectorId, findings: [aScannerFinding('e2e-foreign')] } },
      other,
    );
    expect(refused.data!.findingsExport).toEqual({
      export: null,
      userErrors: [{ field: ['input', 'connectorId'], code: 'NOT_FOUND' }],
    });
    const mine = await gql<{ findingsExport: { export: { id: string } } }>(
      `mutation($input: FindingsExportInput!) { findingsExport(input: $input) { export { id } } }`,
      { input: { connectorId, findings: [aScannerFinding('e2e-mine')] } },
    );
    const exportId = mine.data!.findingsExport.export.id;
    const theirs = await gql<{ export: null; node: null; exports: { totalCount: number } }>(
      `query($id: ID!) { export(id: $id) { id } node(id: $id) { id } exports { totalCount } }`,
      { id: exportId },
      other,
    );
    expect(theirs.data).toEqual({ export: null, node: null, exports: { totalCount: 0 } });
    // Its progress, replayed from the start, shows the other tenant nothing.
    const client = createClient({
      url: api.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${await tokenFor(other)}` },
    });
    clients.push(client);
    const seen: unknown[] = [];
    client.subscribe(
      {
        query: `subscription($exportId: ID!) { findingsExportProgress(exportId: $exportId, after: "0") { type } }`,
        variables: { exportId },
      },
      { next: (result) => seen.push(result), error: (error) => seen.push(error), complete: () => {} },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen).toEqual([]);
  });
});
