import {
  DROPPED,
  LOCKED,
  NEXT_XID_SQL,
  OWN_XID_WINDOW,
  probeRowSelect as row,
  REL_ROW,
} from './change-probe.js';

/** This transaction's xid (taken now if it has none). */
const OWN_XID = 'pg_catalog.pg_current_xact_id()';

/** Counted in the window: written by a transaction that took its xid at or after `$1`. */
const inWindow = (xmin: string): string =>
  `age(${xmin}) BETWEEN ${-OWN_XID_WINDOW} AND age(pg_catalog.xid($1::text::xid8))`;

/**
 * When the probe may look at the locked relations only: the caller saw no statement that may
 * write a relation's rows without locking it (`$2` false); this transaction took the window's
 * first xid (`$1`), so no other transaction (an earlier one of the revision's, another
 * session's) took one in the window before it; and every transaction that ended so far took its
 * xid before this one (the snapshot's xmax is one past the newest that ended; a rolled-back
 * savepoint counts), so none that began in the window after it can have written rows this
 * transaction sees. A condition on the parameters and stable functions alone: PostgreSQL
 * evaluates it once, before it scans anything, and skips the branch it rules out.
 */
const ONLY_LOCKED = `NOT $2::boolean AND ${OWN_XID} = $1::text::xid8
 AND pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot()) <= ${OWN_XID}`;

/**
 * The relations the session holds a lock on (see change-probe.ts), and the rows the probe
 * counts, each with the age of the xid that wrote it, kept for the `next` row.
 */
const COUNTED_ROWS = `WITH locked AS MATERIALIZED (${LOCKED}),
rel AS MATERIALIZED (
 SELECT ${REL_ROW}, age(c.xmin) AS age FROM pg_catalog.pg_class c
  WHERE ${inWindow('c.xmin')} AND NOT (${ONLY_LOCKED})
 UNION ALL SELECT ${REL_ROW}, age(c.xmin) FROM locked k JOIN pg_catalog.pg_class c ON c.oid = k.oid
  WHERE ${inWindow('c.xmin')} AND ${ONLY_LOCKED}),
col AS MATERIALIZED (
 SELECT ${row("'col'", 'a.attrelid::text')}, min(age(a.xmin)) AS age FROM locked k
  JOIN pg_catalog.pg_attribute a ON a.attrelid = k.oid
  WHERE a.attnum > 0 AND ${inWindow('a.xmin')} GROUP BY a.attrelid
 UNION ALL SELECT ${row("'col'", 'd.adrelid::text')}, min(age(d.xmin)) FROM locked k
  JOIN pg_catalog.pg_attrdef d ON d.adrelid = k.oid WHERE ${inWindow('d.xmin')} GROUP BY d.adrelid),
ns AS MATERIALIZED (
 SELECT ${row("'ns'", 'n.oid::text', 'NULL', 'n.nspname::text')}, age(n.xmin) AS age
  FROM pg_catalog.pg_namespace n WHERE ${inWindow('n.xmin')})`;

const COLUMNS = 'what, oid, namespace, name, kind';

/**
 * Whether this transaction holds subtransaction xids (a released savepoint, a PL/pgSQL block with
 * an `EXCEPTION` clause, in a function called or not), from the server's own count. The backend
 * status it reads is taken once per transaction, so the probe must follow
 * {@link WINDOW_PROBE_PRELUDE}. Null when it cannot tell.
 */
const HAS_SUBXIDS = `(SELECT s.subxact_count > 0 OR s.subxact_overflowed
  FROM pg_catalog.pg_stat_get_backend_idset() b(id),
  LATERAL pg_catalog.pg_stat_get_backend_subxact(b.id) s
  WHERE pg_catalog.pg_stat_get_backend_pid(b.id) = pg_catalog.pg_backend_pid())`;

/**
 * Where a window starts, read as it begins ({@link NEXT_XID_SQL}, column `xid`), and whether the
 * transaction it runs in already took an xid (column `begun`): then it may hold writes made before
 * anyone watched its statements (env.py's, before the migrations ran), and the probe is told so.
 */
