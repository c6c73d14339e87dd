import { createHash } from 'node:crypto';
import os from 'node:os';
import type pg from 'pg';
import { RefusalError } from '../errors.js';
import { redactUrl } from '../postgres/url.js';
import { isLiveHolder } from './lock-holder.js';
import type { LockInfo, RunLock } from './run-store.js';
import { assertNoSecret } from './secret-guard.js';

/**
 * Run locks of the PostgreSQL run store (docs/design.md "PostgreSQL run store"): a session
 * advisory lock per run, held on a session opened for it alone, so the server frees it the moment
 * its holder's connection ends (a process killed, a host gone once TCP gives up). The row in
 * `runbook.run_locks` only describes the holder for messages; it is stale whenever the advisory
 * lock is free.
 */

/** Class id of run locks ('RB' + 2), beside the migration locks' 'RB' + 1. */
const RUN_LOCK_CLASS = 0x5242_0002;

/** How long `breakLock` waits for a terminated holder's session to let go of the lock. */
const BREAK_WAIT_MS = 10_000;

/** The (class, object) advisory-lock key of run `runId` (both int4; object from SHA-256). */
export function runLockKey(runId: string): [number, number] {
  const h = createHash('sha256').update(`run:${runId}`).digest();
  return [RUN_LOCK_CLASS, h.readInt32BE(0)];
}

interface HolderRow {
  backend_pid: number | null;
  pid: number | null;
  host: string | null;
  command: string | null;
  since: string | null;
}

/** The backend holding run `runId`'s lock (if any) and the description row (if any). */
const HOLDER_SQL = `
  SELECT l.pid AS backend_pid, r.pid, r.host, r.command, r.since
    FROM (SELECT 1) one
    LEFT JOIN pg_locks l
      ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND l.classid = $2::int8::oid AND l.objid = (($3::int4)::int8 & 4294967295)::oid
    LEFT JOIN runbook.run_locks r ON r.run_id = $1`;

async function readHolder(
  q: pg.Pool | pg.PoolClient,
  runId: string,
): Promise<{ backendPid: number | null; info: LockInfo | undefined }> {
  const [cls, obj] = runLockKey(runId);
  const { rows } = await q.query<HolderRow>(HOLDER_SQL, [runId, cls, obj]);
  const r = rows[0];
  const info =
    r && r.pid !== null && r.host !== null && r.command !== null && r.since !== null
      ? { pid: r.pid, host: r.host, command: r.command, since: r.since }
      : undefined;
  return { backendPid: r?.backend_pid ?? null, info };
}

/**
 * The holder of run `runId`'s lock while a session holds it (its description row, or a
 * placeholder naming the backend when the row is missing); undefined when the lock is free.
 */
export async function pgLockHolder(pool: pg.Pool, runId: string): Promise<LockInfo | undefined> {
  const { backendPid, info } = await readHolder(pool, runId);
  if (backendPid === null) return undefined;
  return info ?? { pid: 0, host: 'unknown', command: `backend ${backendPid}`, since: '' };
}

function refusal(runId: string, holder: LockInfo, backendPid: number): RefusalError {
  const where = holder.host === os.hostname() ? '' : ` on host ${holder.host}`;
  return new RefusalError(
    'RUN_LOCKED',
    `run ${runId} is being driven by pid ${holder.pid}${where} (${holder.command}) since ${holder.since}, ` +
      `holding its lock through store session ${backendPid}; if that process is gone and the server has not noticed yet, ` +
      `\`runbook resume ${runId} --break-lock\` ends that session (recorded in the log with who and when)`,
    { runId, ...holder, backendPid },
  );
}

/**
 * Takes run `runId`'s lock on `client`, a session dedicated to it (kept until `release`). Refuses
 * (`RUN_LOCKED`, exit 3) while another session holds it. With `breakLock` the operator vouches
 * the holder is gone: the holding session is ended with `pg_terminate_backend` (which needs the
 * same role or `pg_signal_backend`), unless it is a live runbook process on this host (refused).
 * A description row left by a holder whose session ended (a crash) is reported in
 * `recoveredStale`. `onLost` is called once if the session ends while the lock is held.
 */
