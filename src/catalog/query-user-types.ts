import { sql } from 'kysely';
import type { CatalogDb } from './catalog-db.js';
import type { TypeInfo } from './snapshot-types.js';

/** One row of {@link queryUserTypes}. */
interface UserTypeRow {
  schema: string;
  name: string;
  kind: 'e' | 'd';
  labels: string[] | null;
  base: string | null;
  not_null: boolean;
  default: string | null;
  checks: string[] | null;
}

/**
 * The enums and domains of `schemas` (an extension's own excluded): an enum's labels in their
 * sort order; a domain's base type with its modifiers, NOT NULL, default and CHECK constraints
 * (their definitions, without the names PostgreSQL may have generated). What a column of such a
 * type accepts lives here, not in the column, which shows only the type's name.
 */
export async function queryUserTypes(db: CatalogDb, schemas: string[]): Promise<UserTypeRow[]> {
  if (schemas.length === 0) return [];
  const { rows } = await sql<UserTypeRow>`
    SELECT n.nspname AS schema, t.typname AS name, t.typtype AS kind,
      CASE WHEN t.typtype = 'e' THEN array(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
        WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END AS labels,
      CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END AS base,
      t.typnotnull AS not_null, t.typdefault AS default,
      CASE WHEN t.typtype = 'd' THEN array(SELECT pg_catalog.pg_get_constraintdef(c.oid)
        FROM pg_catalog.pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c'
        ORDER BY 1) END AS checks
    FROM pg_catalog.pg_type t
    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    WHERE t.typtype IN ('e', 'd') AND n.nspname = ANY(${schemas}::text[])
      AND t.oid NOT IN (SELECT x.objid FROM pg_catalog.pg_depend x
        WHERE x.refclassid = 'pg_catalog.pg_extension'::regclass
          AND x.classid = 'pg_catalog.pg_type'::regclass AND x.deptype = 'e')`.execute(db);
  return rows;
}

/** The snapshot's `types`, by schema and name. */
export function userTypeInfos(rows: readonly UserTypeRow[]): TypeInfo[] {
  return rows
    .map((r) => ({
      schema: r.schema,
      name: r.name,
      kind: r.kind === 'e' ? ('enum' as const) : ('domain' as const),
      labels: r.labels ?? [],
      base: r.base,
      not_null: r.not_null,
      default: r.default,
      checks: r.checks ?? [],
    }))
    .sort((a, b) => (a.schema === b.schema ? cmp(a.name, b.name) : cmp(a.schema, b.schema)));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
