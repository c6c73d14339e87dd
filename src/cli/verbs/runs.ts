import type { RunRecord } from '../../runs/run-store.js';
import { DEFAULT_RUNS_DIR, FileRunStore } from '../../runs/file-run-store.js';
import { terminalSafe } from '../../text/terminal-text.js';

function age(iso: string): string {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 90) return `${Math.round(s)}s ago`;
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  if (s < 172800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

function durationMs(a: string, b: string | undefined): number | null {
  if (!b) return null;
  const ms = Date.parse(b) - Date.parse(a);
  return Number.isFinite(ms) ? ms : null;
}

function duration(a: string, b: string | undefined): string {
  const ms = durationMs(a, b);
  if (ms === null) return '';
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
}

/** When a run ended, as far as its record says (still running: not yet). */
function endOf(r: { status: string; record: RunRecord }): string | undefined {
  return r.record.finishedAt ?? (r.status !== 'running' ? r.record.updatedAt : undefined);
}

/** Where a run stopped: its current step, with the failure's code when it failed there. */
function stoppedAt(r: { status: string; record: RunRecord }): string {
  if (r.status === 'succeeded' || !r.record.currentStep) return '';
  const code = r.record.failure?.step === r.record.currentStep ? r.record.failure.code : null;
  return `${r.record.currentStep}${code ? ` (${code})` : ''}`;
}

/**
 * `runbook runs`: a table of runs, newest first (id, procedure, status, where it stopped with the
 * failure's code, started as UTC time and age, duration); `--json` gives the same as data.
 */
export async function runsVerb(flags: { runsDir?: string; json?: boolean }): Promise<number> {
  const list = await new FileRunStore(flags.runsDir ?? DEFAULT_RUNS_DIR).check('read').list();
  if (flags.json) {
    process.stdout.write(
      JSON.stringify(
        list.map((r) =>
          'record' in r
            ? {
                id: r.id,
                status: r.status,
                procedure: r.record.procedure,
                currentStep: r.record.currentStep ?? null,
                failure: r.record.failure ?? null,
                startedAt: r.record.startedAt,
                updatedAt: r.record.updatedAt,
                finishedAt: r.record.finishedAt ?? null,
                attempts: r.record.attempts,
                stoppedAt: r.status === 'succeeded' ? null : (r.record.currentStep ?? null),
                durationMs: durationMs(r.record.startedAt, endOf(r)),
              }
            : r,
        ),
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  const rows = list.map((r) =>
    'record' in r
      ? [
          r.id,
          r.record.procedure,
          r.status,
          stoppedAt(r),
          `${r.record.startedAt.slice(0, 10)} ${r.record.startedAt.slice(11, 19)}Z (${age(r.record.startedAt)})`,
          duration(r.record.startedAt, endOf(r)),
        ]
      : [r.id, '?', 'corrupt', r.problem, '', ''],
  );
  // Recorded values (a failure code, a corrupt file's problem) are data, not terminal commands.
  for (const cells of rows) cells.forEach((c, i) => (cells[i] = terminalSafe(c)));
  const header = ['ID', 'PROCEDURE', 'STATUS', 'STOPPED AT', 'STARTED', 'DURATION'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows])
    process.stdout.write(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd() + '\n',
    );
  return 0;
}
