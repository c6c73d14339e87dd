import { sqlState, StepError } from '../errors.js';
import {
  CONNECTION_LOSS_HINT,
  connectionLossCode,
  connectionLossMessage,
  isConnectionLoss,
} from '../postgres/connection-loss.js';
import {
  indexAfterChars,
  lineAt,
  statementBody,
  type ScriptStatement,
} from '../postgres/sql-script.js';
import type { Migration } from './types.js';

/** The fields pg's DatabaseError carries that a failure record needs. */
export interface PgErrorLike {
  code?: string;
  message: string;
  detail?: string;
  hint?: string;
  position?: string;
  internalQuery?: string;
  where?: string;
}

/** True for an error the server raised (it carries a SQLSTATE `code`). */
export function isPgError(err: unknown): err is PgErrorLike {
  return err instanceof Error && typeof (err as PgErrorLike).code === 'string';
}

/** The error's cursor position (1-based, in characters of the query it was raised for). */
export function errorPosition(err: unknown): number | undefined {
  const p = isPgError(err) && err.position ? Number(err.position) : NaN;
  return Number.isFinite(p) && p > 0 ? p : undefined;
}

/**
 * Where in `text` the server's cursor pointed when `err` was raised for the part of `text` sent
 * from index `sentAt` on: an index of `text` (UTF-16 code units). Undefined without a position.
 */
export function errorIndex(err: unknown, text: string, sentAt: number): number | undefined {
  const p = errorPosition(err);
  return p === undefined ? undefined : indexAfterChars(text, sentAt, p - 1);
}

/**
 * Turns a database error raised by `statement` of `m` (undefined when unknown) into a StepError
 * with SQLSTATE, detail, hint, statement text and the line in the migration FILE: the line of
 * `fileIndex` (where the server's cursor pointed, an index of `fileText`) when known, else the
 * statement's first line.
 */
export function migrationError(
  err: unknown,
  m: Migration,
  fileText: string,
  statement: ScriptStatement | undefined,
  fileIndex?: number,
): StepError {
  if (err instanceof StepError) return err;
  if (isConnectionLoss(err)) {
    return new StepError(
      connectionLossCode(err),
      connectionLossMessage(err),
      { hint: CONNECTION_LOSS_HINT, migration: m.revision, file: m.file },
      { cause: err },
    );
  }
  if (!isPgError(err)) {
    return new StepError('MIGRATION_FAILED', `${m.revision}: ${(err as Error).message}`, {
      migration: m.revision,
      file: m.file,
    });
  }
  const line = fileIndex !== undefined ? lineAt(fileText, fileIndex) : statement?.line;
  const body = statement ? statementBody(statement.text) : undefined;
  // Where the error points inside the statement (1-based): a long one is stored as an excerpt
  // around it. The body starts at its first token, so a short prefix finds it.
  const at =
    statement && body && fileIndex !== undefined
      ? fileIndex - statement.offset - statement.text.indexOf(body.slice(0, 64)) + 1
      : undefined;
  const data = {
    ...(err.where ? { where: err.where } : {}),
    ...(at !== undefined && at >= 1 && at <= (body?.length ?? 0) ? { statement_position: at } : {}),
  };
  return new StepError(sqlState(err.code as string), err.message, {
    ...(err.detail ? { detail: err.detail } : {}),
    ...(err.hint ? { hint: err.hint } : {}),
    ...(body !== undefined ? { statement: body } : {}),
    migration: m.revision,
    file: m.file,
    ...(line !== undefined ? { line } : {}),
    ...(Object.keys(data).length > 0 ? { data } : {}),
  });
}
