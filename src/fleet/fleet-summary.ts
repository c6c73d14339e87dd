import type { FleetTarget, TargetStatus } from './fleet-store.js';

/** A fleet's targets counted by where they stand, and the failures one by one. */
export interface FleetSummary {
  total: number;
  succeeded: number;
  /** Failed, incomplete or refused: each waits for `fleet resume`. */
  failed: number;
  /** Running now (or interrupted: a driver died and nobody took the target since). */
  running: number;
  notStarted: number;
  failures: {
    target: string;
    runId: string;
    status: TargetStatus;
    step: string | null;
    code: string | null;
    message: string | null;
  }[];
}

/** Counts `targets` (see {@link FleetSummary}). */
export function summarizeFleet(targets: readonly FleetTarget[]): FleetSummary {
  const count = (...s: TargetStatus[]): number =>
    targets.filter((t) => s.includes(t.status)).length;
  return {
    total: targets.length,
    succeeded: count('succeeded'),
    failed: count('failed', 'incomplete', 'refused'),
    running: count('running'),
    notStarted: count('pending'),
    failures: targets
      .filter((t) => t.status === 'failed' || t.status === 'incomplete' || t.status === 'refused')
      .map((t) => ({
        target: t.name,
        runId: t.runId,
        status: t.status,
        step: t.failedStep,
        code: t.code,
        message: t.message,
      })),
  };
}

/** One line: `100 targets: 97 succeeded, 2 failed, 1 not started`. */
export function summaryLine(s: FleetSummary): string {
  const parts = [`${s.succeeded} succeeded`, `${s.failed} failed`];
  if (s.running > 0) parts.push(`${s.running} running`);
  parts.push(`${s.notStarted} not started`);
  return `${s.total} targets: ${parts.join(', ')}`;
}

/** The per-target table and the summary, as `fleet inspect` prints them. */
export function formatFleet(
  fleetId: string,
  procedure: string,
  targets: readonly FleetTarget[],
): string {
  const s = summarizeFleet(targets);
  const width = Math.max(6, ...targets.map((t) => t.name.length));
  const lines = [`fleet ${fleetId}  procedure ${procedure}`, ''];
  lines.push(`${'target'.padEnd(width)}  ${'status'.padEnd(10)}  run`);
  for (const t of targets) {
    const why = t.failedStep || t.code ? `  ${t.failedStep ?? ''} ${t.code ?? ''}`.trimEnd() : '';
    lines.push(`${t.name.padEnd(width)}  ${t.status.padEnd(10)}  ${t.runId}${why}`);
  }
  lines.push('', summaryLine(s));
  for (const f of s.failures) {
    lines.push(
      `  ${f.target}: ${f.status} at ${f.step ?? '?'} (${f.code ?? '?'}) ${f.message ?? ''}`.trimEnd(),
    );
  }
  lines.push(...logHeadLines(targets));
  return lines.join('\n');
}

/**
 * The log head of each target that has one (as the drive that last ended left its run's log), as
 * `run` and `resume` print a run's: for the reader to keep apart from the store, and check each
 * log against (`runbook replay <run> --anchor <head>`). None when no target has one.
 */
export function logHeadLines(targets: readonly FleetTarget[]): string[] {
  const logged = targets.filter((t) => t.log !== null);
  if (logged.length === 0) return [];
  const width = Math.max(...logged.map((t) => t.name.length));
  return [
    '',
    'log heads (replay <run> --anchor <head> checks a log against its own):',
    ...logged.map(
      (t) =>
        `  ${t.name.padEnd(width)}  ${t.runId}  ${t.log?.lines} lines, head sha256:${t.log?.head}`,
    ),
  ];
}
