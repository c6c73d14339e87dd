import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsStamp } from '../src/actions/migrations-stamp.js';
import { migrationsUpgrade } from '../src/actions/migrations-upgrade.js';
import { StepError } from '../src/errors.js';
import { findPython, loadMigrationSource } from '../src/migrations/index.js';
import { sha256Hex } from '../src/migrations/files.js';
import { Connections } from '../src/postgres/connections.js';
import { createActionContext } from './support/action-context.js';
import { scratchDatabases } from './support/scratch-databases.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

const fixtures = path.resolve('test/fixtures/migrations');
const alembicProject = path.resolve('test/fixtures/alembic-project');
let db: TestDatabase;
let conns: Connections;
const scratch = scratchDatabases(() => db);
const freshDb = scratch.fresh;
const q = scratch.query;

beforeAll(async () => {
  db = await createTestDatabase('mig_layouts');
  conns = new Connections(db.adminUrl);
});
afterAll(async () => {
  await conns.end();
  await db.drop();
});

describe('linear layouts recorded in each tool’s own table', () => {
  it('golang-migrate: one row with the latest version, not dirty', async () => {
    const d = await freshDb();
    const t = await createActionContext({ url: db.adminUrl, db: conns });
    const src = path.join(fixtures, 'golang');
    expect((await loadMigrationSource(src)).layout).toBe('golang-migrate');
    const res = await migrationsUpgrade.run(t.ctx, { source: src, database: d });
    expect(res.output).toEqual({ applied: 3, applied_in_run: 3, current: ['10'], plan_total: 3 });
    const rows = await q(d, 'SELECT version, dirty FROM schema_migrations');
    expect(rows.rows).toEqual([{ version: '10', dirty: false }]);
    const cols = await q(
      d,
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1`,
    );
    expect(cols.rows.map((r: { column_name: string }) => r.column_name)).toEqual([
      'email',
      'id',
      'name',
    ]);
    // A dirty version left by a crash is in doubt until the operator decides.
    await q(d, 'UPDATE schema_migrations SET dirty = true');
    const t2 = await createActionContext({ url: db.adminUrl, db: conns });
    await expect(migrationsUpgrade.run(t2.ctx, { source: src, database: d })).rejects.toMatchObject(
      {
        code: 'MIGRATION_IN_DOUBT',
      },
    );
    t2.ctx.attempt.decision = { kind: 'skip', target: '10' };
    await migrationsUpgrade.run(t2.ctx, { source: src, database: d });
    expect((await q(d, 'SELECT version, dirty FROM schema_migrations')).rows).toEqual([
      { version: '10', dirty: false },
    ]);
    await t.dispose();
    await t2.dispose();
  });

  it('diesel: one row per migration, version = digits of the directory name', async () => {
    const d = await freshDb();
    const t = await createActionContext({ url: db.adminUrl, db: conns });
    const src = path.join(fixtures, 'diesel');
    const res = await migrationsUpgrade.run(t.ctx, { source: src, database: d, target: '+2' });
    expect(res.output?.applied).toBe(2);
    await migrationsUpgrade.run(t.ctx, { source: src, database: d, target: 'head' });
    const rows = await q(
      d,
      'SELECT version, run_on IS NOT NULL AS ran FROM __diesel_schema_migrations ORDER BY 1',
    );
    expect(rows.rows).toEqual([
      { version: '20240101000001', ran: true },
      { version: '20240102000002', ran: true },
      { version: '20240103000003', ran: true },
    ]);
    await t.dispose();
  });

  it('prisma: _prisma_migrations rows with the file checksum; stamp records resolved rows', async () => {
    const d = await freshDb();
    const t = await createActionContext({ url: db.adminUrl, db: conns });
    const src = path.join(fixtures, 'prisma');
    await migrationsUpgrade.run(t.ctx, { source: src, database: d });
    const rows = await q(
      d,
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, applied_steps_count
         FROM _prisma_migrations ORDER BY migration_name`,
    );
    const sum = (dir: string): string =>
      sha256Hex(execFileSync('cat', [path.join(src, dir, 'migration.sql')]));
    expect(rows.rows).toEqual(
      ['20240101000000_init', '20240102000000_posts', '20240103000000_index'].map((m) => ({
        migration_name: m,
        checksum: sum(m),
        finished: true,
        applied_steps_count: 1,
      })),
    );
    const e = await freshDb();
    const stamped = await migrationsStamp.run(t.ctx, {
      source: src,
      database: e,
      revision: '20240102',
    });
    expect(stamped.output).toEqual({
      changed: true,
      current: ['20240101000000_init', '20240102000000_posts'],
    });
    await t.dispose();
  });

  it('refuses a folder mixing layouts, naming the files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'runbook-mixed-'));
    await writeFile(path.join(dir, '1_create_users.up.sql'), 'SELECT 1;\n');
    await writeFile(path.join(dir, 'a.sql'), '-- revision: a\n-- down_revision:\nSELECT 1;\n');
    const err = await loadMigrationSource(dir).catch((x: unknown) => x);
    await rm(dir, { recursive: true, force: true });
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).message).toMatch(/mixes migration layouts/);
    expect((err as StepError).message).toMatch(/golang-migrate: .*1_create_users\.up\.sql/);
  });
});

const python = findPython();
describe.skipIf(!python)('alembic layout through the Python bridge', () => {
  it('lists revisions, upgrades in one Alembic run committing each revision, reports a SQLSTATE and resumes after the fix', async () => {
    const d = await freshDb();
    const t = await createActionContext({ url: db.adminUrl, db: conns });
    const source = await loadMigrationSource(alembicProject);
    expect(source.layout).toBe('alembic');
    expect((await source.list()).map((m) => m.revision)).toEqual(['a1', 'b2', 'c3', 'd4']);
    const err = await migrationsUpgrade
      .run(t.ctx, { source: alembicProject, database: d, target: 'head' })
      .catch((x: unknown) => x as StepError);
    expect(err).toBeInstanceOf(StepError);
    expect(err).toMatchObject({ code: '42P01', fields: { migration: 'd4' } });
    expect((err as StepError).message).toMatch(/relation "missing_accounts" does not exist/);
    expect((await q(d, 'SELECT version_num FROM alembic_version')).rows).toEqual([
      { version_num: 'c3' },
    ]);
    t.ctx.env = { ...t.ctx.env, RUNBOOK_FIXTURE_OK: '1' };
    const res = await migrationsUpgrade.run(t.ctx, {
      source: alembicProject,
      database: d,
      target: 'head',
    });
    expect(res.output).toEqual({ applied: 1, applied_in_run: 4, current: ['d4'], plan_total: 1 });
    expect((await q(d, 'SELECT count(*)::int AS n FROM accounts')).rows[0].n).toBe(1);
    await t.dispose();
  });
});
if (!python)
  console.warn('skipping alembic bridge tests: no python3 can `import alembic, psycopg2`');
