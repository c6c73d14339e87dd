import { quoteLiteral } from '../../../postgres/quote.js';
import type {
  GraphView,
  Migration,
  Queryable,
  VersionTableAdapter,
  VersionWrite,
} from '../../types.js';
import { stampVersionRows, VersionTableLocation } from '../version-table-location.js';

/** Diesel's `__diesel_schema_migrations`: one row per applied migration. */
export class DieselTable implements VersionTableAdapter {
  readonly table = '__diesel_schema_migrations';
  /** Where the session finds it, else its current schema (as Diesel names it unqualified). */
  private readonly at = new VersionTableLocation(this.table);

  async ensure(client: Queryable): Promise<void> {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${await this.at.locate(client)} (version VARCHAR(50) PRIMARY KEY NOT NULL, ` +
        `run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
    );
  }

  async read(client: Queryable): Promise<string[] | null> {
    if (!(await this.at.exists(client))) return null;
    const { rows } = await client.query<{ version: string }>(
      `SELECT version FROM ${this.at.sql} ORDER BY version`,
    );
    return rows.map((r) => r.version);
  }

  recordSql(m: Migration, _graph: GraphView, rows: readonly string[]): VersionWrite {
    return {
      statements: [
        {
          sql: `INSERT INTO ${this.at.sql} (version) VALUES (${quoteLiteral(m.revision)})`,
        },
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
