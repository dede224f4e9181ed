import { readFileSync } from 'node:fs';
import { and, eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { assets, findings } from '../../src/db/schema.ts';
import { anInspectorEc2Asff } from '../../src/emulator/generator/index.ts';
import { ingestFindingsPage } from '../../src/findings/ingest.ts';
import { rescoreStaleFindings } from '../../src/findings/rescore.ts';
import { VULNERABILITY_MAP } from '../../src/mapping/built-in-maps.ts';
import { mapFinding } from '../../src/mapping/map-finding.ts';
import { OCSF_VULNERABILITY_MAP } from '../../src/mapping/ocsf/built-in-map.ts';
import { mapOcsfFinding } from '../../src/mapping/ocsf/map-ocsf-finding.ts';
import { SCORING_VERSION } from '../../src/mapping/scoring-constants.ts';
import { compileTransformMap } from '../../src/mapping/transform-map.ts';
import { aConnectorRow, newTenant, openTestDatabase } from '../support/database.ts';

// A new SCORING_VERSION: findings stored under the old one are mapped again from their raw ASFF
// and their assets re-scored, so no stored score mixes versions.

let database: Database;
const log = pino({ level: 'silent' });
const compiled = compileTransformMap(VULNERABILITY_MAP);
if (!compiled.ok) throw new Error('the built-in map does not compile');

beforeAll(async () => {
  database = await openTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

/** The finding: CVSS 9.8, no exploit known, no EPSS. */
let sequence = 0;
function critical98(): ReturnType<typeof anInspectorEc2Asff> {
  const asff = anInspectorEc2Asff({}, ++sequence);
  asff.Severity = { Label: 'CRITICAL', Normalized: 90 };
  asff.Vulnerabilities = [
    {
      Id: 'CVE-2026-0098',
      Cvss: [{ Version: '3.1', BaseScore: 9.8, Source: 'NVD' }],
      ExploitAvailable: 'NO',
    },
  ];
  return asff;
}

async function store(tenantId: string, asffs: unknown[], connectorId: string | null = null) {
  const items = asffs.map((asff) => {
    const outcome = mapFinding(asff, compiled.ok ? compiled.map : (undefined as never), {
      defaultSeverity: 'MEDIUM',
    });
    if (!outcome.ok) throw new Error(outcome.reject.reason);
    return { finding: outcome.finding, assets: outcome.assets };
  });
  await ingestFindingsPage(database.db, tenantId, items, { connectorId });
}

/** What version 2026-11.1 stored: the same finding scored 64 with T = 0. */
async function asIfScoredUnder(tenantId: string, version: string) {
  await database.db
    .update(findings)
    .set({
      scoringVersion: version,
      detectionScore: 64,
      scoreFactors: sql`jsonb_set(${findings.scoreFactors}, '{scoringVersion}', to_jsonb(${version}::text))`,
    })
    .where(eq(findings.tenantId, tenantId));
  await database.db
    .update(assets)
    .set({ scoringVersion: version, riskScore: 1 })
    .where(eq(assets.tenantId, tenantId));
}

async function storedFindings(tenantId: string) {
  return database.db
    .select({
      awsId: findings.awsId,
      detectionScore: findings.detectionScore,
      scoringVersion: findings.scoringVersion,
      scoreFactors: findings.scoreFactors,
      severityLabel: findings.severityLabel,
    })
    .from(findings)
    .where(eq(findings.tenantId, tenantId));
}

describe('rescoring what an older scoring version stored', () => {
  it('maps each finding again from its raw ASFF, with the version in its factors, and re-scores its asset', async () => {
    const tenantId = await newTenant(database);
    await store(tenantId, [critical98()]);
    const [current] = await database.db
      .select({ risk: assets.riskScore })
      .from(assets)
      .where(eq(assets.tenantId, tenantId));
    await asIfScoredUnder(tenantId, '2026-11.1');

    await rescoreStaleFindings(database.db, log, { tenants: [tenantId] });

    // (Counts are not asserted: a worker another test started may share the database and the work.)
    const [finding] = await storedFindings(tenantId);
    // 0.65·98 + 0.35·35 = 75.95: HIGH, not the 64 MEDIUM version 2026-11.1 gave.
    expect(finding).toMatchObject({ detectionScore: 76, scoringVersion: SCORING_VERSION });
    expect(finding!.scoreFactors).toMatchObject({
      scoringVersion: SCORING_VERSION,
      score: 76,
      threat: { T: 35 },
    });
    const [asset] = await database.db
      .select({ risk: assets.riskScore, version: assets.scoringVersion })
      .from(assets)
      .where(eq(assets.tenantId, tenantId));
    expect(asset).toEqual({ risk: current!.risk, version: SCORING_VERSION });
  });

  it('maps a finding the new Security Hub sent again from its raw OCSF, through the OCSF map', async () => {
    const tenantId = await newTenant(database);
    const document = JSON.parse(
      readFileSync(
        new URL(
          '../fixtures/real-findings-ocsf/inspector/elastic-ec2-python-cve-2025-8194-five-packages.json',
          import.meta.url,
        ),
        'utf8',
      ),
    );
    const ocsfMap = compileTransformMap(OCSF_VULNERABILITY_MAP);
    if (!ocsfMap.ok) throw new Error('the built-in OCSF map does not compile');
    const outcome = mapOcsfFinding(document.finding, ocsfMap.map, { defaultSeverity: 'MEDIUM' });
    if (!outcome.ok) throw new Error(outcome.reject.reason);
    await ingestFindingsPage(database.db, tenantId, [{ finding: outcome.finding, assets: outcome.assets }]);
    await asIfScoredUnder(tenantId, '2026-11.1');

    const result = await rescoreStaleFindings(database.db, log, { tenants: [tenantId] });

    expect(result.unmappable).toBe(0);
    const [finding] = await storedFindings(tenantId);
    expect(finding).toMatchObject({
      detectionScore: outcome.finding.detectionScore,
      scoringVersion: SCORING_VERSION,
    });
  });

  it("uses the connector's own settings: its default severity for a finding without one", async () => {
    const tenantId = await newTenant(database);
    const connectorId = await aConnectorRow(database, tenantId, { defaultSeverity: 'HIGH' });
    const { Severity: _none, ...unlabelled } = { ...anInspectorEc2Asff(), Vulnerabilities: undefined };
    await store(tenantId, [unlabelled], connectorId);
    await asIfScoredUnder(tenantId, '2026-11.1');

    await rescoreStaleFindings(database.db, log, { tenants: [tenantId] });

    // The connector's HIGH, band default 80 (DESIGN §5) — not the MEDIUM a connector-less mapping uses.
    expect(await storedFindings(tenantId)).toEqual([
      expect.objectContaining({ severityLabel: 'HIGH', detectionScore: 80, scoringVersion: SCORING_VERSION }),
    ]);
  });

  it('keeps a finding whose raw ASFF no longer maps as it was, says so, and moves on to the rest', async () => {
    const tenantId = await newTenant(database);
    await store(tenantId, [critical98(), critical98()]);
    await asIfScoredUnder(tenantId, '2026-11.1');
    const [broken] = await storedFindings(tenantId);
    await database.db
      .update(findings)
      .set({ raw: { SchemaVersion: '2018-10-08' } })
      .where(and(eq(findings.tenantId, tenantId), eq(findings.awsId, broken!.awsId)));

    await rescoreStaleFindings(database.db, log, { tenants: [tenantId] });

    const rows = await storedFindings(tenantId);
    expect(rows.find((row) => row.awsId === broken!.awsId)).toMatchObject({
      scoringVersion: '2026-11.1',
      detectionScore: 64,
    });
    expect(rows.find((row) => row.awsId !== broken!.awsId)).toMatchObject({
      scoringVersion: SCORING_VERSION,
      detectionScore: 76,
    });
  });

  it('leaves nothing under another version, and has nothing to do the second time', async () => {
    const tenantId = await newTenant(database);
    await store(tenantId, [critical98(), critical98(), critical98()]);
    await asIfScoredUnder(tenantId, '2026-11.1');

    await rescoreStaleFindings(database.db, log, { tenants: [tenantId] });
    const again = await rescoreStaleFindings(database.db, log, { tenants: [tenantId] });

    const versions = new Set((await storedFindings(tenantId)).map((row) => row.scoringVersion));
    expect(versions).toEqual(new Set([SCORING_VERSION]));
    expect(again.findings).toBe(0);
  });
});
