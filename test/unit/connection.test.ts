import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  type ConnectionModel,
  decodeCursor,
  encodeCursor,
  type KeysetOrder,
  paginateArray,
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
