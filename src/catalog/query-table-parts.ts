import { sql } from 'kysely';
import type { CatalogDb } from './catalog-db.js';
import { int, packed } from './packed.js';
import { namespaceOids } from './query-relations.js';

/**
 * One query per kind for the parts attached to a relation: indexes, constraints, triggers and
 * RLS policies. Rows carry the parent relation's OID (`relid`) for the assembler.
 */

/**
 * Positions in {@link queryIndexes}' `facts`: the index's, then those of the primary key or
 * unique constraint it backs (0 when none; `keyType` is the character code of `contype`); then
 * come `indkey` (`natts` attnums, 0 for an expression), `indclass`, `indcollation` and
 * `indoption` (`nkeyatts` each).
 */
export const INDEX_FACTS = {
  oid: 0,
  relid: 1,
  unique: 2,
  primary: 3,
  nullsNotDistinct: 4,
  natts: 5,
  nkeyatts: 6,
  keyOid: 7,
  keyType: 8,
  keyDeferrable: 9,
  keyDeferred: 10,
  keyValidated: 11,
  vectors: 12,
} as const;

/**
 * Indexes of tables and materialized views in the schemas, with the `pg_index` columns their
 * definition is rebuilt from (`index-definitions.ts`), packed in `facts` (`packed.ts`).
 * `pg_get_indexdef` costs tens of microseconds an index (catalog lookups, a scan of `pg_opclass`
 * per key column), so it is asked for here only for what is never rebuilt: expression,
 * non-btree, partitioned and `WITH (…)` indexes. `indnullsnotdistinct` exists from PostgreSQL 15
 * (`versionNum` 150000).
 *
 * A primary key or unique constraint is read here, with its index (its key is the index's key
 * columns): `queryConstraints` leaves them out, 10,000 rows fewer on 10,000 tables.
 * `key_name` is the constraint's name where it differs from the index's.
 */
export async function queryIndexes(db: CatalogDb, schemas: string[], versionNum: number) {
  if (schemas.length === 0) return [];
  const plain = sql<boolean>`i.indexprs is null and ic.reloptions is null and ic.relkind = 'i' and am.amname = 'btree'`;
  return db
    .selectFrom('pg_catalog.pg_index as i')
    .innerJoin('pg_catalog.pg_class as ic', 'ic.oid', 'i.indexrelid')
    .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'ic.relnamespace')
    .innerJoin('pg_catalog.pg_am as am', 'am.oid', 'ic.relam')
    .leftJoin('pg_catalog.pg_constraint as k', (j) =>
      j
        .onRef('k.conindid', '=', 'i.indexrelid')
        .onRef('k.conrelid', '=', 'i.indrelid')
        .on('k.contype', 'in', ['p', 'u']),
    )
    .select([
      packed(
        sql.ref('i.indexrelid'),
        sql.ref('i.indrelid'),
        int(sql.ref('i.indisunique')),
        int(sql.ref('i.indisprimary')),
        versionNum >= 150000 ? int(sql.ref('i.indnullsnotdistinct')) : sql<number>`0`,
        sql.ref('i.indnatts'),
        sql.ref('i.indnkeyatts'),
        sql`coalesce(k.oid, 0)`,
        sql`coalesce(ascii(k.contype::text), 0)`,
        sql`coalesce(k.condeferrable::int, 0)`,
        sql`coalesce(k.condeferred::int, 0)`,
        sql`coalesce(k.convalidated::int, 0)`,
        sql.ref('i.indkey'),
        sql.ref('i.indclass'),
        sql.ref('i.indcollation'),
        sql.ref('i.indoption'),
      ).as('facts'),
      'ic.relname as name',
      sql<string | null>`nullif(k.conname, ic.relname)`.as('key_name'),
      sql<
        string | null
      >`case when ${plain} then null else pg_catalog.pg_get_indexdef(i.indexrelid) end`.as(
        'definition',
      ),
      sql<string | null>`pg_catalog.pg_get_expr(i.indpred, i.indrelid)`.as('predicate'),
    ])
    .where('n.nspname', 'in', schemas)
    .execute();
}

