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

// An env.py that runs the migrations in its own transaction (connection.begin()) and, after that
// transaction committed, runs one more statement that fails on the server (a GRANT to a role that
// does not exist yet). The revision committed but its line was never written (the bridge sends it
// once env.py returns), and the step fails with a SQLSTATE: the version table records more than
// the attempt logged, so the attempt is not settled and the resume takes the revision for the
// run's own, never for one applied outside the run.

const python = findPython();
let cli: ProcedureCli;
let project: string;
const created: string[] = [];
const role = uniqueName('rb_post_commit_reader');

const envPy = `from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config


def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        with connection.begin():
            context.configure(connection=connection, target_metadata=None)
            context.run_migrations()
        # Housekeeping after the migrations committed: read access for the app's role.
        with connection.begin():
            connection.exec_driver_sql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}")


run_migrations_online()
`;

const revision = (rev: string, down: string | null, sql: string) => `"""${rev}"""
from alembic import op

revision = "${rev}"
down_revision = ${down === null ? 'None' : `"${down}"`}
branch_labels = None
depends_on = None


def upgrade():
    op.execute("${sql}")


def downgrade():
    pass
`;

beforeAll(async () => {
  cli = await createProcedureCli();
  project = await mkdtemp(path.join(os.tmpdir(), 'runbook-alembic-post-commit-'));
  await mkdir(path.join(project, 'versions'));
  await writeFile(
    path.join(project, 'alembic.ini'),
    '[alembic]\nscript_location = .\nsqlalchemy.url = postgresql://localhost/placeholder\n',
  );
  await writeFile(path.join(project, 'env.py'), envPy);
  await writeFile(
    path.join(project, 'versions', 'm1_items.py'),
    revision('m1', null, 'CREATE TABLE items (id int)'),
  );
  await writeFile(
    path.join(project, 'versions', 'm2_more.py'),
    revision('m2', 'm1', 'CREATE TABLE more_items (id int)'),
  );
});
afterAll(async () => {
  await dropDatabases(created);
  await adminQuery(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
  await cli?.dispose();
  await rm(project, { recursive: true, force: true });
});

describe.skipIf(!python)('an env.py failing after its own transaction committed a revision', () => {
  it('the resume logs that revision as the run\u2019s own, not as applied outside the run', async () => {
    const d = uniqueName('rb_post_commit');
    created.push(d);
    await createDatabase(d);
    const run = await cli.runbook([
      'run', 'upgrade', '--param', `database=${d}`, '--param', `migrations=${project}`,
    ]); // prettier-ignore
    const runId = cli.lastRunId();
    expect(run.code, run.stderr).toBe(1);
    // One Alembic run per revision for such an env.py: its transaction committed m1, then its
    // GRANT failed.
    expect(await queryRows(d, 'SELECT version_num FROM alembic_version')).toEqual([
      { version_num: 'm1' },
    ]);
    await adminQuery(`CREATE ROLE ${role}`);
    const resumed = await cli.runbook(['resume', runId]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const lines = cli
      .events(runId)
      .filter((e) => e.type.startsWith('migration.'))
      .map((e) => [e.type, e.data.revision, e.data.applied_outside_run ?? null]);
    expect(lines).toEqual([
      ['migration.reconciled', 'm1', null],
      ['migration.applied', 'm2', null],
    ]);
  });
});
