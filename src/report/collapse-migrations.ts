import type { MigrationRow } from './timeline-types.js';

/** Runs of more applied migrations than this are shown as one range. */
export const COLLAPSE_ABOVE = 4;

/** `065_add_run_authorization` → `065`; a revision without a numeric/hex prefix stays whole. */
export function shortRevision(revision: string): string {
  const m = /^([0-9a-f]+)[_-]/i.exec(revision);
  return m?.[1] ?? revision;
}

/**
 * Collapses runs of consecutive `applied` rows longer than {@link COLLAPSE_ABOVE} into one `range`
 * row (first–last, count, total time, slowest), keeping every other row (failed, changed,
 * skipped, retried) where it was, so the interesting events stay visible. Pure.
 */
export function collapseMigrations(
  rows: readonly MigrationRow[],
  collapseAbove = COLLAPSE_ABOVE,
): MigrationRow[] {
  const out: MigrationRow[] = [];
  let run: Extract<MigrationRow, { kind: 'applied' }>[] = [];
  const flush = (): void => {
    if (run.length > collapseAbove) {
      const first = run[0]!;
      const last = run[run.length - 1]!;
      const slowest = run.reduce((a, b) => (b.durationMs > a.durationMs ? b : a));
      out.push({
        kind: 'range',
        from: shortRevision(first.revision),
        to: shortRevision(last.revision),
        count: run.length,
        totalMs: run.reduce((s, r) => s + r.durationMs, 0),
        slowest: { revision: slowest.revision, durationMs: slowest.durationMs },
      });
    } else {
      out.push(...run);
    }
    run = [];
  };
  for (const row of rows) {
    if (row.kind === 'applied') run.push(row);
    else {
      flush();
      out.push(row);
    }
  }
  flush();
  return out;
}
