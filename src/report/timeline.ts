import { evaluateChecklist } from '../engine/checklist.js';
import type { EventLogEntry } from '../runs/event-hash.js';
import type { Procedure } from '../procedure/types.js';
import { collapseMigrations } from './collapse-migrations.js';
import { interventionOf } from './interventions.js';
import { failureRecord, flag, num, obj, stepsOf, str, strings } from './json-fields.js';
import { outlineActions, outlineProcedure } from './procedure-outline.js';
import { summarizeSteps } from './summarize-steps.js';
import type {
  IntegrityVerdict,
  MigrationRow,
  StepMigrations,
  Timeline,
  TimelineFailure,
  TimelineRow,
} from './timeline-types.js';
import { shownTargetUrl } from '../engine/shown-target.js';

type StepRow = Extract<TimelineRow, { kind: 'step' }>;

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
  const phaseOf = (id: string): 'main' | 'finally' =>
    outline.find((s) => s.id === id)?.phase ?? 'main';
  const rows: TimelineRow[] = [];
  const open = new Map<string, StepRow>();
  const raw = new Map<StepRow, MigrationRow[]>();
  const migrations = new Map<string, StepMigrations>();
  const failures: TimelineFailure[] = [];
  const skippedBy = new Set<string>();
  const t: Omit<Timeline, 'rows' | 'steps' | 'migrations' | 'failures' | 'interventions'> = {
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
  };
  let by = 'unknown';

  const closeOpen = (): void => {
    for (const row of open.values()) row.outcome = 'interrupted';
    open.clear();
  };

  for (const e of entries) {
    const d = obj(e.data);
    const step = e.step;
    switch (e.type) {
      case 'run.started':
        by = str(d, 'by') ?? by;
        t.procedure = str(d, 'procedure') ?? t.procedure;
        t.procedureHash = str(d, 'procedure_hash');
        t.params = obj(d.params);
        // The server URL names the maintenance database: show the one the procedure works on.
        t.target = str(d, 'target');
        if (t.target !== null) t.target = shownTargetUrl(t.target, t.params);
        t.startedAt = e.time;
        t.attempts = 1;
        t.status = 'running';
        rows.push({
          kind: 'run-started',
          time: e.time,
          by,
          target: t.target ?? '?',
          authority: str(d, 'authority') ?? '?',
          role: str(d, 'role') ?? '?',
        });
        break;
      case 'run.resumed': {
        closeOpen();
        by = str(d, 'by') ?? by;
        t.attempts = num(d, 'attempt') ?? t.attempts + 1;
        t.status = 'running';
        const skip = str(d, 'skip');
        rows.push({
          kind: 'resumed',
          time: e.time,
          by,
          attempt: t.attempts,
          decision: skip ? 'skip' : flag(d, 'retry') ? 'retry' : 'continue',
          skip,
          allowChanged: flag(d, 'allow_changed'),
          allowProcedureChange: flag(d, 'allow_procedure_change'),
          failedSteps: strings(d, 'failed_steps'),
        });
        break;
      }
      case 'procedure.changed':
        rows.push({
          kind: 'procedure-changed',
          time: e.time,
          by: str(d, 'by') ?? by,
          oldHash: str(d, 'old_hash') ?? '?',
          newHash: str(d, 'new_hash') ?? '?',
        });
        break;
      case 'lock.recovered':
        rows.push({
          kind: 'lock-recovered',
          time: e.time,
          pid: num(d, 'pid'),
          since: str(d, 'since'),
        });
        break;
      case 'log.recovered':
        rows.push({ kind: 'log-recovered', time: e.time, detail: JSON.stringify(e.data) });
        break;
      case 'step.skipped':
        if (!step) break;
        skippedBy.add(step);
        rows.push({
          kind: 'skipped',
          time: e.time,
          step,
          by: str(d, 'by') ?? by,
          reason: str(d, 'reason') ?? '',
        });
        break;
      case 'step.started': {
        if (!step) break;
        const row: StepRow = {
          kind: 'step',
          time: e.time,
          step,
          action: str(d, 'action') ?? '?',
          phase: phaseOf(step),
          attempt: num(d, 'attempt') ?? 1,
          outcome: 'interrupted',
          durationMs: null,
          summary: null,
          condition: str(d, 'condition'),
          failure: null,
          migrations: [],
        };
        rows.push(row);
        open.set(step, row);
        raw.set(row, []);
        break;
      }
      case 'step.succeeded':
      case 'step.failed': {
        const row = step ? open.get(step) : undefined;
        if (!row || !step) break;
        open.delete(step);
        row.durationMs = num(d, 'duration_ms');
        if (e.type === 'step.succeeded') {
          row.outcome = flag(d, 'condition_skipped') ? 'not-run' : 'succeeded';
          row.summary = str(d, 'summary');
        } else {
          row.outcome = 'failed';
          row.failure = failureRecord(d.failure, step, e.time);
          failures.push({
            ...row.failure,
            attempt: row.attempt,
            time: e.time,
            resolved: false,
            then: null,
          });
          if (row.failure.migration) {
            raw.get(row)!.push({
              kind: 'failed',
              revision: row.failure.migration,
              code: row.failure.code,
              message: row.failure.message,
            });
          }
        }
        break;
      }
      case 'migration.applied':
      case 'migration.changed':
      case 'migration.skipped':
      case 'migration.retry':
      case 'migration.own_transaction': {
        const row = step ? open.get(step) : undefined;
        const revision = str(d, 'revision') ?? '?';
        if (!row || !step) break;
        const list = raw.get(row)!;
        if (e.type === 'migration.applied') {
          const durationMs = num(d, 'duration_ms') ?? 0;
          list.push({ kind: 'applied', revision, durationMs });
          const m = migrations.get(step) ?? {
            step,
            applied: [],
            totalMs: 0,
            slowest: null,
            failedAt: null,
          };
          m.applied.push({
            revision,
            durationMs,
            attempt: row.attempt,
            index: num(d, 'index'),
            total: num(d, 'total'),
            statements: num(d, 'statements'),
          });
          m.totalMs += durationMs;
          if (!m.slowest || durationMs > m.slowest.durationMs) m.slowest = { revision, durationMs };
          migrations.set(step, m);
        } else if (e.type === 'migration.changed') {
          list.push({
            kind: 'changed',
            revision,
            oldChecksum: str(d, 'old_checksum') ?? '?',
            newChecksum: str(d, 'new_checksum') ?? '?',
            applied: flag(d, 'applied'),
            accepted: flag(d, 'accepted'),
          });
        } else if (e.type === 'migration.own_transaction') {
          list.push({ kind: 'own-transaction', revision });
        } else {
          list.push({
            kind: e.type === 'migration.skipped' ? 'skipped' : 'retry',
            revision,
            reason: str(d, 'reason') ?? '',
          });
        }
        break;
      }
      case 'run.succeeded':
      case 'run.stopped':
        closeOpen();
        t.status = e.type === 'run.succeeded' ? 'succeeded' : 'stopped';
        t.finishedAt = e.time;
        t.stoppedAt =
          e.type === 'run.stopped'
            ? [...new Set(d.failures === undefined ? [] : stepsOf(d.failures))]
            : [];
        if (e.type === 'run.stopped' && t.stoppedAt.length === 0 && step) t.stoppedAt = [step];
        t.notPassed = Array.isArray(d.checklist_not_passed)
          ? d.checklist_not_passed.map((c) => {
              const item = obj(c);
              return `${str(item, 'item') ?? '?'} (${str(item, 'status') ?? '?'})`;
            })
          : [];
        rows.push({ kind: 'finished', time: e.time, status: t.status, stoppedAt: t.stoppedAt });
        break;
      default:
        break;
    }
  }
  if (t.status === 'running') t.stoppedAt = [...open.keys()];

  for (const [row, list] of raw) row.migrations = collapseMigrations(list);
  for (const f of failures) {
    const later = rows.filter((r) => r.time >= f.time && 'step' in r && r.step === f.step);
    f.resolved = later.some(
      (r) => r.kind === 'skipped' || (r.kind === 'step' && r.outcome === 'succeeded'),
    );
    const next = later.find((r) => r.kind === 'skipped' || (r.kind === 'step' && r.time > f.time));
    if (next?.kind === 'skipped') f.then = `marked done by hand by ${next.by}`;
    else if (next?.kind === 'step') f.then = `retried (attempt ${next.attempt}: ${next.outcome})`;
  }
  for (const [step, m] of migrations) {
    const last = [...failures].reverse().find((f) => f.step === step);
    m.failedAt = last && !last.resolved ? (last.migration ?? null) : null;
  }
  t.durationMs = elapsed(t.startedAt, t.finishedAt);
  return {
    ...t,
    steps: summarizeSteps(outline, rows, skippedBy),
    rows,
    migrations: [...migrations.values()],
    failures,
    interventions: interventionOf(entries),
  };
}
