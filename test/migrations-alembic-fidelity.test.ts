import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPython } from '../src/migrations/index.js';
import { adminUrl, uniqueName } from './support/database.js';
import {
  createDatabase,
  createProcedureCli,
  databaseUrl,
  dropDatabases,
  queryRows,
  type ProcedureCli,
} from './support/procedure-cli.js';

const python = findPython();
const PROJECT = path.resolve('test/fixtures/alembic-project');
const COMMITS = path.resolve('test/fixtures/alembic-commit');
let cli: ProcedureCli;
const created: string[] = [];

beforeAll(async () => {
  cli = await createProcedureCli();
});
afterAll(async () => {
  await dropDatabases(created);
  await cli?.dispose();
});

async function fresh(prefix: string): Promise<string> {
  const d = uniqueName(prefix);
  created.push(d);
  await createDatabase(d);
  return d;
}

/** `command.upgrade` of the real Alembic, alone, on `database` (one call, as `alembic upgrade`). */
async function alembicUpgrade(
  project: string,
  database: string,
  revision: string,
  env: Record<string, string> = {},
): Promise<void> {
  const script =
    'import sys\nfrom alembic import command\nfrom alembic.config import Config\n' +
    'c = Config(sys.argv[1]); c.set_main_option("sqlalchemy.url", sys.argv[2])\n' +
    'command.upgrade(c, sys.argv[3])\n';
  await promisify(execFile)(
    python as string,
    ['-c', script, path.join(project, 'alembic.ini'), databaseUrl(database), revision],
    { cwd: project, env: { ...process.env, ...env } },
  );
}

function upgrade(database: string, project: string, ...extra: string[]) {
  return cli.runbook([
    'run', 'upgrade', '--param', `database=${database}`, '--param', `migrations=${project}`, ...extra,
  ]); // prettier-ignore
}

const appliedIn = (runId: string): unknown[] =>
  cli
    .events(runId)
    .filter((e) => e.type === 'migration.applied')
    .map((e) => e.data.revision);

const versionRows = (d: string) => queryRows(d, 'SELECT version_num FROM alembic_version');

describe.skipIf(!python)('alembic layout: what the real Alembic would do', () => {
  it('a postgres:// database URL reaches SQLAlchemy as postgresql://', async () => {
    const d = uniqueName('rb_alembic_pgurl');
    created.push(d);
    const url = adminUrl().replace(/^postgresql:/, 'postgres:');
    expect(url.startsWith('postgres://')).toBe(true);
    const run = await cli.runbook(
      [
        'run', 'upgrade', '--param', `database=${d}`, '--param', `migrations=${PROJECT}`,
        '--param', 'target=c3',
      ], // prettier-ignore
      { databaseUrl: url },
    );
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(await versionRows(d)).toEqual([{ version_num: 'c3' }]);
  });

  it('a failing Python revision is named by its file and line', async () => {
    const d = await fresh('rb_alembic_line');
    const run = await upgrade(d, PROJECT);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('d4_audit.py:14');
    const failed = cli.events(cli.lastRunId()).find((e) => e.type === 'step.failed');
    expect(JSON.stringify(failed?.data)).toMatch(/"line":14/);
  });

  it('a revision that commits mid-way stops the run, not logged as applied, as Alembic left it', async () => {
    const ours = await fresh('rb_alembic_commit');
    const theirs = await fresh('rb_alembic_commit_tool');
    const run = await upgrade(ours, COMMITS);
    expect(run.code).not.toBe(0);
    const out = run.stdout + run.stderr;
    expect(out).toMatch(/VERSION_NOT_RECORDED alembic ran m2 \(m2_add_sku\.py\)/);
    expect(out).not.toContain('column "sku" of relation');
    expect(appliedIn(cli.lastRunId())).toEqual(['m1']);
    // The real Alembic, one revision per call as runbook drives it: m2 "succeeds", no row.
    await alembicUpgrade(COMMITS, theirs, 'm1');
    await alembicUpgrade(COMMITS, theirs, 'm2');
    expect(await versionRows(ours)).toEqual(await versionRows(theirs));
    expect(await versionRows(ours)).toEqual([{ version_num: 'm1' }]);
    // What ran before the commit took effect in both; m3 never ran.
    const sku = `SELECT column_name FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'sku'`;
    expect(await queryRows(ours, sku)).toEqual(await queryRows(theirs, sku));
    expect(await queryRows(ours, 'SELECT count(*)::int AS n FROM items')).toEqual([{ n: 0 }]);
  });

  it('Alembic continues where runbook stopped and runbook where Alembic stopped', async () => {
    const ok = { RUNBOOK_FIXTURE_OK: '1' };
    const a = await fresh('rb_alembic_then');
    const alone = await fresh('rb_alembic_alone');
    const first = await upgrade(a, PROJECT, '--param', 'target=b2');
    expect(first.code, first.stderr + first.stdout).toBe(0);
    await alembicUpgrade(PROJECT, a, 'head', ok);
    await alembicUpgrade(PROJECT, alone, 'head', ok);
    expect(await versionRows(a)).toEqual(await versionRows(alone));
    expect(await queryRows(a, 'SELECT count(*)::int AS n FROM accounts')).toEqual([{ n: 1 }]);

    const b = await fresh('rb_alembic_after');
    await alembicUpgrade(PROJECT, b, 'b2');
    const second = await cli.runbook(
      ['run', 'upgrade', '--param', `database=${b}`, '--param', `migrations=${PROJECT}`],
      { env: ok },
    );
    expect(second.code, second.stderr + second.stdout).toBe(0);
    expect(appliedIn(cli.lastRunId())).toEqual(['c3', 'd4']);
    expect(await versionRows(b)).toEqual(await versionRows(alone));
    expect(await queryRows(b, 'SELECT count(*)::int AS n FROM accounts')).toEqual([{ n: 1 }]);
  });
});
if (!python)
  console.warn('skipping alembic fidelity tests: no python3 can `import alembic, psycopg2`');
