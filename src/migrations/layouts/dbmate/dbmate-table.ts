import { StepError } from '../../../errors.js';
import { quoteLiteral } from '../../../postgres/quote.js';
import type {
  GraphView,
  Migration,
  Queryable,
  VersionTableAdapter,
  VersionWrite,
} from '../../types.js';
import { stampVersionRows, VersionTableLocation } from '../version-table-location.js';

/** dbmate's `schema_migrations`: one row per applied migration, `version varchar primary key`. */
export class DbmateTable implements VersionTableAdapter {
  readonly table = 'schema_migrations';
  private readonly at = new VersionTableLocation(this.table);
  private checked = false;

  async ensure(client: Queryable): Promise<void> {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${await this.at.locate(client)} (version varchar primary key)`,
    );
  }

  async read(client: Queryable): Promise<string[] | null> {
    if (!(await this.at.exists(client))) return null;
    if (!this.checked) await this.refuseForeign(client);
    const { rows } = await client.query<{ version: string }>(
      `SELECT version::text AS version FROM ${this.at.sql} ORDER BY version`,
    );
    return rows.map((r) => r.version);
  }

  /** golang-migrate's table has the same name; its single `dirty` row is not dbmate's record. */
  private async refuseForeign(client: Queryable): Promise<void> {
    const { rows } = await client.query<{ attname: string }>(
      `SELECT attname FROM pg_catalog.pg_attribute
        WHERE attrelid = pg_catalog.to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
      [this.at.sql],
    );
    const columns = rows.map((r) => r.attname);
    if (!columns.includes('version') || columns.includes('dirty')) {
      throw new StepError(
        'VERSION_TABLE_FOREIGN',
        `${this.at.sql} is not dbmate's version table (columns: ${columns.join(', ')})`,
        {
          hint: columns.includes('dirty')
            ? "it is golang-migrate's: set `layout: golang-migrate`, or migrate another database"
            : 'dbmate keeps schema_migrations(version varchar primary key)',
        },
      );
    }
    this.checked = true;
  }

  recordSql(m: Migration, _graph: GraphView, rows: readonly string[]): VersionWrite {
    return {
      statements: [
        { sql: `INSERT INTO ${this.at.sql} (version) VALUES (${quoteLiteral(m.revision)})` },
      ],
      rows: [...rows, m.revision].sort(),
    };
  }

  async stamp(client: Queryable, revisions: string[], graph: GraphView): Promise<void> {
    const all = new Set([...revisions, ...graph.ancestors(revisions)]);
    await this.ensure(client);
    await stampVersionRows(client, this.at.sql, all);
  }
}
