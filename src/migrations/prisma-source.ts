import { randomUUID } from 'node:crypto';
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

/**
 * Prisma's `_prisma_migrations`, with Prisma's exact columns. A finished, not rolled-back row
 * counts as applied; `checksum` is the SHA-256 hex of migration.sql, as Prisma computes it.
 */
class PrismaTable implements VersionTableAdapter {
  readonly table = '_prisma_migrations';
  /** Where the session finds it, else its current schema (Prisma's `schema` parameter, `public` by default). */
  private readonly at = new VersionTableLocation(this.table);

  async ensure(client: Queryable): Promise<void> {
    await client.query(`CREATE TABLE IF NOT EXISTS ${await this.at.locate(client)} (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`);
  }

  async read(client: Queryable): Promise<string[] | null> {
    if (!(await this.at.exists(client))) return null;
    const { rows } = await client.query<{ migration_name: string }>(
      `SELECT migration_name FROM ${this.at.sql}
        WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
    );
    return rows.map((r) => r.migration_name);
  }

  recordSql(m: Migration, _graph: GraphView, rows: readonly string[]): VersionWrite {
    const [id, checksum, name] = [randomUUID(), m.checksum, m.revision].map(quoteLiteral);
    return {
      statements: [
        {
          sql: `INSERT INTO ${this.at.sql} (id, checksum, finished_at, migration_name, applied_steps_count)
       VALUES (${id}, ${checksum}, now(), ${name}, 1)`,
        },
      ],
      rows: [...rows, m.revision].sort(),
    };
  }

  async stamp(client: Queryable, revisions: string[], graph: GraphView): Promise<void> {
    const all = new Set([...revisions, ...graph.ancestors(revisions)]);
    await this.ensure(client);
    await client.query(
      `UPDATE ${this.at.sql} SET rolled_back_at = now()
        WHERE rolled_back_at IS NULL AND NOT (migration_name = ANY($1))`,
      [[...all]],
    );
    const have = new Set((await this.read(client)) ?? []);
    // `prisma migrate resolve --applied` records 0 applied steps: nothing ran.
    for (const r of all) if (!have.has(r)) await this.insert(client, graph.get(r), 0);
  }

  private async insert(client: Queryable, m: Migration, steps: number): Promise<void> {
    await client.query(
      `INSERT INTO ${this.at.sql} (id, checksum, finished_at, migration_name, applied_steps_count)
       VALUES ($1, $2, now(), $3, $4)`,
      [randomUUID(), m.checksum, m.revision, steps],
    );
  }
}

/** The `prisma` layout: `<dir>/<timestamp>_<name>/migration.sql`; revision = directory name. */
export function prismaSource(dir: string): MigrationSource {
  const root = path.resolve(dir);
  return {
    layout: 'prisma',
    dir: root,
    external: false,
    versionTable: new PrismaTable(),
    async list() {
      const files = await walkFiles(root, (n) => n === 'migration.sql');
      return chainLinear(
        files
          .filter((f) => path.dirname(path.dirname(f)) === root)
          .map((file) => {
            const name = path.basename(path.dirname(file));
            return { revision: name, file, key: name };
          }),
      );
    },
    async upgradeSql(m) {
      return (await readWithChecksum(m.file)).text;
    },
  };
}
