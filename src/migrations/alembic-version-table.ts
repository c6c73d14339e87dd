import type { GraphView, Migration, Queryable, VersionTableAdapter } from './types.js';

/**
 * Alembic's `alembic_version`: one row per applied head, maintained exactly as Alembic's
 * HeadMaintainer does on upgrade, so either tool can take over a database from the other.
 */
export class AlembicVersionTable implements VersionTableAdapter {
  readonly table = 'alembic_version';

  async ensure(client: Queryable): Promise<void> {
    await client.query(
      `CREATE TABLE IF NOT EXISTS alembic_version (version_num varchar(128) NOT NULL, ` +
        `CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))`,
    );
  }

  async read(client: Queryable): Promise<string[] | null> {
    const { rows } = await client.query<{ t: string | null }>(
      `SELECT to_regclass('alembic_version')::text AS t`,
    );
    if (!rows[0]?.t) return null;
    const res = await client.query<{ version_num: string }>(
      `SELECT version_num FROM alembic_version ORDER BY version_num`,
    );
    return res.rows.map((r) => r.version_num);
  }

  /**
   * Applying `m` with current rows `heads`: a base, or a revision none of whose (normalized)
   * parents is a current row, inserts a row; a merge with several parent rows deletes all but one
   * and updates that one; otherwise the one parent row is updated to `m`.
   */
  async record(client: Queryable, m: Migration, graph: GraphView): Promise<void> {
    const heads = new Set((await this.read(client)) ?? []);
    const down = graph.normalizedParents(m.revision);
    const present = down.filter((d) => heads.has(d));
    if (present.length === 0) {
      await client.query(`INSERT INTO alembic_version (version_num) VALUES ($1)`, [m.revision]);
      return;
    }
    let from = present;
    if (present.length > 1) {
      const others = [...heads].filter((h) => !down.includes(h));
      if (others.length > 0) {
        const shadowed = graph.ancestors(others);
        from = present.filter((p) => !shadowed.has(p));
      }
    }
    for (const d of from.slice(0, -1)) {
      await client.query(`DELETE FROM alembic_version WHERE version_num = $1`, [d]);
    }
    await client.query(`UPDATE alembic_version SET version_num = $1 WHERE version_num = $2`, [
      m.revision,
      from[from.length - 1],
    ]);
  }

  async stamp(client: Queryable, revisions: string[], graph: GraphView): Promise<void> {
    // Keep only the revisions no other stamped revision descends from: one row per head.
    const implied = graph.ancestors(revisions);
    const rows = [...new Set(revisions)].filter((r) => !implied.has(r));
    await this.ensure(client);
    await client.query(`DELETE FROM alembic_version`);
    for (const r of rows) {
      await client.query(`INSERT INTO alembic_version (version_num) VALUES ($1)`, [r]);
    }
  }
}
