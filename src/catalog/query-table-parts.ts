import { sql } from 'kysely';
import type { CatalogDb } from './catalog-db.js';

/**
 * One query per kind for the parts attached to a relation: indexes, constraints, triggers and
 * RLS policies. Rows carry the parent relation's OID (`relid`) for the assembler.
 */

/** Indexes of tables and materialized views in the schemas. */
export async function queryIndexes(db: CatalogDb, schemas: string[]) {
  if (schemas.length === 0) return [];
  return db
    .selectFrom('pg_catalog.pg_index as i')
    .innerJoin('pg_catalog.pg_class as ic', 'ic.oid', 'i.indexrelid')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'ic.relnamespace')
    .select([
      'i.indrelid as relid',
      'ic.relname as name',
      'i.indisunique as unique',
      'i.indisprimary as primary',
      sql<string>`pg_catalog.pg_get_indexdef(i.indexrelid)`.as('definition'),
      sql<string>`pg_catalog.quote_ident(ic.relname)`.as('quoted_name'),
      sql<string | null>`pg_catalog.pg_get_expr(i.indpred, i.indrelid)`.as('predicate'),
    ])
    .where('n.nspname', 'in', schemas)
    .execute();
}

/** Table constraints (not-null constraints excluded: nullability lives on the column). */
export async function queryConstraints(db: CatalogDb, schemas: string[]) {
  if (schemas.length === 0) return [];
  return db
    .selectFrom('pg_catalog.pg_constraint as k')
    .innerJoin('pg_catalog.pg_class as c', 'c.oid', 'k.conrelid')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
    .leftJoin('pg_catalog.pg_class as rc', 'rc.oid', 'k.confrelid')
    .leftJoin('pg_catalog.pg_namespace as rn', 'rn.oid', 'rc.relnamespace')
    .select([
      'k.conrelid as relid',
      'k.conname as name',
      'k.contype as type',
      'k.conkey as key',
      'k.confrelid as ref_relid',
      'k.confkey as ref_key',
      'rn.nspname as ref_schema',
      'rc.relname as ref_table',
      'k.confdeltype as on_delete',
      'k.confupdtype as on_update',
      'k.condeferrable as deferrable',
      'k.condeferred as deferred',
      'k.convalidated as validated',
      sql<string>`pg_catalog.pg_get_constraintdef(k.oid, true)`.as('definition'),
    ])
    .where('k.contype', '<>', 'n')
    .where('n.nspname', 'in', schemas)
    .execute();
}

/** User triggers (internal FK triggers excluded). */
export async function queryTriggers(db: CatalogDb, schemas: string[]) {
  if (schemas.length === 0) return [];
  return db
    .selectFrom('pg_catalog.pg_trigger as t')
    .innerJoin('pg_catalog.pg_class as c', 'c.oid', 't.tgrelid')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
    .select([
      't.tgrelid as relid',
      't.tgname as name',
      't.tgenabled as enabled',
      sql<string>`pg_catalog.pg_get_triggerdef(t.oid, true)`.as('definition'),
    ])
    .where('t.tgisinternal', '=', false)
    .where('n.nspname', 'in', schemas)
    .execute();
}

/** RLS policies, from PostgreSQL's own `pg_policies` view. */
export async function queryPolicies(db: CatalogDb, schemas: string[]) {
  if (schemas.length === 0) return [];
  return db
    .selectFrom('pg_catalog.pg_policies as p')
    .select([
      'p.schemaname as schema',
      'p.tablename as table',
      'p.policyname as name',
      'p.permissive',
      'p.cmd as command',
      'p.qual as using',
      'p.with_check',
      sql<string[]>`p.roles::text[]`.as('roles'),
    ])
    .where('p.schemaname', 'in', schemas)
    .execute();
}
