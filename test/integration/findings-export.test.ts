import {
  type AwsSecurityFinding,
  DisableImportFindingsForProductCommand,
  EnableImportFindingsForProductCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TenantContext, tenantContext } from '../../src/context.ts';
import type { Database } from '../../src/db/client.ts';
import {
  events,
  type FindingExportRow,
  findingExportItems,
  findingExports,
  findings,
} from '../../src/db/schema.ts';
import { countsOf, listFailedFindings } from '../../src/export/queries.ts';
import {
  applyExport,
  DEFAULT_EXPORT_SETTINGS,
  type ExportSettings,
  exportFindings,
  resumeFindingsExport,
} from '../../src/export/service.ts';
import { ingestFindingsPage } from '../../src/findings/ingest.ts';
import type { FindingsExportInput } from '../../src/generated/graphql.ts';
import { toGlobalId } from '../../src/global-id.ts';
import { mapFinding } from '../../src/mapping/map-finding.ts';
import { compiledMapFor } from '../../src/transform-maps/service.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { type SyncHarness, startSyncHarness } from '../support/sync.ts';

// findingsExport against the emulator through the real SDK (BatchImportFindings, DescribeHub,
// ListEnabledProductsForImport), with AWS's quotas on: what lands in Security Hub (read back with
// GetFindings), what is reported per finding, and what a repeat, a crash or another tenant get.

let database: Database;
let sync: SyncHarness;
let connectorId: string;
let account: string;
let hub: (region: string) => SecurityHubClient;

const FAST: ExportSettings = { ...DEFAULT_EXPORT_SETTINGS, backoffMs: 20 };

beforeAll(async () => {
  database = await openTestDatabase();
  sync = await startSyncHarness(database, {
    emulator: { findings: 20, seed: 41, regions: ['us-east-1', 'eu-west-1'], quotas: true },
  });
  connectorId = (await sync.createConnector({ exportEnabled: true })).id;
  account = sync.emulator.roles[0]!.accountId;
  // Findings of AWS's own products in Hubgraph (the refusals need some).
  expect((await sync.run(connectorId)).run.status).toBe('SUCCEEDED');
  // The account's analyst, reading Security Hub as a person would.
  const user = (await sync.emulator.admin('POST', '/_emulator/users', {
    accountId: account,
    name: 'analyst',
    actions: ['securityhub:*'],
  })) as { accessKeyId: string; secretAccessKey: string };
  hub = (region) =>
    // GetFindings' quota is 3 a second: the SDK's retries wait it out.
    new SecurityHubClient({ region, endpoint: sync.emulator.endpoint, credentials: user, maxAttempts: 10 });
}, 120_000);

afterAll(async () => {
  await sync?.close();
  await database?.close();
});

const productArn = (region: string) => `arn:aws:securityhub:${region}:${account}:product/${account}/default`;

/** A finding of the tenant's own scanner, as it would send it (a custom integration). */
function aScannerFinding(
  id: string,
  options: {
    region?: string;
    generatorId?: string;
    compliance?: string;
    resource?: Record<string, unknown>;
  } = {},
): Record<string, unknown> {
  const region = options.region ?? 'us-east-1';
  return {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: productArn(region),
    GeneratorId: options.generatorId ?? 'acme-scanner/outdated-package',
    AwsAccountId: account,
    Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
    CreatedAt: '2026-11-30T10:00:00.000Z',
    UpdatedAt: '2026-11-30T10:00:00.000Z',
    Severity: { Label: 'HIGH', Original: 'high' },
    Title: `Outdated package on ${id}`,
    Description: 'openssl 3.0.1 has known vulnerabilities.',
    Resources: [
      options.resource ?? {
        Type: 'AwsEc2Instance',
        Id: `arn:aws:ec2:${region}:${account}:instance/i-${id}`,
        Region: region,
      },
    ],
    Compliance: { Status: options.compliance ?? 'FAILED' },
  };
}

function exportOf(
  input: Omit<FindingsExportInput, 'connectorId'> & { connectorId?: string },
  ctx = sync.ctx,
  settings = FAST,
) {
  return exportFindings(ctx, { connectorId, ...input }, 'user-1', settings);
}

