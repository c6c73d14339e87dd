import type { Queryable } from './types.js';

/** A relation as provenance records it. */
export interface Rel {
  schema: string;
  name: string;
  kind: 'table' | 'view' | 'matview' | 'sequence' | 'index' | 'other';
}

/** A relation with the md5 of its ordered column list (so ALTERs show up). */
export interface RelState extends Rel {
  columns: string;
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

/**
 * Every user relation (system schemas excluded; the tool's own version table too, since it is
 * bookkeeping, not schema) in one query: cheap enough to run around each migration.
 */
export async function snapshotRelations(
  client: Queryable,
  versionTable: string,
): Promise<Map<string, RelState>> {
  const { rows } = await client.query<{
    schema: string;
    name: string;
    kind: string;
    columns: string;
  }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
            md5(coalesce(string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END, ',' ORDER BY a.attnum), '')) AS columns
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
        AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
        AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'i', 'I', 'f')
        AND NOT (c.relname = $1 AND n.nspname = current_schema())
      GROUP BY n.nspname, c.relname, c.relkind`,
    [versionTable],
  );
  const out = new Map<string, RelState>();
  for (const r of rows) {
    out.set(`${r.schema}.${r.name}`, {
      schema: r.schema,
      name: r.name,
      kind: KINDS[r.kind] ?? 'other',
      columns: r.columns,
    });
  }
  return out;
}

/** Plain {@link Rel} of a state (drops the column hash). */
export function toRel(s: RelState): Rel {
  return { schema: s.schema, name: s.name, kind: s.kind };
}

/** What changed between two snapshots. */
export function diffRelations(
  before: Map<string, RelState>,
  after: Map<string, RelState>,
): { created: Rel[]; dropped: Rel[]; altered: Rel[] } {
  const created: Rel[] = [];
  const dropped: Rel[] = [];
  const altered: Rel[] = [];
  for (const [k, a] of after) {
    const b = before.get(k);
    if (!b || b.kind !== a.kind) created.push(toRel(a));
    else if (b.columns !== a.columns) altered.push(toRel(a));
  }
  for (const [k, b] of before) {
    const a = after.get(k);
    if (!a || a.kind !== b.kind) dropped.push(toRel(b));
  }
  return { created, dropped, altered };
}
