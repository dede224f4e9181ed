import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { events, findings, findingUpdates } from '../../src/db/schema.ts';
import type { OcsfDocument } from '../../src/emulator/generator/ocsf.ts';
import type { FindingsUpdateInput } from '../../src/generated/graphql.ts';
import { findingHistory } from '../../src/writeback/history.ts';
import {
  applyFindingsUpdate,
  DEFAULT_WRITE_BACK_SETTINGS,
  updateFindings,
  type WriteBackSettings,
} from '../../src/writeback/service.ts';
import { openTestDatabase } from '../support/database.ts';
import { startSyncHarness } from '../support/sync.ts';

// findingsUpdate for findings read through the new Security Hub: BatchUpdateFindingsV2 against the
// emulator through the real SDK — what the new Security Hub ends up holding, what Hubgraph's copy
// shows, the events, what V2 cannot change, and a BOTH connector sending each finding through the
// API it was last read from.

let database: Database;
const FAST: WriteBackSettings = { ...DEFAULT_WRITE_BACK_SETTINGS, backoffMs: 20 };

beforeAll(async () => {
  database = await openTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

interface Stored {
  id: string;
  productArn: string;
  awsId: string;
  region: string;
  format: string;
  workflowStatus: string;
}

/** A harness whose one connector (write-back on) reads `api` and has synced once. */
async function aSyncedConnector(api: 'V2' | 'BOTH') {
  const sync = await startSyncHarness(database, {
    emulator: { findings: 150, seed: 23, v2: true },
    settings: { sweepIntervalMs: 365 * 86_400_000 },
  });
  const connector = await sync.createConnector({ api, writeBackEnabled: true });
  const { run } = await sync.run(connector.id);
  expect(run.status, run.error ?? '').toBe('SUCCEEDED');
  const taken = new Set<string>();
  return {
    sync,
    connectorId: connector.id,
    /** Active findings of one format not yet touched by another test (each test takes its own). */
    async fresh(count: number, format: 'ASFF' | 'OCSF', region?: string): Promise<Stored[]> {
      const rows = await database.db
        .select({
          id: findings.id,
          productArn: findings.productArn,
          awsId: findings.awsId,
          region: findings.region,
          format: findings.format,
          workflowStatus: findings.workflowStatus,
        })
        .from(findings)
        .where(
          and(
            eq(findings.tenantId, sync.ctx.tenantId),
            eq(findings.recordState, 'ACTIVE'),
            eq(findings.format, format),
          ),
        )
        .orderBy(findings.id);
      const chosen = rows
        .filter((row) => !taken.has(row.id) && (!region || row.region === region))
        .slice(0, count);
      if (chosen.length < count) throw new Error(`the emulator holds too few ${format} findings`);
      for (const row of chosen) taken.add(row.id);
      return chosen;
    },
    inV2(finding: Stored): OcsfDocument {
      return sync.inSecurityHubV2().get(`${finding.productArn}|${finding.awsId}`)!;
    },
    calls(operation: string): number {
      return sync.emulator.emulator.counters.get(operation)?.total ?? 0;
    },
    update(input: FindingsUpdateInput, settings = FAST) {
      return updateFindings(sync.ctx, input, 'user-1', settings);
    },
  };
}

async function row(id: string) {
  const [found] = await database.db.select().from(findings).where(eq(findings.id, id));
  return found!;
}

describe('findingsUpdate on a connector reading the new Security Hub (api V2)', () => {
  let v2: Awaited<ReturnType<typeof aSyncedConnector>>;

  beforeAll(async () => {
    v2 = await aSyncedConnector('V2');
  }, 120_000);

  afterAll(async () => {
    await v2?.sync.close();
  });

  it('changes status, severity and comment through BatchUpdateFindingsV2, in Security Hub and in Hubgraph, with UPDATED events', async () => {
    const chosen = (await v2.fresh(8, 'OCSF'))
      .filter((finding) => finding.workflowStatus !== 'NOTIFIED')
      .slice(0, 3);
    expect(chosen).toHaveLength(3);
    const before = chosen.map((finding) => structuredClone(v2.inV2(finding)));
    const v1Calls = v2.calls('BatchUpdateFindings');
    const payload = await v2.update({
      ids: chosen.map((finding) => finding.id),
      changes: {
        workflowStatus: 'NOTIFIED',
        severity: { label: 'CRITICAL' },
        note: { text: 'Ticket SEC-42', updatedBy: 'alice' },
      },
    });
    expect(payload.userErrors).toEqual([]);
    expect(payload.processedCount).toBe(3);
    expect(payload.results.map((result) => result.status)).toEqual(['PROCESSED', 'PROCESSED', 'PROCESSED']);
    expect(v2.calls('BatchUpdateFindings')).toBe(v1Calls);
    expect(v2.calls('BatchUpdateFindingsV2')).toBeGreaterThan(0);

    for (const [index, finding] of chosen.entries()) {
      const document = v2.inV2(finding);
      // NOTIFIED is what OCSF calls In Progress.
      expect(document).toMatchObject({
        status_id: 2,
        status: 'In Progress',
        severity_id: 5,
        severity: 'Critical',
        comment: 'Ticket SEC-42',
      });
      // BatchUpdateFindingsV2 does not move the modified time.
      expect(document.finding_info.modified_time_dt).toBe(before[index]!.finding_info.modified_time_dt);

      const stored = await row(finding.id);
      expect(stored.format).toBe('OCSF');
      // The local copy is the document as the new Security Hub now holds it.
      expect(stored.raw).toEqual(document);
      expect(stored.workflowStatus).toBe('NOTIFIED');
      expect(stored.severityLabel).toBe('CRITICAL');
      expect(stored.findingSeverity).toBe(5);
      expect(stored.note).toMatchObject({ text: 'Ticket SEC-42' });
      expect(stored.awsUpdatedAt.toISOString()).toBe(
        new Date(before[index]!.finding_info.modified_time_dt).toISOString(),
      );
      expect(stored.writeBackAt).not.toBeNull();
    }
    const updated = await database.db
      .select()
      .from(events)
      .where(
        and(
          eq(events.tenantId, v2.sync.ctx.tenantId),
          eq(events.topic, 'finding'),
          eq(events.type, 'UPDATED'),
          inArray(
            events.entityId,
            chosen.map((finding) => finding.id),
          ),
        ),
      );
    expect(updated).toHaveLength(3);
    for (const [index, finding] of chosen.entries()) {
      const event = updated.find((entry) => entry.entityId === finding.id)!;
      // The OCSF top-level fields that moved (a finding may have been Critical already).
      const moved = ['comment', 'severity', 'severity_id', 'status', 'status_id'].filter(
        (field) =>
          JSON.stringify((before[index] as Record<string, unknown>)[field]) !==
          JSON.stringify((v2.inV2(finding) as Record<string, unknown>)[field]),
      );
      expect(moved).toEqual(expect.arrayContaining(['comment', 'status', 'status_id']));
      expect([...(event.payload.changedFields as string[])].sort()).toEqual(moved.sort());
    }

    // The next sync reads the same documents back: nothing to change.
    const again = await v2.sync.run(v2.connectorId);
    expect(again.run.status, again.run.error ?? '').toBe('SUCCEEDED');
    for (const finding of chosen) expect((await row(finding.id)).raw).toEqual(v2.inV2(finding));
  }, 60_000);

  it("lists Hubgraph's own history of an OCSF finding and says why Security Hub's is missing, without asking CSPM", async () => {
    const [finding] = await v2.fresh(1, 'OCSF');
    const payload = await v2.update({ ids: [finding!.id], changes: { workflowStatus: 'SUPPRESSED' } });
    expect(payload.processedCount).toBe(1);
    const historyCalls = v2.calls('GetFindingHistory');
    const [model] = await database.db.select().from(findings).where(eq(findings.id, finding!.id));
    const history = await findingHistory(v2.sync.ctx, model!, { first: 10 });
    expect(v2.calls('GetFindingHistory')).toBe(historyCalls);
    expect(history.securityHubUnavailable).toMatch(/reads only the new Security Hub.*api: BOTH/);
    expect(history.nodes.map((entry) => [entry.source, entry.actor])).toEqual([['HUBGRAPH', 'user-1']]);
    expect(history.nodes[0]!.changes).toEqual([
      { field: 'Workflow', oldValue: null, newValue: JSON.stringify({ Status: 'SUPPRESSED' }) },
    ]);
  });

  it('maps each workflow status to its OCSF status_id', async () => {
    const chosen = await v2.fresh(3, 'OCSF');
    const expected = [
      ['SUPPRESSED', 3, 'Suppressed'],
      ['RESOLVED', 4, 'Resolved'],
      ['NEW', 1, 'New'],
    ] as const;
    for (const [index, [workflowStatus, statusId, status]] of expected.entries()) {
      const finding = chosen[index]!;
      const payload = await v2.update({ ids: [finding.id], changes: { workflowStatus } });
      expect(payload.processedCount).toBe(1);
      expect(v2.inV2(finding)).toMatchObject({ status_id: statusId, status });
      expect((await row(finding.id)).workflowStatus).toBe(workflowStatus);
    }
    expect((await row(chosen[0]!.id)).counted).toBe(false);
  });

  it('reports per finding what the new Security Hub did not process, and changes only what it did', async () => {
    const chosen = await v2.fresh(3, 'OCSF', 'us-east-1');
    const gone = chosen[1]!;
    const hub = v2.sync.emulator.emulator.store.hub(v2.sync.emulator.accounts[0]!, 'us-east-1');
    const key = [...hub.ocsf.keys()].find((k) => hub.ocsf.get(k)!.finding_info.uid === gone.awsId)!;
    hub.ocsf.delete(key);
    const payload = await v2.update({
      ids: chosen.map((finding) => finding.id),
      changes: { workflowStatus: 'RESOLVED' },
    });
    expect(payload.processedCount).toBe(2);
    expect(payload.unprocessedCount).toBe(1);
    expect(payload.results.find((result) => result.findingId === gone.id)).toMatchObject({
      status: 'UNPROCESSED',
      errorCode: 'ResourceNotFoundException',
      errorMessage: 'The finding was not found.',
    });
    expect((await row(gone.id)).workflowStatus).toBe(gone.workflowStatus);
    for (const finding of [chosen[0]!, chosen[2]!])
      expect((await row(finding.id)).workflowStatus).toBe('RESOLVED');
  });

  it('tries ConflictException again with backoff until the new Security Hub processes the finding', async () => {
    const chosen = await v2.fresh(2, 'OCSF', 'eu-west-1');
    v2.sync.emulator.emulator.concurrentUpdates = 3;
    const payload = await v2.update({
      ids: chosen.map((finding) => finding.id),
      changes: { severity: { label: 'LOW' } },
    });
    expect(payload.processedCount).toBe(2);
    expect(chosen.map((finding) => v2.inV2(finding).severity_id)).toEqual([2, 2]);
    expect(v2.sync.emulator.emulator.concurrentUpdates).toBe(0);
  });

  it("rides out the new Security Hub's throttling: every finding lands", async () => {
    const chosen = await v2.fresh(5, 'OCSF');
    await v2.sync.emulator.admin('PUT', '/_emulator/quotas', {
      enabled: true,
      operation: 'BatchUpdateFindingsV2',
      rate: 4,
      burst: 1,
    });
    try {
      const payloads = await Promise.all(
        chosen.map((finding) => v2.update({ ids: [finding.id], changes: { severity: { label: 'MEDIUM' } } })),
      );
      expect(payloads.map((payload) => payload.processedCount)).toEqual([1, 1, 1, 1, 1]);
    } finally {
      await v2.sync.emulator.admin('PUT', '/_emulator/quotas', { enabled: false, reset: true });
    }
    expect(chosen.map((finding) => v2.inV2(finding).severity_id)).toEqual([3, 3, 3, 3, 3]);
    expect(v2.sync.emulator.emulator.counters.get('BatchUpdateFindingsV2')?.['429']).toBeGreaterThan(0);
  });

  it('refuses up front what BatchUpdateFindingsV2 cannot change, naming each field and the way out', async () => {
    const [finding] = await v2.fresh(1, 'OCSF');
    const before = structuredClone(v2.inV2(finding!));
    const sent = v2.calls('BatchUpdateFindingsV2');
    const payload = await v2.update({
      ids: [finding!.id],
      changes: {
        workflowStatus: 'NOTIFIED',
        severity: { normalized: 75 },
        confidence: 80,
        criticality: 60,
        verificationState: 'TRUE_POSITIVE',
        types: ['TTPs/Discovery'],
        userDefinedFields: [{ name: 'ticket', value: 'SEC-42' }],
        relatedFindings: [
          { productArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector', id: 'other' },
        ],
      },
    });
    expect(payload.requestId).toBeNull();
    expect(payload.userErrors.map((error) => `${error.field.join('.')}:${error.code}`).sort()).toEqual(
      [
        'input.changes.confidence:NOT_ALLOWED',
        'input.changes.criticality:NOT_ALLOWED',
        'input.changes.relatedFindings:NOT_ALLOWED',
        'input.changes.severity.normalized:NOT_ALLOWED',
        'input.changes.types:NOT_ALLOWED',
        'input.changes.userDefinedFields:NOT_ALLOWED',
        'input.changes.verificationState:NOT_ALLOWED',
      ].sort(),
    );
    const confidence = payload.userErrors.find((error) => error.field.at(-1) === 'confidence')!;
    expect(confidence.message).toMatch(
      /1 of the findings were read through the new Security Hub.*cannot change confidence.*Leave confidence out.*api: CSPM/,
    );
    expect(payload.userErrors.find((error) => error.field.at(-1) === 'normalized')!.message).toMatch(
      /give severity.label instead/,
    );
    expect(v2.calls('BatchUpdateFindingsV2')).toBe(sent);
    const recorded = await database.db
      .select()
      .from(findingUpdates)
      .where(and(eq(findingUpdates.tenantId, v2.sync.ctx.tenantId), eq(findingUpdates.status, 'PENDING')));
    expect(recorded).toEqual([]);
    expect(v2.inV2(finding!)).toEqual(before);
  });

  it('resumes after a crash between sending and committing, and ends as without the crash', async () => {
    const chosen = await v2.fresh(2, 'OCSF');
    const twins = await v2.fresh(2, 'OCSF');
    const changes = {
      workflowStatus: 'SUPPRESSED' as const,
      note: { text: 'accepted risk', updatedBy: 'carol' },
    };
    await v2.update({ ids: twins.map((finding) => finding.id), changes });
    const crash: WriteBackSettings = {
      ...FAST,
      onStep: (step) => {
        if (step === 'sent') throw new Error('crash at sent');
      },
    };
    await expect(v2.update({ ids: chosen.map((finding) => finding.id), changes }, crash)).rejects.toThrow(
      /crash at sent/,
    );
    // The new Security Hub holds the change; Hubgraph has not committed the answer.
    expect(v2.inV2(chosen[0]!).status_id).toBe(3);
    expect((await row(chosen[0]!.id)).workflowStatus).toBe(chosen[0]!.workflowStatus);
    const [request] = await database.db
      .select()
      .from(findingUpdates)
      .where(and(eq(findingUpdates.tenantId, v2.sync.ctx.tenantId), eq(findingUpdates.status, 'PENDING')));
    await applyFindingsUpdate(v2.sync.ctx, request!.id, FAST);
    const view = (document: OcsfDocument) => ({
      status_id: document.status_id,
      status: document.status,
      comment: document.comment,
    });
    expect(chosen.map((finding) => view(v2.inV2(finding)))).toEqual(
      twins.map((finding) => view(v2.inV2(finding))),
    );
    for (const finding of chosen) {
      const stored = await row(finding.id);
      expect(stored.workflowStatus).toBe('SUPPRESSED');
      expect(stored.raw).toEqual(v2.inV2(finding));
    }
  });

  it('names securityhub:BatchUpdateFindings when the role may call neither update', async () => {
    const [finding] = await v2.fresh(1, 'OCSF');
    const before = structuredClone(v2.inV2(finding!));
    const role = v2.sync.emulator.emulator.identity.role(v2.sync.emulator.roles[0]!.arn)!;
    const actions = [...role.actions];
    role.actions = actions.filter((action) => !action.startsWith('securityhub:BatchUpdateFindings'));
    try {
      const payload = await v2.update({ ids: [finding!.id], changes: { workflowStatus: 'SUPPRESSED' } });
      expect(payload.results[0]).toMatchObject({ status: 'UNPROCESSED', errorCode: 'AccessDeniedException' });
      expect(payload.userErrors[0]).toMatchObject({ code: 'NOT_ALLOWED' });
      expect(payload.userErrors[0]!.message).toMatch(
        /allow securityhub:BatchUpdateFindings.*BatchUpdateFindingsV2.*OCSFSyntaxPath/,
      );
    } finally {
      role.actions = actions;
    }
    expect(v2.inV2(finding!)).toEqual(before);
  });
});

describe('findingsUpdate on a connector reading BOTH', () => {
  let both: Awaited<ReturnType<typeof aSyncedConnector>>;

  beforeAll(async () => {
    both = await aSyncedConnector('BOTH');
  }, 120_000);

  afterAll(async () => {
    await both?.sync.close();
  });

  it('sends a finding last read as OCSF through BatchUpdateFindingsV2 and one read as ASFF through BatchUpdateFindings', async () => {
    const [ocsf] = await both.fresh(1, 'OCSF');
    const [asff] = await both.fresh(1, 'ASFF');
    const calls = { v1: both.calls('BatchUpdateFindings'), v2: both.calls('BatchUpdateFindingsV2') };
    const payload = await both.update({
      ids: [ocsf!.id, asff!.id],
      changes: { workflowStatus: 'RESOLVED', note: { text: 'fixed in release 7', updatedBy: 'bob' } },
    });
    expect(payload.userErrors).toEqual([]);
    expect(payload.processedCount).toBe(2);
    expect(both.calls('BatchUpdateFindings')).toBe(calls.v1 + 1);
    expect(both.calls('BatchUpdateFindingsV2')).toBe(calls.v2 + 1);

    expect(both.inV2(ocsf!)).toMatchObject({ status_id: 4, comment: 'fixed in release 7' });
    const cspm = both.sync.inSecurityHub().get(`${asff!.productArn}|${asff!.awsId}`)!;
    expect(cspm).toMatchObject({
      Workflow: { Status: 'RESOLVED' },
      Note: { Text: 'fixed in release 7', UpdatedBy: 'bob' },
    });
    for (const finding of [ocsf!, asff!]) {
      const stored = await row(finding.id);
      expect(stored.format).toBe(finding.format);
      expect(stored.workflowStatus).toBe('RESOLVED');
      expect(stored.note).toMatchObject({ text: 'fixed in release 7' });
    }
    expect((await row(asff!.id)).raw).toMatchObject({
      Workflow: { Status: 'RESOLVED' },
      Note: { Text: 'fixed in release 7', UpdatedBy: 'bob' },
    });
    expect((await row(ocsf!.id)).raw).toEqual(both.inV2(ocsf!));
  });

  it('lets an ASFF finding change what only BatchUpdateFindings can, and refuses it for an OCSF one beside it', async () => {
    const [ocsf] = await both.fresh(1, 'OCSF');
    const [asff] = await both.fresh(1, 'ASFF');
    const alone = await both.update({ ids: [asff!.id], changes: { confidence: 12 } });
    expect(alone.processedCount).toBe(1);
    expect((await row(asff!.id)).confidence).toBe(12);
    const mixed = await both.update({ ids: [ocsf!.id, asff!.id], changes: { confidence: 13 } });
    expect(mixed.userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'changes', 'confidence'], code: 'NOT_ALLOWED' }),
    ]);
    expect((await row(asff!.id)).confidence).toBe(12);
  });
});
