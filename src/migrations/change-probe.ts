import { USER_RELATION } from './relation-snapshot.js';
import type { Queryable } from './types.js';

/**
 * Xids at most this far after the migration's own (its subtransactions; concurrent ones) count as
 * its writes. `age(xmin) <= 0` alone would also take catalog rows frozen more than 2^31
 * transactions ago, whose raw xmin wraps around to look "newer".
 */
const OWN_XID_WINDOW = 10_000_000;

/** True for a catalog row the current transaction (or one of its subtransactions) wrote. */
const written = (xmin: string): string =>
  // -W <= age <= 0 with one call per row; int8 because age() is INT_MAX for frozen xids.
  `abs(age(${xmin})::int8 + ${OWN_XID_WINDOW / 2}) <= ${OWN_XID_WINDOW / 2}`;

const XACT = (fn: 'inserted' | 'updated' | 'deleted', catalog: string): string =>
  `pg_catalog.pg_stat_get_xact_tuples_${fn}('pg_catalog.${catalog}'::regclass)`;

/**
 * Catalog writes of the current transaction so far, per catalog, in this order: pending
 * per-transaction statistics, no table access. They include writes of transactions that
 * committed within the last second (the backend reports them at most once a second), so a
 * migration's writes are the difference between their values before and after its SQL.
 */
const COUNTERS = {
  /** pg_class rows inserted + updated. */
  classWritten: `${XACT('inserted', 'pg_class')} + ${XACT('updated', 'pg_class')}`,
  /** pg_class rows deleted. */
  classDeleted: XACT('deleted', 'pg_class'),
  /**
   * pg_attribute rows updated + deleted, minus pg_attrdef rows inserted: pg_attribute updates
   * that only set `atthasdef` for a new default (every `CREATE TABLE` with defaults) must not
   * force the pg_attribute scan; the pg_attrdef part shows those.
   */
  columnsChanged: `${XACT('updated', 'pg_attribute')} + ${XACT('deleted', 'pg_attribute')} - ${XACT('inserted', 'pg_attrdef')}`,
  /** pg_attrdef rows inserted. */
  defaultsAdded: XACT('inserted', 'pg_attrdef'),
  /** pg_namespace rows inserted + updated + deleted. */
  namespacesWritten: `${XACT('inserted', 'pg_namespace')} + ${XACT('updated', 'pg_namespace')} + ${XACT('deleted', 'pg_namespace')}`,
};

type Counter = keyof typeof COUNTERS;

/** The transaction-local setting that holds the counters as they were before the migration. */
const BEFORE = 'runbook.catalog_writes_before';

/** Captures the counters into {@link BEFORE}. */
const CAPTURE_SQL = `SELECT pg_catalog.set_config('${BEFORE}', concat_ws(',', ${Object.values(COUNTERS).join(', ')}), true)`;

/**
 * True when the migration's SQL moved counter `k`. The current value is read in a scalar
 * subquery and the captured one from a setting (stable): both are evaluated once per query, so
 * the planner makes the comparison a one-time filter that skips the scan below it.
 */
function wrote(k: Counter): string {
  const i = Object.keys(COUNTERS).indexOf(k) + 1;
  return `(SELECT ${COUNTERS[k]}) > split_part(pg_catalog.current_setting('${BEFORE}'), ',', ${i})::int8`;
}

/**
 * The probe's SQL. The scans filter on xmin only and the tracker keeps the user relations: a
 * plain scan plans and runs in a fraction of one filtered by schema, kind and persistence.
 * `gated`: each part runs only if the migration moved its counter.
 */
