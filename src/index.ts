/**
 * runbook's library API: what the CLI is built on. Load and compile a procedure, run or resume it
 * against PostgreSQL, and read a persisted run back (inspect, replay, timeline, HTML report).
 *
 * ```ts
 * import { runProcedure, replayRun, createReporter } from 'runbook';
 * const result = await runProcedure({
 *   procedure: 'procedures/two-path-ci.yaml',
 *   params: { migrations: 'examples/nova/after' },
 *   databaseUrl: process.env.DATABASE_URL,
 *   authority: { authority: 'local', role: 'staging' },
 *   reporter: createReporter({ silent: true }),
 * });
 * if (result.status === 'failed') console.error(result.failures[0]);
 * const replay = await replayRun(result.runDir); // throws TamperedLogError when tampered
 * ```
 */

// Procedures: load (validated, positions kept), compile to a plain XState v5 config.
export { loadProcedure, parseProcedure } from './procedure/load-procedure.js';
export {
  compileProcedure,
  type MachineConfig,
  type OperatorEvent,
  type ProcedureContext,
} from './procedure/compile-procedure.js';
export { renderMermaid } from './procedure/render-mermaid.js';
export type {
  ActionStep,
  ChecklistItem,
  ParallelStep,
  ParamSpec,
  ParamType,
  Procedure,
  Requirements,
  Step,
} from './procedure/types.js';

// Running: from the start, resuming, the authority contract, progress output.
export { runProcedure, type RunProcedureOptions } from './engine/run-procedure.js';
export { resumeRun, type ResumeRunOptions } from './engine/resume-run.js';
export type { AuthorityFlags } from './engine/authorize-procedure.js';
export type { SessionOptions } from './engine/session-options.js';
export type { RunResult } from './engine/finish-run.js';
export {
  checkAuthority,
  type AuthorityDecision,
  type AuthorityGranted,
  type AuthorityInput,
  type AuthorityRefused,
} from './engine/authority.js';
export { createReporter, type Reporter } from './engine/reporter.js';

// Reading runs back: the store, inspect, offline replay, the log and its verification.
export { FileRunStore } from './runs/file-run-store.js';
export { PgRunStore } from './runs/pg-run-store.js';
export {
  openRunStore,
  withRunStore,
  type OpenedRunStore,
  type RunStoreSpec,
} from './runs/open-run-store.js';
export { copyRun, type CopiedRun } from './runs/copy-run.js';
export type {
  AppendOptions,
  EventLogWriter,
  InitialRunData,
  LockInfo,
  RunLock,
  RunRecord,
  RunStatus,
  RunStore,
  RunSummary,
  RunTarget,
  SnapshotFile,
  StoredDocument,
  StoredRun,
} from './runs/run-store.js';
export { inspectRun, formatInspection, type RunInspection } from './engine/inspect-run.js';
export { replayRun, type ReplayOptions, type ReplayReport } from './engine/replay-run.js';
export { verifyEventLog, type EventLogVerification } from './runs/verify-event-log.js';
export type { EventLogEntry } from './runs/event-hash.js';
export { evaluateChecklist, formatChecklist, type ChecklistResult } from './engine/checklist.js';

// The reviewer's view: timeline, text, HTML report.
export { buildTimeline, type TimelineOptions } from './report/timeline.js';
export { formatTimeline } from './report/format-timeline.js';
export { loadRunReport, type RunReport } from './report/load-run-report.js';
export { renderReportHtml } from './report/render-report-html.js';
export type {
  IntegrityVerdict,
  Intervention,
  MigrationRow,
  StepMigrations,
  StepSummary,
  Timeline,
  TimelineFailure,
  TimelineRow,
} from './report/timeline-types.js';

// Migration folders: status against a database (read-only), the graph, the next migration file.
export {
  migrationStatus,
  type ChangedMigration,
  type ChecksumBasis,
  type InDoubtMigration,
  type MigrationStatus,
  type MigrationStatusOptions,
  type StatusMigration,
} from './migrations/migration-status.js';
export {
  describeHistory,
  formatHistory,
  type HistoryDescription,
  type HistoryEntry,
} from './migrations/describe-history.js';
export {
  newMigration,
  type NewMigration,
  type NewMigrationOptions,
} from './migrations/new-migration.js';
export { planProcedure, type PlannedStep } from './engine/plan-procedure.js';
export type { MigrationLayout } from './migrations/types.js';

// Actions: the built-in registry and how to define your own.
export { actions, actionNames } from './actions/index.js';
export {
  defineAction,
  type ActionContext,
  type ActionDefinition,
  type ActionRegistry,
  type ActionResult,
  type PlanContext,
  type PlannedSql,
  type PreflightContext,
} from './actions/types.js';
export { PlannedEffects, type PlannedDatabase } from './actions/planned-effects.js';

// Failures as data, and the error classes (each maps to one CLI exit code).
export {
  StepError,
  type StepFailureRecord,
  type StepErrorCode,
  type NamedStepErrorCode,
  type CustomStepErrorCode,
  type SqlState,
  type StatementArtifact,
  InvalidInputError,
  RefusalError,
  TamperedLogError,
  formatProblem,
  type InputProblem,
  type SourcePosition,
} from './errors.js';
export { SecretLeakError } from './runs/secret-guard.js';
export type { JsonObject, JsonValue } from './json.js';
