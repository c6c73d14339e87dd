import { RefusalError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { Connections } from '../postgres/connections.js';
import { runOfSessionTag } from '../runs/session-tag.js';

/** Advisory-lock class for whole runs (two-int4 key space: never collides with bigint keys). */
const RUN_LOCK_CLASS = 0x52554e42; // 'RUNB'

/**
 * The database a procedure says it drives: its `database` param. Procedures without one (scratch
 * databases, audits of the URL's database) take no whole-run lock; their migration and stamp
 * steps still hold the per-database migration lock.
 */
export function targetDatabase(params: Record<string, unknown>): string | undefined {
  return typeof params.database === 'string' ? params.database : undefined;
}

/**
 * Takes the session-level advisory lock that stops two runs from driving one database at once
 * (keyed on the database the procedure targets), or checks the server answers when there is
 * none. Refuses (exit 3) naming the holder's run id, read from the holder's `application_name`
 * ({@link sessionTag}).
 */
export async function lockTargetDatabase(
  connections: Connections,
  database: string | undefined,
): Promise<void> {
  const pool = connections.pool();
  const client = await pool.connect();
  if (database === undefined) {
    client.release(); // the server answers: that is all a run without a target database needs
    return;
  }
  const got = await client.query<{ ok: boolean; k: number }>(
    'SELECT pg_try_advisory_lock($1::int4, k) AS ok, k FROM (SELECT hashtext($2) AS k) h',
    [RUN_LOCK_CLASS | 0, database],
  );
  const k = got.rows[0]!.k;
  if (got.rows[0]?.ok) {
    // Held for the life of the run: the client stays checked out until the pool ends. It sits
    // idle meanwhile, and a server's idle_session_timeout (PostgreSQL 14+; no row before) would
    // end it and the lock with it, letting a second run in.
    connections.hold(client);
    await client.query(
      `SELECT pg_catalog.set_config(name, '0', false) FROM pg_catalog.pg_settings
        WHERE name = 'idle_session_timeout'`,
    );
    return;
  }
  const holder = await client.query<{ app: string | null; pid: number }>(
    `SELECT a.application_name AS app, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.classid = ($1::int4)::oid AND l.objid = ($2::int4)::oid AND l.objsubid = 2
        AND l.granted LIMIT 1`,
    [RUN_LOCK_CLASS | 0, k],
  );
  client.release();
  const tagged = runOfSessionTag(holder.rows[0]?.app);
  const runId = tagged && 'runId' in tagged ? tagged.runId : undefined;
  const named = runId ?? (tagged && 'abbreviated' in tagged ? tagged.abbreviated : undefined);
  throw new RefusalError(
    'DATABASE_LOCKED',
    `database "${database}" is being driven by ${named ? `run ${named}` : `another session (pid ${holder.rows[0]?.pid ?? '?'})`}; ` +
      'wait for it to finish or inspect it with `runbook runs`',
    { database, holderRunId: runId ?? null } as Record<string, JsonValue>,
  );
}
