import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { PgCatalog } from './pg-catalog-types.js';

/** A Kysely instance typed for `pg_catalog`, over an existing pool. */
export type CatalogDb = Kysely<PgCatalog>;

/**
 * Wraps an existing pg pool (from `Connections`) in a Kysely instance typed for `pg_catalog`.
 * The pool stays owned by `Connections`: do not call `destroy()` on the result (that would end
 * the pool); simply drop the reference.
 */
export function catalogDb(pool: pg.Pool): CatalogDb {
  return new Kysely<PgCatalog>({ dialect: new PostgresDialect({ pool }) });
}

/** Accepts either a ready Kysely instance or a pool. */
export function toCatalogDb(db: CatalogDb | pg.Pool): CatalogDb {
  return db instanceof Kysely ? db : catalogDb(db);
}
