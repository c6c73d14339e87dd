import { evaluateChecklist } from '../engine/checklist.js';
import type { EventLogEntry } from '../runs/event-hash.js';
import type { Procedure } from '../procedure/types.js';
import { collapseMigrations } from './collapse-migrations.js';
import { interventionOf } from './interventions.js';
import { outlineActions, outlineProcedure } from './procedure-outline.js';
import { summarizeSteps } from './summarize-steps.js';
import { TimelineReader } from './timeline-reader.js';
import type { IntegrityVerdict, Timeline, TimelineFailure, TimelineRow } from './timeline-types.js';

/** Options of {@link buildTimeline}. */
export interface TimelineOptions {
  /** What verification said about the log (default: `unchecked`). */
  integrity?: IntegrityVerdict;
  /** The run's id (default: none; the log does not record it). */
  runId?: string;
}

function elapsed(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * Builds the reviewer's timeline from a run's event log (already verified, or the trusted prefix
 * of a tampered one) and the procedure saved with the run: every step attempt with its start,
 * duration and outcome; each migration with its duration (long runs collapsed to ranges naming
 * the slowest); every failure with SQLSTATE, message, migration, file:line and diagnosis; every
 * resume, retry, skip, `--allow-changed` and procedure change with when, by whom and the
 * checksums involved; the checklist recomputed from the log; and the integrity verdict given.
 * Pure: reads nothing but its arguments.
 */
export function buildTimeline(
  entries: readonly EventLogEntry[],
  procedure?: Procedure,
  options: TimelineOptions = {},
): Timeline {
  const outline = procedure ? outlineActions(outlineProcedure(procedure)) : [];
  const reader = new TimelineReader(
    {
      runId: options.runId ?? null,
      procedure: procedure?.name ?? '?',
      description: procedure?.description ?? null,
      procedureHash: null,
      params: {},
      target: null,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      status: 'running',
      stoppedAt: [],
      notPassed: [],
      attempts: 0,
      checklist: procedure ? evaluateChecklist(procedure, entries) : [],
      integrity: options.integrity ?? { status: 'unchecked' },
    },
    (id) => outline.find((s) => s.id === id)?.phase ?? 'main',
  );
  for (const entry of entries) reader.read(entry);
  const { header, rows, failures, migrations } = reader;
  if (header.status === 'running') header.stoppedAt = [...reader.open.keys()];
  for (const [row, list] of reader.migrationRows) row.migrations = collapseMigrations(list);
  resolveFailures(failures, rows);
  for (const [step, m] of migrations) {
    const last = [...failures].reverse().find((f) => f.step === step);
    m.failedAt = last && !last.resolved ? (last.migration ?? null) : null;
  }
  header.durationMs = elapsed(header.startedAt, header.finishedAt);
  return {
    ...header,
    steps: summarizeSteps(outline, rows, reader.skippedByHand),
    rows,
    migrations: [...migrations.values()],
    failures,
    interventions: interventionOf(entries),
  };
}

/**
 * Says of each failure whether a later attempt of its step succeeded or an operator marked it
 * done by hand (`resolved`), and what happened next (`then`).
 */
function resolveFailures(failures: TimelineFailure[], rows: readonly TimelineRow[]): void {
  for (const f of failures) {
    const later = rows.filter((r) => r.time >= f.time && 'step' in r && r.step === f.step);
    f.resolved = later.some(
      (r) => r.kind === 'skipped' || (r.kind === 'step' && r.outcome === 'succeeded'),
    );
    const next = later.find((r) => r.kind === 'skipped' || (r.kind === 'step' && r.time > f.time));
    if (next?.kind === 'skipped') f.then = `marked done by hand by ${next.by}`;
    else if (next?.kind === 'step') f.then = `retried (attempt ${next.attempt}: ${next.outcome})`;
  }
}
