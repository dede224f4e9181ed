import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { connectors } from '../../src/db/schema.ts';
import {
  aControlAsff,
  anInspectorEc2Asff,
  CONTROLS,
  CVES,
  STANDARDS,
} from '../../src/emulator/generator/index.ts';
import { ingestFindingsPage } from '../../src/findings/ingest.ts';
import { parseGlobalId, toGlobalId } from '../../src/global-id.ts';
import { VULNERABILITY_MAP, VULNERABILITY_MAP_KEY } from '../../src/mapping/built-in-maps.ts';
import { mapFinding } from '../../src/mapping/map-finding.ts';
import { compileTransformMap } from '../../src/mapping/transform-map.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let database: Database;
let api: TestServer;
let tenantId: string;

const compiled = compileTransformMap(VULNERABILITY_MAP);
if (!compiled.ok) throw new Error('built-in map does not compile');
const builtIn = compiled.map;

/** Stores ASFF findings through the real mapping, as a sync does. */
async function ingestAsff(tenant: string, findings: unknown[]) {
  const items = findings.map((finding) => {
    const outcome = mapFinding(finding, builtIn, { defaultSeverity: 'MEDIUM' });
    if (!outcome.ok) throw new Error(outcome.reject.reason);
    return { finding: outcome.finding, assets: outcome.assets };
  });
  return ingestFindingsPage(database.db, tenant, items);
}

beforeAll(async () => {
  database = await openTestDatabase();
  api = await startTestServer(database);
  tenantId = await newTenant(database);
});

afterAll(async () => {
  await api?.close();
  await database?.close();
});

const PREVIEW = /* GraphQL */ `
  query Preview($mapId: ID!, $finding: JSON!, $settings: TransformPreviewSettings) {
    transformPreview(mapId: $mapId, finding: $finding, settings: $settings) {
      accepted
      reject { reason problems { path message } }
      fields { target value source transform }
      detectionScore findingSeverity counted riskFactors dedupKey warnings
      assets { identityKey resourceArn resourceId resourceType name criticality internetExposed tags { key value } }
    }
  }
`;

interface Preview {
  accepted: boolean;
  reject: { reason: string; problems: { path: string; message: string }[] } | null;
  fields: { target: string; value: unknown; source: string; transform: string | null }[];
  detectionScore: number | null;
  findingSeverity: number | null;
  counted: boolean | null;
  riskFactors: Record<string, unknown> | null;
  dedupKey: string | null;
  warnings: string[];
  assets: { identityKey: string; resourceArn: string; resourceType: string; name: string | null }[];
}

