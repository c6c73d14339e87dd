import {
  relKind,
  SYSTEM_SCHEMAS,
  TRACKED_RELKINDS,
  toRel,
  USER_RELATION,
  type Rel,
  type RelationDelta,
  type RelState,
} from './relation-snapshot.js';
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
 * Catalog writes of the current transaction so far, per catalog, in this order. Captured just
 * before a migration's SQL and just after it (inside its transaction, into two transaction-local
 * settings), so the probe after it scans only the catalogs that SQL wrote.
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

const SETTING = { before: 'runbook.catalog_writes_before', after: 'runbook.catalog_writes_after' };

/**
 * The statement that captures the counters (pending per-transaction statistics, no table access)
 * into a transaction-local setting: `before` the migration's SQL, `after` it. The probe compares
 * the two.
 */
export function captureCountersSql(when: 'before' | 'after'): string {
  return CAPTURE[when];
}

const CAPTURE = {
  before: capture('before'),
  after: capture('after'),
};

function capture(when: 'before' | 'after'): string {
  return `SELECT pg_catalog.set_config('${SETTING[when]}', concat_ws(',', ${Object.values(COUNTERS).join(', ')}), true)`;
}

/**
 * True when the migration's SQL moved counter `k`. Built from `current_setting` (stable), so the
 * planner evaluates it once per query, as a one-time filter that skips the scan below it.
 */
function wrote(k: Counter): string {
  const i = Object.keys(COUNTERS).indexOf(k) + 1;
  const read = (when: 'before' | 'after'): string =>
    `split_part(pg_catalog.current_setting('${SETTING[when]}'), ',', ${i})::int8`;
  return `${read('after')} > ${read('before')}`;
}

const TRACKED_KINDS = new Set(TRACKED_RELKINDS);
const SYSTEM_SCHEMA_NAMES = new Set(SYSTEM_SCHEMAS);

interface ProbeRow {
  what: 'rel' | 'col' | 'ns' | 'all';
  oid: string | null;
  namespace: string | null;
  name: string | null;
  kind: string | null;
}

/**
 * The probe's SQL. The scans filter on xmin only and {@link RelationTracker.apply} keeps the user
 * relations: a plain scan plans and runs in a fraction of one filtered by schema, kind and
 * persistence. `gated`: each part runs only if the migration moved its counter.
 */
/** The session's prepared probe. */
const PROBE_STATEMENT = 'runbook_provenance_probe';

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

/**
 * Provenance without listing the schema around every migration. A migration that runs inside one
 * transaction leaves its mark on the catalog rows it writes: their `xmin` is its transaction (or
 * one of its subtransactions), which `age(xmin)` (0 for its own xid, negative for the later ones
 * of its subtransactions) tests without knowing the ids. Rows written by a transaction that began
 * after it and committed meanwhile would count too; rows of one that began before it do not, and
 * so end up out-of-band, which they are. The probe,
 * run in that transaction just before COMMIT, therefore returns exactly the relations the
 * migration created or rewrote (pg_class), whose columns or defaults it changed (pg_attribute,
 * pg_attrdef), and the schemas it created or renamed. The transaction's own write counters,
 * captured before and after the migration's SQL ({@link captureCountersSql}), gate each part on
 * the server, so a catalog the migration did not write is not scanned and the probe can travel in
 * the same query as the migration; the full list of relation OIDs is read only when pg_class rows
 * were deleted, to see which relations went. The tracker keeps the relation set by OID in memory.
 *
 * "Altered" here means: the relation's pg_class row was rewritten (columns added, a rewrite, a
 * rename, a constraint or trigger added, RLS, ownership, privileges) or one of its columns or
 * defaults changed.
 */
export class RelationTracker {
  /** The probe's SQL (see {@link probeStatement}). */
  private readonly probeSql: string;
  /** The probe is prepared in the session as {@link PROBE_STATEMENT}. */
  private prepared = false;

  private constructor(
    private readonly relations: Map<string, RelState>,
    private readonly namespaces: Map<string, string>,
    /** OIDs never tracked: the version table and its indexes. */
    private readonly ignored: Set<string>,
    /** pg_catalog, information_schema, pg_toast. */
    private readonly systemNamespaces: Set<string>,
    countsReliable: boolean,
  ) {
    this.probeSql = probeSql(countsReliable);
  }

  /**
   * Starts tracking from a full listing (`relations`, see `snapshotRelations`); reads the schema
   * names, the version table's OIDs (ignored) and whether `track_counts` keeps the counters, and
   * prepares the probe in the session (see {@link close}).
   */
  static async open(
    client: Queryable,
    relations: Map<string, RelState>,
    versionTable: string,
  ): Promise<RelationTracker> {
    const { rows } = await client.query<{ oid: string; name: string | null; what: string }>(
      `SELECT 'ns' AS what, n.oid::text AS oid, n.nspname::text AS name FROM pg_catalog.pg_namespace n
       UNION ALL SELECT 'ignore', to_regclass($1)::oid::text, NULL
       UNION ALL SELECT 'ignore', i.indexrelid::text, NULL FROM pg_catalog.pg_index i
                  WHERE i.indrelid = to_regclass($1)
       UNION ALL SELECT 'track', current_setting('track_counts'), NULL
       UNION ALL SELECT 'prepared', NULL, NULL FROM pg_catalog.pg_prepared_statements
                  WHERE name = '${PROBE_STATEMENT}'`,
      [versionTable],
    );
    // Without track_counts the counters stay 0: every part of the probe must then run.
    const reliable = rows.some((r) => r.what === 'track' && r.oid === 'on');
    const namespaces = rows.filter((r) => r.what === 'ns');
    const tracker = new RelationTracker(
      new Map(relations),
      new Map(namespaces.map((r) => [r.oid, r.name as string])),
      new Set(rows.filter((r) => r.what === 'ignore' && r.oid).map((r) => r.oid)),
      new Set(
        namespaces.filter((r) => SYSTEM_SCHEMA_NAMES.has(r.name as string)).map((r) => r.oid),
      ),
      reliable,
    );
    // Parsing and planning the probe costs more than running it: prepare it once per session.
    const stale = rows.some((r) => r.what === 'prepared');
    await client.query(
      `${stale ? `DEALLOCATE ${PROBE_STATEMENT};\n` : ''}PREPARE ${PROBE_STATEMENT} AS ${tracker.probeSql}`,
    );
    tracker.prepared = true;
    return tracker;
  }

