import type pg from 'pg';
import { StepError } from '../engine/step-failure.js';
import { lineAt, statementBody, type ParsedScript } from './sql-script.js';
import type { Migration } from './types.js';

/** The fields pg's DatabaseError carries that a failure record needs. */
interface PgErrorLike {
  code?: string;
  message: string;
  detail?: string;
  hint?: string;
  position?: string;
  internalQuery?: string;
  where?: string;
}

function isPgError(err: unknown): err is PgErrorLike {
  return err instanceof Error && typeof (err as PgErrorLike).code === 'string';
}

/**
 * Turns a database error raised by statement `index` of `m` (or by the whole script when it could
 * not be split) into a StepError with SQLSTATE, detail, hint, statement text and the line in the
 * migration FILE (the error's position when the server gave one, else the statement's first line).
 */
export function migrationError(
  err: unknown,
  m: Migration,
  fileText: string,
  script: ParsedScript,
  index: number | null,
): StepError {
  if (!isPgError(err)) {
    return new StepError('MIGRATION_FAILED', `${m.revision}: ${(err as Error).message}`, {
      migration: m.revision,
      file: m.file,
    });
  }
  const stmt = index === null ? undefined : script.statements?.[index];
  const base = stmt?.offset ?? 0;
  const pos = err.position ? Number(err.position) : undefined;
  const line = pos !== undefined ? lineAt(fileText, base + pos - 1) : (stmt?.line ?? undefined);
  return new StepError(err.code as string, err.message, {
    ...(err.detail ? { detail: err.detail } : {}),
    ...(err.hint ? { hint: err.hint } : {}),
    ...(stmt ? { statement: statementBody(stmt.text) } : {}),
    migration: m.revision,
    file: m.file,
    ...(line !== undefined ? { line } : {}),
    ...(err.where ? { data: { where: err.where } } : {}),
  });
}

/**
 * Runs the statements of a migration on `client`, one simple-protocol query each (so
 * non-transactional statements such as CREATE INDEX CONCURRENTLY work outside a transaction).
 * A file the parser could not split is sent as one script. Returns the statement count.
 */
export async function executeScript(
  client: pg.ClientBase,
  m: Migration,
  fileText: string,
  script: ParsedScript,
): Promise<number> {
  if (script.statements === null) {
    try {
      await client.query(fileText);
    } catch (err) {
      throw migrationError(err, m, fileText, script, null);
    }
    return 1;
  }
  for (const [i, s] of script.statements.entries()) {
    try {
      await client.query(s.text);
    } catch (err) {
      throw migrationError(err, m, fileText, script, i);
    }
  }
  return script.statements.length;
}
