// Named points in a run (and in a findings update) where a test may have the process killed (SIGKILL, so nothing gets to clean
// up), to prove that a restart ends with exactly the data an uninterrupted run leaves. Inert unless
// HUBGRAPH_TEST_CRASH_AT names a point: `page-upserted` (first time there) or `page-upserted:3`.

export const CRASH_POINTS = [
  'run-claimed',
  'plan-saved',
  'page-fetched',
  'page-mapped',
  'page-upserted',
  'page-checkpointed',
  'page-committed',
  'slice-restarted',
  'slice-split',
  'slice-done',
  'stream-completed',
  'run-finished',
  // A findings update (src/writeback/service.ts): recorded, nothing sent; sent, answer not committed.
  'writeback-recorded',
  'writeback-sent',
  // A findings export (src/export/service.ts): recorded, nothing sent; a batch sent, answer not committed.
  'export-recorded',
  'export-sent',
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

const target = parse(process.env.HUBGRAPH_TEST_CRASH_AT);
let passes = 0;

/** Kills this process when it reaches the configured point for the configured time. */
export function crashPoint(point: CrashPoint): void {
  if (!target || target.point !== point) return;
  passes += 1;
  if (passes !== target.occurrence) return;
  process.stderr.write(`HUBGRAPH_TEST_CRASH_AT: killing pid ${process.pid} at ${point} (#${passes})\n`);
  process.kill(process.pid, 'SIGKILL');
}

function parse(value: string | undefined): { point: CrashPoint; occurrence: number } | undefined {
  if (!value) return undefined;
  const [point, occurrence] = value.split(':');
  if (!(CRASH_POINTS as readonly string[]).includes(point!))
    throw new Error(
      `HUBGRAPH_TEST_CRASH_AT names no crash point: ${value} (one of ${CRASH_POINTS.join(', ')})`,
    );
  return { point: point as CrashPoint, occurrence: occurrence ? Number(occurrence) : 1 };
}
