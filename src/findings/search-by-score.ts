import { and, type SQL } from 'drizzle-orm';
import type { TenantContext } from '../context.ts';
import type { Executor } from '../db/client.ts';
import {
  buildConnection,
  type ConnectionModel,
  type KeysetOrder,
  keysetBounds,
  type PageArgs,
  resolvePageArgs,
} from '../db/keyset.ts';
import type { FindingModel } from './model.ts';
import {
  findingPageSource,
  findingsByIds,
  planWith,
  scoreGroupMatches,
  scoresWithMatches,
  walkScoreGroup,
} from './queries.ts';

/**
 * A search page in detection-score order, read score group by score group. Sorting every match
 * reads each one's row (at 1,000,000 findings "curl" has 22,000: 80 ms), and walking the score index
 * tests every finding on its way while a search's matches crowd into a few scores ("curl": none of
 * the 100,000 findings scored 96–100, 13,200 of the 16,000 scored 95), so most of the walk is waste.
 * Here the scored-lexeme index tells which scores hold matches without reading a row; within such a
 * score a walk in id order reads while matches are dense, and the group's remaining matches are read
 * through that index once the walk finds them sparse. Cursors are the score order's own.
 */
export async function searchPageByScore(
  ctx: Pick<TenantContext, 'db' | 'tenantId'>,
  search: ScoredSearch,
  order: KeysetOrder<FindingModel>,
  args: PageArgs,
): Promise<ConnectionModel<FindingModel>> {
  const page = resolvePageArgs(args, order);
  const source = findingPageSource(ctx.db, ctx.tenantId, search.condition);
  if (page.size === 0) return buildConnection(page, order, [], source);
  // Scan order: the page's own, reversed when paging backward.
  const ascending = (order.direction === 'ASC') === page.forward;
  const [start, end] = page.forward ? [page.after, page.before] : [page.before, page.after];
  const scan: Scan = {
    ascending,
    from: scoreOf(start?.[0], ascending ? 'low' : 'high'),
    to: scoreOf(end?.[0], ascending ? 'high' : 'low'),
    bounds: keysetBounds(order, page.after, page.before),
    wanted: page.size + 1,
  };
  const ids = await ctx.db.transaction((tx) => matchingIds(tx, ctx.tenantId, search, scan), {
    accessMode: 'read only',
  });
  const byId = new Map((await findingsByIds(ctx.db, ctx.tenantId, ids)).map((row) => [row.id, row]));
  const rows = ids.map((id) => byId.get(id)).filter((row): row is FindingModel => row !== undefined);
  return buildConnection(page, order, rows, source);
}

export interface ScoredSearch {
  /** The search as tsquery text (filter.ts toTsQuery). */
  words: string;
  /** The whole filter, search included. */
  condition: SQL;
  /** The filter without its search. */
  otherFilters: SQL | undefined;
}

interface Scan {
  ascending: boolean;
  from: number;
  to: number;
  /** The page's cursors as a condition on (score, id). */
  bounds: SQL | undefined;
  /** Ids to find: the page and one more, which tells whether another page follows. */
  wanted: number;
}

/** Scores the findings table's check constraint allows. */
const MIN_SCORE = 0;
const MAX_SCORE = 100;
/** Scores with matches asked for at once: a page usually ends in the first one or two. */
const FIRST_PROBE = 1;
const LATER_PROBE = 8;
/** A walk that would read more rows than this for the matches a page still needs reads the group's matches instead. */
const WALK_UP_TO = 2_000;
const WALK_SLACK = 10;

/** The ids of the page's findings and one more, in scan order. */
async function matchingIds(
  tx: Executor,
  tenantId: string,
  search: ScoredSearch,
  scan: Scan,
): Promise<string[]> {
  const reading: Reading = { tx, tenantId, search, scan, found: [], plan: undefined };
  let next = scan.from;
  let probe = FIRST_PROBE;
  while (reading.found.length < scan.wanted && (scan.ascending ? next <= scan.to : next >= scan.to)) {
    await planFor(reading, 'bitmap');
    const scores = await scoresWithMatches(
      tx,
      tenantId,
      search.words,
      and(search.otherFilters, scan.bounds),
      { from: next, to: scan.to },
      probe,
    );
    for (const score of scores) {
      if (reading.found.length < scan.wanted) await readScoreGroup(reading, score);
    }
    if (scores.length < probe) break; // no score further on holds a match
    next = scores.at(-1)! + (scan.ascending ? 1 : -1);
    probe = LATER_PROBE;
  }
  return reading.found;
}

interface Reading {
  tx: Executor;
  tenantId: string;
  search: ScoredSearch;
  scan: Scan;
  found: string[];
  /** The plan the transaction is set for. */
  plan: 'bitmap' | 'walk' | undefined;
}

async function planFor(reading: Reading, plan: 'bitmap' | 'walk'): Promise<void> {
  if (reading.plan !== plan) await planWith(reading.tx, plan);
  reading.plan = plan;
}

/** Adds a score group's matches to `found`, in id order, until the page has what it wants. */
async function readScoreGroup(reading: Reading, score: number): Promise<void> {
  const { tx, tenantId, search, scan, found } = reading;
  const group: { score: number; ascending: boolean; afterId?: string } = { score, ascending: scan.ascending };
  let walk = Math.ceil((scan.wanted - found.length) * 1.25) + WALK_SLACK;
  for (;;) {
    await planFor(reading, 'walk');
    const rows = await walkScoreGroup(tx, tenantId, group, scan.bounds, search.condition, walk);
    let hits = 0;
    for (const row of rows) {
      if (!row.hit) continue;
      hits += 1;
      found.push(row.id);
      if (found.length === scan.wanted) return;
    }
    if (rows.length < walk) return; // the group has no more findings
    group.afterId = rows.at(-1)!.id;
    const remaining = scan.wanted - found.length;
    const walkAgain = hits > 0 ? (remaining * rows.length) / hits : Number.POSITIVE_INFINITY;
    if (walkAgain > WALK_UP_TO) break;
    walk = Math.ceil(walkAgain * 1.25) + WALK_SLACK;
  }
  // Sparse: the rest of the group's matches through the scored-lexeme index.
  await planFor(reading, 'bitmap');
  const rest = and(search.otherFilters, scan.bounds);
  found.push(
    ...(await scoreGroupMatches(tx, tenantId, search.words, group, rest, scan.wanted - found.length)),
  );
}

/** A cursor's score as an end of the scan (the cursors' own bounds then apply exactly), or the scale's end. */
function scoreOf(value: string | number | undefined, end: 'low' | 'high'): number {
  if (typeof value !== 'number') return end === 'low' ? MIN_SCORE : MAX_SCORE;
  const whole = end === 'low' ? Math.floor(value) : Math.ceil(value);
  return Math.min(MAX_SCORE, Math.max(MIN_SCORE, whole));
}
