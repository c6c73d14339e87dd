import path from 'node:path';
import { readWithChecksum, walkFiles } from './files.js';
import { chainLinear } from './linear-history.js';
import { VersionTableLocation } from './version-table-location.js';
import type {
  GraphView,
  Migration,
  MigrationSource,
  Queryable,
  VersionTableAdapter,
  VersionWrite,
} from './types.js';
import { quoteLiteral } from '../postgres/quote.js';

/** Diesel's version: the leading digits of the directory name with `-`/`_` separators removed. */
export function dieselVersion(dirName: string): string | null {
  const m = /^(\d[\d_-]*\d|\d)(?:_|$)/.exec(dirName);
  if (!m) return null;
  return (m[1] as string).replace(/[-_]/g, '');
}

/** Diesel's `__diesel_schema_migrations`: one row per applied migration. */
class DieselTable implements VersionTableAdapter {
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
    await client.query(`DELETE FROM ${this.at.sql} WHERE NOT (version = ANY($1))`, [[...all]]);
    for (const v of all) {
      await client.query(
        `INSERT INTO ${this.at.sql} (version) VALUES ($1) ON CONFLICT DO NOTHING`,
        [v],
      );
    }
  }
}

/** The `diesel` layout: `<dir>/<version>_<name>/up.sql`. */
export function dieselSource(dir: string): MigrationSource {
  const root = path.resolve(dir);
  return {
    layout: 'diesel',
    dir: root,
    external: false,
    versionTable: new DieselTable(),
    async list() {
      const files = await walkFiles(root, (n) => n === 'up.sql');
      return chainLinear(
        files
          .filter((f) => path.dirname(path.dirname(f)) === root)
          .flatMap((file) => {
            const name = path.basename(path.dirname(file));
            const version = dieselVersion(name);
            return version === null
              ? []
              : [{ revision: version, file, key: version, message: name }];
          }),
      );
    },
    async upgradeSql(m) {
      return (await readWithChecksum(m.file)).text;
    },
  };
}
