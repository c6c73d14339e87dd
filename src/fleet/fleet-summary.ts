import { logHeadText } from '../runs/log-anchor.js';
import { terminalSafeInline } from '../text/terminal-text.js';
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
  const names = targets.map((t) => terminalSafeInline(t.name));
  const width = Math.max(6, ...names.map((n) => n.length));
  const lines = [`fleet ${fleetId}  procedure ${procedure}`, ''];
  lines.push(`${'target'.padEnd(width)}  ${'status'.padEnd(10)}  run`);
  for (const [i, t] of targets.entries()) {
    const why = t.failedStep || t.code ? `  ${t.failedStep ?? ''} ${t.code ?? ''}`.trimEnd() : '';
    lines.push(`${names[i]?.padEnd(width)}  ${t.status.padEnd(10)}  ${t.runId}${inline(why)}`);
  }
  lines.push('', summaryLine(s));
  lines.push(...failureLines(fleetId, s, (f) => f.message ?? ''));
  lines.push(...logHeadLines(targets));
  return lines.join('\n');
}

const inline = terminalSafeInline;

/** The code of a target whose run's log does not verify (drive-target.ts): no resume clears it. */
const TAMPERED = 'TamperedLogError';

/**
 * A line per failure (`  <target>: <status> at <step> (<code>) <tail>`, every value on its one
 * line), then what to do: `fleet resume`, or for a run whose log does not verify (which no
 * resume clears), `runbook replay` to see why.
 */
export function failureLines(
  fleetId: string,
  s: FleetSummary,
  tail: (f: FleetSummary['failures'][number]) => string,
): string[] {
  const lines = s.failures.map((f) => {
    const at = `${inline(f.step ?? '?')} (${inline(f.code ?? '?')})`;
    return `  ${inline(f.target)}: ${f.status} at ${at} ${inline(tail(f))}`.trimEnd();
  });
  const tampered = s.failures.filter((f) => f.code === TAMPERED);
  for (const f of tampered)
    lines.push(`its log does not verify: runbook replay ${f.runId} (a resume cannot clear it)`);
  if (s.failures.length > tampered.length)
    lines.push(`resume with: runbook fleet resume ${fleetId}`);
  return lines;
}

/**
 * The log head of each target that has one (as the drive that last ended left its run's log), as
 * `run` and `resume` print a run's: for the reader to keep apart from the store, and check each
 * log against (`runbook replay <run> --anchor <head>`). None when no target has one.
 */
export function logHeadLines(targets: readonly FleetTarget[]): string[] {
  const logged = targets.flatMap((t) => (t.log === null ? [] : [{ ...t, log: t.log }]));
  if (logged.length === 0) return [];
  const names = logged.map((t) => inline(t.name));
  const width = Math.max(...names.map((n) => n.length));
  return [
    '',
    'log heads (replay <run> --anchor <head> checks a log against its own):',
    ...logged.map((t, i) => `  ${names[i]?.padEnd(width)}  ${t.runId}  ${logHeadText(t.log)}`),
  ];
}