/**
 * The default btree operator classes without an options support function (5): with one of
 * these on a column of exactly its input type, `pg_get_indexdef` prints no operator class.
 */
export async function queryDefaultOpclasses(db: CatalogDb) {
  return db
    .selectFrom('pg_catalog.pg_opclass as o')
    .innerJoin('pg_catalog.pg_am as am', 'am.oid', 'o.opcmethod')
    .select(['o.oid', 'o.opcintype as intype'])
    .where('o.opcdefault', '=', true)
    .where('am.amname', '=', 'btree')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('pg_catalog.pg_amproc as p')
            .select('p.amprocnum')
            .whereRef('p.amprocfamily', '=', 'o.opcfamily')
            .where('p.amprocnum', '=', 5),
        ),
      ),
    )
    .execute();
}

/** `pg_get_indexdef` of the given indexes (those a rebuild could not vouch for). */
export async function queryIndexDefinitions(db: CatalogDb, oids: number[]) {
  if (oids.length === 0) return [];
  return db
    .selectFrom('pg_catalog.pg_index as i')
    .select([
      'i.indexrelid as oid',
      sql<string>`pg_catalog.pg_get_indexdef(i.indexrelid)`.as('definition'),
    ])
    .where('i.indexrelid', '=', sql<number>`any(${oids}::oid[])`)
    .execute();
}

/**
 * Positions in {@link queryConstraints}' `facts`; then come the key's length and attnums, and
 * the referenced key's length and attnums (lengths 0 where there is none).
 */
export const CONSTRAINT_FACTS = {
  oid: 0,
  relid: 1,
  refRelid: 2,
  deferrable: 3,
  deferred: 4,
  validated: 5,
  key: 6,
} as const;

/**
 * Table constraints other than primary keys and unique constraints (read with their index by
 * {@link queryIndexes}, and rebuilt from it: `pg_get_constraintdef` costs a catalog scan each)
 * and not-null constraints (nullability lives on the column). Integers packed in `facts`
 * (`packed.ts`), `codes` = `contype`, then for a foreign key its `confdeltype` and
 * `confupdtype`.
 * Selected by the constraint's own schema (always its table's), without joining `pg_class`
 * (a scan of every relation): the assembler names referenced tables from the relations it has.
 */
export async function queryConstraints(db: CatalogDb, schemas: string[]) {
  if (schemas.length === 0) return [];
  return db
    .selectFrom('pg_catalog.pg_constraint as k')
    .select([
      packed(
        sql.ref('k.oid'),
        sql.ref('k.conrelid'),
        sql.ref('k.confrelid'),
        int(sql.ref('k.condeferrable')),
        int(sql.ref('k.condeferred')),
        int(sql.ref('k.convalidated')),
        sql`coalesce(cardinality(k.conkey), 0)`,
        sql.ref('k.conkey'),
        sql`coalesce(cardinality(k.confkey), 0)`,
        sql.ref('k.confkey'),
      ).as('facts'),
      sql<string>`k.contype::text || k.confdeltype::text || k.confupdtype::text`.as('codes'),
      'k.conname as name',
      sql<string>`pg_catalog.pg_get_constraintdef(k.oid, true)`.as('definition'),
    ])
    .where('k.contype', 'not in', ['n', 'p', 'u'])
    .where('k.conrelid', '<>', 0)
    .where('k.connamespace', 'in', namespaceOids(db, schemas))
    .execute();
}

/** `pg_get_constraintdef` of the given constraints (keys whose index could not be read). */
export async function queryConstraintDefinitions(db: CatalogDb, oids: number[]) {
  if (oids.length === 0) return [];
  return db
    .selectFrom('pg_catalog.pg_constraint as k')
    .select(['k.oid', sql<string>`pg_catalog.pg_get_constraintdef(k.oid, true)`.as('definition')])
    .where('k.oid', '=', sql<number>`any(${oids}::oid[])`)
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
