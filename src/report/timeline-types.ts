import type { ChecklistResult } from '../engine/checklist.js';
import type { StepFailureRecord } from '../errors.js';
import type { JsonObject } from '../json.js';

/** What the log's verification established, as the reviewer reads it. */
export type IntegrityVerdict =
  | {
      status: 'verified';
      /** Lines in the SHA-256 chain, all verified. */
      lines: number;
      /** SHA-256 of the last line (the head `run` and `resume` print). */
      head?: string;
      /** The line an anchor given to `replay --anchor` names: the log passes through it. */
      anchoredAt?: number;
      /** State values the re-driven machine went through, each matching the log (when replayed). */
      transitions?: number;
      /** A live process still drives the run: only the log was verified (not run.json/snapshot). */
      inProgress?: { pid: number; since: string };
    }
  | {
      status: 'tampered';
      /** 1-based number of the first bad (or diverging) line. */
      line: number;
      reason: string;
      /** Lines read before it (the trusted prefix the report is built from). */
      lines: number;
    }
  | { status: 'unchecked' };

/** One applied migration, as the duration chart draws it. */
export interface MigrationTiming {
  revision: string;
  durationMs: number;
  /** The attempt of the step that applied it. */
  attempt: number;
  /** Position in the plan (1-based) and the plan's length, when logged. */
  index: number | null;
  total: number | null;
  statements: number | null;
}

/** One line of a migration step's listing: a single migration event, or a collapsed range. */
export type MigrationRow =
  | {
      kind: 'range';
      /** Short labels of the first and last revision (`001`, `064`). */
      from: string;
      to: string;
      count: number;
      totalMs: number;
      slowest: { revision: string; durationMs: number };
    }
  | { kind: 'applied'; revision: string; durationMs: number }
  | {
      kind: 'failed';
      revision: string;
      code: string;
      message: string;
    }
  | {
      kind: 'changed';
      revision: string;
      oldChecksum: string;
      newChecksum: string;
      /** Whether the migration had been applied when its file changed. */
      applied: boolean;
      /** Whether the change was accepted (`--allow-changed`, or a not-yet-applied file). */
      accepted: boolean;
    }
  | { kind: 'skipped' | 'retry'; revision: string; reason: string }
  | { kind: 'own-transaction'; revision: string };

/** Every migration a step applied, over all its attempts. */
export interface StepMigrations {
  step: string;
  applied: MigrationTiming[];
  totalMs: number;
  slowest: { revision: string; durationMs: number } | null;
  /** The migration that failed last, when the step's last attempt failed on one. */
  failedAt: string | null;
}

/** How one attempt at a step ended. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'not-run' | 'interrupted';

/** A failure, with where in the run it happened. */
export interface TimelineFailure extends StepFailureRecord {
  attempt: number;
  /** Time of the `step.failed` line. */
  time: string;
  /** Whether a later attempt succeeded or an operator skipped the step. */
  resolved: boolean;
  /** What happened to the step next: `retried (attempt 2: failed)`, `marked done by hand by x`. */
  then: string | null;
}

/** One row of the chronological timeline. */
export type TimelineRow =
  | {
      kind: 'run-started';
      time: string;
      by: string;
      target: string;
      authority: string;
      role: string;
    }
  | {
      kind: 'resumed';
      time: string;
      by: string;
      attempt: number;
      /** What the operator asked: retry the failed steps, skip one, or just continue. */
      decision: 'retry' | 'skip' | 'continue';
      skip: string | null;
      allowChanged: boolean;
      allowProcedureChange: boolean;
      failedSteps: string[];
    }
  | {
      kind: 'step';
      time: string;
      step: string;
      action: string;
      phase: 'main' | 'finally';
      attempt: number;
      outcome: AttemptOutcome;
      durationMs: number | null;
      summary: string | null;
      /** Why a `when:`/`unless:` condition skipped the step. */
      condition: string | null;
      failure: StepFailureRecord | null;
      /** Migration events of this attempt, collapsed to ranges where long. */
      migrations: MigrationRow[];
    }
  | { kind: 'skipped'; time: string; step: string; by: string; reason: string }
  | { kind: 'procedure-changed'; time: string; by: string; oldHash: string; newHash: string }
  | { kind: 'lock-recovered'; time: string; pid: number | null; since: string | null }
  | { kind: 'log-recovered'; time: string; detail: string }
  | { kind: 'finished'; time: string; status: 'succeeded' | 'stopped'; stoppedAt: string[] };

/** An operator's intervention, for the "who did what" list. */
export interface Intervention {
  time: string;
  by: string;
  kind:
    | 'resume'
    | 'retry'
    | 'skip'
    | 'allow-changed'
    | 'procedure-changed'
    | 'lock-recovered'
    | 'lock-broken';
  step: string | null;
  /** Human sentence of what happened. */
  detail: string;
  /** Checksums involved (`--allow-changed`, a changed procedure file). */
  checksums: { subject: string; old: string; new: string }[];
}

/** The final state of one step of the procedure. */
export interface StepSummary {
  id: string;
  action: string;
  phase: 'main' | 'finally';
  /** `parallel-id/branch-id` for a step inside a parallel block. */
  branch: string | null;
  status: 'succeeded' | 'failed' | 'skipped' | 'condition-skipped' | 'running' | 'not-run';
  attempts: number;
  firstStartedAt: string | null;
  /** Sum of the attempts' durations. */
  durationMs: number | null;
  summary: string | null;
}

/** Everything a reviewer needs from a run's log: built by `buildTimeline`. */
export interface Timeline {
  runId: string | null;
  procedure: string;
  description: string | null;
  procedureHash: string | null;
  params: JsonObject;
  target: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  /** `running` = the log ends without a final line (interrupted, or still going). */
  status: 'succeeded' | 'stopped' | 'running';
  /** Steps the run stopped at (failed, or in flight when it was interrupted). */
  stoppedAt: string[];
  /**
   * Checklist items a finished run did not pass (its final line says `incomplete`): the run
   * reached its end but does not count as a success.
   */
  notPassed: string[];
  attempts: number;
  steps: StepSummary[];
  rows: TimelineRow[];
  migrations: StepMigrations[];
  failures: TimelineFailure[];
  interventions: Intervention[];
  checklist: ChecklistResult[];
  integrity: IntegrityVerdict;
}
