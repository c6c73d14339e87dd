import { randomUUID } from 'node:crypto';
import { StepError } from '../../../errors.js';
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
 * Prisma's `_prisma_migrations`, with Prisma's exact columns. A finished, not rolled-back row
 * counts as applied; `checksum` is the SHA-256 hex of migration.sql, as Prisma computes it.
 */
export class PrismaTable implements VersionTableAdapter {
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

  /** The checksum of each applied migration's latest applied row (SHA-256 hex of migration.sql). */
  async checksums(client: Queryable): Promise<Map<string, string>> {
    if (!(await this.at.exists(client))) return new Map();
    const { rows } = await client.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM ${this.at.sql}
        WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY finished_at`,
    );
    return new Map(rows.map((r) => [r.migration_name, r.checksum]));
  }

  /** The migration Prisma (or an interrupted run) left failed: started, neither finished nor rolled back. */
  async dirty(client: Queryable): Promise<string | null> {
    if (!(await this.at.exists(client))) return null;
    const { rows } = await client.query<{ migration_name: string }>(
      `SELECT migration_name FROM ${this.at.sql}
        WHERE finished_at IS NULL AND rolled_back_at IS NULL ORDER BY started_at, migration_name LIMIT 1`,
    );
    return rows[0]?.migration_name ?? null;
  }

  /** Rows {@link begin} inserted in this process, by migration: {@link recordSql} finishes them. */
  private readonly started = new Map<string, string>();

  /**
   * Before a migration runs outside a transaction: the row `record_migration_started` inserts
   * (id, checksum, started_at, migration_name; finished_at NULL), which is the failed row Prisma
   * refuses (P3009) should the migration not finish.
   */
  async begin(client: Queryable, m: Migration): Promise<void> {
    const id = randomUUID();
    await client.query(
      `INSERT INTO ${this.at.sql} (id, checksum, started_at, migration_name) VALUES ($1, $2, now(), $3)`,
      [id, m.checksum, m.revision],
    );
    this.started.set(m.revision, id);
  }

  /** As `record_failed_step`: the error goes to the started row's `logs`; the row stays failed. */
  async fail(client: Queryable, m: Migration, logs: string): Promise<void> {
    const id = this.started.get(m.revision);
    if (id !== undefined) {
      await client.query(`UPDATE ${this.at.sql} SET logs = $2 WHERE id = $1`, [id, logs]);
    }
  }

  /**
   * Prisma stamps `started_at` before the script and `finished_at` after it (schema-core
   * `apply_migrations`: `record_migration_started`, the script, `record_successful_step`,
   * `record_migration_finished`). Inside runbook's transaction the row is written after the file:
   * `started_at` is the transaction's start (`now()`), `finished_at` the clock after the file.
   * A row {@link begin} inserted is finished in place.
   */
  recordSql(m: Migration, _graph: GraphView, rows: readonly string[]): VersionWrite {
    const startedId = this.started.get(m.revision);
    if (startedId !== undefined) {
      return {
        statements: [
          {
            sql: `UPDATE ${this.at.sql} SET applied_steps_count = applied_steps_count + 1, finished_at = clock_timestamp()
        WHERE id = ${quoteLiteral(startedId)} AND finished_at IS NULL AND rolled_back_at IS NULL`,
            rowCount: 1,
          },
        ],
        rows: [...rows, m.revision].sort(),
      };
    }
    const [id, checksum, name] = [randomUUID(), m.checksum, m.revision].map(quoteLiteral);
    return {
      statements: [
        {
          sql: `INSERT INTO ${this.at.sql} (id, checksum, started_at, finished_at, migration_name, applied_steps_count)
       VALUES (${id}, ${checksum}, now(), clock_timestamp(), ${name}, 1)`,
        },
      ],
      rows: [...rows, m.revision].sort(),
    };
  }

  /**
   * As `prisma migrate resolve` does (schema-core `mark_migration_rolled_back` /
   * `mark_migration_applied`): both mark the migration's failed rows rolled back
   * (`rolled_back_at`); `--applied` (`skip`) then inserts a row with `logs` '', `started_at` =
   * `finished_at` and 0 applied steps. After `retry` the migration is pending again.
   */
  async settle(client: Queryable, m: Migration, decision: 'retry' | 'skip'): Promise<void> {
    await client.query(
      `UPDATE ${this.at.sql} SET rolled_back_at = now()
        WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL`,
      [m.revision],
    );
    if (decision === 'skip') await this.insert(client, m);
  }

  /** P3009's refusal, with the two ways out as `prisma migrate resolve` offers them. */
  dirtyRefusal(m: Migration, runId: string): StepError {
    const name = m.revision;
    return new StepError(
      PRISMA_FAILED_MIGRATION,
      `${this.table} records migration ${name} as failed (started, neither finished nor rolled back); ` +
        `prisma migrate deploy refuses this database (P3009), and so does runbook. Ways out: ` +
        `\`runbook resume ${runId} --retry\` marks it rolled back (as \`prisma migrate resolve --rolled-back ${name}\`) and applies it again; ` +
        `\`runbook resume ${runId} --skip ${name}\` marks it applied without running it (as \`prisma migrate resolve --applied ${name}\`)`,
      {
        migration: name,
        file: m.file,
        hint: `check what ${name} changed before it failed, then choose`,
      },
    );
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
    for (const r of all) if (!have.has(r)) await this.insert(client, graph.get(r));
  }

  /** A row as `prisma migrate resolve --applied` records it: 0 applied steps, nothing ran. */
  private async insert(client: Queryable, m: Migration): Promise<void> {
    await client.query(
      `INSERT INTO ${this.at.sql} (id, checksum, logs, started_at, finished_at, migration_name, applied_steps_count)
       VALUES ($1, $2, '', now(), now(), $3, 0)`,
      [randomUUID(), m.checksum, m.revision],
    );
  }
}

/** The failure code of a database whose `_prisma_migrations` records a failed migration (exit 3). */
export const PRISMA_FAILED_MIGRATION = 'PRISMA_FAILED_MIGRATION';
