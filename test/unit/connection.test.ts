import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import {
  type ConnectionModel,
  decodeCursor,
  encodeCursor,
  type KeysetOrder,
  keysetBounds,
  orderByClause,
  paginate,
  paginateArray,
  type SortKey,
} from '../../src/db/keyset.ts';
import { toTsQuery } from '../../src/findings/filter.ts';

interface Item {
  id: string;
  score: number;
}
const order: KeysetOrder<Item> = {
  name: 'SCORE',
  direction: 'DESC',
  keys: [
    { expression: sql`score`, type: 'int', read: (item) => item.score },
    { expression: sql`id`, type: 'uuid', read: (item) => item.id },
  ],
};
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const items: Item[] = Array.from({ length: 23 }, (_, n) => ({ id: uuid(n), score: n % 5 }));

describe('keyset cursors', () => {
  it('round-trip the values of the row they point at', () => {
    const cursor = encodeCursor(order, items[7]!);
    expect(decodeCursor(cursor, order, 'after')).toEqual([2, uuid(7)]);
  });

  it('refuse cursors of another ordering or shape, naming the argument', () => {
    const other: KeysetOrder<Item> = { ...order, direction: 'ASC' };
    expect(() => decodeCursor(encodeCursor(other, items[0]!), order, 'before')).toThrow(/ordering SCORE ASC/);
    const bad = Buffer.from(JSON.stringify(['SCORE', 'DESC', 'high', uuid(1)])).toString('base64url');
    expect(() => decodeCursor(bad, order, 'after')).toThrow(/`after` is not a cursor/);
  });
});

describe('in-memory connections', () => {
  it('page forward and backward over the same total order as SQL would', () => {
    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: ConnectionModel<Item> = paginateArray(items, { first: 4, after }, order);
      forward.push(...page.nodes.map((item) => item.id));
      if (page.pageInfo.hasNextPage !== true) break;
      after = page.pageInfo.endCursor;
    }
    const expected = [...items]
      .sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : -1))
      .map((item) => item.id);
    expect(forward).toEqual(expected);
    const lastPage = paginateArray(items, { last: 3 }, order);
    expect(lastPage.nodes.map((item) => item.id)).toEqual(expected.slice(-3));
    expect(lastPage.pageInfo.hasPreviousPage).toBe(true);
  });
});

describe('full pages', () => {
  // 24 rows in pages of 4: the last page is full, and nothing lies beyond it.
  const rows: Item[] = Array.from({ length: 24 }, (_, n) => ({ id: uuid(n), score: n % 5 }));

  it('paging forward, the last page is full and says there is no next page', () => {
    const hasNext: unknown[] = [];
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 6; page++) {
      const result: ConnectionModel<Item> = paginateArray(rows, { first: 4, after }, order);
      expect(result.nodes).toHaveLength(4);
      seen.push(...result.nodes.map((item) => item.id));
      hasNext.push(result.pageInfo.hasNextPage);
      after = result.pageInfo.endCursor;
    }
    expect(hasNext).toEqual([true, true, true, true, true, false]);
    expect(new Set(seen).size).toBe(24);
    expect(paginateArray(rows, { first: 4, after }, order).nodes).toEqual([]);
  });

  it('paging backward, the first page is full and says there is no previous page', () => {
    const hasPrevious: unknown[] = [];
    let before: string | null = null;
    for (let page = 0; page < 6; page++) {
      const result: ConnectionModel<Item> = paginateArray(rows, { last: 4, before }, order);
      expect(result.nodes).toHaveLength(4);
      hasPrevious.push(result.pageInfo.hasPreviousPage);
      before = result.pageInfo.startCursor;
    }
    expect(hasPrevious).toEqual([true, true, true, true, true, false]);
  });

  it('a page as large as the whole list has nothing on either side', () => {
    expect(paginateArray(rows, { first: 24 }, order).pageInfo.hasNextPage).toBe(false);
    expect(paginateArray(rows, { last: 24 }, order).pageInfo.hasPreviousPage).toBe(false);
    expect(paginateArray(rows, { first: 23 }, order).pageInfo.hasNextPage).toBe(true);
  });
});

describe('search text to tsquery', () => {
  it('keeps letters and digits only, ANDs words, and honours a trailing *', () => {
    expect(toTsQuery('xz  backdoor')).toBe('xz & backdoor');
    expect(toTsQuery('CVE-2024-3094 log4*')).toBe('cve & 2024 & 3094 & log4:*');
    expect(toTsQuery("'); drop table findings; --")).toBe('drop & table & findings');
    expect(toTsQuery('Título')).toBe('título');
    expect(toTsQuery('!!! ***')).toBeUndefined();
  });
});

