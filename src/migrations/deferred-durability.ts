/**
 * Migrations commit without waiting for their WAL to reach disk; the step waits once, at its
 * end (docs/design.md, "Durability"). A commit that waits for its flush costs a disk sync per
 * migration, often as much as the migration's own work; the WAL writer flushes the others within
 * a fraction of a second, and a sync commit flushes everything written before it.
 */
import type pg from 'pg';

/**
 * Sent inside a migration's transaction: its commit does not wait for the WAL flush, unless the
 * session or the migration chose another `synchronous_commit` than `on` (`local`, `remote_write`,
 * `remote_apply` or `off` are kept as they are). One SELECT, as cheap as a SET.
 */
export const DEFER_FLUSH_SQL = `SELECT pg_catalog.set_config('synchronous_commit', 'off', true)
 WHERE pg_catalog.current_setting('synchronous_commit') = 'on'`;

/**
 * A transaction that writes WAL (a transactional logical-decoding message: one small WAL record,
 * no table touched, any role may send it) and commits at the database's own `synchronous_commit`
 * (its default, not a value a migration set for the session). PostgreSQL waits for the flush only
 * at the commit of a transaction that wrote WAL; this one's waits until the WAL up to it, holding
 * every commit of every session before it, is durable (and, on a server with synchronous
 * standbys, replicated as configured).
 */
const FLUSH_SQL = `BEGIN; SET LOCAL synchronous_commit TO DEFAULT;
 SELECT pg_catalog.pg_logical_emit_message(true, 'runbook', 'flush'); COMMIT`;

/**
 * Waits until every commit sent before it on the server is durable as the database's
 * `synchronous_commit` makes a commit durable. Call on an idle session (no open transaction);
 * when it fails, the session is left idle again (as far as it still answers) and the error
 * thrown.
 */
export async function flushCommits(client: pg.ClientBase): Promise<void> {
  try {
    await client.query(FLUSH_SQL);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