export async function acquirePgRunLock(
  client: pg.PoolClient,
  runId: string,
  command: string,
  options: { breakLock?: boolean; onLost?: () => void } = {},
): Promise<RunLock> {
  const info: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    command: redactUrl(command),
    since: new Date().toISOString(),
  };
  assertNoSecret(JSON.stringify(info), `the lock of run ${runId}`);
  const [cls, obj] = runLockKey(runId);
  const tryLock = async (): Promise<boolean> =>
    (
      await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int4, $2::int4) AS ok', [
        cls,
        obj,
      ])
    ).rows[0]?.ok === true;
  let broken: LockInfo | undefined;
  if (!(await tryLock())) {
    const { backendPid, info: holder } = await readHolder(client, runId);
    const shown = holder ?? { pid: 0, host: 'unknown', command: 'unknown', since: 'unknown' };
    if (backendPid === null) {
      // Released between the try and the read: take it now or report who got it first.
      if (!(await tryLock())) throw refusal(runId, shown, 0);
    } else {
      if (!options.breakLock) throw refusal(runId, shown, backendPid);
      if (holder && holder.host === info.host && isLiveHolder(holder, runId) === true) {
        throw new RefusalError(
          'RUN_LOCKED',
          `run ${runId} is being driven by pid ${holder.pid} (${holder.command}) since ${holder.since}, ` +
            `a live runbook process on this host: --break-lock never takes the lock of a live run; ` +
            `let it finish, or stop it first (kill ${holder.pid}) and then resume`,
          { runId, ...holder, backendPid, live: true },
        );
      }
      await endHolderSession(client, runId, backendPid, tryLock);
      broken = shown;
    }
  }
  return recordHolder(client, runId, info, broken, options.onLost);
}

/** Ends the session holding the lock and waits until the lock is ours. */
async function endHolderSession(
  client: pg.PoolClient,
  runId: string,
  backendPid: number,
  tryLock: () => Promise<boolean>,
): Promise<void> {
  try {
    await client.query('SELECT pg_terminate_backend($1::int4)', [backendPid]);
  } catch (err) {
    throw new RefusalError(
      'RUN_LOCKED',
      `run ${runId}: the store session ${backendPid} holding its lock could not be ended (${(err as Error).message}); ` +
        `a role with pg_signal_backend can end it: SELECT pg_terminate_backend(${backendPid})`,
      { runId, backendPid },
      { cause: err },
    );
  }
  const until = Date.now() + BREAK_WAIT_MS;
  while (!(await tryLock())) {
    if (Date.now() > until) {
      throw new RefusalError(
        'RUN_LOCKED',
        `run ${runId}: store session ${backendPid} was told to end but still holds the lock after ${BREAK_WAIT_MS / 1000}s`,
        { runId, backendPid },
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Writes our description row (reporting a stale one) and builds the held lock. */
async function recordHolder(
  client: pg.PoolClient,
  runId: string,
  info: LockInfo,
  broken: LockInfo | undefined,
  onLost: (() => void) | undefined,
): Promise<RunLock> {
  const { rows } = await client.query<{ pid: number | null; since: string | null }>(
    `WITH old AS (SELECT pid, since FROM runbook.run_locks WHERE run_id = $1),
          up AS (INSERT INTO runbook.run_locks (run_id, pid, host, command, since, backend_pid)
                 VALUES ($1, $2, $3, $4, $5, pg_backend_pid())
                 ON CONFLICT (run_id) DO UPDATE SET pid = EXCLUDED.pid, host = EXCLUDED.host,
                   command = EXCLUDED.command, since = EXCLUDED.since, backend_pid = EXCLUDED.backend_pid)
     SELECT pid, since FROM old`,
    [runId, info.pid, info.host, info.command, info.since],
  );
  const stale = rows[0];
  let released = false;
  let lost = false;
  const onEnd = (): void => {
    if (!released && !lost) {
      lost = true;
      onLost?.();
    }
  };
  client.once('error', onEnd);
  client.once('end', onEnd);
  return {
    info,
    // A row whose session is gone (the lock was free) was left by a holder that died.
    ...(stale && !broken ? { recoveredStale: { pid: stale.pid, since: stale.since } } : {}),
    ...(broken ? { broken } : {}),
    async release() {
      if (released) return;
      released = true;
      client.off('error', onEnd);
      client.off('end', onEnd);
      try {
        if (!lost) {
          await client.query(
            'DELETE FROM runbook.run_locks WHERE run_id = $1 AND backend_pid = pg_backend_pid()',
            [runId],
          );
        }
      } finally {
        // Ending the session frees the advisory lock whatever state the session is in.
        client.release(true);
      }
    },
  };
}
