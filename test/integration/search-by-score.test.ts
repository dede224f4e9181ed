import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import type { PageArgs } from '../../src/db/keyset.ts';
import { findingFilterCondition, toTsQuery } from '../../src/findings/filter.ts';
import { type IngestItem, ingestFindingsPage } from '../../src/findings/ingest.ts';
import { findingOrder, listFindings } from '../../src/findings/queries.ts';
import { searchPageByScore } from '../../src/findings/search-by-score.ts';
import type { FindingFilter } from '../../src/generated/graphql.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { anInspectorEc2Finding } from '../support/factories.ts';

// A search page in score order read score group by score group must be the very page the score
// index gives: same findings, same order, cursors that carry over either way.

const ACCOUNTS = ['111122223333', '444455556666'];

let database: Database;
let tenantId: string;

/**
 * Score groups shaped to take every way through a group: dense (the walk continues), sparse (the
 * walk gives up and the rest is read through the scored-lexeme index), all matches, none, and a
 * score in between with no finding at all.
 */
function buildDataSet(): IngestItem[] {
  const items: IngestItem[] = [];
  const add = (score: number, count: number, matches: (i: number) => boolean) => {
    for (let i = 0; i < count; i++) {
      const item = anInspectorEc2Finding({ awsAccountId: ACCOUNTS[i % 3 === 0 ? 1 : 0] });
      item.finding.detectionScore = score;
      item.finding.title = matches(i) ? `alpha ${i} alphabet in libalpha` : `beta ${i} in libbeta`;
      items.push(item);
    }
  };
  add(97, 40, () => false);
  add(90, 200, (i) => i % 2 === 0);
  add(80, 300, (i) => i % 50 === 7);
  add(70, 20, () => true);
  add(50, 30, () => false);
  add(3, 12, (i) => i % 4 === 1);
  return items;
}

beforeAll(async () => {
  database = await openTestDatabase();
  tenantId = await newTenant(database);
  const items = buildDataSet();
  for (let i = 0; i < items.length; i += 100)
    await ingestFindingsPage(database.db, tenantId, items.slice(i, i + 100));
});

afterAll(async () => {
  await database?.close();
});

function scoredSearch(filter: FindingFilter) {
  return {
    words: toTsQuery(filter.search!)!,
    condition: findingFilterCondition(filter)!,
    otherFilters: findingFilterCondition({ ...filter, search: null }),
  };
}

/** Every id, page by page, forward or backward, from either source of pages. */
async function pageThrough(
  filter: FindingFilter,
  direction: 'ASC' | 'DESC',
  size: number,
  how: { byScore: (n: number) => boolean; backward?: boolean },
): Promise<string[]> {
  const order = findingOrder({ field: 'DETECTION_SCORE', direction });
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 1000; n++) {
    const args: PageArgs = how.backward ? { last: size, before: cursor } : { first: size, after: cursor };
    const result = how.byScore(n)
      ? await searchPageByScore({ db: database.db, tenantId }, scoredSearch(filter), order, args)
      : await listFindings(database.db, tenantId, findingFilterCondition(filter), order, args);
    expect(result.nodes.length).toBeLessThanOrEqual(size);
    if (how.backward) ids.unshift(...result.nodes.map((node) => node.id));
    else ids.push(...result.nodes.map((node) => node.id));
    const more = how.backward ? result.pageInfo.hasPreviousPage : result.pageInfo.hasNextPage;
    if (!more) return ids;
    cursor = how.backward ? result.pageInfo.startCursor : result.pageInfo.endCursor;
  }
  throw new Error('paging did not end');
}

describe('a search page in score order, score group by score group', () => {
  const filters: FindingFilter[] = [
    { search: 'alpha' },
    { search: 'alph*' },
    { search: 'alpha libalpha' },
    { search: 'alpha', awsAccountIds: [ACCOUNTS[1]!] },
    { search: 'alpha', detectionScore: { min: 4, max: 89 } },
  ];

  // Pages of 9 find the sparse group's first matches through the index (a walk of 23 rows finds
  // none); pages of 60 walk on through the dense one (87 rows give 43 matches, then 36 more rows).
  for (const filter of filters) {
    it(`gives the score index's pages for ${JSON.stringify(filter)}, forward and backward`, async () => {
      for (const direction of ['DESC', 'ASC'] as const) {
        const expected = await pageThrough(filter, direction, 500, { byScore: () => false });
        expect(expected.length).toBeGreaterThan(10);
        for (const size of [9, 60]) {
          expect(await pageThrough(filter, direction, size, { byScore: () => true })).toEqual(expected);
          expect(
            await pageThrough(filter, direction, size, { byScore: () => true, backward: true }),
            `backward by ${size}`,
          ).toEqual(expected);
        }
      }
    });
  }

  it('carries cursors over from the score index and back', async () => {
    for (const direction of ['DESC', 'ASC'] as const) {
      const expected = await pageThrough({ search: 'alpha' }, direction, 500, { byScore: () => false });
      for (const start of [0, 1])
        expect(
          await pageThrough({ search: 'alpha' }, direction, 7, { byScore: (n) => n % 2 === start }),
        ).toEqual(expected);
    }
  });

  /** One page, highest score first, of the findings of `asTenant` that match `search`. */
  const onePage = (search: string, first: number, asTenant = tenantId) =>
    searchPageByScore(
      { db: database.db, tenantId: asTenant },
      scoredSearch({ search }),
      findingOrder({ field: 'DETECTION_SCORE', direction: 'DESC' }),
      { first },
    );

  it('finds nothing for a word no finding has, and answers an empty page', async () => {
    const none = await onePage('gamma', 10);
    expect(none.nodes).toEqual([]);
    expect(none.pageInfo.hasNextPage).toBe(false);
    const empty = await onePage('alpha', 0);
    expect(empty.nodes).toEqual([]);
  });

  it("reads none of another tenant's findings", async () => {
    const page = await onePage('alpha', 50, await newTenant(database));
    expect(page.nodes).toEqual([]);
  });
});
