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
export function formatTimeline(timeline: Timeline): string {
  const out: string[] = [...headerLines(timeline)];

  out.push('', 'Timeline (UTC)');
  const width = Math.max(8, ...timeline.steps.map((s) => s.id.length + 3));
  let day = '';
  for (const row of timeline.rows) {
    const d = row.time.slice(0, 10);
    if (d !== day) {
      out.push(`  ${d}`);
      day = d;
    }
    const lines = row.kind === 'step' ? stepLine(row, width) : [`▸ ${describeEventRow(row)}`];
    out.push(`  ${clock(row.time)}  ${lines[0]}`);
    for (const l of lines.slice(1)) out.push(`  ${' '.repeat(12)}  ${l}`);
  }

  if (timeline.failures.length > 0)
    out.push('', 'Failures', ...timeline.failures.flatMap(failureLines));

  out.push('', 'Interventions');
  if (timeline.interventions.length === 0)
    out.push('  none: the run went through without an operator');
  for (const i of timeline.interventions) {
    out.push(`  ${dateTime(i.time)}  ${i.by}  ${i.detail}`);
    for (const c of i.checksums) out.push(`    ${c.subject}: sha256 ${c.old} → ${c.new}`);
  }

  if (timeline.migrations.length > 0) {
    out.push('', 'Migrations');
    for (const m of timeline.migrations) {
      out.push(
        `  ${m.step}: ${m.applied.length} applied, ${duration(m.totalMs)} in total` +
          (m.slowest ? `, slowest ${m.slowest.revision} ${duration(m.slowest.durationMs)}` : '') +
          (m.failedAt ? `; stopped at ${m.failedAt}` : ''),
      );
    }
  }

  if (timeline.checklist.length > 0) {
    out.push('', 'Checklist (recomputed from the log)');
    out.push(
      formatChecklist(timeline.checklist)
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  return out.join('\n') + '\n';
}

/** The header: run, procedure, target, status, times and the integrity verdict. */
function headerLines(timeline: Timeline): string[] {
  const out: string[] = [];
  out.push(`run        ${timeline.runId ?? '?'}`);
  out.push(
    `procedure  ${timeline.procedure}${timeline.procedureHash ? `  (sha256 ${timeline.procedureHash.slice(0, 12)})` : ''}`,
  );
  if (timeline.description) out.push(`           ${timeline.description}`);
  if (timeline.target) out.push(`target     ${timeline.target}`);
  const status =
    timeline.status === 'succeeded' && timeline.notPassed.length > 0
      ? `INCOMPLETE: checklist not passed: ${timeline.notPassed.join(', ')}`
      : timeline.status === 'succeeded'
        ? 'SUCCEEDED'
        : timeline.status === 'stopped'
          ? `STOPPED at ${timeline.stoppedAt.join(', ')}`
          : `INTERRUPTED${timeline.stoppedAt.length ? ` while running ${timeline.stoppedAt.join(', ')}` : ''} (no final line)`;
  out.push(
    `status     ${status}  (${timeline.attempts} attempt${timeline.attempts === 1 ? '' : 's'})`,
  );
  out.push(
    `started    ${dateTime(timeline.startedAt)}` +
      (timeline.finishedAt
        ? `   ended ${dateTime(timeline.finishedAt)}   elapsed ${duration(timeline.durationMs)}`
        : ''),
  );
  out.push(`integrity  ${describeIntegrity(timeline.integrity)}`);
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