function probeSql(gated: boolean): string {
  const gate = (k: Counter): string => (gated ? `${wrote(k)} AND ` : '');
  // Every part names its columns: the first part of a UNION names them for all.
  const row = (what: string, oid: string, ns = 'NULL', name = 'NULL', kind = 'NULL'): string =>
    `${what} AS what, ${oid} AS oid, ${ns}::text AS namespace, ${name}::text AS name, ${kind}::text AS kind`;
  return [
    `SELECT ${row("'rel'", 'c.oid::text', 'c.relnamespace::text', 'c.relname::text', 'c.relkind::text || c.relpersistence::text')}
  FROM pg_catalog.pg_class c WHERE ${gate('classWritten')}${written('c.xmin')}`,
    `SELECT ${row("'col'", 'a.attrelid::text')} FROM pg_catalog.pg_attribute a
 WHERE ${gate('columnsChanged')}a.attnum > 0 AND ${written('a.xmin')} GROUP BY a.attrelid`,
    `SELECT ${row("'col'", 'd.adrelid::text')} FROM pg_catalog.pg_attrdef d
 WHERE ${gate('defaultsAdded')}${written('d.xmin')} GROUP BY d.adrelid`,
    `SELECT ${row("'ns'", 'n.oid::text', 'NULL', 'n.nspname::text')} FROM pg_catalog.pg_namespace n
 WHERE ${gate('namespacesWritten')}${written('n.xmin')}`,
    // An aggregate returns its one row even over no input: HAVING drops it when not gated in.
    `SELECT ${row("'all'", "coalesce(string_agg(c.oid::text, ','), '')")}
  FROM pg_catalog.pg_class c WHERE ${gate('classDeleted')}${USER_RELATION}${gated ? ` HAVING ${wrote('classDeleted')}` : ''}`,
  ].join('\nUNION ALL\n');
}

/** One row of the probe. */
export interface ProbeRow {
  /** `rel`: a pg_class row written; `col`: columns or defaults of `oid` changed; `ns`: a schema
   * written; `all`: every user relation's OID, comma-separated (only when some were deleted). */
  what: 'rel' | 'col' | 'ns' | 'all';
  oid: string | null;
  namespace: string | null;
  name: string | null;
  /** relkind followed by relpersistence. */
  kind: string | null;
}

/** The names the two statements are prepared under in the migration's session. */
const PREPARED = { capture: 'runbook_catalog_writes', probe: 'runbook_provenance_probe' };

/**
 * The change probe's two statements, as the migration's query carries them: {@link capture} right
 * after `BEGIN`, {@link probe} after the migration's SQL, before `COMMIT`; the probe's rows go to
 * `RelationTracker.apply`. Parsing and planning them costs more than running them, so they are
 * prepared once per session; a session that lost them (a migration ran `DEALLOCATE ALL`, a pooler
 * moved the session) gets them as SQL from then on.
 */
export class ChangeProbe {
  private prepared = false;

  private constructor(private readonly sql: { capture: string; probe: string }) {}

  /**
   * Prepares the statements in `client`'s session. `gated`: `track_counts` is on (else the
   * counters stay 0 and every part of the probe must run). `existing`: those of the names that
   * the session has prepared already (a step before this one on the same pooled session that
   * did not close its probe; see {@link PREPARED_STATEMENTS_SQL}), replaced.
   */
  static async open(
    client: Queryable,
    gated: boolean,
    existing: readonly string[],
  ): Promise<ChangeProbe> {
    const probe = new ChangeProbe({ capture: CAPTURE_SQL, probe: probeSql(gated) });
    const names = Object.values(PREPARED);
    const stale = existing.filter((n) => names.includes(n));
    await client.query(
      [
        ...stale.map((n) => `DEALLOCATE ${n}`),
        `PREPARE ${PREPARED.capture} AS ${probe.sql.capture}`,
        `PREPARE ${PREPARED.probe} AS ${probe.sql.probe}`,
      ].join(';\n'),
    );
    probe.prepared = true;
    return probe;
  }

  /** Captures the catalog write counters: the first statement of the migration's transaction. */
  get capture(): string {
    return this.prepared ? `EXECUTE ${PREPARED.capture}` : this.sql.capture;
  }

  /** The probe: after the migration's SQL and its version write, before COMMIT. */
  get probe(): string {
    return this.prepared ? `EXECUTE ${PREPARED.probe}` : this.sql.probe;
  }

  /**
   * True when `err` says the session lost a prepared statement: from now on they are sent as
   * SQL, and the migration that failed on it can run again (its transaction rolled back whole).
   */
  lost(err: unknown): boolean {
    const e = err as { code?: unknown; message?: unknown };
    const lostOne =
      e?.code === '26000' && Object.values(PREPARED).some((n) => String(e.message).includes(n));
    if (!this.prepared || !lostOne) return false;
    this.prepared = false;
    return true;
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