  /**
   * The probe as one statement, to run in the migration's transaction after
   * {@link captureCountersSql} `after`; its rows go to {@link apply}. Every part is gated by the
   * counters (ungated when `track_counts` is off, since the counters then stay 0). `EXECUTE` of
   * the prepared probe, or its SQL once the session lost it.
   */
  probeStatement(): string {
    return this.prepared ? `EXECUTE ${PROBE_STATEMENT}` : this.probeSql;
  }

  /**
   * True when `err` says the session lost the prepared probe (a migration ran `DEALLOCATE ALL`, or
   * a pooler moved the session): from now on the probe is sent as SQL, and the migration that
   * failed on it can run again (its transaction rolled back).
   */
  lostProbe(err: unknown): boolean {
    const e = err as { code?: unknown; message?: unknown };
    if (!this.prepared || e?.code !== '26000' || !String(e.message).includes(PROBE_STATEMENT))
      return false;
    this.prepared = false;
    return true;
  }

  /** Deallocates the prepared probe (call before the session goes back to its pool). */
  async close(client: Queryable): Promise<void> {
    if (this.prepared) await client.query(`DEALLOCATE ${PROBE_STATEMENT}`);
    this.prepared = false;
  }

  /** The tracked relations (OID → state). */
  get current(): ReadonlyMap<string, RelState> {
    return this.relations;
  }

  /** Replaces the tracked set after a migration the probe could not follow (outside a transaction). */
  reset(relations: Map<string, RelState>): void {
    this.relations.clear();
    for (const [k, v] of relations) {
      this.relations.set(k, v);
      this.namespaces.set(v.namespace, v.schema);
    }
  }

  /** Applies the probe's rows: updates the tracked set and returns the migration's effect. */
  apply(rows: readonly ProbeRow[]): RelationDelta {
    const created = new Map<string, Rel>();
    const dropped: Rel[] = [];
    const altered = new Map<string, Rel>();
    const drop = (oid: string): void => {
      const old = this.relations.get(oid);
      if (!old) return;
      this.relations.delete(oid);
      dropped.push(toRel(old));
    };
    const create = (rel: RelState): void => {
      this.relations.set(rel.oid, rel);
      created.set(rel.oid, toRel(rel));
    };
    for (const r of rows.filter((x) => x.what === 'ns')) {
      const oid = r.oid as string;
      const old = this.namespaces.get(oid);
      this.namespaces.set(oid, r.name as string);
      if (old === undefined || old === r.name) continue;
      // A renamed schema renames every relation in it: each is a drop and a create by name.
      for (const rel of [...this.relations.values()].filter((x) => x.namespace === oid)) {
        drop(rel.oid);
        create({ ...rel, schema: r.name as string });
      }
    }
    const all = rows.find((x) => x.what === 'all');
    if (all) {
      const present = new Set((all.oid ?? '').split(',').filter(Boolean));
      for (const oid of [...this.relations.keys()]) if (!present.has(oid)) drop(oid);
    }
    for (const r of rows.filter((x) => x.what === 'rel')) {
      const oid = r.oid as string;
      const [relkind = '', persistence] = [...(r.kind ?? '')];
      const tracked =
        TRACKED_KINDS.has(relkind) &&
        persistence !== 't' &&
        !this.systemNamespaces.has(r.namespace as string);
      if (!tracked || this.ignored.has(oid)) continue;
      const schema = this.namespaces.get(r.namespace as string) ?? `(schema ${r.namespace})`;
      const now: RelState = {
        oid,
        namespace: r.namespace as string,
        schema,
        name: r.name as string,
        kind: relKind(relkind),
      };
      const old = this.relations.get(oid);
      if (!old) create(now);
      else if (old.schema !== now.schema || old.name !== now.name || old.kind !== now.kind) {
        drop(oid);
        create(now);
      } else if (!created.has(oid)) altered.set(oid, toRel(now));
    }
    for (const r of rows.filter((x) => x.what === 'col')) {
      const oid = r.oid as string;
      const rel = this.relations.get(oid);
      if (rel && !created.has(oid)) altered.set(oid, toRel(rel));
    }
    // Same name and kind dropped and created again (an index rebuilt by a column type change):
    // by name, as provenance reports relations, that relation was altered.
    const key = (r: Rel): string => `${r.kind}:${r.schema}.${r.name}`;
    const gone = new Map(dropped.map((r) => [key(r), r]));
    const rebuilt = [...created].filter(([, r]) => gone.has(key(r)));
    for (const [oid, r] of rebuilt) {
      created.delete(oid);
      gone.delete(key(r));
      altered.set(oid, r);
    }
    return {
      created: [...created.values()],
      dropped: [...gone.values()],
      altered: [...altered.values()],
    };
  }
}

export type { ProbeRow };
