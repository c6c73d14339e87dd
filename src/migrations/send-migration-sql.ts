/**
 * Sending one migration file's SQL to the server: as one query in a transaction with its version
 * write and provenance probe ({@link sendInTransaction}), or statement by statement outside one
 * ({@link sendStatements}). A failure names the file's line and statement.
 */
import type pg from 'pg';
import { StepError } from '../errors.js';
import { isConnectionLoss } from '../postgres/connection-loss.js';
import {
  indexAfterChars,
  splitScript,
  statementAt,
  type ParsedScript,
} from '../postgres/sql-script.js';
import type { RelationDelta } from './relation-snapshot.js';
import type { ProbeRow } from './change-probe.js';
import type { RelationTracker } from './relation-tracker.js';
import { errorIndex, errorPosition, isPgError, migrationError } from './migration-error.js';
import type { Migration, VersionWrite } from './types.js';
import { checkVersionWrite, guardedVersionSql, versionGuardFailure } from './version-write.js';
import { DEFER_FLUSH_SQL } from './deferred-durability.js';

/**
 * Sends the statements of a migration on `client`, one simple-protocol query each (so
 * non-transactional statements such as CREATE INDEX CONCURRENTLY work outside a transaction).
 * A file the parser could not split is sent as one script. Returns the statement count.
 */
export async function sendStatements(
  client: pg.ClientBase,
  m: Migration,
  fileText: string,
  script: ParsedScript,
): Promise<number> {
  if (script.statements === null) {
    try {
      await client.query(fileText);
    } catch (err) {
      throw migrationError(err, m, fileText, undefined, errorIndex(err, fileText, 0));
    }
    return 1;
  }
  for (const s of script.statements) {
    try {
      await client.query(s.text);
    } catch (err) {
      throw migrationError(err, m, fileText, s, errorIndex(err, fileText, s.offset));
    }
  }
  return script.statements.length;
}

/** SQLSTATE lock_not_available: raised when `lock_timeout` expires. */
export const LOCK_TIMEOUT = '55P03';

/**
 * Thrown by a transactional migration whose lock wait exceeded lock_timeout (SQLSTATE 55P03):
 * its transaction was rolled back whole, so it may simply run again.
 */
export class LockTimeoutError extends StepError {}

const asResults = (r: unknown): pg.QueryResult[] =>
  Array.isArray(r) ? (r as pg.QueryResult[]) : [r as pg.QueryResult];

async function rollback(client: pg.ClientBase, markBroken: () => void): Promise<void> {
  await client.query('ROLLBACK').catch(markBroken);
}

/**
 * Names the statement a whole-file run failed on. With a cursor position (syntax errors, most
 * name resolution errors) the statement is the one containing it; without one (an ALTER TABLE on
 * a missing relation reports none) the file's statements are replayed one by one in a transaction
 * that is rolled back, and the first failure is the answer (none, for a deferred constraint that
 * failed at COMMIT: the error then names no statement). Call after the failed transaction was
 * rolled back. `prefixLength` is how many (ASCII) characters preceded the file in the failed query.
 */
async function locateFailure(
  client: pg.ClientBase,
  m: Migration,
  text: string,
  err: unknown,
  prefixLength: number,
  markBroken: () => void,
): Promise<StepError> {
  if (!isPgError(err)) return migrationError(err, m, text, undefined);
  const script = await splitScript(text);
  const pos = errorPosition(err);
  if (pos !== undefined) {
    const chars = pos - 1 - prefixLength;
    const index = chars < 0 ? -1 : indexAfterChars(text, 0, chars);
    // Outside the file: one of the statements the engine wrapped it in.
    if (index < 0 || index > text.length) return migrationError(err, m, text, undefined);
    return migrationError(err, m, text, statementAt(script.statements, index)?.statement, index);
  }
  if (script.statements === null) return migrationError(err, m, text, undefined);
  await client.query('BEGIN');
  try {
    for (const s of script.statements) {
      try {
        await client.query(s.text);
      } catch (again) {
        return migrationError(again, m, text, s, errorIndex(again, text, s.offset));
      }
    }
    return migrationError(err, m, text, undefined);
  } finally {
    await rollback(client, markBroken);
  }
}

/** What applying one migration in its transaction did. */
export interface TransactionalOutcome {
  statements: number;
  relations: RelationDelta;
}

/** How a migration's transaction is sent. */
export interface TransactionShape {
  /** The version table's name and what recording the migration writes. */
  version: { table: string; write: VersionWrite };
  tracker: RelationTracker;
  /**
   * PL/pgSQL is available (see `versionGuardAvailable`): the version write checks its own row
   * counts, so COMMIT travels in the same query and a migration costs one round trip.
   */
  guarded: boolean;
  markBroken: () => void;
}

