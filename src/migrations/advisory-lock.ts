import { createHash } from 'node:crypto';
import type pg from 'pg';
import { runOfSessionTag, sessionTag } from '../runs/session-tag.js';
import { StepError } from '../errors.js';

/** Class id of runbook's migration locks ('RB' + 1): keeps clear of applications' own keys. */
const LOCK_CLASS = 0x5242_0001;

/** The (class, object) key of the migration lock of `database` (both positive int4). */
export function migrationLockKey(database: string): [number, number] {
  const h = createHash('sha256').update(database).digest();
  return [LOCK_CLASS, h.readUInt32BE(0) & 0x7fff_ffff];
}

/**
 * Takes the session-level migration lock of `database` on `client` (try-lock, never waits) and
 * tags the session `runbook:<runId>` so a refused run can name the holder (and a resumed run can
 * find a session its dead predecessor left). With `lockTimeoutMs`, the session's lock_timeout is
 * set in the same round trip (0: no limit). Throws `DATABASE_LOCKED` (CLI exit 3) when another
 * session holds it.
 */
export async function acquireMigrationLock(
  client: pg.ClientBase,
  database: string,
  runId: string,
  options: { lockTimeoutMs?: number } = {},
): Promise<() => Promise<void>> {
  const [cls, obj] = migrationLockKey(database);
  await client.query(
    `SELECT set_config('application_name', $1, false), set_config('lock_timeout', $2, false)`,
    [sessionTag(runId), options.lockTimeoutMs === undefined ? null : `${options.lockTimeoutMs}ms`],
  );
  const { rows } = await client.query<{ ok: boolean }>(
    `SELECT pg_try_advisory_lock($1::int4, $2::int4) AS ok`,
    [cls, obj],
  );
  if (!rows[0]?.ok) {
    const holder = await client.query<{ pid: number; application_name: string }>(
      `SELECT a.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = $1::int8::oid AND l.objid = $2::int8::oid AND l.objsubid = 2`,
      [cls, obj],
    );
    const h = holder.rows[0];
    const tagged = runOfSessionTag(h?.application_name);
    const holderRun = tagged && 'runId' in tagged ? tagged.runId : undefined;
    throw new StepError(
      'DATABASE_LOCKED',
      `database "${database}" is being migrated by ${holderRun ? `run ${holderRun}` : `another session${h ? ` (pid ${h.pid}, ${h.application_name || 'no application_name'})` : ''}`}`,
      {
        hint:
          'wait for it to finish, or stop it; two runs must not migrate one database' +
          (holderRun
            ? `; if run ${holderRun} is no longer running, \`runbook resume ${holderRun}\` ends the session it left`
            : ''),
        data: {
          database,
          ...(holderRun ? { holder_run: holderRun } : {}),
          ...(h ? { holder_pid: h.pid } : {}),
        },
      },
    );
  }
  return async () => {
    await client.query(`SELECT pg_advisory_unlock($1::int4, $2::int4)`, [cls, obj]);
  };
}
