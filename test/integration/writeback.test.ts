import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantContext } from '../../src/context.ts';
import type { Database } from '../../src/db/client.ts';
import { connectors, events, findings, findingUpdates } from '../../src/db/schema.ts';
import { ingestFindingsPage } from '../../src/findings/ingest.ts';
import type { FindingsUpdateInput } from '../../src/generated/graphql.ts';
import { mapFinding } from '../../src/mapping/map-finding.ts';
import { compiledMapFor } from '../../src/transform-maps/service.ts';
import {
  applyFindingsUpdate,
  DEFAULT_WRITE_BACK_SETTINGS,
  updateFindings,
  type WriteBackSettings,
} from '../../src/writeback/service.ts';
import { openTestDatabase } from '../support/database.ts';
import { type SyncHarness, startSyncHarness } from '../support/sync.ts';

// findingsUpdate against the emulator through the real SDK: what Security Hub ends up holding, what
// Hubgraph's copy shows, the events, and what a crash, a refusal or throttling leave behind.

let database: Database;
let sync: SyncHarness;
let connectorId: string;

const FAST: WriteBackSettings = { ...DEFAULT_WRITE_BACK_SETTINGS, backoffMs: 20 };

beforeAll(async () => {
  database = await openTestDatabase();
  sync = await startSyncHarness(database, {
    emulator: { findings: 120, seed: 23, regions: ['us-east-1', 'eu-west-1'] },
  });
  connectorId = (await sync.createConnector({ writeBackEnabled: true })).id;
  const { run } = await sync.run(connectorId);
  expect(run.status).toBe('SUCCEEDED');
}, 120_000);

afterAll(async () => {
  await sync?.close();
  await database?.close();
});

interface Stored {
  id: string;
  productArn: string;
  awsId: string;
  region: string;
  workflowStatus: string;
}

/** Active findings of the tenant, not yet touched by another test (each test takes its own). */
const taken = new Set<string>();
async function freshFindings(count: number, region?: string): Promise<Stored[]> {
  const rows = await database.db
    .select({
      id: findings.id,
      productArn: findings.productArn,
      awsId: findings.awsId,
      region: findings.region,
      workflowStatus: findings.workflowStatus,
    })
    .from(findings)
    .where(and(eq(findings.tenantId, sync.ctx.tenantId), eq(findings.recordState, 'ACTIVE')))
    .orderBy(findings.id);
  const chosen = rows
    .filter((row) => !taken.has(row.id) && (!region || row.region === region))
    .slice(0, count);
  if (chosen.length < count) throw new Error('the emulator holds too few findings for this test');
  for (const row of chosen) taken.add(row.id);
  return chosen;
}

function inHub(finding: Stored): AwsSecurityFinding {
  return sync.inSecurityHub().get(`${finding.productArn}|${finding.awsId}`)!;
}

async function row(id: string) {
  const [found] = await database.db.select().from(findings).where(eq(findings.id, id));
  return found!;
}

function update(input: FindingsUpdateInput, settings = FAST, ctx: TenantContext = sync.ctx) {
  return updateFindings(ctx, input, 'user-1', settings);
}

