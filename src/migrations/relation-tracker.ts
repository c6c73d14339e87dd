import {
  relKind,
  SYSTEM_SCHEMAS,
  TRACKED_RELKINDS,
  toRel,
  type Rel,
  type RelationDelta,
  type RelState,
} from './relation-snapshot.js';
import { ChangeProbe, PREPARED_STATEMENTS_SQL, type ProbeRow } from './change-probe.js';
import type { Queryable } from './types.js';

/** The OIDs (column `oid`) of the version table `$1` and its indexes: bookkeeping, never tracked. */
const VERSION_TABLE_OIDS = `SELECT to_regclass($1)::oid::text AS oid WHERE to_regclass($1) IS NOT NULL
  UNION ALL SELECT i.indexrelid::text FROM pg_catalog.pg_index i WHERE i.indrelid = to_regclass($1)`;

const TRACKED_KINDS = new Set(TRACKED_RELKINDS);
const SYSTEM_SCHEMA_NAMES = new Set(SYSTEM_SCHEMAS);

/**
 * Provenance without listing the schema around every migration. A migration that runs inside one
 * transaction leaves its mark on the catalog rows it writes: their `xmin` is its transaction (or
 * one of its subtransactions), which `age(xmin)` (0 for its own xid, negative for the later ones
 * of its subtransactions) tests without knowing the ids. Which relations to test comes from the
 * locks the transaction holds: creating, altering or dropping a relation locks it until COMMIT.
 * The probe ({@link ChangeProbe}), run in that transaction just before COMMIT, therefore returns
 * exactly the relations the migration created or rewrote (pg_class), whose columns or defaults it
 * changed (pg_attribute, pg_attrdef), the ones it dropped (locked, now gone) and the schemas it
 * created or renamed, at a cost that follows the migration's size rather than the catalog's. SQL
 * that can write a relation's row without locking it (`GRANT … ON ALL TABLES IN SCHEMA`, DML on
 * the catalogs) gets the whole of pg_class scanned instead; there, rows written by a transaction
 * that began after the migration's and committed meanwhile count too. The tracker keeps the
 * relation set by OID in memory.
 *
 * "Altered" here means: the relation's pg_class row was rewritten (columns added, a rewrite, a
 * rename, a constraint or trigger added, RLS, ownership, privileges) or one of its columns or
 * defaults changed.
 */
export class RelationTracker {
  private constructor(
    private readonly relations: Map<string, RelState>,
    private readonly namespaces: Map<string, string>,
    /** OIDs never tracked: the version table and its indexes. */
    private readonly ignored: Set<string>,
    /** pg_catalog, information_schema, pg_toast. */
    private readonly systemNamespaces: Set<string>,
    /** The probe's statements, prepared in the session the tracker was opened on. */
    readonly probe: ChangeProbe,
    private readonly versionTable: string,
  ) {}

  /**
   * Starts tracking from a full listing (`relations`, see `snapshotRelations`); reads the schema
   * names and the version table's OIDs (ignored), and prepares the probe in the session (see
   * {@link ChangeProbe}; close it before the session is released).
   */
  static async open(
    client: Queryable,
    relations: Map<string, RelState>,
    versionTable: string,
  ): Promise<RelationTracker> {
    const { rows } = await client.query<{ oid: string; name: string | null; what: string }>(
      `SELECT 'ns' AS what, n.oid::text AS oid, n.nspname::text AS name FROM pg_catalog.pg_namespace n
       UNION ALL SELECT 'ignore', v.oid, NULL FROM (${VERSION_TABLE_OIDS}) v
       UNION ALL SELECT 'prepared', p.name, NULL FROM (${PREPARED_STATEMENTS_SQL}) p`,
      [versionTable],
    );
    const namespaces = rows.filter((r) => r.what === 'ns');
    const prepared = rows.filter((r) => r.what === 'prepared').map((r) => r.oid);
    return new RelationTracker(
      new Map(relations),
      new Map(namespaces.map((r) => [r.oid, r.name as string])),
      new Set(rows.filter((r) => r.what === 'ignore' && r.oid).map((r) => r.oid)),
      new Set(
        namespaces.filter((r) => SYSTEM_SCHEMA_NAMES.has(r.name as string)).map((r) => r.oid),
      ),
      await ChangeProbe.open(client, prepared),
      versionTable,
    );
  }

  /**
   * Learns the version table's OIDs when it did not exist at {@link open} (the Alembic bridge
   * creates it with the first revision), so it never counts as a migration's relation.
   */
  async learnVersionTable(client: Queryable): Promise<void> {
    if (this.ignored.size > 0) return;
    const { rows } = await client.query<{ oid: string }>(VERSION_TABLE_OIDS, [this.versionTable]);
    for (const r of rows) this.ignored.add(r.oid);
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
    for (const r of rows.filter((x) => x.what === 'gone')) drop(r.oid as string);
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
