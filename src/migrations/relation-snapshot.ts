import type { Queryable } from './types.js';

/** A relation as provenance records it. */
export interface Rel {
  schema: string;
  name: string;
  kind: 'table' | 'view' | 'matview' | 'sequence' | 'index' | 'other';
}

/** A live relation: its OID and namespace OID. */
export interface RelState extends Rel {
  oid: string;
  namespace: string;
}

/** One migration's effect on the relation set. */
export interface RelationDelta {
  created: Rel[];
  dropped: Rel[];
  altered: Rel[];
}

const KINDS: Record<string, Rel['kind']> = {
  r: 'table',
  p: 'table',
  v: 'view',
  m: 'matview',
  S: 'sequence',
  i: 'index',
  I: 'index',
};

/** Maps pg_class.relkind to the provenance kind. */
export function relKind(relkind: string): Rel['kind'] {
  return KINDS[relkind] ?? 'other';
}

/** The pg_class.relkind values provenance tracks (tables, views, matviews, sequences, indexes, foreign tables). */
export const TRACKED_RELKINDS: readonly string[] = ['r', 'p', 'v', 'm', 'S', 'i', 'I', 'f'];

/** Schemas whose relations are never tracked. */
export const SYSTEM_SCHEMAS: readonly string[] = ['pg_catalog', 'information_schema', 'pg_toast'];

/**
 * The user relations provenance tracks, as a condition on `pg_class c`: system schemas (and the
 * TOAST schema) excluded, temporary relations excluded, composite types and TOAST tables excluded.
 */
export const USER_RELATION = `c.relnamespace NOT IN (${SYSTEM_SCHEMAS.map((n) => `'${n}'::regnamespace`).join(', ')})
        AND c.relpersistence <> 't' AND c.relkind IN (${TRACKED_RELKINDS.map((k) => `'${k}'`).join(', ')})`;

/**
 * Every user relation in one query (the tool's own version table and its indexes excluded: they
 * are bookkeeping, not schema): the relation set a step starts from.
 */
export async function snapshotRelations(
  client: Queryable,
  versionTable: string,
): Promise<Map<string, RelState>> {
  const { rows } = await client.query<{
    oid: string;
    namespace: string;
    schema: string;
    name: string;
    kind: string;
  }>(
    `SELECT c.oid::text AS oid, c.relnamespace::text AS namespace, n.nspname AS schema,
            c.relname AS name, c.relkind::text AS kind
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE ${USER_RELATION}
        AND c.oid IS DISTINCT FROM to_regclass($1)
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                         WHERE i.indexrelid = c.oid AND i.indrelid = to_regclass($1))`,
    [versionTable],
  );
  const out = new Map<string, RelState>();
  for (const r of rows) {
    out.set(r.oid, {
      oid: r.oid,
      namespace: r.namespace,
      schema: r.schema,
      name: r.name,
      kind: relKind(r.kind),
    });
  }
  return out;
}

/** Plain {@link Rel} of a state. */
export function toRel(s: Rel): Rel {
  return { schema: s.schema, name: s.name, kind: s.kind };
}