async function preview(
  mapId: string,
  finding: unknown,
  settings?: Record<string, unknown>,
  tenant = tenantId,
) {
  const response = await api.graphql<{ transformPreview: Preview }>(
    PREVIEW,
    { mapId, finding, settings },
    { tenantId: tenant },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.transformPreview;
}

describe('transform maps over GraphQL', () => {
  it('lists the built-in vulnerability map first, with its documented entries', async () => {
    const response = await api.graphql<{
      transformMaps: {
        nodes: {
          id: string;
          key: string;
          builtIn: boolean;
          name: string;
          entries: { target: string; source: string; description: string | null }[];
        }[];
      };
    }>(
      '{ transformMaps { nodes { id key builtIn name entries { target source transform description } } } }',
      {},
      { tenantId },
    );
    const first = response.data!.transformMaps.nodes[0]!;
    expect(first).toMatchObject({
      id: toGlobalId('TransformMap', VULNERABILITY_MAP_KEY),
      key: VULNERABILITY_MAP_KEY,
      builtIn: true,
      name: 'AWS Security Hub – Vulnerability',
    });
    expect(first.entries.map((entry) => entry.target)).toEqual(
      expect.arrayContaining(['externalAssetId', 'cvss3Base', 'isPatchAvailable', 'cloudInstanceId']),
    );
    expect(first.entries.find((entry) => entry.target === 'externalAssetId')!.description).toMatch(/AMI/);
  });

  it('previews what the built-in map makes of a pasted Inspector finding', async () => {
    const asff = anInspectorEc2Asff({}, 5, CVES[0]!);
    const result = await preview(VULNERABILITY_MAP_KEY, asff);
    expect(result.accepted).toBe(true);
    const field = (target: string) => result.fields.find((entry) => entry.target === target)?.value;
    expect(field('findingName')).toBe('CVE-2021-44228 - log4j-core');
    expect(field('externalAssetId')).toBe(asff.Resources![0]!.Id);
    expect(field('isExploitAvailable')).toBe(true);
    expect(result.detectionScore).toBeGreaterThanOrEqual(90);
    expect(result.riskFactors).toMatchObject({
      cvss: { cve: 'CVE-2021-44228' },
      threat: { exploitAvailable: 'YES' },
    });
    expect(result.assets).toEqual([
      expect.objectContaining({
        identityKey: asff.Resources![0]!.Id,
        resourceArn: asff.Resources![0]!.Id,
        resourceType: 'AwsEc2Instance',
      }),
    ]);
    expect(result.dedupKey).toBe(`cve:CVE-2021-44228:${asff.Resources![0]!.Id}`);
  });

  it('previews a broken finding as a reject that names the problem', async () => {
    const result = await preview(VULNERABILITY_MAP_KEY, { ...anInspectorEc2Asff(), Resources: 'i-123' });
    expect(result.accepted).toBe(false);
    expect(result.reject!.problems[0]).toEqual({
      path: 'Resources',
      message: 'must be a list, not the string "i-123"',
    });
    expect(result.detectionScore).toBeNull();
  });

  it('answers NOT_FOUND for an unknown map', async () => {
    const response = await api.graphql(PREVIEW, { mapId: 'no-such-map', finding: {} }, { tenantId });
    expect(response.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('clones the built-in map, edits the copy and previews with it', async () => {
    const tenant = await newTenant(database);
    const cloned = await api.graphql<{
      transformMapClone: {
        transformMap: { id: string; version: number; builtIn: boolean; entries: unknown[] };
        userErrors: unknown[];
      };
    }>(
      'mutation($input: TransformMapCloneInput!) { transformMapClone(input: $input) { transformMap { id version builtIn entries { target } } userErrors { field message code } } }',
      { input: { id: VULNERABILITY_MAP_KEY, name: 'Ours' } },
      { tenantId: tenant },
    );
    expect(cloned.data!.transformMapClone.userErrors).toEqual([]);
    const copy = cloned.data!.transformMapClone.transformMap;
    expect(copy).toMatchObject({ version: 1, builtIn: false });
    const entries = VULNERABILITY_MAP.entries.map((entry) =>
      entry.target === 'findingName'
        ? { target: 'findingName', source: 'GeneratorId' }
        : {
            target: entry.target,
            source: entry.source,
            transform: entry.transform,
            args: entry.args,
            required: entry.required ?? false,
          },
    );
    const updated = await api.graphql<{
      transformMapUpdate: { transformMap: { version: number }; userErrors: unknown[] };
    }>(
      'mutation($input: TransformMapUpdateInput!) { transformMapUpdate(input: $input) { transformMap { version } userErrors { field message code } } }',
      { input: { id: copy.id, entries } },
      { tenantId: tenant },
    );
    expect(updated.data!.transformMapUpdate).toEqual({ transformMap: { version: 2 }, userErrors: [] });
    const control = aControlAsff();
    const result = await preview(copy.id, control, undefined, tenant);
    expect(result.fields.find((entry) => entry.target === 'findingName')!.value).toBe(control.GeneratorId);
  });

  it("refuses an invalid edit with the entry's path, and saves nothing", async () => {
    // Its own tenant, holding a map named "Ours" for the rename to collide with.
    const tenant = await newTenant(database);
    const clone = async (name: string) => {
      const cloned = await api.graphql<{
        transformMapClone: { transformMap: { id: string }; userErrors: unknown[] };
      }>(
        'mutation($input: TransformMapCloneInput!) { transformMapClone(input: $input) { transformMap { id } userErrors { field message code } } }',
        { input: { id: VULNERABILITY_MAP_KEY, name } },
        { tenantId: tenant },
      );
      expect(cloned.data!.transformMapClone.userErrors).toEqual([]);
      return cloned.data!.transformMapClone.transformMap.id;
    };
    await clone('Ours');
    const id = await clone('Strict');
    const response = await api.graphql<{
      transformMapUpdate: {
        transformMap: null;
        userErrors: { field: string[]; message: string; code: string }[];
      };
    }>(
      `mutation($id: ID!) { transformMapUpdate(input: { id: $id, name: "Ours", entries: [
          { target: "findingName", source: "Titel" },
          { target: "findingSeverity", source: "Severity.Label", transform: "loud" },
          { target: "colour", source: "Title" }
        ] }) { transformMap { id } userErrors { field message code } } }`,
      { id },
      { tenantId: tenant },
    );
    const { transformMap, userErrors } = response.data!.transformMapUpdate;
    expect(transformMap).toBeNull();
    expect(userErrors).toEqual(
      expect.arrayContaining([
        {
          field: ['input', 'entries', '0', 'source'],
          message: expect.stringMatching(/has no field Titel/),
          code: 'INVALID',
        },
        {
          field: ['input', 'entries', '1', 'transform'],
          message: expect.stringMatching(/Unknown transform `loud`/),
          code: 'NOT_ALLOWED',
        },
        {
          field: ['input', 'entries', '2', 'target'],
          message: expect.stringMatching(/not a field a map can fill/),
          code: 'NOT_ALLOWED',
        },
        {
          field: ['input', 'entries'],
          message: expect.stringMatching(/must fill `externalAssetId`/),
          code: 'REQUIRED',
        },
        { field: ['input', 'name'], message: expect.stringMatching(/exists already/), code: 'DUPLICATE' },
      ]),
    );
    const after = await api.graphql<{ transformMap: { version: number; name: string } }>(
      'query($id: ID!) { transformMap(id: $id) { version name } }',
      { id },
      { tenantId: tenant },
    );
    expect(after.data!.transformMap).toEqual({ version: 1, name: 'Strict' });
  });

  it('keeps built-in maps read-only and maps in use undeletable', async () => {
    const tenant = await newTenant(database);
    const builtInEdit = await api.graphql<{ transformMapUpdate: { userErrors: { code: string }[] } }>(
      'mutation { transformMapUpdate(input: { id: "aws-security-hub-vulnerability", name: "Mine" }) { userErrors { code } } }',
      {},
      { tenantId: tenant },
    );
    expect(builtInEdit.data!.transformMapUpdate.userErrors).toEqual([{ code: 'NOT_ALLOWED' }]);
    const cloned = await api.graphql<{ transformMapClone: { transformMap: { id: string } } }>(
      'mutation { transformMapClone(input: { id: "aws-security-hub-vulnerability", name: "In use" }) { transformMap { id } } }',
      {},
      { tenantId: tenant },
    );
    const id = cloned.data!.transformMapClone.transformMap.id;
    await database.db.insert(connectors).values({
      tenantId: tenant,
      name: 'prod',
      authMode: 'DEFAULT_CHAIN',
      externalId: 'x'.repeat(40),
      regions: ['us-east-1'],
      scope: {},
      transformMapKey: parseGlobalId(id)!.key,
    });
    const deleteMutation =
      'mutation($id: ID!) { transformMapDelete(input: { id: $id }) { deletedId userErrors { field code message } } }';
    const inUse = await api.graphql<{
      transformMapDelete: { deletedId: null; userErrors: { code: string; message: string }[] };
    }>(deleteMutation, { id }, { tenantId: tenant });
    expect(inUse.data!.transformMapDelete.userErrors[0]).toMatchObject({
      code: 'IN_USE',
      message: expect.stringMatching(/1 connector/),
    });
    const builtInDelete = await api.graphql<{ transformMapDelete: { userErrors: { code: string }[] } }>(
      deleteMutation,
      { id: VULNERABILITY_MAP_KEY },
      { tenantId: tenant },
    );
    expect(builtInDelete.data!.transformMapDelete.userErrors[0]!.code).toBe('NOT_ALLOWED');
    const unused = await api.graphql<{ transformMapClone: { transformMap: { id: string } } }>(
      'mutation { transformMapClone(input: { id: "aws-security-hub-vulnerability", name: "Scratch" }) { transformMap { id } } }',
      {},
      { tenantId: tenant },
    );
    const scratch = unused.data!.transformMapClone.transformMap.id;
    const deleted = await api.graphql<{ transformMapDelete: { deletedId: string } }>(
      deleteMutation,
      { id: scratch },
      { tenantId: tenant },
    );
    expect(deleted.data!.transformMapDelete.deletedId).toBe(scratch);
  });
});

describe('scores stored by ingest', () => {
  it("computes asset risk from the asset's findings, counts a control group once, and links duplicates", async () => {
    const tenant = await newTenant(database);
    const vulnerable = anInspectorEc2Asff({}, 77, CVES[2]!);
    const resource = vulnerable.Resources![0]!;
    resource.Tags = { Name: 'risky-host' };
    const controls = STANDARDS.slice(0, 2).map((standard, i) => {
      const control = aControlAsff({}, 80 + i, { control: CONTROLS[0], standard });
      control.Resources = [resource];
      return control;
    });
    await ingestAsff(tenant, [vulnerable, ...controls]);
    const response = await api.graphql<{
      assets: {
        nodes: {
          id: string;
          riskScore: number;
          riskBand: string;
          riskFactors: Record<string, unknown>;
          findingCounts: { total: number };
        }[];
      };
      findings: {
        nodes: {
          findingName: string;
          dedupKey: string | null;
          duplicates: { id: string }[];
          primary: { id: string } | null;
          id: string;
          detectionScore: number;
        }[];
      };
    }>(
      `{ assets { nodes { id riskScore riskBand riskFactors findingCounts { total } } }
         findings { nodes { id findingName dedupKey detectionScore duplicates { id } primary { id } } } }`,
      {},
      { tenantId: tenant },
    );
    const [asset] = response.data!.assets.nodes;
    const findings = response.data!.findings.nodes;
    // Worked by hand from the published formulas (shared/research/scoring-reliability.md):
    // - the CVE finding: C = 10 × 8.1 = 81; T = max(70 for the exploit, EPSS 0.41 on the curve
    //   85 + (0.41 − 0.2) / (0.5 − 0.2) × 15 = 95.5) = 95.5;
    //   FDS = round(0.65 × 81 + 0.35 × 95.5) = round(52.65 + 33.425) = round(86.075) = 86 (HIGH);
    // - each control: HIGH with Normalized 70, inside its band: 70 (HIGH); both are one problem.
    // - ARS: ACS 2 (no Criticality tag), E 1 (no public IP, no exposure tag); HIGH holds two
    //   problems with max 86: round(2 × 1 × 1.0 × 86 × 2^0.01) = round(172 × 1.0069556) = 173.
    expect(findings.map((finding) => finding.detectionScore).sort()).toEqual([70, 70, 86]);
    expect(asset).toMatchObject({
      riskScore: 173,
      riskBand: 'LOW',
      riskFactors: {
        groupsCollapsed: 1,
        criticality: { value: 2, defaulted: true },
        exposure: { internetExposed: false, factor: 1 },
        bands: [{ band: 'HIGH', weight: 1, maxScore: 86, count: 2 }],
      },
      findingCounts: { total: 2 },
    });
    const group = findings.filter((finding) => finding.dedupKey?.startsWith('control:'));
    expect(group).toHaveLength(2);
    const primaryId = group[0]!.primary!.id;
    expect(group.every((finding) => finding.primary!.id === primaryId)).toBe(true);
    expect(group[0]!.duplicates.map((d) => d.id)).toEqual([group[1]!.id]);
    expect(findings.find((finding) => !finding.dedupKey?.startsWith('control:'))!.duplicates).toEqual([]);
  });

  it('re-scores an asset when someone sets its criticality, and hands it back to the tag', async () => {
    const tenant = await newTenant(database);
    const asff = anInspectorEc2Asff({}, 91, CVES[4]!);
    asff.Resources![0]!.Tags = { Criticality: '3' };
    await ingestAsff(tenant, [asff]);
    const assetQuery = '{ assets { nodes { id riskScore criticality criticalitySource } } }';
    const before = (
      await api.graphql<{
        assets: {
          nodes: { id: string; riskScore: number; criticality: number; criticalitySource: string }[];
        };
      }>(assetQuery, {}, { tenantId: tenant })
    ).data!.assets.nodes[0]!;
    expect(before).toMatchObject({ criticality: 3, criticalitySource: 'TAG' });
    const mutation = `mutation($input: AssetSetCriticalityInput!) { assetSetCriticality(input: $input) {
        asset { riskScore criticality criticalitySource } userErrors { field message code } } }`;
    const raised = await api.graphql<{
      assetSetCriticality: {
        asset: { riskScore: number; criticality: number; criticalitySource: string };
        userErrors: unknown[];
      };
    }>(mutation, { input: { id: before.id, criticality: 5 } }, { tenantId: tenant });
    expect(raised.data!.assetSetCriticality.userErrors).toEqual([]);
    expect(raised.data!.assetSetCriticality.asset).toMatchObject({
      criticality: 5,
      criticalitySource: 'USER',
    });
    expect(raised.data!.assetSetCriticality.asset.riskScore).toBe(
      Math.min(1000, Math.round((before.riskScore * 5) / 3)),
    );
    // A later sync does not overwrite what a person set.
    await ingestAsff(tenant, [{ ...asff, UpdatedAt: '2026-10-21T00:00:00.000Z' }]);
    expect(
      (
        await api.graphql<{ assets: { nodes: { criticality: number }[] } }>(
          assetQuery,
          {},
          { tenantId: tenant },
        )
      ).data!.assets.nodes[0]!.criticality,
    ).toBe(5);
    const reset = await api.graphql<{
      assetSetCriticality: { asset: { riskScore: number; criticality: number; criticalitySource: string } };
    }>(mutation, { input: { id: before.id, criticality: null } }, { tenantId: tenant });
    expect(reset.data!.assetSetCriticality.asset).toEqual({
      riskScore: before.riskScore,
      criticality: 3,
      criticalitySource: 'TAG',
    });
    const bad = await api.graphql<{
      assetSetCriticality: { userErrors: { field: string[]; code: string }[] };
    }>(mutation, { input: { id: before.id, criticality: 9 } }, { tenantId: tenant });
    expect(bad.data!.assetSetCriticality.userErrors).toEqual([
      { field: ['input', 'criticality'], message: expect.any(String), code: 'OUT_OF_RANGE' },
    ]);
    const unknown = await api.graphql<{ assetSetCriticality: { userErrors: { code: string }[] } }>(
      mutation,
      { input: { id: '00000000-0000-4000-8000-000000000000', criticality: 2 } },
      { tenantId: tenant },
    );
    expect(unknown.data!.assetSetCriticality.userErrors[0]!.code).toBe('NOT_FOUND');
  });
});
