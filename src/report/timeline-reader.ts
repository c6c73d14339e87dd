import type { JsonObject } from '../json.js';
import type { EventLogEntry } from '../runs/event-hash.js';
import { shownTargetUrl } from '../engine/shown-target.js';
import { failureRecord, flag, num, obj, stepsOf, str, strings } from './json-fields.js';
import type {
  MigrationRow,
  StepMigrations,
  Timeline,
  TimelineFailure,
  TimelineRow,
} from './timeline-types.js';

type StepRow = Extract<TimelineRow, { kind: 'step' }>;

/** The run-wide fields of a {@link Timeline}, as the log sets them line by line. */
export type TimelineHeader = Omit<
  Timeline,
  'rows' | 'steps' | 'migrations' | 'failures' | 'interventions'
>;

/** The migration events a step logs while it runs. */
const MIGRATION_EVENTS = new Set([
  'migration.applied',
  'migration.changed',
  'migration.skipped',
  'migration.retry',
  'migration.own_transaction',
]);

/**
 * Reads a run's log line by line into what {@link buildTimeline} assembles: the run-wide header,
 * one row per event a reviewer sees, each step attempt's migrations, and every failure.
 */
export class TimelineReader {
  readonly rows: TimelineRow[] = [];
  /** Each step attempt's migration rows, before collapsing. */
  readonly migrationRows = new Map<StepRow, MigrationRow[]>();
  /** Applied migrations per step. */
  readonly migrations = new Map<string, StepMigrations>();
  readonly failures: TimelineFailure[] = [];
  /** Steps an operator marked done by hand. */
  readonly skippedByHand = new Set<string>();
  /** Step attempts started and not yet settled, by step id. */
  readonly open = new Map<string, StepRow>();
  /** Who acts: the operator of the latest run.started or run.resumed line. */
  private by = 'unknown';

  constructor(
    readonly header: TimelineHeader,
    private readonly phaseOf: (step: string) => 'main' | 'finally',
  ) {}

  /** Takes one log line into the timeline. */
  read(entry: EventLogEntry): void {
    const data = obj(entry.data);
    if (MIGRATION_EVENTS.has(entry.type)) return this.migration(entry, data);
    switch (entry.type) {
      case 'run.started':
        return this.runStarted(entry, data);
      case 'run.resumed':
        return this.runResumed(entry, data);
      case 'run.succeeded':
      case 'run.stopped':
        return this.runFinished(entry, data);
      case 'step.started':
        return this.stepStarted(entry, data);
      case 'step.succeeded':
      case 'step.failed':
        return this.stepSettled(entry, data);
      default:
        return this.operatorRow(entry, data);
    }
  }

  /** Steps still in flight when the log ends are interrupted. */
  private closeOpen(): void {
    for (const row of this.open.values()) row.outcome = 'interrupted';
    this.open.clear();
  }

  private runStarted(entry: EventLogEntry, data: JsonObject): void {
    const t = this.header;
    this.by = str(data, 'by') ?? this.by;
    t.procedure = str(data, 'procedure') ?? t.procedure;
    t.procedureHash = str(data, 'procedure_hash');
    t.params = obj(data.params);
    // The server URL names the maintenance database: show the one the procedure works on.
    t.target = str(data, 'target');
    if (t.target !== null) t.target = shownTargetUrl(t.target, t.params);
    t.startedAt = entry.time;
    t.attempts = 1;
    t.status = 'running';
    this.rows.push({
      kind: 'run-started',
      time: entry.time,
      by: this.by,
      target: t.target ?? '?',
      authority: str(data, 'authority') ?? '?',
      role: str(data, 'role') ?? '?',
    });
  }

  private runResumed(entry: EventLogEntry, data: JsonObject): void {
    const t = this.header;
    this.closeOpen();
    this.by = str(data, 'by') ?? this.by;
    t.attempts = num(data, 'attempt') ?? t.attempts + 1;
    t.status = 'running';
    const skip = str(data, 'skip');
    this.rows.push({
      kind: 'resumed',
      time: entry.time,
      by: this.by,
      attempt: t.attempts,
      decision: skip ? 'skip' : flag(data, 'retry') ? 'retry' : 'continue',
      skip,
      allowChanged: flag(data, 'allow_changed'),
      allowProcedureChange: flag(data, 'allow_procedure_change'),
      failedSteps: strings(data, 'failed_steps'),
    });
  }

