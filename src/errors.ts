/**
 * The few named error classes of runbook. Each carries structured fields and maps to one CLI exit
 * code (docs/design.md "Exit codes"): 2 invalid input, 3 refused, 4 tampered/diverging log. Step failures are not
 * errors at this level: they are data ({@link StepFailureRecord}) held in the machine's context.
 */

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
  readonly exitCode = 2;
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
  readonly exitCode = 3;
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
  readonly exitCode = 4;
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
