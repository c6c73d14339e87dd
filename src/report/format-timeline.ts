import { formatChecklist } from '../engine/checklist.js';
import {
  clock,
  dateTime,
  describeEventRow,
  describeIntegrity,
  describeMigrationRow,
  duration,
  failureOrigin,
} from './describe.js';
import { statementForTerminal, truncateForTerminal } from '../text/terminal-text.js';
import type { Timeline, TimelineFailure, TimelineRow } from './timeline-types.js';

/** A multi-line message on one line (`a:\n  b\n  c` → `a: b; c`). */
const oneLine = (s: string): string =>
  s
    .trim()
    .replace(/:\s*\n\s*/, ': ')
    .replace(/\s*\n\s*/g, '; ');

const MARK: Record<string, string> = {
  succeeded: '✓',
  failed: '✗',
  'not-run': '·',
  interrupted: '…',
};

function stepLine(row: Extract<TimelineRow, { kind: 'step' }>, width: number): string[] {
  const where = row.phase === 'finally' ? ' (finally)' : '';
  const attempt = row.attempt > 1 ? ` #${row.attempt}` : '';
  const head =
    `${MARK[row.outcome]} ${`${row.step}${attempt}`.padEnd(width)}  ${row.action}${where}` +
    (row.outcome === 'not-run' ? '' : `  ${duration(row.durationMs)}`);
  const tail =
    row.outcome === 'failed' && row.failure
      ? `${row.failure.code} ${oneLine(row.failure.message)}`
      : row.outcome === 'interrupted'
        ? 'interrupted: no outcome logged (the process died or is still running)'
        : row.outcome === 'not-run'
          ? `not run: ${row.condition ?? 'condition false'}`
          : (row.summary ?? '');
  return [`${head}  ${tail}`, ...row.migrations.map((m) => `    ${describeMigrationRow(m)}`)];
}

/**
 * The timeline as text for `runbook replay`: a header (run, procedure, target, status, integrity
 * verdict), the chronological rows (steps with duration and outcome, migrations collapsed to
 * ranges, resumes and skips with who), the failures in full, the interventions with checksums,
 * and the checklist. Pure.
 */
export function formatTimeline(t: Timeline): string {
  const out: string[] = [...headerLines(t)];

  out.push('', 'Timeline (UTC)');
  const width = Math.max(8, ...t.steps.map((s) => s.id.length + 3));
  let day = '';
  for (const row of t.rows) {
    const d = row.time.slice(0, 10);
    if (d !== day) {
      out.push(`  ${d}`);
      day = d;
    }
    const lines = row.kind === 'step' ? stepLine(row, width) : [`▸ ${describeEventRow(row)}`];
    out.push(`  ${clock(row.time)}  ${lines[0]}`);
    for (const l of lines.slice(1)) out.push(`  ${' '.repeat(12)}  ${l}`);
  }

  if (t.failures.length > 0) out.push('', 'Failures', ...t.failures.flatMap(failureLines));

  out.push('', 'Interventions');
  if (t.interventions.length === 0) out.push('  none: the run went through without an operator');
  for (const i of t.interventions) {
    out.push(`  ${dateTime(i.time)}  ${i.by}  ${i.detail}`);
    for (const c of i.checksums) out.push(`    ${c.subject}: sha256 ${c.old} → ${c.new}`);
  }

  if (t.migrations.length > 0) {
    out.push('', 'Migrations');
    for (const m of t.migrations) {
      out.push(
        `  ${m.step}: ${m.applied.length} applied, ${duration(m.totalMs)} in total` +
          (m.slowest ? `, slowest ${m.slowest.revision} ${duration(m.slowest.durationMs)}` : '') +
          (m.failedAt ? `; stopped at ${m.failedAt}` : ''),
      );
    }
  }

  if (t.checklist.length > 0) {
    out.push('', 'Checklist (recomputed from the log)');
    out.push(
      formatChecklist(t.checklist)
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  return out.join('\n') + '\n';
}

/** The header: run, procedure, target, status, times and the integrity verdict. */
function headerLines(t: Timeline): string[] {
  const out: string[] = [];
  out.push(`run        ${t.runId ?? '?'}`);
  out.push(
    `procedure  ${t.procedure}${t.procedureHash ? `  (sha256 ${t.procedureHash.slice(0, 12)})` : ''}`,
  );
  if (t.description) out.push(`           ${t.description}`);
  if (t.target) out.push(`target     ${t.target}`);
  const status =
    t.status === 'succeeded' && t.notPassed.length > 0
      ? `INCOMPLETE: checklist not passed: ${t.notPassed.join(', ')}`
      : t.status === 'succeeded'
        ? 'SUCCEEDED'
        : t.status === 'stopped'
          ? `STOPPED at ${t.stoppedAt.join(', ')}`
          : `INTERRUPTED${t.stoppedAt.length ? ` while running ${t.stoppedAt.join(', ')}` : ''} (no final line)`;
  out.push(`status     ${status}  (${t.attempts} attempt${t.attempts === 1 ? '' : 's'})`);
  out.push(
    `started    ${dateTime(t.startedAt)}` +
      (t.finishedAt
        ? `   ended ${dateTime(t.finishedAt)}   elapsed ${duration(t.durationMs)}`
        : ''),
  );
  out.push(`integrity  ${describeIntegrity(t.integrity)}`);
  return out;
}

/** One failure in full: code and message, where it came from, statement, detail, hint, diagnosis. */
function failureLines(f: TimelineFailure): string[] {
  const out: string[] = [];
  out.push(
    `  ${f.step} (attempt ${f.attempt}, ${dateTime(f.time)})${f.then ? `  — then ${f.then}` : ''}`,
  );
  const elsewhere = `events.jsonl, step.failed of ${f.step}`;
  out.push(
    `    ${f.code}  ${truncateForTerminal(f.message, elsewhere).split('\n').join('\n    ')}`,
  );
  const origin = failureOrigin(f);
  if (origin) out.push(`    ${origin}`);
  if (f.statement) {
    const text = statementForTerminal(f.statement, f.statementFull, elsewhere);
    out.push(`    statement: ${text.split('\n').join('\n      ')}`);
  }
  if (f.detail) out.push(`    detail: ${truncateForTerminal(f.detail, elsewhere)}`);
  if (f.hint) out.push(`    hint: ${f.hint}`);
  if (f.diagnosis) out.push(`    diagnosis: ${f.diagnosis}`);
  return out;
}