  private runFinished(entry: EventLogEntry, data: JsonObject): void {
    const t = this.header;
    const stopped = entry.type === 'run.stopped';
    this.closeOpen();
    t.status = stopped ? 'stopped' : 'succeeded';
    t.finishedAt = entry.time;
    t.stoppedAt = stopped
      ? [...new Set(data.failures === undefined ? [] : stepsOf(data.failures))]
      : [];
    if (stopped && t.stoppedAt.length === 0 && entry.step) t.stoppedAt = [entry.step];
    t.notPassed = Array.isArray(data.checklist_not_passed)
      ? data.checklist_not_passed.map((c) => {
          const item = obj(c);
          return `${str(item, 'item') ?? '?'} (${str(item, 'status') ?? '?'})`;
        })
      : [];
    this.rows.push({
      kind: 'finished',
      time: entry.time,
      status: t.status,
      stoppedAt: t.stoppedAt,
    });
  }

  /** The rows of what an operator (or a recovery) did between steps. */
  private operatorRow(entry: EventLogEntry, data: JsonObject): void {
    const time = entry.time;
    if (entry.type === 'procedure.changed') {
      this.rows.push({
        kind: 'procedure-changed',
        time,
        by: str(data, 'by') ?? this.by,
        oldHash: str(data, 'old_hash') ?? '?',
        newHash: str(data, 'new_hash') ?? '?',
      });
    } else if (entry.type === 'lock.recovered') {
      this.rows.push({
        kind: 'lock-recovered',
        time,
        pid: num(data, 'pid'),
        since: str(data, 'since'),
      });
    } else if (entry.type === 'log.recovered') {
      this.rows.push({ kind: 'log-recovered', time, detail: JSON.stringify(entry.data) });
    } else if (entry.type === 'step.skipped' && entry.step) {
      this.skippedByHand.add(entry.step);
      this.rows.push({
        kind: 'skipped',
        time,
        step: entry.step,
        by: str(data, 'by') ?? this.by,
        reason: str(data, 'reason') ?? '',
      });
    }
  }

  private stepStarted(entry: EventLogEntry, data: JsonObject): void {
    const step = entry.step;
    if (!step) return;
    const row: StepRow = {
      kind: 'step',
      time: entry.time,
      step,
      action: str(data, 'action') ?? '?',
      phase: this.phaseOf(step),
      attempt: num(data, 'attempt') ?? 1,
      outcome: 'interrupted',
      durationMs: null,
      summary: null,
      condition: str(data, 'condition'),
      failure: null,
      migrations: [],
    };
    this.rows.push(row);
    this.open.set(step, row);
    this.migrationRows.set(row, []);
  }

  private stepSettled(entry: EventLogEntry, data: JsonObject): void {
    const step = entry.step;
    const row = step ? this.open.get(step) : undefined;
    if (!row || !step) return;
    this.open.delete(step);
    row.durationMs = num(data, 'duration_ms');
    if (entry.type === 'step.succeeded') {
      row.outcome = flag(data, 'condition_skipped') ? 'not-run' : 'succeeded';
      row.summary = str(data, 'summary');
      return;
    }
    row.outcome = 'failed';
    row.failure = failureRecord(data.failure, step, entry.time);
    this.failures.push({
      ...row.failure,
      attempt: row.attempt,
      time: entry.time,
      resolved: false,
      then: null,
    });
    if (row.failure.migration) {
      this.migrationRows.get(row)!.push({
        kind: 'failed',
        revision: row.failure.migration,
        code: row.failure.code,
        message: row.failure.message,
      });
    }
  }

  private migration(entry: EventLogEntry, data: JsonObject): void {
    const step = entry.step;
    const row = step ? this.open.get(step) : undefined;
    const revision = str(data, 'revision') ?? '?';
    if (!row || !step) return;
    const list = this.migrationRows.get(row)!;
    if (entry.type === 'migration.applied') {
      const durationMs = num(data, 'duration_ms') ?? 0;
      list.push({ kind: 'applied', revision, durationMs });
      this.applied(step, row, revision, durationMs, data);
    } else if (entry.type === 'migration.changed') {
      list.push({
        kind: 'changed',
        revision,
        oldChecksum: str(data, 'old_checksum') ?? '?',
        newChecksum: str(data, 'new_checksum') ?? '?',
        applied: flag(data, 'applied'),
        accepted: flag(data, 'accepted'),
      });
    } else if (entry.type === 'migration.own_transaction') {
      list.push({ kind: 'own-transaction', revision });
    } else {
      list.push({
        kind: entry.type === 'migration.skipped' ? 'skipped' : 'retry',
        revision,
        reason: str(data, 'reason') ?? '',
      });
    }
  }

  /** Counts an applied migration into its step's totals (and its slowest). */
  private applied(
    step: string,
    row: StepRow,
    revision: string,
    durationMs: number,
    data: JsonObject,
  ): void {
    const m = this.migrations.get(step) ?? {
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
      index: num(data, 'index'),
      total: num(data, 'total'),
      statements: num(data, 'statements'),
    });
    m.totalMs += durationMs;
    if (!m.slowest || durationMs > m.slowest.durationMs) m.slowest = { revision, durationMs };
    this.migrations.set(step, m);
  }
}
