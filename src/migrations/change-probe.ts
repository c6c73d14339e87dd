import { USER_RELATION } from './relation-snapshot.js';
import type { Queryable } from './types.js';

/**
 * Xids at most this far after the migration's own (its subtransactions; concurrent ones) count as
 * its writes. `age(xmin) <= 0` alone would also take catalog rows frozen more than 2^31
 * transactions ago, whose raw xmin wraps around to look "newer".
 */
export const OWN_XID_WINDOW = 10_000_000;

/** True for a catalog row the current transaction (or one of its subtransactions) wrote. */
const written = (xmin: string): string =>
  // -W <= age <= 0 with one call per row; int8 because age() is INT_MAX for frozen xids.
  `abs(age(${xmin})::int8 + ${OWN_XID_WINDOW / 2}) <= ${OWN_XID_WINDOW / 2}`;

/** The lowest OID a user object can have (PostgreSQL's FirstNormalObjectId, also after wraparound). */
const FIRST_USER_OID = 16384;

/**
 * The user relations the current transaction holds a lock on. Every statement that creates,
 * alters or drops a relation locks it until the transaction ends (subtransactions hand their locks
 * to it), so this is the candidate set: a handful of rows, looked up by OID, however large the
 * catalog. Relations the migration only read are locked too; the xmin test drops them.
 */
export const LOCKED = `SELECT DISTINCT l.relation AS oid FROM pg_catalog.pg_locks l
 WHERE l.locktype = 'relation' AND l.pid = pg_catalog.pg_backend_pid() AND l.relation >= ${FIRST_USER_OID}`;

/** One probe row's select list; every part names its columns (the first part of a UNION names them for all). */
export const probeRowSelect = (
  what: string,
  oid: string,
  ns = 'NULL',
  name = 'NULL',
  kind = 'NULL',
): string =>
  `${what} AS what, ${oid} AS oid, ${ns}::text AS namespace, ${name}::text AS name, ${kind}::text AS kind`;

/** A pg_class row as a `rel` probe row. */
export const REL_ROW = probeRowSelect(
  "'rel'",
  'c.oid::text',
  'c.relnamespace::text',
  'c.relname::text',
  'c.relkind::text || c.relpersistence::text',
);

/**
 * `gone` probe rows: the relations the transaction locked (the `locked` CTE, {@link LOCKED}) that
 * no longer exist: it dropped them.
 */
export const DROPPED = `SELECT ${probeRowSelect("'gone'", 'k.oid::text')} FROM locked k
 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = k.oid)`;

/**
 * The probe's SQL. `thorough`: pg_class is scanned whole for rows the transaction wrote, for SQL
 * that may write relations' rows without locking them (`GRANT … ON ALL TABLES IN SCHEMA` does;
 * so does DML on the catalogs); else only the locked relations are looked at. `own` tells the
 * rows counted (default: written by the current transaction).
 */
function probeSql(thorough: boolean, own: (xmin: string) => string = written): string {
  return [
    `WITH locked AS MATERIALIZED (${LOCKED})`,
    thorough
      ? `SELECT ${REL_ROW} FROM pg_catalog.pg_class c WHERE ${own('c.xmin')}`
      : `SELECT ${REL_ROW} FROM locked k JOIN pg_catalog.pg_class c ON c.oid = k.oid WHERE ${own('c.xmin')}`,
    `UNION ALL SELECT ${probeRowSelect("'col'", 'a.attrelid::text')} FROM locked k
  JOIN pg_catalog.pg_attribute a ON a.attrelid = k.oid
 WHERE a.attnum > 0 AND ${own('a.xmin')} GROUP BY a.attrelid`,
    `UNION ALL SELECT ${probeRowSelect("'col'", 'd.adrelid::text')} FROM locked k
  JOIN pg_catalog.pg_attrdef d ON d.adrelid = k.oid WHERE ${own('d.xmin')} GROUP BY d.adrelid`,
    `UNION ALL SELECT ${probeRowSelect("'ns'", 'n.oid::text', 'NULL', 'n.nspname::text')} FROM pg_catalog.pg_namespace n
 WHERE ${own('n.xmin')}`,
    `UNION ALL ${DROPPED}`,
  ].join('\n');
}

/** The next transaction id to be assigned (column `xid`, text): where a window of writes starts. */
export const NEXT_XID_SQL = `SELECT pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot())::text AS xid`;

/**
 * The probe for work done outside one transaction (a migration run statement by statement, the
 * Alembic bridge in its own session), run after it: the catalog rows written by transactions
 * that began at or after xid `$1` ({@link NEXT_XID_SQL} read before the work), and every user
 * relation's OID (`all`) to see which went. Transactions of other sessions in that window count
 * too. Not prepared: such migrations are rare.
 */
export const WINDOW_PROBE_SQL = windowProbeSql();

