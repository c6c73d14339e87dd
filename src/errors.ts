/**
 * The few named error classes of runbook. Each carries structured fields and maps to one CLI exit
 * code (docs/design.md "Exit codes"): 2 invalid input, 3 refused, 4 tampered/diverging log. Step failures are not
 * errors at this level: they are data ({@link StepFailureRecord}) held in the machine's context.
 * This module is the bottom layer: it imports nothing of runbook but {@link JsonObject}.
 */

import type { JsonObject } from './json.js';

/** A position in a source file (1-based line and column). */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** One problem found in user input (procedure file, params, flags). */
export interface InputProblem {
  /** Human message saying what is wrong. */
  message: string;
  /** Key path inside the file, e.g. `steps[2].with.target`. */
  path?: string;
  /** Where in the file, when the input came from a file. */
  position?: SourcePosition;
  /** How to fix it, e.g. "did you mean `sql.exec`?". */
  hint?: string;
}

/** Renders a problem as `file:line:col: path: message (hint)`. */
export function formatProblem(problem: InputProblem): string {
  const where = problem.position
    ? `${problem.position.file}:${problem.position.line}:${problem.position.column}: `
    : '';
  const path = problem.path ? `${problem.path}: ` : '';
  const hint = problem.hint ? ` (${problem.hint})` : '';
  return `${where}${path}${problem.message}${hint}`;
}

/** Invalid input: a procedure file, params, flags or an unknown run. Exit code 2; nothing ran. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
  readonly exitCode = 2 as const;
  constructor(
    readonly problems: InputProblem[],
    options?: { cause?: unknown },
  ) {
    super(problems.map(formatProblem).join('\n'), options);
  }
}

/**
 * A refusal: the authority contract, a confirmation gate, or a lock held by another run.
 * Exit code 3; nothing touched the database (or, for a lock, nothing was changed).
 */
export class RefusalError extends Error {
  override readonly name = 'RefusalError';
  readonly exitCode = 3 as const;
  constructor(
    /** Machine-readable reason, e.g. `AUTHORITY_UNDECLARED`, `RUN_LOCKED`, `DATABASE_LOCKED`. */
    readonly code: string,
    message: string,
    /** Extra structured fields (e.g. the holder's run id). */
    readonly detail: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The event log failed verification or replay diverged from the machine. Exit code 4. */
export class TamperedLogError extends Error {
  override readonly name = 'TamperedLogError';
  readonly exitCode = 4 as const;
  constructor(
    /** 1-based line number of the first bad line in events.jsonl. */
    readonly line: number,
    /** What is wrong with it. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`events.jsonl line ${line}: ${reason}`, options);
  }
}

declare const sqlStateBrand: unique symbol;

/** A SQLSTATE as the database server reported it (`42P01`): five digits and upper-case letters. */
export type SqlState = string & { readonly [sqlStateBrand]: true };

/** Marks a code the database server (or a driver speaking for it) reported as a {@link SqlState}. */
export function sqlState(code: string): SqlState {
  return code as SqlState;
}

/** The named codes runbook itself fails a step with (the database's own are {@link SqlState}s). */
export const NAMED_STEP_ERROR_CODES = [
  'ABORTED',
  'ALEMBIC_BRIDGE',
  'ALEMBIC_UNAVAILABLE',
  'AMBIGUOUS_TARGET',
  'CONFIRMATION_REQUIRED',
  'CONNECTION_LOST',
  'DATABASE_LOCKED',
  'DESTRUCTIVE_STATEMENT',
  'EXPECTATION_FAILED',
  'EXPRESSION_UNRESOLVED',
  'FILES_PRESENT',
  'FILE_NOT_READABLE',
  'INVALID_ARGUMENTS',
  'INVALID_MIGRATIONS',
  'INVALID_PARAMS',
  'MAINTENANCE_DATABASE',
  'MIGRATION_CHANGED',
  'MIGRATION_FAILED',
  'MIGRATION_IN_DOUBT',
  'MIGRATION_LAYOUT',
  'MIGRATION_SOURCE',
  'MULTIPLE_HEADS',
  'NOTHING_SCANNED',
  'OUT_OF_BAND_TABLES',
  'PATH_NOT_FOUND',
  'PRISMA_FAILED_MIGRATION',
  'PROVENANCE_MISSING',
  'PSQL_META_COMMAND',
  'QUERY_NOT_READ_ONLY',
  'RELATIVE_TARGET',
  'REPLAY_ONLY',
  'SCHEMA_DIFFERS',
  'SHELL_FAILED',
  'SHELL_TIMEOUT',
  'SNAPSHOT_UNREADABLE',
  'SQL_NUL_BYTE',
  'TWO_PATH_FAILED',
  'UNKNOWN_ACTION',
  'UNKNOWN_REVISION',
  'VERSION_NOT_RECORDED',
  'VERSION_TABLE_CHANGED',
  'VERSION_TABLE_FOREIGN',
] as const;

/** One of runbook's own named codes; `AUDIT_<DIAGNOSIS>` for the diagnoses `db.audit` fails on. */
export type NamedStepErrorCode = (typeof NAMED_STEP_ERROR_CODES)[number] | `AUDIT_${string}`;

/**
 * A code of a custom action's own (the library's `defineAction`): any string. runbook's own code
 * keeps to {@link NamedStepErrorCode} and {@link SqlState} (a test holds every literal code in
 * src/ to the list above).
 */
export type CustomStepErrorCode = string & Record<never, never>;

/** The code a step fails with: runbook's named codes, the database's SQLSTATE, or a custom one. */
export type StepErrorCode = NamedStepErrorCode | SqlState | CustomStepErrorCode;

/** Where a failure's full statement was kept when its record holds only an excerpt. */
export interface StatementArtifact {
  /** Path relative to the run directory (`artifacts/statement-<sha256 prefix>.sql`). */
  artifact: string;
  /** SHA-256 (hex) of the full statement's UTF-8 bytes. */
  sha256: string;
  /** Size of the full statement in UTF-8 bytes. */
  bytes: number;
}

/**
 * A failed step, as data. This is what the machine's context holds while a step rests in its
 * `failed` state, what the event log records, and what `inspect` prints.
 */
export interface StepFailureRecord {
  /** The failed step's id. */
  step: string;
  /**
   * SQLSTATE when the database raised it (`42P01`), else a named code (`EXPECTATION_FAILED`). A
   * plain string: records are read back from logs written by any earlier version.
   */
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  /** The SQL statement that failed, when known (an excerpt when `statementFull` is set). */
  statement?: string;
  /** When `statement` is an excerpt of a long statement: where the full text was kept, once. */
  statementFull?: StatementArtifact;
  /** The migration (revision id) it came from, when it came from one. */
  migration?: string;
  /** File and line the failing statement came from, when known. */
  file?: string;
  line?: number;
  /** A diagnosis (e.g. "migration 075 dropped sdsr_incidents"), when one could be made. */
  diagnosis?: string;
  /** Any further structured data the action attached (e.g. the list of unmet expectations). */
  data?: JsonObject;
  /** ISO time of the failure. */
  at: string;
}

/**
 * Thrown by an action to fail its step with a named code and structured fields. The engine turns
 * it (or a `pg` DatabaseError, using its SQLSTATE) into a {@link StepFailureRecord}. The error
 * that led to it, when there was one, is its `cause`.
 */
export class StepError extends Error {
  override readonly name = 'StepError';
  constructor(
    readonly code: StepErrorCode,
    message: string,
    readonly fields: Omit<StepFailureRecord, 'step' | 'code' | 'message' | 'at'> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