function calls(operation: string): number {
  return sync.emulator.emulator.counters.get(operation)?.total ?? 0;
}

/** Security Hub's findings of a generator in one Region, read with GetFindings as an analyst would. */
async function inSecurityHub(region: string, generatorId: string): Promise<AwsSecurityFinding[]> {
  const found: AwsSecurityFinding[] = [];
  let nextToken: string | undefined;
  do {
    const page = await hub(region).send(
      new GetFindingsCommand({
        Filters: {
          ProductArn: [{ Value: productArn(region), Comparison: 'EQUALS' }],
          GeneratorId: [{ Value: generatorId, Comparison: 'EQUALS' }],
        },
        MaxResults: 100,
        NextToken: nextToken,
      }),
    );
    found.push(...(page.Findings ?? []));
    nextToken = page.NextToken || undefined;
  } while (nextToken);
  return found;
}

async function failedOf(record: FindingExportRow) {
  return (await listFailedFindings(database.db, record.tenantId, record.id, { first: 500 })).nodes;
}

describe('findingsExport', () => {
  it('sends 1,000 findings in 10 batches at the quota; 3 invalid ones are reported per finding and the other 997 land', async () => {
    const generatorId = 'acme-scanner/bulk';
    const documents = Array.from({ length: 1_000 }, (_, n) => aScannerFinding(`bulk-${n}`, { generatorId }));
    delete documents[100]!.Title;
    documents[500]!.Description = 'x'.repeat(1_025);
    documents[900]!.AwsAccountId = '999988887777';
    const before = {
      imports: calls('BatchImportFindings'),
      throttled: sync.emulator.emulator.counters.get('BatchImportFindings')?.['429'] ?? 0,
    };

    const payload = await exportOf({ findings: documents });
    expect(payload.userErrors).toEqual([]);
    const record = payload.export!;
    expect(record.status).toBe('DONE');
    expect(await countsOf(database.db, record.id)).toEqual({
      totalCount: 1_000,
      succeededCount: 997,
      failedCount: 3,
      pendingCount: 0,
    });
    expect(calls('BatchImportFindings') - before.imports).toBe(10);
    expect(sync.emulator.emulator.counters.get('BatchImportFindings')?.['429'] ?? 0).toBe(before.throttled);

    const failed = await failedOf(record);
    expect(failed.map((entry) => [entry.id, entry.errorCode])).toEqual([
      ['bulk-100', 'InvalidInput'],
      ['bulk-500', 'InvalidInput'],
      ['bulk-900', 'InvalidInput'],
    ]);
    expect(failed[0]!.errorMessage).toContain('Title');
    expect(failed[1]!.errorMessage).toContain('Description is 1025 characters; at most 1024');
    expect(failed[2]!.errorMessage).toContain(`its account ${account}`);

    const landed = await inSecurityHub('us-east-1', generatorId);
    expect(landed).toHaveLength(997);
    expect(new Set(landed.map((finding) => finding.Id))).not.toContain('bulk-100');
    expect(landed.every((finding) => finding.RecordState === 'ACTIVE')).toBe(true);

    // The progress events: recorded (with the 3 that failed their checks), one per batch, finished.
    const steps = await database.db
      .select()
      .from(events)
      .where(and(eq(events.topic, 'finding_export'), eq(events.entityId, record.id)))
      .orderBy(asc(events.id));
    expect(steps.map((step) => step.type)).toEqual(['RECORDED', ...Array(10).fill('PROGRESS'), 'FINISHED']);
    expect((steps[0]!.payload.failedFindings as { id: string }[]).map((entry) => entry.id)).toEqual([
      'bulk-100',
      'bulk-500',
      'bulk-900',
    ]);
    expect(steps.at(-1)!.payload).toMatchObject({ succeededCount: 997, failedCount: 3, pendingCount: 0 });
  }, 60_000);

  it("keeps to BatchImportFindings' quota (10/s, burst 30): 31 batches in a row draw no throttling", async () => {
    const generatorId = 'acme-scanner/quota';
    const documents = Array.from({ length: 3_050 }, (_, n) => aScannerFinding(`quota-${n}`, { generatorId }));
    const throttled = () => sync.emulator.emulator.counters.get('BatchImportFindings')?.['429'] ?? 0;
    const before = { imports: calls('BatchImportFindings'), throttled: throttled() };
    const payload = await exportOf({ findings: documents });
    expect(await countsOf(database.db, payload.export!.id)).toMatchObject({ succeededCount: 3_050 });
    expect(calls('BatchImportFindings') - before.imports).toBe(31);
    expect(throttled()).toBe(before.throttled);
  }, 60_000);

  it('refuses, per finding, one over 240 KB and one named twice', async () => {
    const big = aScannerFinding('big-1', { generatorId: 'acme-scanner/limits' });
    (big.Resources as Record<string, unknown>[])[0]!.Details = { Other: { blob: 'y'.repeat(245 * 1024) } };
    const twice = aScannerFinding('twice-1', { generatorId: 'acme-scanner/limits' });
    const payload = await exportOf({ findings: [big, twice, twice] });
    const failed = await failedOf(payload.export!);
    expect(failed.map((entry) => [entry.id, entry.errorCode])).toEqual([
      ['big-1', 'FindingSizeExceeded'],
      ['twice-1', 'DuplicatedFindingIdentifier'],
    ]);
    expect((await inSecurityHub('us-east-1', 'acme-scanner/limits')).map((finding) => finding.Id)).toEqual([
      'twice-1',
    ]);
  });

  it('routes by the resource Region: global resources and findings without a Region to the first Region; a Region without Security Hub or taking no imports fails with the reason', async () => {
    const generatorId = 'acme-scanner/routing';
    const documents = [
      aScannerFinding('route-us', { generatorId }),
      aScannerFinding('route-eu', { generatorId, region: 'eu-west-1' }),
      aScannerFinding('route-iam', {
        generatorId,
        resource: { Type: 'AwsIamRole', Id: `arn:aws:iam::${account}:role/app`, Region: 'eu-west-1' },
      }),
      aScannerFinding('route-none', {
        generatorId,
        resource: { Type: 'Other', Id: 'repo/acme/app' },
      }),
      aScannerFinding('route-sydney', { generatorId, region: 'ap-southeast-2' }),
      // Named after eu-west-1's product while its resource is in us-east-1.
      { ...aScannerFinding('route-wrong', { generatorId }), ProductArn: productArn('eu-west-1') },
    ];
    const payload = await exportOf({ findings: documents });
    const record = payload.export!;
    expect((await inSecurityHub('us-east-1', generatorId)).map((f) => f.Id).sort()).toEqual([
      'route-iam',
      'route-none',
      'route-us',
    ]);
    expect((await inSecurityHub('eu-west-1', generatorId)).map((f) => f.Id)).toEqual(['route-eu']);
    const failed = await failedOf(record);
    expect(failed.map((entry) => [entry.id, entry.region, entry.errorCode])).toEqual([
      ['route-sydney', 'ap-southeast-2', 'InvalidAccess'],
      ['route-wrong', 'us-east-1', 'InvalidInput'],
    ]);
    expect(failed[0]!.errorMessage).toMatch(
      /Security Hub is not enabled in ap-southeast-2.*enable-security-hub/,
    );
    expect(record.regions).toEqual(
      expect.arrayContaining([
        { region: 'us-east-1', accepted: true, reason: null },
        { region: 'eu-west-1', accepted: true, reason: null },
        expect.objectContaining({ region: 'ap-southeast-2', accepted: false }),
      ]),
    );

    // The default product's integration switched off in eu-west-1: detected before anything is sent there.
    const subscription = `arn:aws:securityhub:eu-west-1:${account}:product-subscription/${account}/default`;
    await hub('eu-west-1').send(
      new DisableImportFindingsForProductCommand({ ProductSubscriptionArn: subscription }),
    );
    try {
      const before = calls('BatchImportFindings');
      const refused = await exportOf({
        findings: [aScannerFinding('route-eu-2', { generatorId, region: 'eu-west-1' })],
      });
      expect(calls('BatchImportFindings')).toBe(before);
      const [entry] = await failedOf(refused.export!);
      expect(entry).toMatchObject({ id: 'route-eu-2', errorCode: 'InvalidAccess' });
      expect(entry!.errorMessage).toContain('enable-import-findings-for-product');
    } finally {
      await hub('eu-west-1').send(
        new EnableImportFindingsForProductCommand({ ProductArn: productArn('eu-west-1') }),
      );
    }
  });

  it("archivePrevious sends the previous export's findings of the same generator that are gone with RecordState ARCHIVED", async () => {
    const generatorId = 'acme-scanner/archive';
    const other = 'acme-scanner/archive-other';
    await exportOf({
      findings: [
        aScannerFinding('arch-a', { generatorId }),
        aScannerFinding('arch-b', { generatorId }),
        aScannerFinding('arch-c', { generatorId, region: 'eu-west-1' }),
        aScannerFinding('arch-other', { generatorId: other }),
      ],
    });
    const second = await exportOf({
      findings: [aScannerFinding('arch-a', { generatorId })],
      archivePrevious: true,
    });
    expect(second.userErrors).toEqual([]);
    const record = second.export!;
    expect(await countsOf(database.db, record.id)).toMatchObject({ totalCount: 3, succeededCount: 3 });
    const states = async (region: string, generator: string) =>
      Object.fromEntries((await inSecurityHub(region, generator)).map((f) => [f.Id, f.RecordState]));
    expect(await states('us-east-1', generatorId)).toEqual({ 'arch-a': 'ACTIVE', 'arch-b': 'ARCHIVED' });
    expect(await states('eu-west-1', generatorId)).toEqual({ 'arch-c': 'ARCHIVED' });
    // Another generator is not this export's business.
    expect(await states('us-east-1', other)).toEqual({ 'arch-other': 'ACTIVE' });

    // Without archivePrevious nothing is archived, and what was archived is not archived twice.
    const third = await exportOf({
      findings: [aScannerFinding('arch-d', { generatorId })],
      archivePrevious: true,
    });
    expect(await countsOf(database.db, third.export!.id)).toMatchObject({ totalCount: 2 });
    expect(await states('us-east-1', generatorId)).toEqual({
      'arch-a': 'ARCHIVED',
      'arch-b': 'ARCHIVED',
      'arch-d': 'ACTIVE',
    });
  });

  it('onlyFailed sends only findings whose compliance FAILED', async () => {
    const generatorId = 'acme-scanner/only-failed';
    const payload = await exportOf({
      onlyFailed: true,
      findings: [
        aScannerFinding('of-1', { generatorId }),
        aScannerFinding('of-2', { generatorId, compliance: 'PASSED' }),
        aScannerFinding('of-3', { generatorId }),
      ],
    });
    expect(payload.export!.skippedCount).toBe(1);
    expect((await inSecurityHub('us-east-1', generatorId)).map((f) => f.Id).sort()).toEqual(['of-1', 'of-3']);
  });

  it('is idempotent: the same key or the same request returns the same export, and a finding sent twice is one finding', async () => {
    const generatorId = 'acme-scanner/idempotent';
    const documents = [
      aScannerFinding('idem-1', { generatorId }),
      aScannerFinding('idem-2', { generatorId }),
    ];
    const first = await exportOf({ findings: documents });
    const before = calls('BatchImportFindings');
    const again = await exportOf({ findings: structuredClone(documents) });
    expect(again.export!.id).toBe(first.export!.id);
    expect(calls('BatchImportFindings')).toBe(before);

    const keyed = await exportOf({ findings: documents, idempotencyKey: 'nightly-2026-11-30' });
    expect(keyed.export!.id).not.toBe(first.export!.id);
    expect(calls('BatchImportFindings')).toBe(before + 1);
    const replay = await exportOf({ findings: documents, idempotencyKey: 'nightly-2026-11-30' });
    expect(replay.export!.id).toBe(keyed.export!.id);
    expect(calls('BatchImportFindings')).toBe(before + 1);
    const conflict = await exportOf({ findings: [documents[0]!], idempotencyKey: 'nightly-2026-11-30' });
    expect(conflict.export).toBeNull();
    expect(conflict.userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'idempotencyKey'], code: 'DUPLICATE' }),
    ]);
    // Two at once with one key: one export, whichever records first.
    const racing = [aScannerFinding('idem-3', { generatorId })];
    const [a, b] = await Promise.all([
      exportOf({ findings: racing, idempotencyKey: 'race' }),
      exportOf({ findings: racing, idempotencyKey: 'race' }),
    ]);
    expect(a.userErrors).toEqual([]);
    expect(b.export!.id).toBe(a.export!.id);
    // Sent twice, held once.
    expect((await inSecurityHub('us-east-1', generatorId)).map((f) => f.Id).sort()).toEqual([
      'idem-1',
      'idem-2',
      'idem-3',
    ]);
  });

  it('resumes an export a crash interrupted after a batch was sent, without duplicates', async () => {
    const generatorId = 'acme-scanner/crash';
    const documents = Array.from({ length: 150 }, (_, n) => aScannerFinding(`crash-${n}`, { generatorId }));
    let crashed = false;
    const crashing: ExportSettings = {
      ...FAST,
      onStep: (step) => {
        if (step === 'sent' && !crashed) {
          crashed = true;
          throw new Error('the process died');
        }
      },
    };
    await expect(exportOf({ findings: documents }, sync.ctx, crashing)).rejects.toThrow('the process died');
    const [pending] = await database.db
      .select()
      .from(findingExports)
      .where(and(eq(findingExports.tenantId, sync.ctx.tenantId), eq(findingExports.status, 'PENDING')));
    expect(pending).toBeDefined();
    expect((await countsOf(database.db, pending!.id)).pendingCount).toBe(150);
    await applyExport(sync.ctx, pending!.id, FAST);
    expect(await countsOf(database.db, pending!.id)).toMatchObject({ succeededCount: 150, pendingCount: 0 });
    const landed = await inSecurityHub('us-east-1', generatorId);
    expect(landed).toHaveLength(150);
    expect(new Set(landed.map((f) => f.Id)).size).toBe(150);
  });

  it('queues, with the export, the job that finishes it when its process died before sending anything', async () => {
    const generatorId = 'acme-scanner/resume';
    const crashing: ExportSettings = {
      ...FAST,
      onStep: (step) => {
        if (step === 'recorded') throw new Error('the process died');
      },
    };
    await expect(
      exportOf(
        {
          findings: [
            aScannerFinding('resume-1', { generatorId }),
            aScannerFinding('resume-2', { generatorId }),
          ],
        },
        sync.ctx,
        crashing,
      ),
    ).rejects.toThrow('the process died');
    const [item] = await database.db
      .select({ exportId: findingExportItems.exportId })
      .from(findingExportItems)
      .where(
        and(eq(findingExportItems.tenantId, sync.ctx.tenantId), eq(findingExportItems.awsId, 'resume-1')),
      );
    const jobs = sync.app.jobs!;
    const queued = await jobs.boss.findJobs(jobs.exportQueue, { key: item!.exportId });
    expect(queued.map((job) => job.data)).toEqual([
      { tenantId: sync.ctx.tenantId, exportId: item!.exportId },
    ]);
    const job = { tenantId: sync.ctx.tenantId, exportId: item!.exportId };
    // Still fresh: left to its own process (the engine tries the job again later).
    await expect(resumeFindingsExport(sync.app, job, FAST)).rejects.toThrow('still being sent');
    expect(await inSecurityHub('us-east-1', generatorId)).toEqual([]);
    await resumeFindingsExport(sync.app, job, { ...FAST, resumeAfterIdleMs: 0 });
    expect(await countsOf(database.db, item!.exportId)).toMatchObject({ succeededCount: 2, pendingCount: 0 });
    expect((await inSecurityHub('us-east-1', generatorId)).map((f) => f.Id).sort()).toEqual([
      'resume-1',
      'resume-2',
    ]);
  });

  it("exports Hubgraph findings of a custom source, rendered back to ASFF under the account's default product", async () => {
    const map = (await compiledMapFor(sync.ctx.db, sync.ctx.tenantId, 'aws-security-hub-vulnerability'))!;
    const prowler = {
      ...aScannerFinding('prowler-iam-1', { generatorId: 'prowler-iam_root_mfa' }),
      ProductArn: 'arn:aws:securityhub:us-east-1::product/prowler/prowler',
      ProductName: 'Prowler',
      CompanyName: 'Prowler',
      Region: 'us-east-1',
      ProductFields: { 'aws/securityhub/ProductName': 'Prowler', ProwlerResourceName: 'root' },
    };
    const outcome = mapFinding(prowler, map, { defaultSeverity: 'MEDIUM' });
    if (!outcome.ok) throw new Error(outcome.reject.reason);
    await ingestFindingsPage(sync.ctx.db, sync.ctx.tenantId, [{ finding: outcome.finding, assets: [] }]);
    const [stored] = await database.db
      .select({ id: findings.id })
      .from(findings)
      .where(and(eq(findings.tenantId, sync.ctx.tenantId), eq(findings.awsId, 'prowler-iam-1')));
    const payload = await exportOf({ ids: [toGlobalId('Finding', stored!.id)] });
    expect(payload.userErrors).toEqual([]);
    expect(await countsOf(database.db, payload.export!.id)).toMatchObject({ succeededCount: 1 });
    const [landed] = await inSecurityHub('us-east-1', 'prowler-iam_root_mfa');
    expect(landed).toMatchObject({
      Id: 'prowler-iam-1',
      ProductArn: productArn('us-east-1'),
      AwsAccountId: account,
    });
    expect(landed!.ProductFields).toMatchObject({ ProwlerResourceName: 'root' });

    // Findings of AWS's own products are already in Security Hub.
    const [inspector] = await database.db
      .select({ id: findings.id })
      .from(findings)
      .where(and(eq(findings.tenantId, sync.ctx.tenantId), eq(findings.connectorId, connectorId)))
      .limit(1);
    if (inspector) {
      const refused = await exportOf({ ids: [inspector.id] });
      expect(refused.userErrors).toEqual([
        expect.objectContaining({ code: 'NOT_ALLOWED', field: ['input', 'ids'] }),
      ]);
    }
  });
});

