import { sql } from 'kysely';
import type { CatalogDb } from './catalog-db.js';

/**
 * One query per object kind for schemas, relations, columns and grants. Rows keep OIDs so the
 * assembler can attach children to parents; OIDs never reach the snapshot.
 */

/** Schema names PostgreSQL owns; never part of a snapshot. */
export function isSystemSchema(name: string): boolean {
  return (
    name === 'pg_catalog' ||
    name === 'information_schema' ||
    name.startsWith('pg_toast') ||
    name.startsWith('pg_temp_')
  );
}

/** A row of `aclexplode`. */
interface AclRow {
  grantor: number;
  grantee: number;
  privilege_type: string;
  is_grantable: boolean;
}

/** Every non-system schema with its owner (filtering by option happens in the caller). */
export async function querySchemas(db: CatalogDb) {
  return db
    .selectFrom('pg_catalog.pg_namespace as n')
    .innerJoin('pg_catalog.pg_roles as o', 'o.oid', 'n.nspowner')
    .select(['n.oid', 'n.nspname as name', 'o.rolname as owner', 'n.nspowner as owner_oid'])
    .where('n.nspname', 'not in', ['pg_catalog', 'information_schema'])
    .where('n.nspname', 'not like', 'pg\\_toast%')
    .where('n.nspname', 'not like', 'pg\\_temp\\_%')
    .orderBy('n.nspname')
    .execute();
}

/** Explicit grants on schemas (the owner's own implicit grants are left out). */
export async function querySchemaGrants(db: CatalogDb, schemas: string[]) {
  if (schemas.length === 0) return [];
  return db
    .selectFrom('pg_catalog.pg_namespace as n')
    .innerJoinLateral(sql<AclRow>`aclexplode(n.nspacl)`.as('a'), (j) => j.onTrue())
    .leftJoin('pg_catalog.pg_roles as g', 'g.oid', 'a.grantee')
    .select([
      'n.nspname as schema',
      'g.rolname as grantee',
      'a.privilege_type as privilege',
      'a.is_grantable as grantable',
    ])
    .where('n.nspname', 'in', schemas)
    .where((eb) =>
      eb.or([
        eb('a.grantee', '<>', eb.ref('n.nspowner')),
        eb('a.grantor', '<>', eb.ref('n.nspowner')),
      ]),
    )
    .execute();
}

/** Ordinary and partitioned tables (extension members excluded). */
export async function queryTables(db: CatalogDb, schemas: string[]) {
  if (schemas.length === 0) return [];
  return db
    .selectFrom('pg_catalog.pg_class as c')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
    .innerJoin('pg_catalog.pg_roles as o', 'o.oid', 'c.relowner')
    .leftJoin('pg_catalog.pg_depend as ext', (j) =>
      j
        .onRef('ext.objid', '=', 'c.oid')
        .on('ext.deptype', '=', 'e')
        .on('ext.classid', '=', sql<number>`'pg_catalog.pg_class'::regclass`),
    )
    .select([
      'c.oid',
      'n.nspname as schema',
      'c.relname as name',
      'c.relkind as kind',
      'c.relispartition as partition',
      'c.relrowsecurity as rls_enabled',
      'c.relforcerowsecurity as rls_forced',
      'o.rolname as owner',
    ])
    .where('c.relkind', 'in', ['r', 'p'])
    .where('n.nspname', 'in', schemas)
    .where('ext.objid', 'is', null)
    .execute();
}

/** Views and materialized views with their definitions. */
export async function queryViews(db: CatalogDb, schemas: string[]) {
  if (schemas.length === 0) return [];
  return db
    .selectFrom('pg_catalog.pg_class as c')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
    .innerJoin('pg_catalog.pg_roles as o', 'o.oid', 'c.relowner')
    .leftJoin('pg_catalog.pg_depend as ext', (j) =>
      j
        .onRef('ext.objid', '=', 'c.oid')
        .on('ext.deptype', '=', 'e')
        .on('ext.classid', '=', sql<number>`'pg_catalog.pg_class'::regclass`),
    )
    .select([
      'c.oid',
      'n.nspname as schema',
      'c.relname as name',
      'c.relkind as kind',
      'o.rolname as owner',
      sql<string>`pg_catalog.pg_get_viewdef(c.oid, true)`.as('definition'),
    ])
    .where('c.relkind', 'in', ['v', 'm'])
    .where('n.nspname', 'in', schemas)
    .where('ext.objid', 'is', null)
    .execute();
}

/** Live columns of every table, view and materialized view in the schemas, in order. */
export async function queryColumns(db: CatalogDb, schemas: string[]) {
  if (schemas.length === 0) return [];
  return db
    .selectFrom('pg_catalog.pg_attribute as a')
    .innerJoin('pg_catalog.pg_class as c', 'c.oid', 'a.attrelid')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
    .leftJoin('pg_catalog.pg_attrdef as d', (j) =>
      j.onRef('d.adrelid', '=', 'a.attrelid').onRef('d.adnum', '=', 'a.attnum'),
    )
    .select([
      'a.attrelid as relid',
      'a.attnum as num',
      'a.attname as name',
      'a.attnotnull as notnull',
      'a.attidentity as identity',
      'a.attgenerated as generated',
      sql<string>`pg_catalog.format_type(a.atttypid, a.atttypmod)`.as('type'),
      sql<string | null>`pg_catalog.pg_get_expr(d.adbin, d.adrelid)`.as('expr'),
    ])
    .where('c.relkind', 'in', ['r', 'p', 'v', 'm', 'f'])
    .where('n.nspname', 'in', schemas)
    .where('a.attnum', '>', 0)
    .where('a.attisdropped', '=', false)
    .orderBy('a.attrelid')
    .orderBy('a.attnum')
    .execute();
}

/** Column and relation names of given relations (FK targets / sequence owners outside the snapshot). */
export async function queryColumnNames(db: CatalogDb, relids: number[]) {
  if (relids.length === 0) return [];
  return db
    .selectFrom('pg_catalog.pg_attribute as a')
    .innerJoin('pg_catalog.pg_class as c', 'c.oid', 'a.attrelid')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
    .select([
      'a.attrelid as relid',
      'a.attnum as num',
      'a.attname as name',
      'n.nspname as schema',
      'c.relname as table',
    ])
    .where('a.attrelid', 'in', relids)
    .where('a.attnum', '>', 0)
    .execute();
}

/** Explicit grants on tables, views and materialized views (owner's implicit ones left out). */
export async function queryRelationGrants(db: CatalogDb, schemas: string[]) {
  if (schemas.length === 0) return [];
  return db
    .selectFrom('pg_catalog.pg_class as c')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
    .innerJoinLateral(sql<AclRow>`aclexplode(c.relacl)`.as('a'), (j) => j.onTrue())
    .leftJoin('pg_catalog.pg_roles as g', 'g.oid', 'a.grantee')
    .select([
      'c.oid as relid',
      'g.rolname as grantee',
      'a.privilege_type as privilege',
      'a.is_grantable as grantable',
    ])
    .where('c.relkind', 'in', ['r', 'p', 'v', 'm'])
    .where('n.nspname', 'in', schemas)
    .where((eb) =>
      eb.or([
        eb('a.grantee', '<>', eb.ref('c.relowner')),
        eb('a.grantor', '<>', eb.ref('c.relowner')),
      ]),
    )
    .execute();
}