/** A transactional migration's one query, built before it is sent (see {@link sendInTransaction}). */
export interface MigrationQuery {
  m: Migration;
  /** The migration file's text. */
  text: string;
  /**
   * `BEGIN` and the deferred flush, the file, the version write, the probe (and `COMMIT` when
   * guarded).
   */
  sql: string;
  /** How many results the server returns for the version write. */
  versionResults: number;
}

/**
 * The characters before the file in {@link MigrationQuery.sql}: BEGIN, then the deferred flush
 * (before the file, so a file that sets `synchronous_commit` itself has its way).
 */
const QUERY_PREFIX = `BEGIN;\n${DEFER_FLUSH_SQL};\n`;
/** How many results the server returns for {@link QUERY_PREFIX}. */
const PREFIX_RESULTS = 2;

/**
 * Builds the query of a transactional migration: `BEGIN` (its commit not waiting for the WAL
 * flush: {@link DEFER_FLUSH_SQL}), the whole file, the version-table write, the provenance probe
 * and (when guarded) `COMMIT`. The version write comes after the file so that a file that writes
 * the version table itself is caught by the row counts. Pure: the loop builds the next
 * migration's query while the server runs the current one.
 */
export function buildMigrationQuery(
  m: Migration,
  text: string,
  shape: Pick<TransactionShape, 'version' | 'tracker' | 'guarded'>,
): MigrationQuery {
  const { version, tracker, guarded } = shape;
  const write = guarded
    ? guardedVersionSql(version.write)
    : {
        sql: version.write.statements.map((s) => s.sql).join(';\n'),
        results: version.write.statements.length,
      };
  // The newline ends a trailing `--` comment and the semicolon a last statement left open.
  const suffix = [`\n`, write.sql, tracker.probe.statementFor(text)]
    .concat(guarded ? ['COMMIT'] : [])
    .join(';\n');
  return { m, text, sql: QUERY_PREFIX + text + suffix, versionResults: write.results };
}

/**
 * Applies a transactional SQL migration as the one query {@link buildMigrationQuery} built
 * (`query`, or built here from `m` and `text`). Without PL/pgSQL the row counts are checked here
 * and COMMIT is a second round trip. On failure the transaction is rolled back and the error
 * names the file's line and statement (see {@link locateFailure}). The statement count is the
 * number of results the server returned for the file.
 */
export async function sendInTransaction(
  client: pg.ClientBase,
  m: Migration,
  text: string,
  shape: TransactionShape,
  query: MigrationQuery = buildMigrationQuery(m, text, shape),
): Promise<TransactionalOutcome> {
  const { version, tracker, guarded, markBroken } = shape;
  let results: pg.QueryResult[];
  try {
    results = asResults(await client.query(query.sql));
  } catch (err) {
    if (isConnectionLoss(err)) {
      // The session is gone (the server rolled the transaction back): nothing more to send.
      markBroken();
      throw migrationError(err, m, text, undefined);
    }
    await rollback(client, markBroken);
    // Waiting again statement by statement would only time out again: the caller retries it.
    if (isPgError(err) && err.code === LOCK_TIMEOUT) {
      const e = migrationError(err, m, text, undefined);
      throw new LockTimeoutError(e.code, e.message, e.fields, { cause: err });
    }
    // Rolled back whole: run it again with the probe as SQL.
    if (tracker.probe.lost(err)) return sendInTransaction(client, m, text, shape);
    throw (
      versionGuardFailure(err, version.table, m, version.write) ??
      (await locateFailure(client, m, text, err, QUERY_PREFIX.length, markBroken))
    );
  }
  // The prefix; then the file; then the version write and the probe.
  const fileResults =
    results.length - PREFIX_RESULTS - query.versionResults - 1 - (guarded ? 1 : 0);
  const probe = results[PREFIX_RESULTS + fileResults + query.versionResults];
  if (!guarded) {
    try {
      checkVersionWrite(
        version.table,
        m,
        version.write,
        results.slice(PREFIX_RESULTS + fileResults),
      );
      await client.query('COMMIT');
    } catch (err) {
      // A deferred constraint fails at COMMIT: the file's error, with no statement to name.
      await rollback(client, markBroken);
      throw migrationError(err, m, text, undefined);
    }
  }
  return {
    statements: fileResults,
    relations: tracker.apply((probe?.rows ?? []) as ProbeRow[]),
  };
}
