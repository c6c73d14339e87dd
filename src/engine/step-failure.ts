import type { JsonObject } from '../json.js';
import type { StatementArtifact } from './bound-statement.js';

/**
 * A failed step, as data. This is what the machine's context holds while a step rests in its
 * `failed` state, what the event log records, and what `inspect` prints.
 */
export interface StepFailureRecord {
  /** The failed step's id. */
  step: string;
  /** SQLSTATE when the database raised it (`42P01`), else a named code (`EXPECTATION_FAILED`). */
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
 * it (or a `pg` DatabaseError, using its SQLSTATE) into a {@link StepFailureRecord}.
 */
export class StepError extends Error {
  override readonly name = 'StepError';
  constructor(
    readonly code: string,
    message: string,
    readonly fields: Omit<StepFailureRecord, 'step' | 'code' | 'message' | 'at'> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
