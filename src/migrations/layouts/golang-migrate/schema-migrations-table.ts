import { quoteLiteral } from '../../../postgres/quote.js';
import type {
  GraphView,
  Migration,
  Queryable,
  VersionTableAdapter,
  VersionWrite,
} from '../../types.js';
import { VersionTableLocation } from '../version-table-location.js';

/**
 * golang-migrate's `schema_migrations`: one row, the latest version, `dirty` true while a
 * migration runs (golang-migrate refuses a dirty database until forced).
 */
export class SchemaMigrationsTable implements VersionTableAdapter {
  readonly table = 'schema_migrations';
  /** In the session's current schema, as golang-migrate qualifies it. */
  private readonly at = new VersionTableLocation(this.table);

  async ensure(client: Queryable): Promise<void> {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${await this.at.locate(client)} (version bigint not null primary key, dirty boolean not null)`,
    );
  }

  async read(client: Queryable): Promise<string[] | null> {
    if (!(await this.at.exists(client))) return null;
    const { rows } = await client.query<{ version: string; dirty: boolean }>(
      `SELECT version::text AS version, dirty FROM ${this.at.sql} LIMIT 1`,
    );
    const row = rows[0];
    return row && !row.dirty ? [row.version] : [];
  }

  /** The version golang-migrate left dirty (started, not known to have finished), if any. */
  async dirty(client: Queryable): Promise<string | null> {
    if (!(await this.at.exists(client))) return null;
    const { rows } = await client.query<{ version: string }>(
      `SELECT version::text AS version FROM ${this.at.sql} WHERE dirty LIMIT 1`,
    );
    return rows[0]?.version ?? null;
  }

  async begin(client: Queryable, m: Migration): Promise<void> {
    await this.set(client, m.revision, true);
  }

  recordSql(m: Migration): VersionWrite {
    return {
      statements: [
        { sql: `DELETE FROM ${this.at.sql}` },
        {
          sql: `INSERT INTO ${this.at.sql} (version, dirty) VALUES (${quoteLiteral(m.revision)}, false)`,
        },
      ],
      rows: [m.revision],
    };
  }

  /**
   * `--retry` is `migrate force <previous version>` then `up`: the dirty version's parent is
   * recorded clean (none: the table emptied, as `force` to NilVersion leaves it), so the plan
   * runs the dirty migration again and nothing before it. `--skip` is `migrate force <version>`.
   */
  async settle(
    client: Queryable,
    m: Migration,
    decision: 'retry' | 'skip',
    graph: GraphView,
  ): Promise<void> {
    if (decision === 'skip') return this.set(client, m.revision, false);
    const parent = graph.get(m.revision).parents[0];
    if (parent === undefined) await client.query(`DELETE FROM ${this.at.sql}`);
    else await this.set(client, parent, false);
  }

  async stamp(client: Queryable, revisions: string[], graph: GraphView): Promise<void> {
    const implied = graph.ancestors(revisions);
    const latest = revisions.filter((r) => !implied.has(r));
    await this.ensure(client);
    if (latest.length === 0) await client.query(`DELETE FROM ${this.at.sql}`);
    else await this.set(client, latest[latest.length - 1] as string, false);
  }

  private async set(client: Queryable, version: string, dirty: boolean): Promise<void> {
    await client.query(`DELETE FROM ${this.at.sql}`);
    await client.query(`INSERT INTO ${this.at.sql} (version, dirty) VALUES ($1, $2)`, [
      version,
      dirty,
    ]);
  }
}
