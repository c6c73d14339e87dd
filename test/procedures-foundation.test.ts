import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../src/postgres/quote.js';
import { adminQuery, uniqueName } from './support/database.js';
import {
  createDatabase,
  createProcedureCli,
  dropDatabases,
  execSql,
  queryRows,
  type ProcedureCli,
} from './support/procedure-cli.js';

const GUC = 'app.current_tenant_id';
const NIL_TENANT = '00000000-0000-0000-0000-000000000000';

let cli: ProcedureCli;
const created: string[] = [];

beforeAll(async () => {
  cli = await createProcedureCli();
});
afterAll(async () => {
  // The roles are server-global and shared with other test files: never dropped.
  await dropDatabases(created);
  await cli?.dispose();
});

function database(prefix: string): string {
  const name = uniqueName(prefix);
  created.push(name);
  return name;
}

/** The foreign keys of attribution_recompute_jobs as (column → table.column, on delete). */
async function recomputeJobsFks(db: string): Promise<unknown[]> {
  return queryRows(
    db,
    `SELECT a.attname AS "column", c.confrelid::regclass::text AS "references",
            fa.attname AS "referencedColumn", c.confdeltype AS "onDelete"
       FROM pg_constraint c
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
       JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = ANY (c.confkey)
      WHERE c.contype = 'f' AND c.conrelid = 'public.attribution_recompute_jobs'::regclass`,
  );
}

async function versions(db: string): Promise<string[]> {
  const rows = await queryRows<{ v: string }>(
    db,
    'SELECT version_num AS v FROM alembic_version ORDER BY 1',
  );
  return rows.map((r) => r.v);
}

/** Creates the three roles if missing; another file may be creating them at the same moment. */
async function ensureRoles(): Promise<void> {
  for (const role of ['app_user', 'app_rw', 'app_ro']) {
    try {
      await adminQuery(
        `DO $$ BEGIN CREATE ROLE ${quoteIdent(role)}; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
      );
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err; // lost a race: it exists
    }
  }
}

describe('rebuild-foundation on examples/skeldir', () => {
  it('builds the database: roles, GUC, two-step upgrade, the CASCADE FK; re-runs with drop_existing', async () => {
    const db = database('rb_skeldir');
    const run = await cli.runbook(['run', 'rebuild-foundation', '--param', `database=${db}`]);
    expect(run.code, run.stderr).toBe(0);
    const runId = cli.lastRunId();
    const checklist = cli.checklist(runId);
    expect(checklist).toHaveLength(6);
    for (const c of checklist) expect(c.status, `${c.item}: ${c.evidence}`).toBe('PASS');

    expect(await recomputeJobsFks(db)).toEqual([
      { column: 'tenant_id', references: 'tenants', referencedColumn: 'id', onDelete: 'c' },
    ]);
    // A new connection sees the database-level setting.
    expect(await queryRows(db, `SELECT current_setting('${GUC}') AS v`)).toEqual([
      { v: NIL_TENANT },
    ]);
    const { rows: roles } = await adminQuery<{ rolname: string }>(
      "SELECT rolname FROM pg_roles WHERE rolname IN ('app_user', 'app_rw', 'app_ro') ORDER BY 1",
    );
    expect(roles.map((r) => r.rolname)).toEqual(['app_ro', 'app_rw', 'app_user']);
    expect(await versions(db)).toEqual(['202512151400']);
    // The two targets were applied in order: the core branch first, then the celery branch.
    const applied = cli
      .events(runId)
      .filter((e) => e.type === 'migration.applied')
      .map((e) => String(e.data.revision));
    expect(applied.indexOf('202511131121')).toBeLessThan(applied.indexOf('202512120900'));
    expect(applied.at(-1)).toBe('202512151400');

    // A marker the rebuild must not keep: drop_existing starts from a clean slate.
    await execSql(db, 'CREATE TABLE public.leftover_marker (id int)');
    const again = await cli.runbook([
      'run', 'rebuild-foundation', '--param', `database=${db}`, '--param', 'drop_existing=true',
    ]); // prettier-ignore
    expect(again.code, again.stderr).toBe(0);
    const againId = cli.lastRunId();
    const dropped = cli
      .events(againId)
      .find((e) => e.type === 'step.succeeded' && e.step === 'drop-existing');
    expect(dropped?.data.condition_skipped).not.toBe(true);
    expect(await queryRows(db, "SELECT to_regclass('public.leftover_marker') AS t")).toEqual([
      { t: null },
    ]);
    expect(await recomputeJobsFks(db)).toHaveLength(1);
    expect(await versions(db)).toEqual(['202512151400']);
  });

  it('skeldir_foundation@head in one step from empty: exit 1, relation "tenants" does not exist', async () => {
    const db = database('rb_skeldir_onestep');
    const run = await cli.runbook([
      'run', 'rebuild-foundation', '--param', `database=${db}`, '--param', 'targets=[skeldir_foundation@head]',
    ]); // prettier-ignore
    expect(run.code, run.stderr).toBe(1);
    const inspect = await cli.runbook(['inspect', 'last']);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toMatch(/failed step migrate/);
    expect(inspect.stdout).toContain('42P01');
    expect(inspect.stdout).toContain('relation "tenants" does not exist');
    expect(inspect.stdout).toContain('202512151300');
    expect(
      await queryRows(db, "SELECT to_regclass('public.attribution_recompute_jobs') AS t"),
    ).toEqual([{ t: null }]);
  });
});

describe('upgrade on examples/skeldir', () => {
  it('target 202511131121, then skeldir_foundation@head: both exit 0', async () => {
    const db = database('rb_skeldir_upgrade');
    // The migrations need what rebuild-foundation provides: the roles and the GUC.
    await ensureRoles();
    await createDatabase(db);
    await adminQuery(`ALTER DATABASE ${quoteIdent(db)} SET ${GUC} = '${NIL_TENANT}'`);
    const args = [
      'run',
      'upgrade',
      '--param',
      `database=${db}`,
      '--param',
      'migrations=examples/skeldir',
    ];

    const core = await cli.runbook([...args, '--param', 'target=202511131121']);
    expect(core.code, core.stderr).toBe(0);
    expect(await versions(db)).toEqual(['202511131121']);
    expect(await queryRows(db, "SELECT to_regclass('public.tenants') IS NOT NULL AS ok")).toEqual([
      { ok: true },
    ]);
    expect(
      await queryRows(db, "SELECT to_regclass('public.attribution_recompute_jobs') AS t"),
    ).toEqual([{ t: null }]);

    const merged = await cli.runbook([...args, '--param', 'target=skeldir_foundation@head']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(await versions(db)).toEqual(['202512151400']);
    expect(await recomputeJobsFks(db)).toEqual([
      { column: 'tenant_id', references: 'tenants', referencedColumn: 'id', onDelete: 'c' },
    ]);
    const checklist = cli.checklist(cli.lastRunId());
    for (const c of checklist) expect(c.status, `${c.item}: ${c.evidence}`).toBe('PASS');
  });
});
