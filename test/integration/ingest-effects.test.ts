import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Db } from '../../src/db/client.ts';
import { assets, events, findings } from '../../src/db/schema.ts';
import {
  applyPageEffects,
  changedTopLevelFields,
  type IngestItem,
  ingestAssetsPage,
  ingestFindingsPage,
  type PageEffects,
} from '../../src/findings/ingest.ts';
import { aConnectorRow, newTenant, openTestDatabase } from '../support/database.ts';
import { aControlFinding, anEc2Instance, anInspectorEc2Finding } from '../support/factories.ts';

// What follows from a page besides its rows: the links it stamps (connector, asset), the assets it
// re-scores (also the one a finding left), the primary it elects in each de-duplication group, the
// conflicts it survives, and the fields an UPDATED event names.

let database: Database;

beforeAll(async () => {
  database = await openTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

async function storedAssets(tenantId: string) {
  return database.db
    .select({
      id: assets.id,
      resourceArn: assets.resourceArn,
      name: assets.name,
      tags: assets.tags,
      connectorId: assets.connectorId,
      riskScore: assets.riskScore,
      firstSeenAt: assets.firstSeenAt,
      lastSeenAt: assets.lastSeenAt,
    })
    .from(assets)
    .where(eq(assets.tenantId, tenantId));
}

async function storedFindings(tenantId: string) {
  return database.db
    .select({
      awsId: findings.awsId,
      title: findings.title,
      assetId: findings.assetId,
      connectorId: findings.connectorId,
      isPrimary: findings.isPrimary,
    })
    .from(findings)
    .where(eq(findings.tenantId, tenantId))
    .orderBy(asc(findings.awsId));
}

async function riskOf(tenantId: string, resourceArn: string): Promise<number> {
  const [row] = await database.db
    .select({ riskScore: assets.riskScore })
    .from(assets)
    .where(and(eq(assets.tenantId, tenantId), eq(assets.resourceArn, resourceArn)));
  return row!.riskScore;
}

const hours = (n: number) => new Date(Date.parse('2026-10-01T00:00:00.000Z') + n * 3_600_000);

/** Another version of a finding, UpdatedAt `later` ms on, with the given columns changed. */
function laterVersion(item: IngestItem, later: number, changes: Partial<IngestItem['finding']> = {}) {
  const awsUpdatedAt = new Date(item.finding.awsUpdatedAt.getTime() + later);
  return {
    finding: {
      ...item.finding,
      ...changes,
      awsUpdatedAt,
      raw: { ...item.finding.raw, UpdatedAt: awsUpdatedAt.toISOString(), Title: changes.title },
    },
    assets: item.assets,
  };
}

describe('what a page stamps on its rows', () => {
  it('links each finding to its asset and both to the connector that read them', async () => {
    const tenantId = await newTenant(database);
    const connectorId = await aConnectorRow(database, tenantId);
    const item = anInspectorEc2Finding();

    await ingestFindingsPage(database.db, tenantId, [item], { connectorId });

    const [asset] = await storedAssets(tenantId);
    expect(asset).toMatchObject({ resourceArn: item.assets[0]!.resourceArn, connectorId });
    expect(await storedFindings(tenantId)).toEqual([
      expect.objectContaining({ awsId: item.finding.awsId, assetId: asset!.id, connectorId }),
    ]);
  });

  it('keeps the later of two versions with the same UpdatedAt in one page (page order is read order)', async () => {
    const tenantId = await newTenant(database);
    const first = anInspectorEc2Finding({ title: 'first read' });
    const second = laterVersion(first, 0, { title: 'read again' });

    await ingestFindingsPage(database.db, tenantId, [first, second]);

    expect((await storedFindings(tenantId)).map((row) => row.title)).toEqual(['read again']);
  });
});

describe('what a page reports', () => {
  it('an empty page: nothing written, nothing announced, nothing to apply', async () => {
    const tenantId = await newTenant(database);
    let handed: PageEffects | undefined;

    const result = await ingestFindingsPage(database.db, tenantId, [], {
      afterCommit: (effects) => {
        handed = effects;
      },
    });

    expect(result).toEqual({
      created: 0,
      updated: 0,
      unchanged: 0,
      affectedAssetIds: [],
      outcomes: new Map(),
      dedupKeys: [],
    });
    expect(handed).toEqual({ dedupKeys: [], assetIds: [] });
    expect(
      await database.db.select({ id: events.id }).from(events).where(eq(events.tenantId, tenantId)),
    ).toEqual([]);
  });

  it('each finding as created, then unchanged, with no group or asset left to re-elect or re-score', async () => {
    const tenantId = await newTenant(database);
    const control = aControlFinding();
    const key = `${control.finding.productArn}\n${control.finding.awsId}`;

    const first = await ingestFindingsPage(database.db, tenantId, [control]);
    const again = await ingestFindingsPage(database.db, tenantId, [control]);

    expect(first.outcomes.get(key)).toBe('created');
    expect(first.dedupKeys).toEqual([control.finding.dedupKey]);
    expect(again).toEqual({
      created: 0,
      updated: 0,
      unchanged: 1,
      affectedAssetIds: [],
      outcomes: new Map([[key, 'unchanged']]),
      dedupKeys: [],
    });
  });

  it('no asset among the affected ones for a finding that has none', async () => {
    const tenantId = await newTenant(database);
    const result = await ingestFindingsPage(database.db, tenantId, [aControlFinding({ asset: null })]);
    expect(result.affectedAssetIds).toEqual([]);
  });
});

describe('the same asset seen twice in one page', () => {
  for (const order of ['older sighting first', 'newer sighting first'] as const) {
    it(`takes the newer sighting, a name from either, the first time it was seen (${order})`, async () => {
      const tenantId = await newTenant(database);
      const older = anEc2Instance({
        name: 'web-old-name',
        tags: { Team: 'before' },
        firstSeenAt: hours(1),
        lastSeenAt: hours(5),
      });
      const newer = {
        ...older,
        name: null,
        tags: { Team: 'after' },
        firstSeenAt: hours(3),
        lastSeenAt: hours(9),
      };
      const a = anInspectorEc2Finding({ asset: older });
      const b = anInspectorEc2Finding({ asset: newer });
      const page = order === 'older sighting first' ? [a, b] : [b, a];

      await ingestFindingsPage(database.db, tenantId, page);

      expect(await storedAssets(tenantId)).toEqual([
        expect.objectContaining({
          name: 'web-old-name',
          tags: { Team: 'after' },
          firstSeenAt: hours(1),
          lastSeenAt: hours(9),
        }),
      ]);
    });
  }
});

describe("a page's effects", () => {
  it('re-scores the asset a finding moved away from as well as the one it moved to', async () => {
    const tenantId = await newTenant(database);
    const before = anEc2Instance();
    const after = anEc2Instance();
    const item = anInspectorEc2Finding({ asset: before, severity: 'CRITICAL' });
    await ingestFindingsPage(database.db, tenantId, [item]);
    expect(await riskOf(tenantId, before.resourceArn)).toBeGreaterThan(0);

    const moved = {
      ...laterVersion(item, 60_000, { assetIdentityKey: after.identityKey }),
      assets: [after],
    };
    const result = await ingestFindingsPage(database.db, tenantId, [moved]);

    expect(await riskOf(tenantId, before.resourceArn)).toBe(0);
    expect(await riskOf(tenantId, after.resourceArn)).toBeGreaterThan(0);
    const ids = new Map((await storedAssets(tenantId)).map((row) => [row.resourceArn, row.id]));
    expect([...result.affectedAssetIds].sort()).toEqual(
      [ids.get(before.resourceArn), ids.get(after.resourceArn)].sort(),
    );
  });

  it('hands them to a caller that batches them, and applies nothing itself; the caller applies them later', async () => {
    const tenantId = await newTenant(database);
    const first = aControlFinding({ firstObservedAt: hours(5) });
    const second = aControlFinding({ asset: first.assets[0]!, firstObservedAt: hours(2) });
    let handed: PageEffects | undefined;

    const result = await ingestFindingsPage(database.db, tenantId, [first, second], {
      afterCommit: (effects) => {
        handed = effects;
      },
    });

    const [asset] = await storedAssets(tenantId);
    expect(handed).toEqual({ dedupKeys: [first.finding.dedupKey], assetIds: [asset!.id] });
    expect(result.dedupKeys).toEqual([first.finding.dedupKey]);
    // Nothing applied yet: both members still primary (the column's default), the asset unscored.
    expect((await storedFindings(tenantId)).map((row) => row.isPrimary)).toEqual([true, true]);
    expect(asset!.riskScore).toBe(0);

    await applyPageEffects(database.db, tenantId, handed!);

    expect(await primaryOf(tenantId)).toEqual([second.finding.awsId]);
    expect(await riskOf(tenantId, asset!.resourceArn)).toBeGreaterThan(0);
  });
});

async function primaryOf(tenantId: string): Promise<string[]> {
  return (await storedFindings(tenantId)).filter((row) => row.isPrimary).map((row) => row.awsId);
}

describe('the primary of a de-duplication group', () => {
  it('is the first observed of the findings that count, whatever order they arrive in', async () => {
    const tenantId = await newTenant(database);
    const asset = anEc2Instance();
    const late = aControlFinding({ asset, firstObservedAt: hours(9) });
    const early = aControlFinding({ asset, firstObservedAt: hours(1) });
    const middle = aControlFinding({ asset, firstObservedAt: hours(4) });

    await ingestFindingsPage(database.db, tenantId, [late]);
    expect(await primaryOf(tenantId)).toEqual([late.finding.awsId]);
    await ingestFindingsPage(database.db, tenantId, [middle]);
    expect(await primaryOf(tenantId)).toEqual([middle.finding.awsId]);
    await ingestFindingsPage(database.db, tenantId, [early]);
    expect(await primaryOf(tenantId)).toEqual([early.finding.awsId]);
  });

  it('takes a newcomer to a group that has one as a member at once, so the election need not rewrite it', async () => {
    const tenantId = await newTenant(database);
    const asset = anEc2Instance();
    const first = aControlFinding({ asset, firstObservedAt: hours(3) });
    const later = aControlFinding({ asset, firstObservedAt: hours(5) });
    const earliest = aControlFinding({ asset, firstObservedAt: hours(1) });
    await ingestFindingsPage(database.db, tenantId, [first]);
    const deferred: PageEffects[] = [];
    const defer = { afterCommit: (effects: PageEffects) => void deferred.push(effects) };

    await ingestFindingsPage(database.db, tenantId, [later], defer);
    await ingestFindingsPage(database.db, tenantId, [earliest], defer);

    // Before any election: the newcomers are members already, the group keeps one primary.
    expect(await primaryOf(tenantId)).toEqual([first.finding.awsId]);
    // The election still decides: the earliest observed wins, though it arrived as a member.
    for (const effects of deferred) await applyPageEffects(database.db, tenantId, effects);
    expect(await primaryOf(tenantId)).toEqual([earliest.finding.awsId]);
  });

  it('passes to the next one when it stops counting (resolved, suppressed, archived), and back', async () => {
    const tenantId = await newTenant(database);
    const asset = anEc2Instance();
    const early = aControlFinding({ asset, firstObservedAt: hours(1) });
    const late = aControlFinding({ asset, firstObservedAt: hours(2) });
    await ingestFindingsPage(database.db, tenantId, [early, late]);
    expect(await primaryOf(tenantId)).toEqual([early.finding.awsId]);

    const resolved = laterVersion(early, 60_000, { counted: false, title: 'resolved' });
    await ingestFindingsPage(database.db, tenantId, [resolved]);
    expect(await primaryOf(tenantId)).toEqual([late.finding.awsId]);

    await ingestFindingsPage(database.db, tenantId, [laterVersion(resolved, 60_000, { counted: true })]);
    expect(await primaryOf(tenantId)).toEqual([early.finding.awsId]);
  });

  it('is elected in every group, one per group, however many groups a batch carries', async () => {
    const tenantId = await newTenant(database);
    const page: IngestItem[] = [];
    for (let group = 0; group < 520; group++) {
      const asset = anEc2Instance();
      page.push(aControlFinding({ asset, firstObservedAt: hours(2), awsId: `g${group}-later` }));
      page.push(aControlFinding({ asset, firstObservedAt: hours(1), awsId: `g${group}-first` }));
    }
    await ingestFindingsPage(database.db, tenantId, page);

    const primaries = await primaryOf(tenantId);
    expect(primaries).toHaveLength(520);
    expect(primaries.every((awsId) => awsId.endsWith('-first'))).toBe(true);
  });

  it('breaks a tie in first observation by the lower id, the same every time', async () => {
    const tenantId = await newTenant(database);
    const asset = anEc2Instance();
    const a = aControlFinding({ asset, firstObservedAt: hours(1) });
    const b = aControlFinding({ asset, firstObservedAt: hours(1) });
    await ingestFindingsPage(database.db, tenantId, [a, b]);
    const ids = await database.db
      .select({ id: findings.id, awsId: findings.awsId })
      .from(findings)
      .where(eq(findings.tenantId, tenantId))
      .orderBy(asc(findings.id));

    expect(await primaryOf(tenantId)).toEqual([ids[0]!.awsId]);
  });
});

describe('a risk score kept in step, batch after batch', () => {
  it('re-scores every asset of a batch larger than one statement takes', async () => {
    const tenantId = await newTenant(database);
    const page = Array.from({ length: 510 }, () => anInspectorEc2Finding({ severity: 'CRITICAL' }));
    await ingestFindingsPage(database.db, tenantId, page);

    const scores = (await storedAssets(tenantId)).map((row) => row.riskScore);
    expect(scores).toHaveLength(510);
    expect(scores.filter((score) => score === 0)).toEqual([]);
  });
});

/** The database, except that its next `failures` transactions fail with `error` before running. */
function failingTransactions(
  db: Db,
  failures: number,
  error: () => unknown,
): { db: Db; calls: () => number } {
  let calls = 0;
  const proxy = new Proxy(db, {
    get(target, property, receiver) {
      if (property !== 'transaction') return Reflect.get(target, property, receiver);
      return (work: Parameters<Db['transaction']>[0]) => {
        calls += 1;
        if (calls <= failures) return Promise.reject(error());
        return target.transaction(work);
      };
    },
  });
  return { db: proxy, calls: () => calls };
}

/** As the drivers raise it: postgres.js puts SQLSTATE on the error, drizzle wraps it in `cause`. */
const sqlError = (code: string, wrapped: boolean) =>
  wrapped
    ? Object.assign(new Error('Failed query'), { cause: Object.assign(new Error('deadlock'), { code }) })
    : Object.assign(new Error('deadlock detected'), { code });

describe('a page that meets a concurrent writer', () => {
  for (const [code, wrapped] of [
    ['40P01', false],
    ['40001', true],
  ] as const) {
    it(`is written again after ${code === '40P01' ? 'a deadlock' : 'a serialization failure'} (${wrapped ? 'wrapped' : 'bare'})`, async () => {
      const tenantId = await newTenant(database);
      const failing = failingTransactions(database.db, 2, () => sqlError(code, wrapped));
      const item = aControlFinding({ asset: null });

      const result = await ingestFindingsPage(failing.db, tenantId, [item]);

      expect(result.created).toBe(1);
      expect(failing.calls()).toBe(3);
      expect((await storedFindings(tenantId)).map((row) => row.awsId)).toEqual([item.finding.awsId]);
    });
  }

  it('gives up after five attempts and raises the conflict', async () => {
    const tenantId = await newTenant(database);
    const failing = failingTransactions(database.db, 99, () => sqlError('40P01', true));

    await expect(
      ingestFindingsPage(failing.db, tenantId, [aControlFinding({ asset: null })]),
    ).rejects.toThrow('Failed query');
    expect(failing.calls()).toBe(5);
  });

  for (const [what, error] of [
    ['another database error', sqlError('23505', false)],
    ['an error without a SQLSTATE', new Error('connection reset')],
    ['a thrown non-error', null],
  ] as const) {
    it(`does not retry ${what}`, async () => {
      const tenantId = await newTenant(database);
      const failing = failingTransactions(database.db, 99, () => error);

      const thrown = await ingestFindingsPage(failing.db, tenantId, [aControlFinding({ asset: null })]).then(
        () => 'no error',
        (raised: unknown) => raised,
      );

      expect(thrown).toBe(error);
      expect(failing.calls()).toBe(1);
    });
  }
});

describe('a page of assets alone', () => {
  it('upserts and scores them, commits the caller’s writes and events with them', async () => {
    const tenantId = await newTenant(database);
    const connectorId = await aConnectorRow(database, tenantId);
    const records = [anEc2Instance(), anEc2Instance()];

    const count = await ingestAssetsPage(database.db, tenantId, records, {
      connectorId,
      withinTransaction: async () => [
        { topic: 'connector', type: 'PROGRESS', entityId: connectorId, payload: {} },
      ],
    });

    expect(count).toBe(2);
    expect((await storedAssets(tenantId)).map((row) => row.connectorId)).toEqual([connectorId, connectorId]);
    const logged = await database.db
      .select({ topic: events.topic, type: events.type })
      .from(events)
      .where(eq(events.tenantId, tenantId));
    expect(logged).toEqual([{ topic: 'connector', type: 'PROGRESS' }]);
  });

  it('hands the assets to a caller that batches effects', async () => {
    const tenantId = await newTenant(database);
    let handed: PageEffects | undefined;

    await ingestAssetsPage(database.db, tenantId, [anEc2Instance()], {
      afterCommit: (effects) => {
        handed = effects;
      },
    });

    const [asset] = await storedAssets(tenantId);
    expect(handed).toEqual({ dedupKeys: [], assetIds: [asset!.id] });
  });

  it('writes nothing and logs nothing for an empty page', async () => {
    const tenantId = await newTenant(database);
    expect(await ingestAssetsPage(database.db, tenantId, [])).toBe(0);
    expect(await storedAssets(tenantId)).toEqual([]);
    expect(
      await database.db.select({ id: events.id }).from(events).where(eq(events.tenantId, tenantId)),
    ).toEqual([]);
  });
});

describe('the fields an UPDATED event names', () => {
  it('are the top-level fields whose content differs, sorted, whatever the key order inside them', () => {
    expect(
      changedTopLevelFields(
        { Title: 't', Workflow: { Status: 'NEW', Note: 'n' }, Types: ['a', 'b'], Gone: 1 },
        { Workflow: { Note: 'n', Status: 'NEW' }, Types: ['b', 'a'], Title: 't', Added: true },
      ),
    ).toEqual(['Added', 'Gone', 'Types']);
  });

  it('tell [1, 23] from [12, 3]', () => {
    expect(changedTopLevelFields({ A: [1, 23] }, { A: [12, 3] })).toEqual(['A']);
  });

  it('tell an array from an object with the same entries, and null from a missing field', () => {
    expect(changedTopLevelFields({ A: ['x'], B: null }, { A: { 0: 'x' } })).toEqual(['A', 'B']);
  });

  it('are every field of a finding seen for the first time', () => {
    expect(changedTopLevelFields(undefined, { Title: 't', Id: 'i' })).toEqual(['Id', 'Title']);
  });
});
