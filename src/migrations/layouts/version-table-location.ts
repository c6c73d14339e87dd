import { quoteIdent, quoteQualified } from '../../postgres/quote.js';
import type { Queryable } from '../types.js';

/**
 * Where a tool's version table lives, settled once and then always named schema-qualified. The
 * tools name it unqualified and let the session's search_path decide; so does the first lookup
 * here (the schema it is found in, else the session's current schema, where the tools would create
 * it, else `public`). Every later statement names that schema explicitly, so session state set
 * since (a migration's `SET search_path = ''`, a dump's `set_config('search_path', '', false)`)
 * cannot hide the table or move it. One location serves one database.
 */
export class VersionTableLocation {
  private schema: string | undefined;

  constructor(
    /** The table's (unquoted) name. */
    readonly table: string,
  ) {}

  /** The quoted, schema-qualified name for SQL. Call {@link locate} (or {@link exists}) first. */
  get sql(): string {
    if (this.schema === undefined) {
      throw new Error(`version table ${this.table}: not located yet (read it first)`);
    }
    return quoteQualified([this.schema, this.table]);
  }

  /** Settles the schema on first use; returns the quoted, schema-qualified name. */
  async locate(client: Queryable): Promise<string> {
    if (this.schema === undefined) await this.exists(client);
    return this.sql;
  }

  /** Whether the table exists (settling its schema on first use): one query either way. */
  async exists(client: Queryable): Promise<boolean> {
    if (this.schema !== undefined) {
      const { rows } = await client.query<{ found: boolean }>(
        `SELECT pg_catalog.to_regclass($1) IS NOT NULL AS found`,
        [this.sql],
      );
      return rows[0]?.found === true;
    }
    const { rows } = await client.query<{ found: string | null; current: string | null }>(
      `SELECT (SELECT n.nspname FROM pg_catalog.pg_class c
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                WHERE c.oid = pg_catalog.to_regclass($1)) AS found,
              pg_catalog.current_schema() AS current`,
      [quoteIdent(this.table)],
    );
    const found = rows[0]?.found ?? null;
    this.schema = found ?? rows[0]?.current ?? 'public';
    return found !== null;
  }
}

/**
 * Leaves exactly `versions` as the rows of a one-row-per-migration table whose key column is
 * `version` (diesel's and dbmate's tables): rows outside them deleted, missing ones inserted.
 */
export async function stampVersionRows(
  client: Queryable,
  tableSql: string,
  versions: ReadonlySet<string>,
): Promise<void> {
  await client.query(`DELETE FROM ${tableSql} WHERE NOT (version = ANY($1))`, [[...versions]]);
  for (const v of versions) {
    await client.query(`INSERT INTO ${tableSql} (version) VALUES ($1) ON CONFLICT DO NOTHING`, [v]);
  }
}