describe('findingsExport refusals', () => {
  let other: TenantContext;

  beforeAll(async () => {
    other = tenantContext(sync.app, await newTenant(database, 'export-other'));
  });

  it("refuses another tenant's connector and finding like missing ones", async () => {
    const foreignConnector = await exportOf({ findings: [aScannerFinding('x-1')] }, other);
    expect(foreignConnector.export).toBeNull();
    expect(foreignConnector.userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'connectorId'], code: 'NOT_FOUND' }),
    ]);
    const own = await sync.createConnector({ exportEnabled: true }, 0, other);
    const [finding] = await database.db
      .select({ id: findings.id })
      .from(findings)
      .where(eq(findings.tenantId, sync.ctx.tenantId))
      .limit(1);
    const foreignFinding = await exportOf({ connectorId: own.id, ids: [finding!.id] }, other);
    expect(foreignFinding.export).toBeNull();
    expect(foreignFinding.userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'ids', '0'], code: 'NOT_FOUND' }),
    ]);
  });

  it('refuses a connector without export, and a request with no or two sources', async () => {
    const off = await sync.createConnector({});
    const disabled = await exportOf({ connectorId: off.id, findings: [aScannerFinding('x-2')] });
    expect(disabled.userErrors).toEqual([
      expect.objectContaining({
        code: 'NOT_ALLOWED',
        message: expect.stringContaining('exportEnabled: true'),
      }),
    ]);
    const both = await exportOf({ findings: [aScannerFinding('x-3')], ids: ['x'] });
    expect(both.userErrors).toEqual([expect.objectContaining({ field: ['input'], code: 'INVALID' })]);
  });
});
