import { formatDuration } from '../text/duration.js';
import type { StepFailureRecord } from '../errors.js';
import type { IntegrityVerdict, MigrationRow, TimelineRow } from './timeline-types.js';

/** Sentences shared by the text and HTML renderings, so both say the same thing. */

/** `12 ms`, `3.4 s`, or `—` when unknown. */
export function duration(ms: number | null): string {
  return ms === null ? '—' : formatDuration(ms);
}

/** `03:43:58.728` (UTC) of an ISO time. */
export function clock(iso: string): string {
  return iso.length >= 23 ? iso.slice(11, 23) : iso;
}

/** `2026-11-22 03:43:58Z` of an ISO time. */
export function dateTime(iso: string | null): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z` : '—';
}

/** One line for a migration row of a step's listing. */
export function describeMigrationRow(row: MigrationRow): string {
  switch (row.kind) {
    case 'range':
      return (
        `${row.from}–${row.to}  ${row.count} migrations  ${duration(row.totalMs)} total, ` +
        `slowest ${row.slowest.revision} ${duration(row.slowest.durationMs)}`
      );
    case 'applied':
      return `${row.revision}  ${duration(row.durationMs)}`;
    case 'failed':
      return `${row.revision}  FAILED ${row.code} ${row.message}`;
    case 'changed':
      return (
        `${row.revision}  file changed${row.applied ? ' after it was applied' : ' (not yet applied)'}: ` +
        `sha256 ${row.oldChecksum.slice(0, 12)} → ${row.newChecksum.slice(0, 12)}` +
        (row.accepted ? '  accepted' : '  refused')
      );
    case 'skipped':
      return `${row.revision}  recorded as applied without running it (${row.reason})`;
    case 'retry':
      return `${row.revision}  re-run (${row.reason})`;
    case 'own-transaction':
      return `${row.revision}  runs outside a transaction (marked in flight first)`;
  }
}

/** Where a failure came from: `migration 065_x at file.sql:5`. */
export function failureOrigin(f: StepFailureRecord): string | null {
  const parts: string[] = [];
  if (f.migration) parts.push(`migration ${f.migration}`);
  if (f.file) parts.push(`${f.migration ? 'at ' : ''}${f.file}${f.line ? `:${f.line}` : ''}`);
  return parts.length > 0 ? parts.join(' ') : null;
}

/** The integrity verdict as one sentence (starts with VERIFIED, TAMPERED or UNCHECKED). */
export function describeIntegrity(verdict: IntegrityVerdict): string {
  if (verdict.status === 'verified') {
    const uncovered = verdict.lines - (verdict.anchoredAt ?? verdict.lines);
    return (
      `VERIFIED — ${verdict.lines} lines, SHA-256 hash chain intact` +
      (verdict.head !== undefined ? `, head sha256:${verdict.head}` : '') +
      (verdict.anchoredAt !== undefined
        ? `; it passes through the anchor given (line ${verdict.anchoredAt}` +
          (uncovered > 0
            ? `; ${uncovered} line${uncovered === 1 ? '' : 's'} after it not covered by it)`
            : ')')
        : '') +
      (verdict.transitions !== undefined
        ? `; the compiled machine re-driven offline through ${verdict.transitions} recorded states agrees with the log`
        : '') +
      (verdict.inProgress
        ? `; the run is in progress (pid ${verdict.inProgress.pid} since ${verdict.inProgress.since}): only its log was verified, not run.json or snapshot.json`
        : '')
    );
  }
  if (verdict.status === 'tampered') {
    return `TAMPERED at line ${verdict.line}: ${verdict.reason} (only the ${verdict.lines} lines before it are shown)`;
  }
  return 'UNCHECKED — the log was not verified';
}

/** A one-line description of a non-step timeline row. */
export function describeEventRow(row: Exclude<TimelineRow, { kind: 'step' }>): string {
  switch (row.kind) {
    case 'run-started':
      return `run started by ${row.by} on ${row.target} (authority ${row.authority}, role ${row.role})`;
    case 'resumed': {
      const what =
        row.decision === 'skip'
          ? `skip ${row.skip}`
          : row.decision === 'retry'
            ? `retry ${row.failedSteps.join(', ') || 'the failed steps'}`
            : 'continue';
      const flags = [
        row.allowChanged ? '--allow-changed' : '',
        row.allowProcedureChange ? '--allow-procedure-change' : '',
      ].filter(Boolean);
      return `resumed by ${row.by} (attempt ${row.attempt}): ${what}${flags.length ? ` ${flags.join(' ')}` : ''}`;
    }
    case 'skipped':
      return `${row.step} marked done by hand by ${row.by}${row.reason ? ` (${row.reason})` : ''}`;
    case 'procedure-changed':
      return `procedure file change accepted by ${row.by}: sha256 ${row.oldHash.slice(0, 12)} → ${row.newHash.slice(0, 12)}`;
    case 'lock-recovered':
      return `stale run lock of dead process ${row.pid ?? '?'} taken over`;
    case 'log-recovered':
      return `torn last log line recovered ${row.detail}`;
    case 'finished':
      return row.status === 'succeeded'
        ? 'run succeeded'
        : `run stopped at ${row.stoppedAt.join(', ') || '?'}`;
  }
}
