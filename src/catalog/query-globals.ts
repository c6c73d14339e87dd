import { sql } from 'kysely';
import type { CatalogDb } from './catalog-db.js';
import { int, packed } from './packed.js';
import { PG_CLASS, PG_PROC, extensionMembers } from './query-relations.js';

/**
 * One query per kind for objects not attached to a relation: sequences, functions, roles,
 * database settings, extensions, and the server/database identity.
 */

/**
 * Current database name and server version, plus what rebuilding definitions needs: the version
 * as a number, the keywords `quote_ident` quotes (all but the unreserved) and whether
 * `quote_all_identifiers` is on.
 */
export async function queryIdentity(db: CatalogDb) {
  return db
    .selectNoFrom([
      sql<string>`pg_catalog.current_database()`.as('database'),
      sql<string>`pg_catalog.current_setting('server_version')`.as('server_version'),
      sql<number>`pg_catalog.current_setting('server_version_num')::int`.as('version_num'),
      sql<
        string[]
      >`array(select k.word from pg_catalog.pg_get_keywords() k where k.catcode <> 'U')`.as(
        'keywords',
      ),
      sql<boolean>`pg_catalog.current_setting('quote_all_identifiers')::bool`.as('quote_all'),
    ])
    .executeTakeFirstOrThrow();
}

/**
 * Sequences with their parameters (`params`: start, increment, min, max and cache as int8 text,
 * space-separated) and, packed in `facts` (`packed.ts`), cycle and the owning column (serial /
 * identity) as relation OID and attnum (0 0 when none): the assembler names it from the columns
 * it already has (a join to pg_attribute here would dominate the snapshot's time on large
 * catalogs).
 */
export async function querySequences(db: CatalogDb, schemas: string[]) {
  if (schemas.length === 0) return [];
  return db
    .selectFrom('pg_catalog.pg_sequence as s')
    .innerJoin('pg_catalog.pg_class as c', 'c.oid', 's.seqrelid')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
    .leftJoin('pg_catalog.pg_depend as d', (j) =>
      j
        .onRef('d.objid', '=', 's.seqrelid')
        .on('d.deptype', 'in', ['a', 'i'])
        .on('d.classid', '=', PG_CLASS)
        .on('d.refclassid', '=', PG_CLASS),
    )
    .select([
      'n.nspname as schema',
      'c.relname as name',
      sql<string>`pg_catalog.format_type(s.seqtypid, NULL)`.as('type'),
      sql<string>`concat_ws(' ', s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache)`.as(
        'params',
      ),
      packed(
        int(sql.ref('s.seqcycle')),
        sql`coalesce(d.refobjid, 0)`,
        sql`coalesce(d.refobjsubid, 0)`,
      ).as('facts'),
    ])
    .where('n.nspname', 'in', schemas)
    .where('s.seqrelid', 'not in', extensionMembers(db, PG_CLASS))
    .execute();
}

/** Functions, procedures and aggregates (extension members excluded). */
export async function queryFunctions(db: CatalogDb, schemas: string[]) {
  if (schemas.length === 0) return [];
  return db
    .selectFrom('pg_catalog.pg_proc as p')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'p.pronamespace')
    .innerJoin('pg_catalog.pg_language as l', 'l.oid', 'p.prolang')
    .select([
      'n.nspname as schema',
      'p.proname as name',
      'p.prokind as kind',
      'l.lanname as language',
      sql<string>`pg_catalog.pg_get_function_identity_arguments(p.oid)`.as('args'),
      sql<string | null>`pg_catalog.pg_get_function_result(p.oid)`.as('result'),
      sql<string>`pg_catalog.md5(p.prosrc)`.as('body_md5'),
    ])
    .where('n.nspname', 'in', schemas)
    .where('p.oid', 'not in', extensionMembers(db, PG_PROC))
    .execute();
}

/** Roles with attributes; PostgreSQL's predefined `pg_*` roles are omitted. */
export async function queryRoles(db: CatalogDb) {
  return db
    .selectFrom('pg_catalog.pg_roles as r')
    .select([
      'r.rolname as name',
      'r.rolsuper as superuser',
      'r.rolinherit as inherit',
      'r.rolcreaterole as createrole',
      'r.rolcreatedb as createdb',
      'r.rolcanlogin as login',
      'r.rolreplication as replication',
      'r.rolbypassrls as bypassrls',
      'r.rolconnlimit as connection_limit',
    ])
    .where('r.rolname', 'not like', 'pg\\_%')
    .orderBy('r.rolname')
    .execute();
}

/** `ALTER DATABASE <current> SET …` (and per-role settings in this database). */
export async function querySettings(db: CatalogDb) {
  return db
    .selectFrom('pg_catalog.pg_db_role_setting as s')
    .innerJoin('pg_catalog.pg_database as d', 'd.oid', 's.setdatabase')
    .leftJoin('pg_catalog.pg_roles as r', 'r.oid', 's.setrole')
    .select(['r.rolname as role', 's.setconfig as config'])
    .where('d.datname', '=', sql<string>`pg_catalog.current_database()`)
    .execute();
}

/** Installed extensions. */
export async function queryExtensions(db: CatalogDb) {
  return db
    .selectFrom('pg_catalog.pg_extension as e')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'e.extnamespace')
    .select(['e.extname as name', 'e.extversion as version', 'n.nspname as schema'])
    .orderBy('e.extname')
    .execute();
}
