import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from './support/database.js';
import {
  createProcedureCli,
  databaseExists,
  dropDatabases,
  execSql,
  queryRows,
  type ProcedureCli,
} from './support/procedure-cli.js';

/**
 * Each layout through `runbook run upgrade` with the outcome its own tool gives: diesel's
 * version strings and `metadata.toml`, golang-migrate's and Prisma's files sent without BEGIN,
 * Prisma's failed rows and `prisma migrate resolve`, summary lines at real sizes.
 */
const FIXTURES = path.resolve('test/fixtures/migrations');
let cli: ProcedureCli;
const created: string[] = [];

beforeAll(async () => {
  cli = await createProcedureCli();
});
afterAll(async () => {
  await dropDatabases(created);
  await cli?.dispose();
});

function upgrade(database: string, migrations: string, ...extra: string[]) {
  created.push(database);
  return cli.runbook([
    'run', 'upgrade', '--param', `database=${database}`, '--param', `migrations=${migrations}`,
    ...extra,
  ]); // prettier-ignore
}

async function indexValid(database: string, name: string): Promise<boolean | undefined> {
  const rows = await queryRows<{ valid: boolean }>(
    database,
    `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relname = $1`,
    [name],
  );
  return rows[0]?.valid;
}

describe('diesel', () => {
  it('versions are the name up to the first _ without -, metadata.toml run_in_transaction is obeyed', async () => {
    const database = uniqueName('rb_fid_diesel');
    const run = await upgrade(database, path.join(FIXTURES, 'diesel-shapes'));
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const rows = await queryRows<{ version: string }>(
      database,
      'SELECT version FROM __diesel_schema_migrations ORDER BY version',
    );
    expect(rows.map((r) => r.version)).toEqual([
      '00000000000000',
      '20240101000000',
      '20240102000000',
      '20240103000000',
      '20240104000000',
      '20240105000000',
      // A name without `_` is all version.
      '20240106000000',
      'v2',
    ]);
    // The CONCURRENTLY index was built outside a transaction (25001 inside one), and is valid.
    expect(await indexValid(database, 'users_email_idx')).toBe(true);
    expect(await indexValid(database, 'users_name_idx')).toBe(true);
    const tables = await queryRows<{ t: string }>(
      database,
      `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    );
    // The dot-directory is not a migration; `v2_letters` is (diesel: version "v2", sorted last).
    expect(tables.map((r) => r.t)).toEqual([
      '__diesel_schema_migrations',
      'letters',
      'no_underscore',
      'setup_marker',
      'users',
    ]);
    // Eight rows: the summary lines name the count and the ends, not every version.
    const status = Object.fromEntries(cli.checklist(cli.lastRunId()).map((c) => [c.step, c]));
    expect(status.migrate?.evidence).toContain('at 8 applied, first 00000000000000, last v2');
    expect(status.version?.evidence).toContain('8 applied, first 00000000000000, last v2');
    expect(run.stdout).not.toContain('20240103000000, 20240104000000');
  });

  it('a metadata.toml whose run_in_transaction is not a boolean is refused, nothing executed', async () => {
    const dir = path.join(cli.ws.dir, 'diesel-bad-metadata');
    mkdirSync(path.join(dir, '20240101000000_init'), { recursive: true });
    writeFileSync(path.join(dir, '20240101000000_init/up.sql'), 'CREATE TABLE t (id int);\n');
    writeFileSync(
      path.join(dir, '20240101000000_init/metadata.toml'),
      'run_in_transaction = "no"\n',
    );
    const database = uniqueName('rb_fid_diesel_bad');
    const run = await upgrade(database, dir);
    expect(run.code, run.stderr + run.stdout).toBe(2);
    expect(run.stderr + run.stdout).toMatch(
      /20240101000000_init\/metadata\.toml:1\b.*run_in_transaction must be true or false/,
    );
    expect(await databaseExists(database)).toBe(false);
  });
});

describe('a migration added below applied ones (a gap) is applied, as diesel and Prisma apply it', () => {
  const cases = [
    {
      layout: 'diesel',
      file: (v: string) => `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}-000000_t${v}/up.sql`,
      rows: 'SELECT version AS v FROM __diesel_schema_migrations ORDER BY 1',
      recorded: (v: string) => v,
    },
    {
      layout: 'prisma',
      file: (v: string) => `${v}_t${v}/migration.sql`,
      rows: `SELECT migration_name AS v FROM _prisma_migrations
              WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY 1`,
      recorded: (v: string) => `${v}_t${v}`,
    },
  ];
  for (const c of cases) {
    it(`${c.layout}: pending until applied, and the version step does not call the database at its head meanwhile`, async () => {
      const dir = path.join(cli.ws.dir, `${c.layout}-gap`);
      const add = (v: string) => {
        const file = path.join(dir, c.file(v));
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, `CREATE TABLE t${v} (id int);\n`);
      };
      add('20240101000000');
      add('20240301000000');
      const database = uniqueName(`rb_fid_gap_${c.layout}`);
      const first = await upgrade(database, dir);
      expect(first.code, first.stderr + first.stdout).toBe(0);
      add('20240201000000');
      // Nothing up to the first migration is pending: the version step still sees the gap.
      const held = await upgrade(
        database,
        dir,
        '--param',
        `target=${c.recorded('20240101000000')}`,
        '--json',
      );
      expect(held.code, held.stderr + held.stdout).toBe(0);
      const heldOut = JSON.parse(held.stdout) as {
        outputs: Record<string, Record<string, unknown>>;
      };
      expect(heldOut.outputs.migrate?.applied).toBe(0);
      expect(heldOut.outputs.version?.is_head).toBe(false);
      const status = await cli.runbook(['status', '--migrations', dir, '--database', database]);
      expect(status.code, status.stdout).toBe(1);
      const run = await upgrade(database, dir, '--json');
      expect(run.code, run.stderr + run.stdout).toBe(0);
      const out = JSON.parse(run.stdout) as { outputs: Record<string, Record<string, unknown>> };
      expect(out.outputs.migrate?.applied).toBe(1);
      expect(out.outputs.version?.is_head).toBe(true);
      const applied = cli.events(cli.lastRunId()).filter((e) => e.type === 'migration.applied');
      expect(applied.map((e) => e.data.revision)).toEqual([c.recorded('20240201000000')]);
      expect((await queryRows<{ v: string }>(database, c.rows)).map((r) => r.v)).toEqual(
        ['20240101000000', '20240201000000', '20240301000000'].map(c.recorded),
      );
      expect(
        await queryRows(database, `SELECT to_regclass('t20240201000000') IS NOT NULL AS made`),
      ).toEqual([{ made: true }]);
    });
  }
});

describe('golang-migrate and Prisma send a file without BEGIN', () => {
  it('golang-migrate: a file holding only CREATE INDEX CONCURRENTLY applies, the next ones too', async () => {
    const database = uniqueName('rb_fid_golang');
    const run = await upgrade(database, path.join(FIXTURES, 'golang-concurrently'));
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(await queryRows(database, 'SELECT version, dirty FROM schema_migrations')).toEqual([
      { version: '3', dirty: false },
    ]);
    expect(await indexValid(database, 'users_email_idx')).toBe(true);
    const unwrapped = cli.events(cli.lastRunId()).filter((e) => e.type === 'migration.unwrapped');
    expect(unwrapped.map((e) => e.data.revision)).toEqual(['2']);
    const replay = await cli.runbook(['replay', cli.lastRunId()]);
    expect(replay.code, replay.stderr + replay.stdout).toBe(0);
  });

  it('golang-migrate: several statements with CONCURRENTLY fail with 25001, as in golang-migrate', async () => {
    const dir = path.join(cli.ws.dir, 'golang-mixed');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, '1_t.up.sql'), 'CREATE TABLE t (id int);\n');
    writeFileSync(
      path.join(dir, '2_two.up.sql'),
      'ALTER TABLE t ADD COLUMN x int;\nCREATE INDEX CONCURRENTLY t_x ON t (x);\n',
    );
    const database = uniqueName('rb_fid_golang_mixed');
    const run = await upgrade(database, dir);
    expect(run.code).toBe(1);
    expect(run.stderr + run.stdout).toMatch(/25001/);
    expect(await queryRows(database, 'SELECT version, dirty FROM schema_migrations')).toEqual([
      { version: '1', dirty: false },
    ]);
  });

  it('golang-migrate: a failed unwrapped file leaves it dirty; --retry reruns it alone (migrate force <prev>)', async () => {
    const dir = path.join(cli.ws.dir, 'golang-unique');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, '1_users.up.sql'),
      "CREATE TABLE users (id int, email text);\nINSERT INTO users VALUES (1, 'a'), (2, 'a');\n",
    );
    writeFileSync(
      path.join(dir, '2_unique.up.sql'),
      'CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\n',
    );
    writeFileSync(path.join(dir, '3_name.up.sql'), 'ALTER TABLE users ADD COLUMN name text;\n');
    const database = uniqueName('rb_fid_golang_dirty');
    const run = await upgrade(database, dir);
    expect(run.code, run.stderr + run.stdout).toBe(1);
    expect(run.stderr + run.stdout).toMatch(/23505/);
    const runId = cli.lastRunId();
    // What golang-migrate leaves: the version marked dirty (and PostgreSQL an invalid index).
    expect(await queryRows(database, 'SELECT version, dirty FROM schema_migrations')).toEqual([
      { version: '2', dirty: true },
    ]);
    expect(await indexValid(database, 'users_email_key')).toBe(false);
    await execSql(
      database,
      "DROP INDEX users_email_key; UPDATE users SET email = 'b' WHERE id = 2",
    );
    const resumed = await cli.runbook(['resume', runId, '--retry']);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    expect(await queryRows(database, 'SELECT version, dirty FROM schema_migrations')).toEqual([
      { version: '3', dirty: false },
    ]);
    expect(await indexValid(database, 'users_email_key')).toBe(true);
    expect(await queryRows(database, 'SELECT count(*)::int AS n FROM users')).toEqual([{ n: 2 }]);
  });

  it('Prisma: a migration.sql holding only CREATE INDEX CONCURRENTLY applies; rows stamped as Prisma does', async () => {
    const database = uniqueName('rb_fid_prisma');
    const run = await upgrade(database, path.join(FIXTURES, 'prisma-concurrently'));
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(await indexValid(database, 'User_email_idx')).toBe(true);
    const rows = await queryRows(
      database,
      `SELECT migration_name, applied_steps_count AS steps, rolled_back_at IS NULL AS live,
              logs IS NULL AS no_logs, started_at < finished_at AS stamped_apart
         FROM _prisma_migrations ORDER BY migration_name`,
    );
    expect(rows).toEqual(
      ['20240101000000_init', '20240102000000_email_index', '20240103000000_name'].map((m) => ({
        migration_name: m,
        steps: 1,
        live: true,
        no_logs: true,
        stamped_apart: true,
      })),
    );
  });
});

describe('Prisma failed rows', () => {
  const src = path.join(FIXTURES, 'prisma-concurrently');
  const failed = '20240102000000_email_index';

  /** A database where Prisma applied the first migration and failed on the second. */
  async function afterPrismaFailure(prefix: string): Promise<string> {
    const database = uniqueName(prefix);
    const first = await upgrade(database, src, '--param', 'target=20240101000000_init');
    expect(first.code, first.stderr + first.stdout).toBe(0);
    await execSql(
      database,
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at)
       VALUES ('00000000-0000-0000-0000-000000000001', 'x', '${failed}', 'Database error', now())`,
    );
    return database;
  }

  it('refuses (exit 3) naming the migration and both ways out; --retry marks it rolled back and applies it', async () => {
    const database = await afterPrismaFailure('rb_fid_prisma_retry');
    const run = await upgrade(database, src);
    expect(run.code, run.stderr + run.stdout).toBe(3);
    const runId = cli.lastRunId();
    const out = run.stderr + run.stdout;
    expect(out).toContain(`records migration ${failed} as failed`);
    expect(out).toContain(`runbook resume ${runId} --retry`);
    expect(out).toContain(`runbook resume ${runId} --skip ${failed}`);
    expect(out).toContain(`prisma migrate resolve --rolled-back ${failed}`);
    expect(out).toContain(`prisma migrate resolve --applied ${failed}`);
    // Nothing ran: no second row, no index.
    expect(await queryRows(database, 'SELECT count(*)::int AS n FROM _prisma_migrations')).toEqual([
      { n: 2 },
    ]);
    expect(await indexValid(database, 'User_email_idx')).toBeUndefined();

    const resumed = await cli.runbook(['resume', runId, '--retry']);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    const rows = await queryRows(
      database,
      `SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back,
              applied_steps_count AS steps
         FROM _prisma_migrations ORDER BY migration_name, started_at`,
    );
    expect(rows).toEqual([
      { migration_name: '20240101000000_init', finished: true, rolled_back: false, steps: 1 },
      { migration_name: failed, finished: false, rolled_back: true, steps: 0 },
      { migration_name: failed, finished: true, rolled_back: false, steps: 1 },
      { migration_name: '20240103000000_name', finished: true, rolled_back: false, steps: 1 },
    ]);
    expect(await indexValid(database, 'User_email_idx')).toBe(true);
  });

  it('--skip <name> marks it applied as `prisma migrate resolve --applied` does, without running it', async () => {
    const database = await afterPrismaFailure('rb_fid_prisma_skip');
    const run = await upgrade(database, src);
    expect(run.code, run.stderr + run.stdout).toBe(3);
    const resumed = await cli.runbook(['resume', cli.lastRunId(), '--skip', failed]);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    const rows = await queryRows(
      database,
      `SELECT finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back,
              applied_steps_count AS steps, logs, started_at = finished_at AS same_stamp
         FROM _prisma_migrations WHERE migration_name = $1 ORDER BY started_at, finished_at NULLS FIRST`,
      [failed],
    );
    expect(rows).toEqual([
      { finished: false, rolled_back: true, steps: 0, logs: 'Database error', same_stamp: null },
      { finished: true, rolled_back: false, steps: 0, logs: '', same_stamp: true },
    ]);
    // Skipped, not run; the migration after it ran.
    expect(await indexValid(database, 'User_email_idx')).toBeUndefined();
    const cols = await queryRows(
      database,
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'User' ORDER BY 1`,
    );
    expect(cols).toEqual([
      { column_name: 'email' },
      { column_name: 'id' },
      { column_name: 'name' },
    ]);
  });
});

describe('a non-transactional migration that fails is in doubt, as its tool leaves it', () => {
  const duplicates = "INSERT INTO users VALUES (1, 'a'), (2, 'a');\n";

  it('diesel (run_in_transaction = false): in doubt until --retry, then applied once', async () => {
    const dir = path.join(cli.ws.dir, 'diesel-unique');
    for (const d of ['20240101000000_users', '20240102000000_unique', '20240103000000_name'])
      mkdirSync(path.join(dir, d), { recursive: true });
    writeFileSync(
      path.join(dir, '20240101000000_users/up.sql'),
      `CREATE TABLE users (id int, email text);\n${duplicates}`,
    );
    writeFileSync(
      path.join(dir, '20240102000000_unique/up.sql'),
      'CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\n',
    );
    writeFileSync(
      path.join(dir, '20240102000000_unique/metadata.toml'),
      'run_in_transaction = false\n',
    );
    writeFileSync(
      path.join(dir, '20240103000000_name/up.sql'),
      'ALTER TABLE users ADD COLUMN name text;\n',
    );
    const database = uniqueName('rb_fid_diesel_doubt');
    const run = await upgrade(database, dir);
    expect(run.code, run.stderr + run.stdout).toBe(1);
    const runId = cli.lastRunId();
    await execSql(
      database,
      "DROP INDEX users_email_key; UPDATE users SET email = 'b' WHERE id = 2",
    );
    const plain = await cli.runbook(['resume', runId]);
    expect(plain.code).toBe(1);
    expect(plain.stderr + plain.stdout).toMatch(/MIGRATION_IN_DOUBT/);
    const resumed = await cli.runbook(['resume', runId, '--retry']);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    const rows = await queryRows<{ version: string }>(
      database,
      'SELECT version FROM __diesel_schema_migrations ORDER BY version',
    );
    expect(rows.map((r) => r.version)).toEqual([
      '20240101000000',
      '20240102000000',
      '20240103000000',
    ]);
    expect(await indexValid(database, 'users_email_key')).toBe(true);
  });

  it('Prisma: the failed row it leaves is the one Prisma leaves (P3009 on resume), --retry settles it', async () => {
    const dir = path.join(cli.ws.dir, 'prisma-unique');
    const files: Record<string, string> = {
      '20240101000000_users': `CREATE TABLE users (id int, email text);\n${duplicates}`,
      '20240102000000_unique':
        'CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\n',
    };
    for (const [d, sql] of Object.entries(files)) {
      mkdirSync(path.join(dir, d), { recursive: true });
      writeFileSync(path.join(dir, d, 'migration.sql'), sql);
    }
    const database = uniqueName('rb_fid_prisma_doubt');
    const run = await upgrade(database, dir);
    expect(run.code, run.stderr + run.stdout).toBe(1);
    expect(run.stderr + run.stdout).toMatch(/23505/);
    const runId = cli.lastRunId();
    expect(
      await queryRows(
        database,
        `SELECT migration_name, finished_at IS NULL AS unfinished, rolled_back_at IS NULL AS live, logs
           FROM _prisma_migrations ORDER BY started_at`,
      ),
    ).toEqual([
      { migration_name: '20240101000000_users', unfinished: false, live: true, logs: null },
      {
        migration_name: '20240102000000_unique',
        unfinished: true,
        live: true,
        logs: 'could not create unique index "users_email_key"',
      },
    ]);
    const plain = await cli.runbook(['resume', runId]);
    expect(plain.code, plain.stderr + plain.stdout).toBe(3);
    expect(plain.stderr + plain.stdout).toMatch(/PRISMA_FAILED_MIGRATION/);
    await execSql(
      database,
      "DROP INDEX users_email_key; UPDATE users SET email = 'b' WHERE id = 2",
    );
    const resumed = await cli.runbook(['resume', runId, '--retry']);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    expect(
      await queryRows(
        database,
        `SELECT count(*)::int AS n FROM _prisma_migrations
          WHERE migration_name = '20240102000000_unique' AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      ),
    ).toEqual([{ n: 1 }]);
    expect(await indexValid(database, 'users_email_key')).toBe(true);
  });
});

describe('summary lines at real sizes', () => {
  it('Alembic heads beyond three are counted as heads, not named one by one', async () => {
    const dir = path.join(cli.ws.dir, 'four-heads');
    mkdirSync(dir, { recursive: true });
    for (const id of ['a', 'b', 'c', 'd'])
      writeFileSync(
        path.join(dir, `${id}.sql`),
        `-- revision: ${id}\n-- down_revision:\n-- branch_labels: ${id}_branch\nCREATE TABLE t_${id} (v int);\n`,
      );
    const database = uniqueName('rb_fid_heads');
    const run = await upgrade(database, dir, '--param', 'target=heads');
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const status = Object.fromEntries(cli.checklist(cli.lastRunId()).map((c) => [c.step, c]));
    expect(status.migrate?.evidence).toContain('at 4 heads, first a, last d');
    expect(status.version?.evidence).toContain('4 heads, first a, last d');
  });
});
