import { quoteLiteral } from '../../../postgres/quote.js';
import { VersionTableLocation } from '../version-table-location.js';
import type {
  GraphView,
  Migration,
  Queryable,
  VersionStatement,
  VersionTableAdapter,
  VersionWrite,
} from '../../types.js';

/**
 * Alembic's `alembic_version`: one row per applied head, maintained exactly as Alembic's
 * HeadMaintainer does on upgrade, so either tool can take over a database from the other.
 */
export class AlembicVersionTable implements VersionTableAdapter {
  readonly table = 'alembic_version';
  /** In the schema the session finds it in, else its current schema (as Alembic without `version_table_schema`). */
  private readonly at = new VersionTableLocation(this.table);

  async ensure(client: Queryable): Promise<void> {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${await this.at.locate(client)} (version_num varchar(128) NOT NULL, ` +
        `CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))`,
    );
  }

  async read(client: Queryable): Promise<string[] | null> {
    if (!(await this.at.exists(client))) return null;
    const res = await client.query<{ version_num: string }>(
      `SELECT version_num FROM ${this.at.sql} ORDER BY version_num`,
    );
    return res.rows.map((r) => r.version_num);
  }

  /**
   * Applying `m` with current rows `heads`: a base, or a revision none of whose (normalized)
   * parents is a current row, inserts a row; a merge with several parent rows deletes all but one
   * and updates that one; otherwise the one parent row is updated to `m`.
   */
  recordSql(m: Migration, graph: GraphView, rows: readonly string[]): VersionWrite {
    const heads = new Set(rows);
    const down = graph.normalizedParents(m.revision);
    const present = down.filter((d) => heads.has(d));
    const rev = quoteLiteral(m.revision);
    if (present.length === 0) {
      return {
        statements: [{ sql: `INSERT INTO ${this.at.sql} (version_num) VALUES (${rev})` }],
        rows: [...heads, m.revision].sort(),
      };
    }
    let from = present;
    if (present.length > 1) {
      const others = [...heads].filter((h) => !down.includes(h));
      if (others.length > 0) {
        const shadowed = graph.ancestors(others);
        from = present.filter((p) => !shadowed.has(p));
      }
    }
    const statements: VersionStatement[] = from.slice(0, -1).map((d) => ({
      sql: `DELETE FROM ${this.at.sql} WHERE version_num = ${quoteLiteral(d)}`,
      rowCount: 1,
    }));
    const last = from[from.length - 1] as string;
    statements.push({
      sql: `UPDATE ${this.at.sql} SET version_num = ${rev} WHERE version_num = ${quoteLiteral(last)}`,
      rowCount: 1,
    });
    return {
      statements,
      rows: [...[...heads].filter((h) => !from.includes(h)), m.revision].sort(),
    };
  }

  async stamp(client: Queryable, revisions: string[], graph: GraphView): Promise<void> {
    // Keep only the revisions no other stamped revision descends from: one row per head.
    const implied = graph.ancestors(revisions);
    const rows = [...new Set(revisions)].filter((r) => !implied.has(r));
    await this.ensure(client);
    await client.query(`DELETE FROM ${this.at.sql}`);
    for (const r of rows) {
      await client.query(`INSERT INTO ${this.at.sql} (version_num) VALUES ($1)`, [r]);
    }
  }
}
