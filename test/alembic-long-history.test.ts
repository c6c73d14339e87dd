import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPython } from '../src/migrations/index.js';
import { sessionTag } from '../src/runs/session-tag.js';
import { bridgeRunning, waitFor } from './support/cli.js';
import { adminQuery, adminUrl, uniqueName } from './support/database.js';
import {
  createDatabase,
  execSql,
  createProcedureCli,
  dropDatabases,
  queryRows,
  type ProcedureCli,
} from './support/procedure-cli.js';

// A long generated Alembic history applied in one Alembic run (env.py once): each revision is
// recorded as it commits, so a failure or a kill mid-history leaves every earlier revision
// recorded and a resume applies only the rest, each revision exactly once.

const python = findPython();
const N = 40;
const rev = (i: number): string => `r${String(i).padStart(3, '0')}`;
const ALL = Array.from({ length: N }, (_, i) => rev(i + 1));
let cli: ProcedureCli;
let tmp: string;
const created: string[] = [];

beforeAll(async () => {
  cli = await createProcedureCli();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'runbook-alembic-long-'));
});
afterAll(async () => {
  await dropDatabases(created);
  await cli?.dispose();
  await rm(tmp, { recursive: true, force: true });
});

const ENV_PY = `from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config


def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
`;

/** Revision `i`'s upgrade body: a table every third revision, else a column; a ledger row each. */
function body(i: number): string {
  const table = `t${Math.floor((i - 1) / 3)}`;
  const change =
    (i - 1) % 3 === 0
      ? `op.create_table("${table}", sa.Column("id", sa.Integer, primary_key=True))`
      : `op.add_column("${table}", sa.Column("c${i}", sa.Text))`;
  const ledger = i === 1 ? 'op.execute("CREATE TABLE ledger (revision text NOT NULL)")\n    ' : '';
  return `${ledger}${change}\n    op.execute("INSERT INTO ledger VALUES ('${rev(i)}')")`;
}

/** Writes an Alembic project of N linear revisions; `special` replaces revision bodies. */
async function project(name: string, special: Record<number, string> = {}): Promise<string> {
  const dir = path.join(tmp, name);
  await mkdir(path.join(dir, 'versions'), { recursive: true });
  await writeFile(
    path.join(dir, 'alembic.ini'),
    '[alembic]\nscript_location = .\nsqlalchemy.url = postgresql://localhost/placeholder\n',
  );
  await writeFile(path.join(dir, 'env.py'), ENV_PY);
  for (let i = 1; i <= N; i++) await writeRevision(dir, i, special[i] ?? body(i));
  return dir;
}

async function writeRevision(dir: string, i: number, upgrade: string): Promise<void> {
  const down = i === 1 ? 'None' : `"${rev(i - 1)}"`;
  await writePython(dir, rev(i), down, 'None', upgrade);
}

/** Writes one revision file (`down` and `labels` as Python expressions). */
async function writePython(
  dir: string,
  id: string,
  down: string,
  labels: string,
  upgrade: string,
): Promise<void> {
  await writeFile(
    path.join(dir, 'versions', `${id}_step.py`),
    `"""step ${id}"""\nimport os\nimport sqlalchemy as sa\nfrom alembic import op\n\n` +
      `revision = "${id}"\ndown_revision = ${down}\nbranch_labels = ${labels}\ndepends_on = None\n\n\n` +
      `def upgrade():\n    ${upgrade}\n\n\ndef downgrade():\n    pass\n`,
  );
}

async function fresh(prefix: string): Promise<string> {
  const d = uniqueName(prefix);
  created.push(d);
  await createDatabase(d);
  return d;
}

const upgradeArgs = (d: string, dir: string): string[] => [
  'run', 'upgrade', '--param', `database=${d}`, '--param', `migrations=${dir}`,
]; // prettier-ignore

const logged = (runId: string, type: string): unknown[] =>
  cli
    .events(runId)
    .filter((e) => e.type === type)
    .map((e) => e.data.revision);

const version = async (d: string): Promise<string[]> =>
  (await queryRows<{ v: string }>(d, 'SELECT version_num AS v FROM alembic_version')).map(
    (r) => r.v,
  );

/** Ledger rows per revision, in order: each applied revision exactly once. */
const ledger = async (d: string): Promise<{ revision: string; n: number }[]> =>
  queryRows(d, 'SELECT revision, count(*)::int AS n FROM ledger GROUP BY 1 ORDER BY 1');