export const WINDOW_START_SQL = `SELECT w.xid, pg_catalog.pg_current_xact_id_if_assigned() IS NOT NULL AS begun
  FROM (${NEXT_XID_SQL}) w`;

/**
 * Sent before the in-transaction window probe, in the same message: drops the backend status a
 * migration may have read earlier in the transaction (`pg_stat_activity`), so that the probe's
 * count of subtransactions is read now. A statement of its own, so that nothing in how the probe
 * is planned can order it after the count.
 */
export const WINDOW_PROBE_PRELUDE = 'SELECT pg_catalog.pg_stat_clear_snapshot()';

/**
 * The xid after every one that wrote a counted row, and after this transaction's own: ages count
 * back from one base (`age()` fixes it at its first call in a transaction, which may be before
 * this transaction took its xid), so the newest is the own xid's age minus the lowest age seen.
 * Null when the transaction holds subtransaction xids: one that wrote no row counted here cannot
 * be placed, and none is readable once released.
 */
const NEXT_WINDOW_START = `CASE WHEN ${HAS_SUBXIDS} IS NOT FALSE THEN NULL ELSE
 (${OWN_XID}::text::int8 + 1 + age(pg_catalog.xid(${OWN_XID})) - LEAST(age(pg_catalog.xid(${OWN_XID})),
  (SELECT min(s.age) FROM (SELECT age FROM rel UNION ALL SELECT age FROM col UNION ALL SELECT age FROM ns) s))) END`;

/**
 * The server version (`server_version_num`) from which the probe says where the next window
 * starts: PostgreSQL 17, whose backend numbers are the same for `pg_stat_get_backend_idset()`
 * and `pg_stat_get_backend_subxact()`. (16 has the function; its numbering is not verified here.)
 */
const SUBXACT_COUNT_SINCE = 170000;

/**
 * The change probe run inside the last transaction of a window that began at xid `$1`
 * (`NEXT_XID_SQL` read before it, or the `next` row of the probe before), before it commits: the
 * Alembic bridge runs it in each revision's transaction, after the version write (see
 * python/alembic_upgrade.py). Its rows are those of the change probe with the window's counted
 * too: `pg_class` and `pg_namespace` rows written by this transaction (its own and its
 * subtransactions' xids, which `age()` puts at 0 and below) or by any transaction that took its
 * xid in the window (a revision's `autocommit_block`, other sessions), and the columns and drops
 * of the relations this transaction locked.
 *
 * `$2` (boolean) says the window ran a statement that may write relations' rows without locking
 * them (`UNLOCKED_WRITES`), or that the caller could not see its statements. pg_class is
 * scanned whole, at a cost that follows its size, only then or when another transaction took an
 * xid in the window; otherwise only the relations this transaction locked are looked at, as the
 * locked change probe does, with the same rows as a result (a statement's hidden effects, such
 * as a function called that grants on all tables, are missed as they are there).
 *
 * On a server of PostgreSQL 17 or later (`serverVersionNum`), its last row, `next`, carries (as
 * `name`) where the window of what runs after this transaction starts: the xid after the newest
 * that wrote a row counted here, or null when the transaction took subtransaction xids. Where it
 * is absent or null, the caller reads the next window's start. Send it after
 * {@link WINDOW_PROBE_PRELUDE}.
 */
export function inTransactionWindowProbeSql(serverVersionNum: number): string {
  return [
    COUNTED_ROWS,
    `SELECT ${COLUMNS} FROM rel UNION ALL SELECT ${COLUMNS} FROM col UNION ALL SELECT ${COLUMNS} FROM ns`,
    `UNION ALL ${DROPPED}`,
    ...(serverVersionNum >= SUBXACT_COUNT_SINCE
      ? [`UNION ALL SELECT ${row("'next'", 'NULL', 'NULL', NEXT_WINDOW_START)}`]
      : []),
  ].join('\n');
}
