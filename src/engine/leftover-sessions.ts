import type { JsonObject } from '../json.js';
import type { Connections } from '../postgres/connections.js';
import { maskSqlPasswords } from '../postgres/redact.js';
import { sessionTag } from '../runs/session-tag.js';
import type { Reporter } from './reporter.js';

/** A database session an earlier, dead process of the same run left behind. */
export interface LeftoverSession {
  pid: number;
  database: string | null;
  state: string | null;
  /** What it waits for (`Lock`, `IO`…), when it waits. */
  wait_event_type: string | null;
  /** Its query, whitespace collapsed, cut at 160 characters. */
  query: string;
  backend_start: string;
}

// The tag fits in application_name's 63 bytes, so it is matched whole (never a cut prefix).
const FIND_SQL = `SELECT pid, datname AS database, state, wait_event_type,
  left(regexp_replace(coalesce(query, ''), '\\s+', ' ', 'g'), 160) AS query,
  backend_start::text AS backend_start
  FROM pg_stat_activity
 WHERE application_name = $1 AND pid <> pg_backend_pid()
   AND backend_type = 'client backend'
 ORDER BY pid`;

const WAIT_GONE_MS = 10_000;

/**
 * Ends the database sessions a dead earlier process of run `runId` left behind (every session a
 * run opens carries its own `application_name`, {@link sessionTag}, and the run's lock file guarantees no
 * other live process drives it). A CLI killed while its migration waited for a lock leaves that
 * backend waiting: once the lock frees it would commit the migration behind the resumed run's back
 * and hold the migration lock meanwhile. Each one is named on the reporter, terminated with
 * `pg_terminate_backend` (its open transaction rolls back), and awaited until it is gone.
 * Returns what was ended, for the run's log.
 */
export async function endLeftoverSessions(
  connections: Connections,
  runId: string,
  reporter: Reporter,
): Promise<LeftoverSession[]> {
  const pool = connections.pool();
  const { rows } = await pool.query<LeftoverSession>(FIND_SQL, [sessionTag(runId)]);
  const found = rows
    .filter((s) => !connections.ownsBackend(s.pid))
    .map((s) => ({ ...s, query: maskSqlPasswords(s.query) }));
  if (found.length === 0) return [];
  for (const s of found) {
    const waiting = s.wait_event_type ? `, waiting on ${s.wait_event_type}` : '';
    reporter.line(
      reporter.color(
        'warn',
        `ending session pid ${s.pid} left by an earlier attempt of this run (${s.state ?? 'unknown state'}${waiting}, database ${s.database ?? '?'}): ${s.query}`,
      ),
    );
    await pool.query('SELECT pg_terminate_backend($1)', [s.pid]);
  }
  const pids = found.map((s) => s.pid);
  const until = Date.now() + WAIT_GONE_MS;
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1::int[])',
      [pids],
    );
    if ((rows[0]?.n ?? 0) === 0) break;
    if (Date.now() > until) {
      reporter.line(
        reporter.color('warn', `sessions ${pids.join(', ')} have not exited yet; continuing`),
      );
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return found;
}

/** The log line's data for the sessions {@link endLeftoverSessions} ended. */
export function leftoverSessionsEvent(sessions: readonly LeftoverSession[]): JsonObject {
  return {
    reason: 'left by an earlier process of this run; terminated with pg_terminate_backend',
    sessions: sessions as unknown as JsonObject[],
  };
}
