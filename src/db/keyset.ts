import { type SQL, sql } from 'drizzle-orm';
import { UserInputError } from '../errors.ts';

// Relay connections over keyset pagination. A cursor holds the values of the row it points at for
// every sort key (the last key is always the id, so the order is total). Pages are "rows after this
// position", so rows inserted while a client pages never shift, repeat or hide what it has not
// seen yet — which OFFSET pagination cannot promise.

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export type CursorValue = string | number;

export interface SortKey<Row> {
  /** The SQL expression ordered by; must match an index that leads with tenant_id. */
  expression: SQL;
  /** Postgres type the cursor value is cast to when compared. */
  type: 'int' | 'real' | 'text' | 'uuid' | 'timestamptz';
  read(row: Row): CursorValue;
}

export interface KeysetOrder<Row> {
  /** Names the ordering inside cursors, so a cursor cannot be replayed against another ordering. */
  name: string;
  direction: 'ASC' | 'DESC';
  keys: SortKey<Row>[];
}

export interface EdgeModel<T> {
  cursor: string;
  node: T;
}

export interface PageInfoModel {
  hasNextPage: boolean | (() => Promise<boolean>);
  hasPreviousPage: boolean | (() => Promise<boolean>);
  startCursor: string | null;
  endCursor: string | null;
}

export interface ConnectionModel<T> {
  edges: EdgeModel<T>[];
  nodes: T[];
  pageInfo: PageInfoModel;
  /** Counted only when asked for. */
  totalCount: () => Promise<number>;
}

export interface PageQuery {
  /** Keyset bounds (and nothing else); the caller ANDs them with its own filter. */
  where: SQL | undefined;
  orderBy: SQL[];
  limit: number;
}

export interface PageSource<Row> {
  fetch(query: PageQuery): Promise<Row[]>;
  /**
   * Whether any row lies beyond a position (the far side of a page, asked lazily): `bound` is the
   * condition as SQL, `position` and `side` the same for sources that are not SQL.
   */
  exists(bound: SQL, position: CursorValue[], side: 'before' | 'after'): Promise<boolean>;
  count(): Promise<number>;
}

export interface ResolvedPageArgs {
  forward: boolean;
  size: number;
  after: CursorValue[] | undefined;
  before: CursorValue[] | undefined;
}

/** Validates paging arguments and decodes their cursors. */
export function resolvePageArgs<Row>(args: PageArgs, order: KeysetOrder<Row>): ResolvedPageArgs {
  const { first, last } = args;
  if (first != null && last != null) {
    throw new UserInputError('Pass either `first` (paging forward) or `last` (paging backward), not both.', [
      'first',
    ]);
  }
  for (const [name, value] of [
    ['first', first],
    ['last', last],
  ] as const) {
    if (value != null && (value < 0 || value > MAX_PAGE_SIZE)) {
      throw new UserInputError(
        `\`${name}\` must be between 0 and ${MAX_PAGE_SIZE}; got ${value}. Page through larger results with the cursors.`,
        [name],
      );
    }
  }
  return {
    forward: last == null,
    size: first ?? last ?? DEFAULT_PAGE_SIZE,
    after: args.after != null ? decodeCursor(args.after, order, 'after') : undefined,
    before: args.before != null ? decodeCursor(args.before, order, 'before') : undefined,
  };
}

export async function paginate<Row>(
  args: PageArgs,
  order: KeysetOrder<Row>,
  source: PageSource<Row>,
): Promise<ConnectionModel<Row>> {
  const page = resolvePageArgs(args, order);
  const rows = page.size === 0 ? [] : await source.fetch(pageQuery(page, order));
  return buildConnection(page, order, rows, source);
}

export function pageQuery<Row>(page: ResolvedPageArgs, order: KeysetOrder<Row>): PageQuery {
  return {
    where: keysetBounds(order, page.after, page.before),
    orderBy: orderByClause(order, page.forward),
    limit: page.size + 1,
  };
}