/** The relations each `migration.applied` line of the last run records, in order. */
const appliedRelations = (): Record<string, { name: string }[]>[] =>
  cli
    .events(cli.lastRunId())
    .filter((e) => e.type === 'migration.applied')
    .map((e) => e.data.relations as Record<string, { name: string }[]>);

/** The names, sorted, of the `kind` relations (created, altered, dropped) of applied line `i`. */
const relationNames = (
  relations: Record<string, { name: string }[]>[],
  i: number,
  kind: string,
): string[] => (relations[i]?.[kind] ?? []).map((x) => x.name).sort();

const once = (revs: string[]): { revision: string; n: number }[] =>
  revs.map((revision) => ({ revision, n: 1 }));

describe.skipIf(!python)('alembic layout: a long history in one Alembic run', () => {
  it('a failing revision mid-history stops there with its SQLSTATE; the resume applies only the rest', async () => {
    const d = await fresh('rb_alembic_long_fail');
    const fails = `op.execute("INSERT INTO missing_table VALUES (1)")`;
    const dir = await project('fail', { 23: fails });
    const first = await cli.runbook(upgradeArgs(d, dir));
    expect(first.code).not.toBe(0);
    const runId = cli.lastRunId();
    const out = first.stdout + first.stderr;
    expect(out).toContain('relation "missing_table" does not exist');
    expect(out).toContain('r023_step.py:13');
    const failed = cli.events(runId).find((e) => e.type === 'step.failed');
    expect(failed?.data).toMatchObject({ failure: { code: '42P01', migration: 'r023', line: 13 } });
    expect(logged(runId, 'migration.applied')).toEqual(ALL.slice(0, 22));
    expect(await version(d)).toEqual(['r022']);
    expect(await ledger(d)).toEqual(once(ALL.slice(0, 22)));
    // Each revision's provenance came from its own transaction's window.
    const applied = cli.events(runId).filter((e) => e.type === 'migration.applied');
    expect(JSON.stringify(applied[0]?.data.relations)).toContain('"t0"');
    expect(JSON.stringify(applied[0]?.data.relations)).toContain('"ledger"');
    expect(JSON.stringify(applied[0]?.data.relations)).not.toContain('alembic_version');
    expect(JSON.stringify(applied[3]?.data.relations)).toContain('"t1"');
    expect(JSON.stringify(applied[3]?.data.relations)).not.toContain('"t0"');

    await writeRevision(dir, 23, body(23));
    const resumed = await cli.runbook(['resume', runId]);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    expect(logged(runId, 'migration.applied')).toEqual(ALL);
    expect(await version(d)).toEqual([rev(N)]);
    expect(await ledger(d)).toEqual(once(ALL));
  });

  it("each revision's relations are its own: savepoints, an autocommit block, no catalog change", async () => {
    const ledgerRow = (i: number): string =>
      `op.execute("INSERT INTO ledger VALUES ('${rev(i)}')")`;
    const dir = await project('windows', {
      // Subtransactions (released savepoints) take xids after the revision's own.
      1:
        `op.execute("CREATE TABLE ledger (revision text NOT NULL)")\n    ` +
        `with op.get_bind().begin_nested():\n        op.create_table("saved", sa.Column("id", sa.Integer))\n    ` +
        `with op.get_bind().begin_nested():\n        op.execute("CREATE SCHEMA saved_schema")\n    ${ledgerRow(1)}`,
      2: `op.create_table("after_saved", sa.Column("id", sa.Integer))\n    ${ledgerRow(2)}`,
      // Transactions of their own, before the revision's version write.
      3:
        `with op.get_context().autocommit_block():\n        op.execute("CREATE TABLE outside (id int)")\n    ` +
        ledgerRow(3),
      4: ledgerRow(4),
      5: `op.drop_table("outside")\n    ${ledgerRow(5)}`,
    });
    const d = await fresh('rb_alembic_long_windows');
    const r = await cli.runbook([...upgradeArgs(d, dir), '--param', `target=${rev(5)}`]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const relations = appliedRelations();
    const names = (i: number, kind: string): string[] => relationNames(relations, i, kind);
    expect(relations).toHaveLength(5);
    expect(names(0, 'created')).toEqual(['ledger', 'saved']);
    expect(names(1, 'created')).toEqual(['after_saved']);
    expect(names(1, 'altered')).toEqual([]);
    expect(names(2, 'created')).toEqual(['outside']);
    expect(names(3, 'created')).toEqual([]);
    expect(names(3, 'altered')).toEqual([]);
    expect(names(4, 'dropped')).toEqual(['outside']);
    expect(await ledger(d)).toEqual(once(ALL.slice(0, 5)));
  });

  it("a revision that calls age() while other sessions take xids: the next one's table is its own", async () => {
    const ledgerRow = (i: number): string =>
      `op.execute("INSERT INTO ledger VALUES ('${rev(i)}')")`;
    const dir = await project('age-before-write', {
      1: `op.execute("CREATE TABLE ledger (revision text NOT NULL)")\n    ${ledgerRow(1)}`,
      2:
        `op.execute("SELECT age(datfrozenxid) FROM pg_database LIMIT 1")\n    ` +
        `other = op.get_bind().engine.connect().execution_options(isolation_level="AUTOCOMMIT")\n    ` +
        `for _ in range(50):\n        other.execute(sa.text("SELECT pg_current_xact_id()"))\n    ` +
        `other.close()\n    ` +
        `op.create_table("two", sa.Column("id", sa.Integer))\n    ${ledgerRow(2)}`,
      3: `op.create_table("three", sa.Column("id", sa.Integer))\n    ${ledgerRow(3)}`,
    });
    const d = await fresh('rb_alembic_age');
    const r = await cli.runbook([...upgradeArgs(d, dir), '--param', `target=${rev(3)}`]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const created = cli
      .events(cli.lastRunId())
      .filter((e) => e.type === 'migration.applied')
      .map((e) =>
        ((e.data.relations as { created?: { name: string }[] }).created ?? []).map((x) => x.name),
      );
    expect(created).toEqual([['ledger'], ['two'], ['three']]);
  });

  it('writes a revision makes without locking: grants, through SQLAlchemy or a raw cursor, and a side session', async () => {
    const ledgerRow = (i: number): string =>
      `op.execute("INSERT INTO ledger VALUES ('${rev(i)}')")`;
    const side =
      `other = op.get_bind().engine.connect().execution_options(isolation_level="AUTOCOMMIT")\n    ` +
      `other.execute(sa.text("CREATE TABLE side (id int)"))\n    other.close()\n    `;
    const dir = await project('unlocked', {
      1:
        `op.execute("CREATE TABLE ledger (revision text NOT NULL)")\n    ` +
        `op.create_table("a", sa.Column("id", sa.Integer))\n    ` +
        `op.create_table("b", sa.Column("id", sa.Integer))\n    ${ledgerRow(1)}`,
      // GRANT … ON ALL TABLES rewrites each table's pg_class row without locking the table.
      2: `op.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO PUBLIC")\n    ${ledgerRow(2)}`,
      3: `op.add_column("a", sa.Column("x", sa.Text))\n    ${ledgerRow(3)}`,
      4:
        `cur = op.get_bind().connection.cursor()\n    ` +
        `cur.execute("REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM PUBLIC")\n    ` +
        `cur.close()\n    ${ledgerRow(4)}`,
      // Another session's table, created after this revision's first write.
      5: `op.add_column("b", sa.Column("y", sa.Text))\n    ${ledgerRow(5)}\n    ${side}pass`,
      6: `op.add_column("b", sa.Column("z", sa.Text))\n    ${ledgerRow(6)}`,
    });
    const d = await fresh('rb_alembic_unlocked');
    const r = await cli.runbook([...upgradeArgs(d, dir), '--param', `target=${rev(6)}`]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const relations = appliedRelations();
    const names = (i: number, kind: string): string[] => relationNames(relations, i, kind);
    expect(relations).toHaveLength(6);
    expect(names(1, 'altered')).toEqual(['a', 'b', 'ledger']);
    expect(names(2, 'altered')).toEqual(['a']);
    expect(names(3, 'altered')).toEqual(['a', 'b', 'ledger']);
    expect(names(4, 'altered')).toEqual(['b']);
    expect(names(4, 'created')).toEqual(['side']);
    expect(names(5, 'altered')).toEqual(['b']);
    expect(names(5, 'created')).toEqual([]);
    expect(await ledger(d)).toEqual(once(ALL.slice(0, 6)));
  });

  it('a branch and its merge: one row per head as Alembic keeps them, each revision once', async () => {
    const dir = await project('branches');
    // Off r010, a labelled side branch of two revisions, merged with the main line at the end.
    await writePython(
      dir,
      's1',
      `"${rev(10)}"`,
      '("side",)',
      `op.execute("INSERT INTO ledger VALUES ('s1')")`,
    );
    await writePython(dir, 's2', '"s1"', 'None', `op.execute("INSERT INTO ledger VALUES ('s2')")`);
    await writePython(
      dir,
      'm1',
      `("${rev(N)}", "s2")`,
      'None',
      `op.execute("INSERT INTO ledger VALUES ('m1')")`,
    );
    const d = await fresh('rb_alembic_long_branch');
    const side = await cli.runbook([...upgradeArgs(d, dir), '--param', 'target=s2']);
    expect(side.code, side.stderr + side.stdout).toBe(0);
    expect(await version(d)).toEqual(['s2']);
    const both = await cli.runbook([...upgradeArgs(d, dir), '--param', `target=${rev(20)}`]);
    expect(both.code, both.stderr + both.stdout).toBe(0);
    expect((await version(d)).sort()).toEqual([rev(20), 's2']);
    // The side branch's head is the merge, as Alembic resolves `side@head`.
    const all = await cli.runbook([...upgradeArgs(d, dir), '--param', 'target=side@head']);
    expect(all.code, all.stderr + all.stdout).toBe(0);
    expect(await version(d)).toEqual(['m1']);
    expect(await ledger(d)).toEqual(once([...ALL, 'm1', 's1', 's2'].sort()));
    expect(logged(cli.lastRunId(), 'migration.applied')).toEqual([...ALL.slice(20), 'm1']);
  });

  it('an env.py that wraps the migrations in its own transaction: each revision still commits alone', async () => {
    const dir = await project('own-transaction', {
      12: `op.execute("INSERT INTO missing_table VALUES (1)")`,
    });
    // As some projects write it: the migrations run inside `connectable.begin()`, whose commit
    // Alembic cannot split; runbook then runs Alembic once per revision.
    await writeFile(
      path.join(dir, 'env.py'),
      ENV_PY.replace(
        'with connectable.connect() as connection:',
        'with connectable.begin() as connection:',
      ),
    );
    const d = await fresh('rb_alembic_long_own_tx');
    const first = await cli.runbook(upgradeArgs(d, dir));
    expect(first.code).not.toBe(0);
    const runId = cli.lastRunId();
    expect(first.stdout + first.stderr).toContain('relation "missing_table" does not exist');
    expect(logged(runId, 'migration.applied')).toEqual(ALL.slice(0, 11));
    expect(await version(d)).toEqual(['r011']);
    expect(await ledger(d)).toEqual(once(ALL.slice(0, 11)));
    await writeRevision(dir, 12, body(12));
    const resumed = await cli.runbook(['resume', runId]);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    expect(logged(runId, 'migration.applied')).toEqual(ALL);
    expect(await ledger(d)).toEqual(once(ALL));
  });

  it('a CLI killed mid-history: its bridge stops, the resume applies each revision exactly once', async () => {
    const d = await fresh('rb_alembic_long_kill');
    const go = path.join(tmp, 'kill-go');
    // r017 waits until the marker exists (the second attempt finds it at once).
    const waits =
      `${body(17)}\n    if not os.path.exists(${JSON.stringify(go)}):\n` +
      `        op.execute("SELECT pg_sleep(600)")`;
    const dir = await project('kill', { 17: waits });
    const child = cli.ws.start([
      ...upgradeArgs(d, dir),
      ...['--procedures', path.resolve('procedures'), '--runs-dir', cli.runsDir],
      ...['--database-url', adminUrl()],
    ]);
    const sleeping = await sessionRunning(d, 'pg_sleep(600)');
    const runId = cli.lastRunId();
    // The bridge's session carries the run's tag, so a resume can end it.
    expect(sleeping.application_name).toBe(sessionTag(runId));
    expect(await version(d)).toEqual(['r016']);
    child.child.kill('SIGKILL');
    await child.done;
    // The bridge noticed its caller was gone and exited: no Python process left on this project.
    await waitFor('the bridge to exit', () => !bridgeRunning(dir));

    await writeFile(go, '');
    const resumed = await cli.runbook(['resume', runId]);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    expect(resumed.stderr).toContain(
      `ending session pid ${sleeping.pid} left by an earlier attempt`,
    );
    expect(await version(d)).toEqual([rev(N)]);
    expect(await ledger(d)).toEqual(once(ALL));
    // Across both attempts every revision is logged once: applied as it committed, or (committed
    // before the kill, its line not yet written) reconciled by the resume.
    const applied = logged(runId, 'migration.applied') as string[];
    const reconciled = logged(runId, 'migration.reconciled') as string[];
    expect([...applied, ...reconciled].sort()).toEqual(ALL);
    expect(applied.slice(-(N - 16))).toEqual(ALL.slice(16));
  });
});

// What the probe records for statements that write relations' rows without locking them, and
// for subtransactions, whose xids the next revision's window must not take.
describe.skipIf(!python)('alembic layout: unlocked writes and subtransactions in the probe', () => {
  // Roles are the cluster's: each test's role goes once the file is done, whatever happened.
  const roles: string[] = [];
  const newRole = (): string => {
    const role = uniqueName('rb_probe_role');
    roles.push(role);
    return role;
  };
  afterAll(async () => {
    for (const role of roles)
      await adminQuery(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
  });
  const ledgerRow = (i: number): string => `op.execute("INSERT INTO ledger VALUES ('${rev(i)}')")`;
  /** Revision 1's body: the ledger, `role`, and a table "granted" it may read; `then` after. */
  const granted = (role: string, then = ''): string =>
    `op.execute("CREATE TABLE ledger (revision text NOT NULL)")\n    ` +
    `op.execute("CREATE ROLE ${role}")\n    ` +
    `op.create_table("granted", sa.Column("id", sa.Integer))\n    ` +
    `op.execute("GRANT SELECT ON granted TO ${role}")\n    ${then}${ledgerRow(1)}`;
  /** Also a function that revokes `role`'s privileges: the revoke is hidden from its callers. */
  const withHiddenRevoke = (role: string): string =>
    granted(
      role,
      `op.execute("CREATE FUNCTION strip_privileges() RETURNS void LANGUAGE sql ` +
        `AS 'DROP OWNED BY ${role}'")\n    `,
    );

  it('DROP OWNED BY rewrites a table it does not lock: its revision records the table altered', async () => {
    const role = newRole();
    const dir = await project('drop-owned', {
      1: granted(role),
      // No GRANT/REVOKE word, yet it revokes the role's privileges on "granted" (pg_class.relacl)
      // without locking it.
      2: `op.execute("DROP OWNED BY ${role}")\n    op.execute("DROP ROLE ${role}")\n    ${ledgerRow(2)}`,
    });
    const d = await fresh('rb_alembic_probe_drop_owned');
    const r = await cli.runbook([...upgradeArgs(d, dir), '--param', `target=${rev(2)}`]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const relations = appliedRelations();
    expect(relations).toHaveLength(2);
    expect((relations[1]?.altered ?? []).map((x) => x.name).sort()).toEqual(['granted']);
  });

  it("an unlocked write in a released savepoint is not the next revision's", async () => {
    const role = newRole();
    const dir = await project('savepoint-unlocked', {
      1: granted(role),
      // The savepoint's xid comes after the revision's own; the probe counts no row it wrote.
      2:
        `with op.get_bind().begin_nested():\n        op.execute("DROP OWNED BY ${role}")\n    ` +
        `op.execute("DROP ROLE ${role}")\n    ${ledgerRow(2)}`,
      3: `op.create_table("three", sa.Column("id", sa.Integer))\n    ${ledgerRow(3)}`,
    });
    const d = await fresh('rb_alembic_probe_savepoint');
    const r = await cli.runbook([...upgradeArgs(d, dir), '--param', `target=${rev(3)}`]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const relations = appliedRelations();
    expect(relations).toHaveLength(3);
    // Revision 3 created "three" and did nothing to "granted"; revision 2 revoked on it.
    expect((relations[2]?.altered ?? []).map((x) => x.name).sort()).toEqual([]);
    expect((relations[1]?.altered ?? []).map((x) => x.name).sort()).toEqual(['granted']);
  });

  // Nothing in revision 2's text says it rewrites "granted": the probe misses it (as it would in
  // a SQL file); what matters is that the savepoint's xid does not land in revision 3's window.
  // The second case reads pg_stat_activity first (the backend status is then kept for the
  // transaction) with a planner setting any role or database may carry.
  it.each([
    ['as it is', ''],
    [
      "after the revision read the backend status, whatever the probe's plan",
      `op.execute("SET LOCAL geqo_threshold = 2")\n    ` +
        `op.execute("SELECT count(*) FROM pg_stat_activity")\n    `,
    ],
  ])(
    "a savepoint's write the probe cannot see is not blamed on the next revision: %s",
    async (_case, first) => {
      const role = newRole();
      const dir = await project(`savepoint-hidden-${roles.length}`, {
        1: withHiddenRevoke(role),
        2:
          `${first}with op.get_bind().begin_nested():\n        op.execute("SELECT strip_privileges()")\n    ` +
          ledgerRow(2),
        3: `op.create_table("three", sa.Column("id", sa.Integer))\n    ${ledgerRow(3)}`,
      });
      const d = await fresh('rb_alembic_probe_savepoint_hidden');
      const r = await cli.runbook([...upgradeArgs(d, dir), '--param', `target=${rev(3)}`]);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const relations = appliedRelations();
      expect(relations).toHaveLength(3);
      expect((relations[2]?.created ?? []).map((x) => x.name)).toEqual(['three']);
      expect((relations[2]?.altered ?? []).map((x) => x.name)).toEqual([]);
    },
  );

  it('a write env.py makes before the migrations run counts in the first revision', async () => {
    const dir = await project('env-writes-first', {
      2: `op.create_table("second", sa.Column("id", sa.Integer))`,
    });
    // Sent before Alembic's loop starts, in the transaction the first revision then runs in (a
    // DO block: SQLAlchemy does not commit it on its own, as it would a bare GRANT).
    await writeFile(
      path.join(dir, 'env.py'),
      ENV_PY.replace(
        'context.run_migrations()',
        () =>
          `connection.exec_driver_sql("DO $$ BEGIN EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA public TO PUBLIC'; END $$")\n            context.run_migrations()`,
      ),
    );
    const d = await fresh('rb_alembic_probe_env_first');
    // At r001 already: Alembic then creates no version table, whose commit would end env.py's
    // transaction before the first revision.
    await execSql(
      d,
      `CREATE TABLE before_run (id int);
       CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
       INSERT INTO alembic_version VALUES ('${rev(1)}')`,
    );
    const r = await cli.runbook([...upgradeArgs(d, dir), '--param', `target=${rev(2)}`]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const relations = appliedRelations();
    expect(relations).toHaveLength(1);
    expect((relations[0]?.created ?? []).map((x) => x.name)).toEqual(['second']);
    expect((relations[0]?.altered ?? []).map((x) => x.name)).toEqual(['before_run']);
  });

  it("the watch keeps a DictConnection's cursors: a revision's raw cursor still returns DictRows", async () => {
    const dir = await project('dict-connection', {
      1:
        `op.execute("CREATE TABLE ledger (revision text NOT NULL)")\n    ` +
        `cur = op.get_bind().connection.cursor()\n    cur.execute("SELECT 1 AS x")\n    ` +
        `assert cur.fetchone()["x"] == 1\n    ${ledgerRow(1)}`,
    });
    await writeFile(
      path.join(dir, 'env.py'),
      ENV_PY.replace(
        'poolclass=pool.NullPool',
        'poolclass=pool.NullPool,\n        connect_args={"connection_factory": psycopg2.extras.DictConnection}',
      ).replace(
        'from alembic import context',
        'import psycopg2.extras\nfrom alembic import context',
      ),
    );
    const d = await fresh('rb_alembic_probe_dict');
    const r = await cli.runbook([...upgradeArgs(d, dir), '--param', `target=${rev(1)}`]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(await ledger(d)).toEqual(once(ALL.slice(0, 1)));
  });
});

/** The session of `database` running a query containing `text`, once there is one. */
async function sessionRunning(
  database: string,
  text: string,
): Promise<{ pid: number; application_name: string }> {
  const until = Date.now() + 30_000;
  for (;;) {
    const r = await adminQuery<{ pid: number; application_name: string }>(
      `SELECT pid, application_name FROM pg_stat_activity
        WHERE datname = $1 AND strpos(query, $2) > 0 AND pid <> pg_backend_pid()`,
      [database, text],
    );
    if (r.rows[0]) return r.rows[0];
    if (Date.now() > until) throw new Error(`no session of ${database} runs ${text}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

if (!python)
  console.warn('skipping alembic long-history tests: no python3 can `import alembic, psycopg2`');
