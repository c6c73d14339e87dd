import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { CatalogDb } from './catalog-db.js';
import { int, packed } from './packed.js';

/**
 * One query per object kind for schemas, relations, columns and grants. Rows keep OIDs so the
 * assembler can attach children to parents; OIDs never reach the snapshot.
 */

/** `pg_class`'s OID, as `pg_depend.classid` names it. */
export const PG_CLASS = sql<number>`'pg_catalog.pg_class'::regclass`;
/** `pg_proc`'s OID, as `pg_depend.classid` names it. */
export const PG_PROC = sql<number>`'pg_catalog.pg_proc'::regclass`;

/**
 * OIDs of the objects of one catalog (`PG_CLASS` or `PG_PROC`) that belong to an extension, for
 * `not in`: read through `pg_depend`'s index on the referenced object (the extension), so it
 * costs a few rows, not a scan of `pg_depend`.
 */
export function extensionMembers(db: CatalogDb, catalog: typeof PG_CLASS) {
  return db
    .selectFrom('pg_catalog.pg_depend as e')
    .select('e.objid')
    .where('e.refclassid', '=', sql<number>`'pg_catalog.pg_extension'::regclass`)
    .where('e.classid', '=', catalog)
    .where('e.deptype', '=', 'e');
}

/** OIDs of the named schemas, for `in`. */
export function namespaceOids(db: CatalogDb, schemas: string[]) {
  return db
    .selectFrom('pg_catalog.pg_namespace as ns')
    .select('ns.oid')
    .where('ns.nspname', 'in', schemas);
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
    .where('n.nspacl', 'is not', null)
    .where('n.nspname', 'in', schemas)
    .where((eb) =>
      eb.or([
        eb('a.grantee', '<>', eb.ref('n.nspowner')),
        eb('a.grantor', '<>', eb.ref('n.nspowner')),
      ]),
    )
    .execute();
}

/** Positions in {@link queryRelations}' `facts`. */
export const RELATION_FACTS = { oid: 0, partition: 1, rlsEnabled: 2, rlsForced: 3 } as const;

/**
 * Tables (ordinary and partitioned), views and materialized views (extension members excluded)
 * in one scan of `pg_class` (a scan costs 10-15 ms on 10,000 tables). `facts` packs (see
 * `packed.ts`) OID, partition and the two RLS flags; `definition` is a view's; `grants` are the
 * explicit ones (the owner's implicit grants left out; `grantee` null for PUBLIC), read only
 * where there is an ACL.
 */
export async function queryRelations(db: CatalogDb, schemas: string[]) {
  if (schemas.length === 0) return [];
  return db
    .selectFrom('pg_catalog.pg_class as c')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
    .innerJoin('pg_catalog.pg_roles as o', 'o.oid', 'c.relowner')
    .select((eb) => [
      packed(
        sql.ref('c.oid'),
        int(sql.ref('c.relispartition')),
        int(sql.ref('c.relrowsecurity')),
        int(sql.ref('c.relforcerowsecurity')),
      ).as('facts'),
      'n.nspname as schema',
      'c.relname as name',
      'c.relkind as kind',
      'o.rolname as owner',
      sql<
        string | null
      >`case when c.relkind in ('v', 'm') then pg_catalog.pg_get_viewdef(c.oid, true) end`.as(
        'definition',
      ),
      eb
        .case()
        .when('c.relacl', 'is not', null)
        .then(
          jsonArrayFrom(
            eb
              .selectFrom(sql<AclRow>`aclexplode(c.relacl)`.as('a'))
              .leftJoin('pg_catalog.pg_roles as g', 'g.oid', 'a.grantee')
              .select([
                'g.rolname as grantee',
                'a.privilege_type as privilege',
                'a.is_grantable as grantable',
              ])
              .where((w) =>
                w.or([
                  w('a.grantee', '<>', w.ref('c.relowner')),
                  w('a.grantor', '<>', w.ref('c.relowner')),
                ]),
              ),
          ),
        )
        .end()
        .as('grants'),
    ])
    .where('c.relkind', 'in', ['r', 'p', 'v', 'm'])
    .where('n.nspname', 'in', schemas)
    .where('c.oid', 'not in', extensionMembers(db, PG_CLASS))
    .execute();
}

/** Positions in {@link queryColumns}' `facts`. */
export const COLUMN_FACTS = {
  relid: 0,
  num: 1,
  typid: 2,
  typmod: 3,
  collation: 4,
  notnull: 5,
  kind: 6,
} as const;

/**
 * Live columns of every table, view and materialized view in the schemas. `facts` packs (see
 * `packed.ts`) relation OID, attnum, type OID and modifier (named by {@link queryTypeNames}, once
 * per distinct pair rather than 50,000 times), collation OID (to rebuild index definitions),
 * not-null and `kind`: the character code of `attidentity || attgenerated` (`a`/`d` identity,
 * `s`/`v` generated, 0 for neither: a column is never both).
 *
 * Unordered: a sort would hold every row back until the last is read, where unsorted rows stream
 * to the client while the scan runs; the assembler orders them by attnum. A default is deparsed
 * without its relation: defaults cannot reference columns, and `pg_get_expr` with a relation OID
 * opens and locks the relation (recent PostgreSQL versions), which on 10,000 tables costs more
 * than the rest of the query. Only generation expressions, which do reference columns, are
 * deparsed against their relation.
 */
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
      packed(
        sql.ref('a.attrelid'),
        sql.ref('a.attnum'),
        sql.ref('a.atttypid'),
        sql.ref('a.atttypmod'),
        sql.ref('a.attcollation'),
        int(sql.ref('a.attnotnull')),
        sql`ascii(a.attidentity::text || a.attgenerated::text)`,
      ).as('facts'),
      'a.attname as name',
      sql<
        string | null
      >`pg_catalog.pg_get_expr(d.adbin, case when a.attgenerated = '' then 0 else d.adrelid end)`.as(
        'expr',
      ),
    ])
    .where('c.relkind', 'in', ['r', 'p', 'v', 'm', 'f'])
    .where('n.nspname', 'in', schemas)
    .where('a.attnum', '>', 0)
    .where('a.attisdropped', '=', false)
    .execute();
}

/** `format_type` of each (type OID, type modifier) pair, e.g. `character varying(30)`. */
export async function queryTypeNames(db: CatalogDb, typids: number[], typmods: number[]) {
  if (typids.length === 0) return [];
  return db
    .selectFrom(
      sql<{ typid: number; typmod: number }>`unnest(${typids}::oid[], ${typmods}::int4[])`.as<'t'>(
        sql`t(typid, typmod)`,
      ),
    )
    .select([
      't.typid',
      't.typmod',
      sql<string>`pg_catalog.format_type(t.typid, t.typmod)`.as('name'),
    ])
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