function windowProbeSql(): string {
  const since = (xmin: string): string =>
    `age(${xmin}) BETWEEN 0 AND age(pg_catalog.xid($1::text::xid8))`;
  return [
    `SELECT ${REL_ROW} FROM pg_catalog.pg_class c WHERE ${since('c.xmin')}`,
    `UNION ALL SELECT ${probeRowSelect("'col'", 'a.attrelid::text')} FROM pg_catalog.pg_attribute a
 WHERE a.attnum > 0 AND ${since('a.xmin')} GROUP BY a.attrelid`,
    `UNION ALL SELECT ${probeRowSelect("'col'", 'd.adrelid::text')} FROM pg_catalog.pg_attrdef d
 WHERE ${since('d.xmin')} GROUP BY d.adrelid`,
    `UNION ALL SELECT ${probeRowSelect("'ns'", 'n.oid::text', 'NULL', 'n.nspname::text')} FROM pg_catalog.pg_namespace n
 WHERE ${since('n.xmin')}`,
    `UNION ALL SELECT ${probeRowSelect("'all'", "coalesce(string_agg(c.oid::text, ','), '')")}
  FROM pg_catalog.pg_class c WHERE ${USER_RELATION}`,
  ].join('\n');
}

/**
 * Words of SQL that may write a relation's catalog rows without locking the relation (`GRANT …
 * ON ALL TABLES`, `REVOKE`, `DROP OWNED BY` on privileges, DML on the catalogs): where they
 * appear, the probe scans pg_class whole (a regular expression, the same in Python's `re`).
 */
export const UNLOCKED_WRITES = /\b(?:grant|revoke|owned|pg_class|pg_attribute|pg_attrdef)\b/i;

/** One row of the probe. */
export interface ProbeRow {
  /** `rel`: a pg_class row written; `col`: columns or defaults of `oid` changed; `ns`: a schema
   * written; `gone`: a relation the transaction locked and dropped; `all`: every user relation's
   * OID, comma-separated (the window probe). */
  what: 'rel' | 'col' | 'ns' | 'gone' | 'all';
  oid: string | null;
  namespace: string | null;
  name: string | null;
  /** relkind followed by relpersistence. */
  kind: string | null;
}

/** The names the two forms of the probe are prepared under in the migration's session. */
const PREPARED = { locked: 'runbook_provenance_probe', thorough: 'runbook_provenance_probe_full' };

/**
 * The change probe, as the migration's query carries it: after the migration's SQL (and its
 * version write), before `COMMIT`; its rows go to `RelationTracker.apply`. Parsing and planning it
 * costs more than running it, so both forms are prepared once per session; a session that lost
 * them (a migration ran `DEALLOCATE ALL`, a pooler moved the session) gets them as SQL from then
 * on.
 */
export class ChangeProbe {
  private prepared = false;
  private readonly sql = { locked: probeSql(false), thorough: probeSql(true) };

  private constructor() {}

  /**
   * Prepares the probe in `client`'s session. `existing`: those of its names the session has
   * prepared already (a step before this one on the same pooled session that did not close its
   * probe; see {@link PREPARED_STATEMENTS_SQL}), replaced.
   */
  static async open(client: Queryable, existing: readonly string[]): Promise<ChangeProbe> {
    const probe = new ChangeProbe();
    const names = Object.values(PREPARED);
    await client.query(
      [
        ...existing.filter((n) => names.includes(n)).map((n) => `DEALLOCATE ${n}`),
        `PREPARE ${PREPARED.locked} AS ${probe.sql.locked}`,
        `PREPARE ${PREPARED.thorough} AS ${probe.sql.thorough}`,
      ].join(';\n'),
    );
    probe.prepared = true;
    return probe;
  }

  /** The probe statement for a migration whose SQL is `text`. */
  statementFor(text: string): string {
    const form = UNLOCKED_WRITES.test(text) ? 'thorough' : 'locked';
    return this.prepared ? `EXECUTE ${PREPARED[form]}` : this.sql[form];
  }

  /**
   * True when `err` says the session lost a prepared statement: from now on they are sent as
   * SQL, and the migration that failed on it can run again (its transaction rolled back whole).
   */
  lost(err: unknown): boolean {
    const e = err as { code?: unknown; message?: unknown };
    const lostOne =
      e?.code === '26000' && Object.values(PREPARED).some((n) => String(e.message).includes(n));
    // Also when already known: a query built before the loss was noticed still named them.
    if (lostOne) this.prepared = false;
    return lostOne;
  }

  /** Deallocates the statements (call before the session goes back to its pool). */
  async close(client: Queryable): Promise<void> {
    if (this.prepared) {
      await client.query(
        Object.values(PREPARED)
          .map((n) => `DEALLOCATE ${n}`)
          .join(';\n'),
      );
    }
    this.prepared = false;
  }
}

/** Lists (column `name`) the session's prepared statements {@link ChangeProbe.open} needs to know of. */
export const PREPARED_STATEMENTS_SQL = `SELECT name FROM pg_catalog.pg_prepared_statements WHERE name IN (${Object.values(
  PREPARED,
)
  .map((n) => `'${n}'`)
  .join(', ')})`;