/** A cursor as the API would encode one, with any payload. */
const cursorOf = (payload: unknown[]) => Buffer.from(JSON.stringify(payload)).toString('base64url');
const argumentPathOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return { message: (error as Error).message, ...(error as { extensions: object }).extensions };
  }
  throw new Error('expected an error');
};

describe('cursor values, checked against the type of their sort key', () => {
  const typed = (type: SortKey<unknown>['type']): KeysetOrder<unknown> => ({
    name: 'T',
    direction: 'ASC',
    keys: [{ expression: sql`k`, type, read: () => 0 }],
  });
  const cases: [SortKey<unknown>['type'], unknown, boolean][] = [
    ['int', 3, true],
    ['int', '3', false],
    ['real', 0.25, true],
    ['real', '0.25', false],
    ['text', 'abc', true],
    ['text', 7, false],
    ['timestamptz', '2026-10-01T00:00:00.000Z', true],
    ['timestamptz', 'yesterday', false],
    ['timestamptz', 1_700_000_000_000, false],
    ['uuid', uuid(1), true],
    ['uuid', 'not-a-uuid', false],
  ];
  for (const [type, value, accepted] of cases) {
    it(`${accepted ? 'accept' : 'refuse'} ${JSON.stringify(value)} for a ${type} key`, () => {
      const decode = () => decodeCursor(cursorOf(['T', 'ASC', value]), typed(type), 'after');
      if (accepted) expect(decode()).toEqual([value]);
      else expect(decode).toThrow(/`after` is not a cursor this API issued/);
    });
  }

  it('refuse a cursor with more or fewer values than the ordering has keys', () => {
    expect(() => decodeCursor(cursorOf(['SCORE', 'DESC', 2, uuid(1), 'extra']), order, 'after')).toThrow(
      /not a cursor/,
    );
    expect(() => decodeCursor(cursorOf(['SCORE', 'DESC', 2]), order, 'after')).toThrow(/not a cursor/);
  });

  it('refuse a payload holding anything but strings and numbers, even where the name goes', () => {
    expect(() => decodeCursor(cursorOf([{}, 'DESC', 2, uuid(1)]), order, 'before')).toThrow(
      /`before` is not a cursor this API issued/,
    );
    expect(() => decodeCursor('%%%', order, 'before')).toThrow(/not a cursor/);
  });

  it('name the argument at fault in the error extensions', () => {
    const otherOrdering = cursorOf(['SCORE', 'ASC', 2, uuid(1)]);
    expect(argumentPathOf(() => decodeCursor(otherOrdering, order, 'before'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      argumentPath: ['before'],
    });
    expect(argumentPathOf(() => paginateArray(items, { first: 1, last: 1 }, order))).toMatchObject({
      message: expect.stringMatching(/either `first`.*or `last`/),
      argumentPath: ['first'],
    });
    expect(argumentPathOf(() => paginateArray(items, { last: 501 }, order))).toMatchObject({
      message: expect.stringMatching(/`last` must be between 0 and 500; got 501/),
      argumentPath: ['last'],
    });
  });
});

describe('the far side of a page, asked only when wanted', () => {
  it('paging forward: whether anything lies before the first row', async () => {
    const middle = paginateArray(items, { first: 3, after: encodeCursor(order, sortedItems()[4]!) }, order);
    const start = paginateArray(items, { first: 3 }, order);
    expect(await (middle.pageInfo.hasPreviousPage as () => Promise<boolean>)()).toBe(true);
    expect(await (start.pageInfo.hasPreviousPage as () => Promise<boolean>)()).toBe(false);
  });

  it('paging backward: whether anything lies after the last row', async () => {
    const middle = paginateArray(items, { last: 3, before: encodeCursor(order, sortedItems()[10]!) }, order);
    const end = paginateArray(items, { last: 3 }, order);
    expect(await (middle.pageInfo.hasNextPage as () => Promise<boolean>)()).toBe(true);
    expect(await (end.pageInfo.hasNextPage as () => Promise<boolean>)()).toBe(false);
  });

  it('an empty page after a cursor asks from that cursor', async () => {
    const past = paginateArray(items, { first: 3, after: encodeCursor(order, sortedItems().at(-1)!) }, order);
    expect(past.nodes).toEqual([]);
    expect(await (past.pageInfo.hasPreviousPage as () => Promise<boolean>)()).toBe(true);
  });

  it('a SQL source is asked with the bound and the side, the count once however often it is read', async () => {
    const asked: { bound: string; position: unknown[]; side: string }[] = [];
    let counted = 0;
    const rows = sortedItems().slice(0, 3);
    const page = await paginate({ first: 2, after: encodeCursor(order, sortedItems()[0]!) }, order, {
      fetch: async () => rows,
      exists: async (bound, position, side) => {
        asked.push({ bound: render(bound).sql, position, side });
        return true;
      },
      count: async () => ++counted,
    });
    expect(page.pageInfo.hasNextPage).toBe(true);
    await (page.pageInfo.hasPreviousPage as () => Promise<boolean>)();
    expect(asked).toEqual([
      {
        bound: '(score, id) > (cast($1 as int), cast($2 as uuid))',
        position: [rows[0]!.score, rows[0]!.id],
        side: 'before',
      },
    ]);
    expect([await page.totalCount(), await page.totalCount()]).toEqual([1, 1]);
  });

  it('a page of size 0 reads no rows at all (a request for the count alone)', async () => {
    let fetched = 0;
    const page = await paginate({ first: 0 }, order, {
      fetch: async () => {
        fetched += 1;
        return sortedItems();
      },
      exists: async () => true,
      count: async () => items.length,
    });
    expect(fetched).toBe(0);
    expect(page.edges).toEqual([]);
    expect(page.pageInfo).toMatchObject({ hasNextPage: false, startCursor: null, endCursor: null });
    expect(await page.totalCount()).toBe(23);
  });
});

describe('keyset SQL', () => {
  it('orders by every key, reversed when paging backward', () => {
    expect(orderByClause(order).map((part) => render(part).sql)).toEqual(['score desc', 'id desc']);
    expect(orderByClause(order, false).map((part) => render(part).sql)).toEqual(['score asc', 'id asc']);
    expect(orderByClause({ ...order, direction: 'ASC' }).map((part) => render(part).sql)).toEqual([
      'score asc',
      'id asc',
    ]);
  });

  it('bounds a page by one row comparison per cursor, both when both are given', () => {
    const a = [3, uuid(1)];
    const b = [1, uuid(2)];
    expect(keysetBounds(order, undefined, undefined)).toBeUndefined();
    expect(render(keysetBounds(order, a, undefined)!)).toEqual({
      sql: '(score, id) < (cast($1 as int), cast($2 as uuid))',
      params: a,
    });
    expect(render(keysetBounds(order, undefined, b)!).sql).toBe(
      '(score, id) > (cast($1 as int), cast($2 as uuid))',
    );
    expect(render(keysetBounds(order, a, b)!)).toEqual({
      sql: '((score, id) < (cast($1 as int), cast($2 as uuid)) and (score, id) > (cast($3 as int), cast($4 as uuid)))',
      params: [...a, ...b],
    });
    expect(render(keysetBounds({ ...order, direction: 'ASC' }, a, undefined)!).sql).toMatch(
      /^\(score, id\) > /,
    );
  });
});

function sortedItems(): Item[] {
  return [...items].sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : -1));
}

function render(query: SQL): { sql: string; params: unknown[] } {
  const { sql: text, params } = new PgDialect().sqlToQuery(query);
  return { sql: text, params };
}

describe('in-memory connections, ascending', () => {
  const ascending: KeysetOrder<Item> = { ...order, name: 'SCORE_ASC', direction: 'ASC' };

  it('page through the list lowest first, and count it', async () => {
    const page = paginateArray(items, { first: 3 }, ascending);
    expect(page.nodes.map((item) => item.score)).toEqual([0, 0, 0]);
    const rest = paginateArray(items, { first: 50, after: page.pageInfo.endCursor }, ascending);
    expect(rest.nodes.map((item) => item.score)).toEqual(
      [...items.map((item) => item.score)].sort((a, b) => a - b).slice(3),
    );
    expect(await page.totalCount()).toBe(23);
  });

  it('an empty list: no page either side, counted as empty', async () => {
    const page = paginateArray([], { last: 3 }, ascending);
    expect(page.nodes).toEqual([]);
    expect(page.pageInfo.hasPreviousPage).toBe(false);
    expect(await (page.pageInfo.hasNextPage as () => Promise<boolean>)()).toBe(false);
    expect(await page.totalCount()).toBe(0);
  });
});
