import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPython } from '../src/migrations/index.js';
import { adminQuery, uniqueName } from './support/database.js';
import {
  createDatabase,
  createProcedureCli,
  dropDatabases,
  queryRows,
  type ProcedureCli,
} from './support/procedure-cli.js';

// A migration's commit does not wait for its WAL flush unless the migration or the database chose
// another synchronous_commit than `on`; the step waits once, at its end. What a commit really
// used is read where it happens: a deferred constraint trigger runs at COMMIT, after everything
// the migration and runbook sent in its transaction, and logs the setting then in force.

const python = findPython();
let cli: ProcedureCli;
const created: string[] = [];
const dirs: string[] = [];

/** The first migration: the marks table whose rows log, at COMMIT, the setting in force. */
const COMMIT_LOG = `CREATE TABLE commit_log (rev text, sync text);
CREATE TABLE marks (rev text);
CREATE FUNCTION log_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO commit_log VALUES (NEW.rev, current_setting('synchronous_commit'));
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT ON marks
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION log_commit();
`;

beforeAll(async () => {
  cli = await createProcedureCli();
});
afterAll(async () => {
  await dropDatabases(created);
  await cli?.dispose();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `runbook-${prefix}-`));
  dirs.push(dir);
  return dir;
}

/** An alembic-sql history: `[revision, sql, extra header]` in order. */
async function sqlHistory(files: [string, string, string?][]): Promise<string> {
  const dir = await tempDir('deferred-sql');
  let prev = '';
  for (const [rev, sql, extra] of files) {
    await writeFile(
      path.join(dir, `${rev}.sql`),
      `-- revision: ${rev}\n-- down_revision: ${prev}\n${extra ?? ''}\n${sql}`,
    );
    prev = rev;
  }
  return dir;
}

async function upgrade(database: string, migrations: string): Promise<void> {
  const run = await cli.runbook([
    'run', 'upgrade', '--param', `database=${database}`, '--param', `migrations=${migrations}`,
  ]); // prettier-ignore
  expect(run.code, run.stderr).toBe(0);
}

const commits = (d: string): Promise<{ rev: string; sync: string }[]> =>
  queryRows(d, 'SELECT rev, sync FROM commit_log ORDER BY rev');

describe('SQL migrations commit without waiting for the WAL flush', () => {
  const history = (): Promise<string> =>
    sqlHistory([
      ['001', `${COMMIT_LOG}INSERT INTO marks VALUES ('001');`],
      ['002', `INSERT INTO marks VALUES ('002');`],
      // The migration's own choice stands.
      ['003', `SET LOCAL synchronous_commit = remote_write;\nINSERT INTO marks VALUES ('003');`],
      // Outside a transaction: the session's own setting.
      ['004', `INSERT INTO marks VALUES ('004');`, '-- transaction: false\n'],
      ['005', `INSERT INTO marks VALUES ('005');`],
    ]);

  it('defers every transactional commit but one that chose its own setting', async () => {
    const d = uniqueName('rb_deferred_sql');
    created.push(d);
    await upgrade(d, await history());
    expect(await commits(d)).toEqual([
      { rev: '001', sync: 'off' },
      { rev: '002', sync: 'off' },
      { rev: '003', sync: 'remote_write' },
      { rev: '004', sync: 'on' },
      { rev: '005', sync: 'off' },
    ]);
    expect(await queryRows(d, 'SELECT version_num FROM alembic_version')).toEqual([
      { version_num: '005' },
    ]);
  });

  it('keeps a database whose synchronous_commit is not on as it is', async () => {
    const d = uniqueName('rb_deferred_local');
    created.push(d);
    await createDatabase(d);
    await adminQuery(`ALTER DATABASE ${d} SET synchronous_commit = local`);
    await upgrade(d, await history());
    expect((await commits(d)).map((r) => r.sync)).toEqual([
      'local',
      'local',
      'remote_write',
      'local',
      'local',
    ]);
  });
});

describe.skipIf(!python)('Alembic revisions commit without waiting for the WAL flush', () => {
  const revision = (rev: string, down: string | null, sql: string): string => `"""${rev}"""
from alembic import op

revision = "${rev}"
down_revision = ${down === null ? 'None' : `"${down}"`}
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""${sql}""")


def downgrade():
    pass
`;

  it('defers each revision\u2019s commit, but not one that chose its own setting', async () => {
    const project = await tempDir('deferred-alembic');
    await mkdir(path.join(project, 'versions'));
    await writeFile(
      path.join(project, 'alembic.ini'),
      '[alembic]\nscript_location = .\nsqlalchemy.url = postgresql://localhost/placeholder\n',
    );
    await writeFile(
      path.join(project, 'env.py'),
      `from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
connectable = engine_from_config(
    config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool
)
with connectable.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
`,
    );
    const revs: [string, string | null, string][] = [
      ['a1', null, `${COMMIT_LOG}INSERT INTO marks VALUES ('a1')`],
      ['a2', 'a1', `INSERT INTO marks VALUES ('a2')`],
      ['a3', 'a2', `SET LOCAL synchronous_commit = remote_write; INSERT INTO marks VALUES ('a3')`],
      ['a4', 'a3', `INSERT INTO marks VALUES ('a4')`],
    ];
    for (const [rev, down, sql] of revs) {
      await writeFile(path.join(project, 'versions', `${rev}.py`), revision(rev, down, sql));
    }
    const d = uniqueName('rb_deferred_alembic');
    created.push(d);
    await upgrade(d, project);
    expect(await commits(d)).toEqual([
      { rev: 'a1', sync: 'off' },
      { rev: 'a2', sync: 'off' },
      { rev: 'a3', sync: 'remote_write' },
      { rev: 'a4', sync: 'off' },
    ]);
    expect(await queryRows(d, 'SELECT version_num FROM alembic_version')).toEqual([
      { version_num: 'a4' },
    ]);
  });
});