describe('findingsUpdate', () => {
  it('changes every field BatchUpdateFindings can change, in Security Hub and in Hubgraph, with UPDATED events', async () => {
    const chosen = await freshFindings(3);
    const before = chosen.map((finding) => structuredClone(inHub(finding)));
    const related = before[1]!;
    const payload = await update({
      ids: chosen.map((finding) => finding.id),
      changes: {
        workflowStatus: 'NOTIFIED',
        note: { text: 'Ticket SEC-42', updatedBy: 'alice' },
        severity: { normalized: 75 },
        verificationState: 'TRUE_POSITIVE',
        confidence: 80,
        criticality: 60,
        types: ['Software and Configuration Checks/Vulnerabilities/CVE', 'Effects/Data Exposure'],
        userDefinedFields: [{ name: 'ticket', value: 'SEC-42' }],
        relatedFindings: [{ productArn: related.ProductArn!, id: related.Id! }],
      },
    });
    expect(payload.userErrors).toEqual([]);
    expect(payload.processedCount).toBe(3);
    expect(payload.unprocessedCount).toBe(0);
    expect(payload.results.map((result) => result.status)).toEqual(['PROCESSED', 'PROCESSED', 'PROCESSED']);

    for (const [index, finding] of chosen.entries()) {
      const now = inHub(finding);
      expect(now.Workflow?.Status).toBe('NOTIFIED');
      expect(now.Note).toMatchObject({ Text: 'Ticket SEC-42', UpdatedBy: 'alice' });
      expect(now.Severity).toMatchObject({ Label: 'HIGH', Normalized: 75 });
      expect(now.VerificationState).toBe('TRUE_POSITIVE');
      expect(now.Confidence).toBe(80);
      expect(now.Criticality).toBe(60);
      expect(now.Types).toEqual([
        'Software and Configuration Checks/Vulnerabilities/CVE',
        'Effects/Data Exposure',
      ]);
      expect(now.UserDefinedFields).toEqual({ ticket: 'SEC-42' });
      expect(now.RelatedFindings).toEqual([{ ProductArn: related.ProductArn, Id: related.Id }]);
      // BatchUpdateFindings never moves UpdatedAt.
      expect(now.UpdatedAt).toBe(before[index]!.UpdatedAt);

      const stored = await row(finding.id);
      expect(stored.workflowStatus).toBe('NOTIFIED');
      expect(stored.note).toMatchObject({ text: 'Ticket SEC-42', updatedBy: 'alice' });
      expect(stored.severityLabel).toBe('HIGH');
      expect(stored.severityNormalized).toBe(75);
      expect(stored.verificationState).toBe('TRUE_POSITIVE');
      expect(stored.confidence).toBe(80);
      expect(stored.criticality).toBe(60);
      expect(stored.userDefinedFields).toEqual({ ticket: 'SEC-42' });
      expect(stored.awsUpdatedAt.toISOString()).toBe(new Date(before[index]!.UpdatedAt!).toISOString());
      expect(stored.writeBackAt).not.toBeNull();
    }

    const updated = await database.db
      .select()
      .from(events)
      .where(
        and(eq(events.tenantId, sync.ctx.tenantId), eq(events.topic, 'finding'), eq(events.type, 'UPDATED')),
      );
    for (const finding of chosen) {
      const event = updated.filter((entry) => entry.entityId === finding.id).at(-1)!;
      expect(event.payload.changedFields).toEqual(
        expect.arrayContaining(['Note', 'Severity', 'VerificationState', 'Workflow']),
      );
    }
    const [request] = await database.db
      .select()
      .from(findingUpdates)
      .where(eq(findingUpdates.id, payload.requestId!));
    expect(request).toMatchObject({ status: 'DONE', requestedBy: 'user-1' });
  });

  it('sends the same values twice and Security Hub and Hubgraph end as after once', async () => {
    const chosen = await freshFindings(2);
    const input = {
      ids: chosen.map((f) => f.id),
      changes: { workflowStatus: 'SUPPRESSED' as const, confidence: 10 },
    };
    await update(input);
    const once = chosen.map(inHub).map((finding) => structuredClone(finding));
    const again = await update(input);
    expect(again.processedCount).toBe(2);
    expect(chosen.map(inHub)).toEqual(once);
    expect((await row(chosen[0]!.id)).workflowStatus).toBe('SUPPRESSED');
    expect((await row(chosen[0]!.id)).counted).toBe(false);
  });

  it('derives the label from a normalized severity by AWS cut-offs, and takes a label alone', async () => {
    const [a, b] = await freshFindings(2);
    await update({ ids: [a!.id], changes: { severity: { normalized: 39 } } });
    expect(inHub(a!).Severity).toMatchObject({ Label: 'LOW', Normalized: 39 });
    expect((await row(a!.id)).severityLabel).toBe('LOW');
    await update({ ids: [b!.id], changes: { severity: { label: 'CRITICAL' } } });
    expect(inHub(b!).Severity).toMatchObject({ Label: 'CRITICAL', Normalized: 90 });
    expect((await row(b!.id)).findingSeverity).toBe(5);
  });

  it('reports per finding what Security Hub did not process, and changes only what it did', async () => {
    const chosen = await freshFindings(3, 'us-east-1');
    const gone = chosen[1]!;
    const hub = sync.emulator.emulator.store.hub(sync.emulator.accounts[0]!, 'us-east-1');
    const key = [...hub.findings.keys()].find((k) => {
      const f = hub.findings.get(k)!;
      return f.Id === gone.awsId && f.ProductArn === gone.productArn;
    })!;
    hub.findings.delete(key);
    const payload = await update({ ids: chosen.map((f) => f.id), changes: { workflowStatus: 'RESOLVED' } });
    expect(payload.processedCount).toBe(2);
    expect(payload.unprocessedCount).toBe(1);
    expect(payload.results.find((result) => result.findingId === gone.id)).toMatchObject({
      status: 'UNPROCESSED',
      errorCode: 'FindingNotFound',
      errorMessage: 'Finding Not Found',
    });
    expect((await row(gone.id)).workflowStatus).toBe(gone.workflowStatus);
    for (const finding of [chosen[0]!, chosen[2]!])
      expect((await row(finding.id)).workflowStatus).toBe('RESOLVED');
  });

  it('tries ConcurrentUpdateError again with backoff until Security Hub processes the finding', async () => {
    const chosen = await freshFindings(2, 'eu-west-1');
    sync.emulator.emulator.concurrentUpdates = 3;
    const payload = await update({ ids: chosen.map((f) => f.id), changes: { criticality: 77 } });
    expect(payload.processedCount).toBe(2);
    expect(chosen.map((finding) => inHub(finding).Criticality)).toEqual([77, 77]);
    expect(sync.emulator.emulator.concurrentUpdates).toBe(0);
  });

  it('gives up on a finding that keeps failing and says why', async () => {
    const [finding] = await freshFindings(1, 'eu-west-1');
    sync.emulator.emulator.concurrentUpdates = 100;
    const payload = await update(
      { ids: [finding!.id], changes: { criticality: 12 } },
      { ...FAST, attempts: 3 },
    );
    sync.emulator.emulator.concurrentUpdates = 0;
    expect(payload.results[0]).toMatchObject({ status: 'UNPROCESSED', errorCode: 'ConcurrentUpdateError' });
    expect((await row(finding!.id)).criticality).not.toBe(12);
  });

  it('rides out throttling: every finding lands', async () => {
    const chosen = await freshFindings(5);
    // Security Hub allows this account fewer updates than Hubgraph's bucket would send at once.
    await sync.emulator.admin('PUT', '/_emulator/quotas', {
      enabled: true,
      operation: 'BatchUpdateFindings',
      rate: 4,
      burst: 1,
    });
    try {
      const payloads = await Promise.all(
        chosen.map((finding) => update({ ids: [finding.id], changes: { confidence: 33 } })),
      );
      expect(payloads.map((payload) => payload.processedCount)).toEqual([1, 1, 1, 1, 1]);
    } finally {
      await sync.emulator.admin('PUT', '/_emulator/quotas', { enabled: false, reset: true });
    }
    expect(chosen.map((finding) => inHub(finding).Confidence)).toEqual([33, 33, 33, 33, 33]);
    expect(sync.emulator.emulator.counters.get('BatchUpdateFindings')?.['429']).toBeGreaterThan(0);
  });

  it('selects by filter only when expectedCount matches; a mismatch changes nothing', async () => {
    const chosen = await freshFindings(2);
    const filter = { ids: chosen.map((f) => f.id) };
    const calls = () => sync.emulator.emulator.counters.get('BatchUpdateFindings')?.total ?? 0;
    const sent = calls();
    const wrong = await update({ filter, expectedCount: 3, changes: { workflowStatus: 'NOTIFIED' } });
    expect(wrong.userErrors).toEqual([
      expect.objectContaining({
        field: ['input', 'expectedCount'],
        code: 'INVALID',
        message: expect.stringMatching(/matches 2 findings, not 3/),
      }),
    ]);
    expect(wrong.requestId).toBeNull();
    expect(calls()).toBe(sent);
    const missing = await update({ filter, changes: { workflowStatus: 'NOTIFIED' } });
    expect(missing.userErrors[0]).toMatchObject({ field: ['input', 'expectedCount'], code: 'REQUIRED' });
    const right = await update({ filter, expectedCount: 2, changes: { workflowStatus: 'NOTIFIED' } });
    expect(right.processedCount).toBe(2);
    expect(chosen.map((finding) => inHub(finding).Workflow?.Status)).toEqual(['NOTIFIED', 'NOTIFIED']);
  });

  it('checks every change before anything is sent, and names each field at fault', async () => {
    const [finding] = await freshFindings(1);
    const sent = sync.emulator.emulator.counters.get('BatchUpdateFindings')?.total ?? 0;
    const payload = await update({
      ids: [finding!.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid'],
      changes: {
        note: { text: 'x'.repeat(513), updatedBy: '' },
        severity: { label: 'LOW', normalized: 95 },
        confidence: 101,
        criticality: -1,
        types: [
          'Bad Namespace/Category',
          'TTPs//Classifier',
          ...Array.from({ length: 49 }, () => 'TTPs/Discovery'),
        ],
        userDefinedFields: [
          { name: 'k'.repeat(129), value: 'v' },
          { name: 'a', value: 'v'.repeat(1025) },
          { name: 'a', value: 'w' },
        ],
        relatedFindings: [{ productArn: 'not-an-arn', id: '' }],
      },
    });
    const fields = payload.userErrors.map((error) => `${error.field.join('.')}:${error.code}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        'input.ids.1:NOT_FOUND',
        'input.ids.2:NOT_FOUND',
        'input.changes.note.text:TOO_LONG',
        'input.changes.note.updatedBy:REQUIRED',
        'input.changes.severity.label:INVALID',
        'input.changes.confidence:OUT_OF_RANGE',
        'input.changes.criticality:OUT_OF_RANGE',
        'input.changes.types:TOO_LONG',
        'input.changes.types.0:INVALID',
        'input.changes.types.1:INVALID',
        'input.changes.userDefinedFields.0.name:TOO_LONG',
        'input.changes.userDefinedFields.1.value:TOO_LONG',
        'input.changes.userDefinedFields.2.name:DUPLICATE',
        'input.changes.relatedFindings.0.productArn:INVALID',
        'input.changes.relatedFindings.0.id:REQUIRED',
      ]),
    );
    const severity = payload.userErrors.find(
      (error) => error.field.join('.') === 'input.changes.severity.label',
    );
    expect(severity?.message).toMatch(/95 is CRITICAL/);
    const more = await update({ ids: [finding!.id], changes: { severity: { normalized: 101 } } });
    expect(more.userErrors[0]).toMatchObject({
      field: ['input', 'changes', 'severity', 'normalized'],
      code: 'OUT_OF_RANGE',
    });
    const none = await update({ ids: [finding!.id], changes: {} });
    expect(none.userErrors[0]).toMatchObject({ field: ['input', 'changes'], code: 'REQUIRED' });
    const both = await update({
      ids: [finding!.id],
      filter: {},
      expectedCount: 1,
      changes: { confidence: 1 },
    });
    expect(both.userErrors[0]).toMatchObject({ field: ['input'], code: 'INVALID' });
    expect(sync.emulator.emulator.counters.get('BatchUpdateFindings')?.total ?? 0).toBe(sent);
    const recorded = await database.db
      .select()
      .from(findingUpdates)
      .where(and(eq(findingUpdates.tenantId, sync.ctx.tenantId), eq(findingUpdates.status, 'PENDING')));
    expect(recorded).toEqual([]);
  });

  it('refuses findings of a connector without write-back', async () => {
    const other = await sync.createConnector({ name: 'read-only', writeBackEnabled: false });
    const [finding] = await freshFindings(1);
    await database.db.update(findings).set({ connectorId: other.id }).where(eq(findings.id, finding!.id));
    const payload = await update({ ids: [finding!.id], changes: { confidence: 5 } });
    expect(payload.userErrors).toEqual([
      expect.objectContaining({
        field: ['input', 'ids'],
        code: 'NOT_ALLOWED',
        message: expect.stringMatching(/read-only.*writeBackEnabled: true/),
      }),
    ]);
    await database.db.update(findings).set({ connectorId }).where(eq(findings.id, finding!.id));
  });

  it('sends a finding a connector read from CSPM before it moved to the new Security Hub through BatchUpdateFindings', async () => {
    const v2 = await sync.createConnector({ name: 'new-hub', writeBackEnabled: true });
    await database.db.update(connectors).set({ api: 'V2' }).where(eq(connectors.id, v2.id));
    const [finding] = await freshFindings(1);
    await database.db.update(findings).set({ connectorId: v2.id }).where(eq(findings.id, finding!.id));
    const sent = sync.emulator.emulator.counters.get('BatchUpdateFindings')?.total ?? 0;
    const payload = await update({ ids: [finding!.id], changes: { confidence: 5 } });
    expect(payload.userErrors).toEqual([]);
    expect(payload.processedCount).toBe(1);
    expect(sync.emulator.emulator.counters.get('BatchUpdateFindings')?.total ?? 0).toBe(sent + 1);
    expect(inHub(finding!).Confidence).toBe(5);
    await database.db.update(findings).set({ connectorId }).where(eq(findings.id, finding!.id));
  });

  it('names securityhub:BatchUpdateFindings when the role may not call it', async () => {
    const [finding] = await freshFindings(1);
    const role = sync.emulator.emulator.identity.role(sync.emulator.roles[0]!.arn)!;
    const actions = [...role.actions];
    role.actions = actions.filter((action) => action !== 'securityhub:BatchUpdateFindings');
    try {
      const payload = await update({ ids: [finding!.id], changes: { confidence: 5 } });
      expect(payload.results[0]).toMatchObject({ status: 'UNPROCESSED', errorCode: 'AccessDeniedException' });
      expect(payload.userErrors[0]).toMatchObject({ code: 'NOT_ALLOWED' });
      expect(payload.userErrors[0]!.message).toMatch(/allow securityhub:BatchUpdateFindings/);
    } finally {
      role.actions = actions;
    }
    expect(inHub(finding!).Confidence).not.toBe(5);
  });
});

describe('a crash in the middle of a findings update', () => {
  const crashAt = (step: 'recorded' | 'sent'): WriteBackSettings => ({
    ...FAST,
    onStep: (reached) => {
      if (reached === step) throw new Error(`crash at ${step}`);
    },
  });

  async function pendingRequest(): Promise<string> {
    const [request] = await database.db
      .select()
      .from(findingUpdates)
      .where(and(eq(findingUpdates.tenantId, sync.ctx.tenantId), eq(findingUpdates.status, 'PENDING')));
    return request!.id;
  }

  it('between recording and applying: the restart applies it from the outbox', async () => {
    const chosen = await freshFindings(2);
    await expect(
      update(
        { ids: chosen.map((f) => f.id), changes: { workflowStatus: 'NOTIFIED', confidence: 44 } },
        crashAt('recorded'),
      ),
    ).rejects.toThrow(/crash at recorded/);
    expect(chosen.map((finding) => inHub(finding).Confidence)).not.toContain(44);
    const requestId = await pendingRequest();
    await applyFindingsUpdate(sync.ctx, requestId, FAST);
    expect(chosen.map((finding) => inHub(finding).Confidence)).toEqual([44, 44]);
    expect((await row(chosen[0]!.id)).confidence).toBe(44);
    const [request] = await database.db.select().from(findingUpdates).where(eq(findingUpdates.id, requestId));
    expect(request!.status).toBe('DONE');
  });

  it('between applying and marking done: the restart sends it again and ends as without the crash', async () => {
    const chosen = await freshFindings(2);
    const twins = await freshFindings(2);
    const changes = { workflowStatus: 'RESOLVED' as const, criticality: 55, types: ['TTPs/Discovery'] };
    await update({ ids: twins.map((f) => f.id), changes });
    await expect(update({ ids: chosen.map((f) => f.id), changes }, crashAt('sent'))).rejects.toThrow(
      /crash at sent/,
    );
    expect((await row(chosen[0]!.id)).criticality).not.toBe(55);
    await applyFindingsUpdate(sync.ctx, await pendingRequest(), FAST);
    const view = (finding: AwsSecurityFinding) => ({
      workflow: finding.Workflow,
      criticality: finding.Criticality,
      types: finding.Types,
    });
    expect(chosen.map(inHub).map(view)).toEqual(twins.map(inHub).map(view));
    expect((await row(chosen[0]!.id)).criticality).toBe(55);
    expect((await row(chosen[0]!.id)).workflowStatus).toBe('RESOLVED');
  });
});

describe('the sync and write-back', () => {
  it('a reconciliation keeps the change, and a page read before the write-back does not undo it', async () => {
    const [finding] = await freshFindings(1);
    const oldRaw = structuredClone(inHub(finding!));
    const readAt = new Date();
    await update({
      ids: [finding!.id],
      changes: { workflowStatus: 'SUPPRESSED', note: { text: 'accepted', updatedBy: 'bob' } },
    });
    // A sync page read just before the update, committed just after it.
    const map = (await compiledMapFor(sync.ctx.db, sync.ctx.tenantId, 'aws-security-hub-vulnerability'))!;
    const outcome = mapFinding(oldRaw, map, { defaultSeverity: 'MEDIUM' });
    if (!outcome.ok) throw new Error(outcome.reject.reason);
    const result = await ingestFindingsPage(
      sync.ctx.db,
      sync.ctx.tenantId,
      [{ finding: outcome.finding, assets: [] }],
      {
        connectorId,
        readAt,
      },
    );
    expect(result.unchanged).toBe(1);
    expect((await row(finding!.id)).workflowStatus).toBe('SUPPRESSED');

    const { run } = await sync.run(connectorId, 'RECONCILE');
    expect(run.status).toBe('SUCCEEDED');
    const stored = await row(finding!.id);
    expect(stored.workflowStatus).toBe('SUPPRESSED');
    expect(stored.note).toMatchObject({ text: 'accepted', updatedBy: 'bob' });
    expect(inHub(finding!).UpdatedAt).toBe(oldRaw.UpdatedAt);
  }, 60_000);
});