/** Turns the rows of a page query (up to size + 1, in query order) into a connection. */
export function buildConnection<Row>(
  page: ResolvedPageArgs,
  order: KeysetOrder<Row>,
  rows: Row[],
  source: Omit<PageSource<Row>, 'fetch'>,
): ConnectionModel<Row> {
  const hasMore = rows.length > page.size;
  const pageRows = rows.slice(0, page.size);
  if (!page.forward) pageRows.reverse();
  const edges = pageRows.map((node) => ({ cursor: encodeCursor(order, node), node }));
  const first = pageRows[0];
  const last = pageRows.at(-1);

  // The far side of the page is only known by asking; ask only when a client wants to know.
  const before = first ? order.keys.map((key) => key.read(first)) : page.after;
  const after = last ? order.keys.map((key) => key.read(last)) : page.before;
  const hasPrevious = page.forward
    ? () =>
        before ? source.exists(comparison(order, before, 'before'), before, 'before') : Promise.resolve(false)
    : hasMore;
  const hasNext = page.forward
    ? hasMore
    : () =>
        after ? source.exists(comparison(order, after, 'after'), after, 'after') : Promise.resolve(false);

  return {
    edges,
    nodes: pageRows,
    pageInfo: {
      hasNextPage: hasNext,
      hasPreviousPage: hasPrevious,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: once(() => source.count()),
  };
}

export function orderByClause<Row>(order: KeysetOrder<Row>, forward = true): SQL[] {
  const ascending = (order.direction === 'ASC') === forward;
  return order.keys.map((key) => (ascending ? sql`${key.expression} asc` : sql`${key.expression} desc`));
}

export function keysetBounds<Row>(
  order: KeysetOrder<Row>,
  after: CursorValue[] | undefined,
  before: CursorValue[] | undefined,
): SQL | undefined {
  const parts = [
    after ? comparison(order, after, 'after') : undefined,
    before ? comparison(order, before, 'before') : undefined,
  ].filter((part): part is SQL => part !== undefined);
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : sql`(${parts[0]} and ${parts[1]})`;
}

/** Rows strictly after (or before) a position in the ordering, as one row-value comparison. */
function comparison<Row>(order: KeysetOrder<Row>, values: CursorValue[], side: 'after' | 'before'): SQL {
  const greater = (side === 'after') === (order.direction === 'ASC');
  const columns = sql.join(
    order.keys.map((key) => key.expression),
    sql`, `,
  );
  const params = sql.join(
    order.keys.map((key, index) => sql`cast(${values[index]} as ${sql.raw(key.type)})`),
    sql`, `,
  );
  return greater ? sql`(${columns}) > (${params})` : sql`(${columns}) < (${params})`;
}

export function encodeCursor<Row>(order: KeysetOrder<Row>, row: Row): string {
  const payload = [order.name, order.direction, ...order.keys.map((key) => key.read(row))];
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

export function decodeCursor<Row>(cursor: string, order: KeysetOrder<Row>, argument: string): CursorValue[] {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    payload = undefined;
  }
  const notIssued = () =>
    new UserInputError(
      `\`${argument}\` is not a cursor this API issued. Use a \`cursor\`, \`startCursor\` or \`endCursor\` from an earlier page.`,
      [argument],
    );
  if (
    !Array.isArray(payload) ||
    !payload.every((value) => typeof value === 'string' || typeof value === 'number')
  ) {
    throw notIssued();
  }
  const [name, direction, ...values] = payload as CursorValue[];
  if (name !== order.name || direction !== order.direction) {
    throw new UserInputError(
      `\`${argument}\` was issued for the ordering ${name} ${direction}, but this request orders by ${order.name} ${order.direction}. Start again without a cursor when you change the ordering.`,
      [argument],
    );
  }
  if (values.length !== order.keys.length) throw notIssued();
  order.keys.forEach((key, index) => {
    const value = values[index];
    const valid =
      key.type === 'int' || key.type === 'real'
        ? typeof value === 'number' && Number.isFinite(value)
        : typeof value === 'string' &&
          (key.type !== 'timestamptz' || !Number.isNaN(Date.parse(value))) &&
          (key.type !== 'uuid' || isUuid(value));
    if (!valid) throw notIssued();
  });
  return values;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

function once<T>(compute: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => {
    result ??= compute();
    return result;
  };
}

/** A timestamp sort key: cursors carry it as an ISO string (millisecond precision, as stored). */
export function dateKey<Row>(expression: SQL, read: (row: Row) => Date): SortKey<Row> {
  return { expression, type: 'timestamptz', read: (row) => read(row).toISOString() };
}

/**
 * The same connection over a small list held in memory (built-in items plus a tenant's few rows):
 * identical cursors and paging rules, compared in JavaScript instead of SQL.
 */
export function paginateArray<Row>(
  items: readonly Row[],
  args: PageArgs,
  order: KeysetOrder<Row>,
): ConnectionModel<Row> {
  const page = resolvePageArgs(args, order);
  const sign = order.direction === 'ASC' ? 1 : -1;
  const keyOf = (row: Row) => order.keys.map((key) => key.read(row));
  const compare = (a: CursorValue[], b: CursorValue[]) => {
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      if (x !== y) return (x < y ? -1 : 1) * sign;
    }
    return 0;
  };
  const sorted = [...items].sort((a, b) => compare(keyOf(a), keyOf(b)));
  const inRange = sorted.filter((row) => {
    const key = keyOf(row);
    return (!page.after || compare(key, page.after) > 0) && (!page.before || compare(key, page.before) < 0);
  });
  const rows = (page.forward ? inRange : inRange.reverse()).slice(0, page.size + 1);
  return buildConnection(page, order, rows, {
    exists: async (_bound, position, side) =>
      sorted.some((row) => compare(keyOf(row), position) * (side === 'after' ? 1 : -1) > 0),
    count: async () => items.length,
  });
}
