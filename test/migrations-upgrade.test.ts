import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsCurrent } from '../src/actions/migrations-current.js';
import { migrationsStamp } from '../src/actions/migrations-stamp.js';
import { migrationsUpgrade } from '../src/actions/migrations-upgrade.js';
import { acquireMigrationLock } from '../src/migrations/advisory-lock.js';
import { Connections } from '../src/postgres/connections.js';
import { withDatabase } from '../src/postgres/url.js';
import { createActionContext } from './support/action-context.js';
import { scratchDatabases, stepErrorOf } from './support/scratch-databases.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

const skeldir = path.resolve('test/fixtures/migrations/skeldir');
let db: TestDatabase;
let conns: Connections;
const scratch = scratchDatabases(() => db);
const freshDb = scratch.fresh;
const q = scratch.query;
const fails = stepErrorOf;

async function versions(database: string): Promise<string[]> {
  const r = await q(database, 'SELECT version_num FROM alembic_version ORDER BY 1');
  return r.rows.map((x: { version_num: string }) => x.version_num);
}

beforeAll(async () => {
  db = await createTestDatabase('mig_upgrade');
  conns = new Connections(db.adminUrl);
});
afterAll(async () => {
  await conns.end();
  await db.drop();
});

describe('migrations.upgrade on alembic-sql', () => {
  it('reproduces the one-step failure and succeeds in two steps, with Alembic version rows', async () => {
    const one = await freshDb();
    const t = await createActionContext({ url: db.adminUrl, db: conns });
    const err = await fails(
      migrationsUpgrade.run(t.ctx, {
        source: skeldir,
        database: one,
        target: 'skeldir_foundation@head',
      }),
    );
    expect(err.code).toBe('42P01');
    expect(err.message).toBe('relation "tenants" does not exist');
    expect(err.fields.migration).toBe('202512151300');
    expect(err.fields.file).toBe(path.join(skeldir, 'celery/002_recompute_jobs.sql'));
    // No position from the server for a REFERENCES target: the statement's first line.
    expect(err.fields.line).toBe(5);
    expect(err.fields.statement).toMatch(/^CREATE TABLE attribution_recompute_jobs/);
    // The celery base committed on its own: one row per head, as Alembic keeps it.
    expect(await versions(one)).toEqual(['202512120900']);

    const two = await freshDb();
    const t2 = await createActionContext({ url: db.adminUrl, db: conns });
    await migrationsUpgrade.run(t2.ctx, { source: skeldir, database: two, target: '202511131121' });
    expect(await versions(two)).toEqual(['202511131121']);
    await migrationsUpgrade.run(t2.ctx, { source: skeldir, database: two, target: '+1' });
    expect(await versions(two)).toEqual(['202511131121', '202512120900']);
    await migrationsUpgrade.run(t2.ctx, { source: skeldir, database: two, target: '+1' });
    expect(await versions(two)).toEqual(['202511131121', '202512151300']);
    const res = await migrationsUpgrade.run(t2.ctx, {
      source: skeldir,
      database: two,
      target: 'skeldir_foundation@head',
    });
    expect(res.output).toEqual({
      applied: 1,
      applied_in_run: 6,
      current: ['202512151400'],
      plan_total: 1,
    });
    expect(await versions(two)).toEqual(['202512151400']);
    const fk = await q(
      two,
      `SELECT conname FROM pg_constraint WHERE conname = 'attribution_recompute_jobs_tenant_id_fkey'`,
    );
    expect(fk.rowCount).toBe(1);
    // Numbered in the history: the five applied before come first.
    expect(t2.progress).toContain('001_celery_tables–003_grants already applied (5)');
    expect(t2.progress.some((l) => /^\[6\/6\] merge {2}\d+ ms$/.test(l))).toBe(true);
    const prov = JSON.parse(
      await readFile(path.join(t2.runDir, 'artifacts/provenance.json'), 'utf8'),
    );
    const created = prov.migrations.find(
      (x: { revision: string }) => x.revision === '202511131115',
    ).created;
    expect(created).toContainEqual({ schema: 'public', name: 'tenants', kind: 'table' });
    const current = await migrationsCurrent.run(t2.ctx, { source: skeldir, database: two });
    expect(current.output).toEqual({
      current: ['202512151400'],
      is_head: true,
      has_version_table: true,
    });

    // One call with the targets in sequence does the same.
    const three = await freshDb();
    const dry = await migrationsUpgrade.run(t2.ctx, {
      source: skeldir,
      database: three,
      target: ['202511131121', 'skeldir_foundation@head'],
      dry_run: true,
    });
    expect(dry.output?.plan).toEqual([
      'baseline',
      '202511131115',
      '202511131121',
      '202512120900',
      '202512151300',
      '202512151400',
    ]);
    expect((await q(three, `SELECT to_regclass('alembic_version') AS t`)).rows[0].t).toBeNull();
    await t.dispose();
    await t2.dispose();
  });

  it('stamps idempotently and refuses an unknown revision', async () => {
    const d = await freshDb();
    const t = await createActionContext({ url: db.adminUrl, db: conns });
    const first = await migrationsStamp.run(t.ctx, {
      source: skeldir,
      database: d,
      revision: 'head',
    });
    expect(first.output).toEqual({ changed: true, current: ['202512151400'] });
    const again = await migrationsStamp.run(t.ctx, {
      source: skeldir,
      database: d,
      revision: 'head',
    });
    expect(again.output?.changed).toBe(false);
    expect(again.summary).toMatch(/nothing changed/);
    expect((await q(d, `SELECT to_regclass('tenants') AS t`)).rows[0].t).toBeNull();
    const err = await fails(
      migrationsStamp.run(t.ctx, { source: skeldir, database: d, revision: 'nope' }),
    );
    expect(err.code).toBe('UNKNOWN_REVISION');
    expect(await versions(d)).toEqual(['202512151400']);
    await t.dispose();
  });

  it('refuses a second concurrent run with DATABASE_LOCKED naming the holder', async () => {
    const d = await freshDb();
    const holder = new pg.Client(withDatabase(db.adminUrl, d));
    await holder.connect();
    const release = await acquireMigrationLock(holder, d, 'other-run-1234');
    const t = await createActionContext({ url: db.adminUrl, db: conns });
    const err = await fails(
      migrationsUpgrade.run(t.ctx, { source: skeldir, database: d, target: '202511131121' }),
    );
    expect(err.code).toBe('DATABASE_LOCKED');
    expect(err.message).toMatch(/run other-run-1234/);
    expect((await q(d, `SELECT to_regclass('alembic_version') AS t`)).rows[0].t).toBeNull();
    await release();
    await holder.end();
    await migrationsUpgrade.run(t.ctx, { source: skeldir, database: d, target: '202511131121' });
    expect(await versions(d)).toEqual(['202511131121']);
    await t.dispose();
  });
});

describe('failure, fix and resume', () => {
  let dir: string;
  const header = (rev: string, down: string, extra = ''): string =>
    `-- revision: ${rev}\n-- down_revision: ${down}\n${extra}`;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'runbook-mig-'));
    await writeFile(
      path.join(dir, '001_t.sql'),
      header('001', '') + 'CREATE TABLE t (id serial, note text);\n',
    );
    await writeFile(
      path.join(dir, '002_seed.sql'),
      header('002', '001') +
        `INSERT INTO t (note) VALUES ('once');\n` +
        `CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1; -- ; inside\nEND;\n$$;\n`,
    );
    await writeFile(
      path.join(dir, '003_broken.sql'),
      header('003', '002', '-- message: broken on purpose\n') +
        '\nSELECT 1;\nSELECT *\n  FROM missing_table;\n',
    );
    await writeFile(
      path.join(dir, '004_own_tx.sql'),
      header('004', '003') + 'BEGIN;\nCREATE TABLE own (id int);\nCOMMIT;\n',
    );
    await writeFile(
      path.join(dir, '005_concurrently.sql'),
      header('005', '004', '-- transaction: false\n') +
        'CREATE INDEX CONCURRENTLY t_note ON t (note);\n',
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fails with the file line, resumes after the fix without re-running, guards changed files', async () => {
    const d = await freshDb();
    const t = await createActionContext({ url: db.adminUrl, db: conns });
    const err = await fails(
      migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' }),
    );
    expect(err.code).toBe('42P01');
    expect(err.fields).toMatchObject({
      migration: '003',
      line: 7,
      statement: 'SELECT *\n  FROM missing_table',
    });
    expect(await versions(d)).toEqual(['002']);

    await writeFile(path.join(dir, '003_broken.sql'), header('003', '002') + 'SELECT 1;\n');
    t.ctx.attempt.number = 2;
    const res = await migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' });
    expect(res.output).toEqual({ applied: 3, applied_in_run: 5, current: ['005'], plan_total: 3 });
    expect((await q(d, 'SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(1);
    expect(t.events.some((e) => e.type === 'migration.changed')).toBe(true);
    expect(t.events.some((e) => e.type === 'migration.own_transaction')).toBe(true);
    expect(t.progress.some((l) => l.includes('own BEGIN/COMMIT'))).toBe(true);
    expect((await q(d, `SELECT to_regclass('t_note')::text AS t`)).rows[0].t).toBe('t_note');

    await writeFile(
      path.join(dir, '002_seed.sql'),
      header('002', '001') + `INSERT INTO t (note) VALUES ('twice');\n`,
    );
    const changed = await fails(
      migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' }),
    );
    expect(changed.code).toBe('MIGRATION_CHANGED');
    t.ctx.attempt.allowChanged = true;
    const ok = await migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' });
    expect(ok.output?.applied).toBe(0);
    expect((await q(d, 'SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(1);
    await t.dispose();
  });

  /** A database upgraded to 004, and a crash during 005: marker written, version table not updated. */
  async function crashedDuring005(): Promise<{
    d: string;
    t: Awaited<ReturnType<typeof createActionContext>>;
  }> {
    const d = await freshDb();
    const t = await createActionContext({ url: db.adminUrl, db: conns });
    await migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: '004' });
    const cp = t.checkpoint() as { inflight?: unknown };
    cp.inflight = {
      revision: '005',
      file: path.join(dir, '005_concurrently.sql'),
      started_at: 'x',
    };
    await t.ctx.checkpoint.write(cp as never);
    return { d, t };
  }

  it('stops on an in-flight non-transactional migration until --retry or --skip', async () => {
    const { d, t } = await crashedDuring005();
    const err = await fails(
      migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' }),
    );
    expect(err.code).toBe('MIGRATION_IN_DOUBT');
    expect(err.fields.hint).toMatch(/--skip 005/);
    t.ctx.attempt.decision = { kind: 'skip', target: '005' };
    const res = await migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' });
    expect(res.output).toMatchObject({ applied: 0, current: ['005'] });
    expect((await q(d, `SELECT to_regclass('t_note') AS t`)).rows[0].t).toBeNull();
    await t.dispose();
  });

  it('refuses --skip over a migration it builds on that is no longer applied', async () => {
    const { d, t } = await crashedDuring005();
    // 004's commit lost with the server (or undone by hand): the table records 003.
    await q(d, `UPDATE alembic_version SET version_num = '003'`);
    t.ctx.attempt.decision = { kind: 'skip', target: '005' };
    const err = await fails(
      migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' }),
    );
    expect(err.code).toBe('MIGRATION_IN_DOUBT');
    expect(err.message).toContain('cannot record 005 applied without running it: 004');
    expect(err.fields.hint).toMatch(/--retry` applies 004 and then 005/);
    expect(await versions(d)).toEqual(['003']);
    await t.dispose();
  });
});

describe('a migration that committed just before the process died', () => {
  it('is logged as reconciled on the next attempt, never re-run and never missing from the log', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'runbook-mig-rec-'));
    const header = (rev: string, down: string): string =>
      `-- revision: ${rev}\n-- down_revision: ${down}\n`;
    await writeFile(path.join(dir, '001.sql'), header('r1', '') + 'CREATE TABLE a (v int);\n');
    await writeFile(
      path.join(dir, '002.sql'),
      header('r2', 'r1') + 'INSERT INTO a VALUES (2);\nCREATE TABLE b (v int);\n',
    );
    await writeFile(path.join(dir, '003.sql'), header('r3', 'r2') + 'CREATE TABLE c (v int);\n');
    try {
      const d = await freshDb();
      const first = await createActionContext({ url: db.adminUrl, db: conns });
      await migrationsUpgrade.run(first.ctx, { source: dir, database: d, target: 'r2' });
      // The kill window: r2 committed, but its checkpoint and log line never happened.
      const cp = first.checkpoint() as { applied: string[]; settled?: number };
      expect(cp.applied).toEqual(['r1', 'r2']);
      // Killed before its end: the attempt never marked itself settled either.
      const { settled, ...unsettled } = cp;
      expect(settled).toBe(1);
      const crashed = { ...unsettled, applied: ['r1'] };
      const second = await createActionContext({
        url: db.adminUrl,
        db: conns,
        checkpoint: crashed,
      });
      second.ctx.attempt.number = 2;
      // The artifact as the first attempt left it before r2: r2's effect never reached it.
      const prov = JSON.parse(
        await readFile(path.join(first.runDir, 'artifacts', 'provenance.json'), 'utf8'),
      ) as { migrations: { revision: string }[] };
      prov.migrations = prov.migrations.filter((m) => m.revision !== 'r2');
      await mkdir(path.join(second.runDir, 'artifacts'), { recursive: true });
      await writeFile(
        path.join(second.runDir, 'artifacts', 'provenance.json'),
        JSON.stringify(prov),
      );
      await migrationsUpgrade.run(second.ctx, { source: dir, database: d, target: 'head' });
      const types = second.events.map(
        (e) => `${e.type}:${(e.data as { revision?: string })?.revision ?? ''}`,
      );
      expect(types).toContain('migration.reconciled:r2');
      // Its effect travels in its line: an attempt stopped before provenance.json is written
      // again takes it back from there (else `b` would count as created outside migrations).
      const reconciled = second.events.find((e) => e.type === 'migration.reconciled');
      expect(reconciled?.data).toMatchObject({
        relations: { created: [expect.objectContaining({ schema: 'public', name: 'b' })] },
      });
      expect(types).toContain('migration.applied:r3');
      expect(types).not.toContain('migration.applied:r2');
      expect((second.checkpoint() as { applied: string[] }).applied).toEqual(['r1', 'r2', 'r3']);
      expect((await q(d, 'SELECT count(*)::int AS n FROM a WHERE v = 2')).rows[0].n).toBe(1);
      await first.dispose();
      await second.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a run stopped between two migrations', () => {
  it('logs the migration that committed before it stops', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'runbook-mig-stop-'));
    const header = (rev: string, down: string): string =>
      `-- revision: ${rev}\n-- down_revision: ${down}\n`;
    await writeFile(
      path.join(dir, '001.sql'),
      header('r1', '') + 'SELECT pg_sleep(0.5);\nCREATE TABLE a (v int);\n',
    );
    await writeFile(path.join(dir, '002.sql'), header('r2', 'r1') + 'CREATE TABLE b (v int);\n');
    try {
      const d = await freshDb();
      const t = await createActionContext({ url: db.adminUrl, db: conns });
      const stop = new AbortController();
      t.ctx.signal = stop.signal;
      const running = fails(
        migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' }),
      );
      const sleeping = `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(0.5)%' AND pid <> pg_backend_pid()`;
      for (let i = 0; (await q(d, sleeping)).rows.length === 0; i++) {
        if (i > 600) throw new Error('the run never reached r1');
        await new Promise((r) => setTimeout(r, 25));
      }
      stop.abort(); // while r1 runs: it commits, then the step stops before r2
      expect((await running).code).toBe('ABORTED');
      expect(await versions(d)).toEqual(['r1']);
      const applied = t.events.filter((e) => e.type === 'migration.applied');
      expect(applied.map((e) => (e.data as { revision: string }).revision)).toEqual(['r1']);
      // Everything it sent is accounted for: a migration applied by hand before the resume is
      // then not the run's.
      expect(t.checkpoint()).toMatchObject({ applied: ['r1'], settled: 1 });
      await t.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a migration applied by hand between two attempts', () => {
  const header = (rev: string, down: string): string =>
    `-- revision: ${rev}\n-- down_revision: ${down}\n`;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'runbook-mig-hand-'));
    await writeFile(path.join(dir, '001.sql'), header('r1', '') + 'CREATE TABLE a (v int);\n');
    await writeFile(path.join(dir, '002.sql'), header('r2', 'r1') + 'SELECT * FROM missing;\n');
    await writeFile(path.join(dir, '003.sql'), header('r3', 'r2') + 'CREATE TABLE c (v int);\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  /** What the operator does instead of fixing the file: r2's change and its version row, by hand. */
  const byHand = (d: string) =>
    q(d, `CREATE TABLE b (v int); UPDATE alembic_version SET version_num = 'r2'`);

  it('after an attempt that failed on the server, is recorded as applied outside the run', async () => {
    const d = await freshDb();
    const t = await createActionContext({ url: db.adminUrl, db: conns });
    const err = await fails(
      migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' }),
    );
    expect(err.code).toBe('42P01');
    await byHand(d);
    t.ctx.attempt.number = 2;
    const res = await migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' });
    expect(res.output).toMatchObject({ applied: 1, applied_in_run: 2, current: ['r3'] });
    const reconciled = t.events.filter((e) => e.type === 'migration.reconciled');
    expect(reconciled).toHaveLength(1);
    expect(reconciled[0]?.data).toMatchObject({
      revision: 'r2',
      applied_outside_run: true,
      reason: expect.stringMatching(/not applied by this run/),
      relations: { created: [expect.objectContaining({ name: 'b' })] },
    });
    expect(t.checkpoint()).toMatchObject({ applied: ['r1', 'r3'], external: ['r2'] });
    // A later attempt neither logs it again nor takes it for this run's.
    t.ctx.attempt.number = 3;
    await migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' });
    expect(t.events.filter((e) => e.type === 'migration.reconciled')).toHaveLength(1);
    expect(t.checkpoint()).toMatchObject({ applied: ['r1', 'r3'], external: ['r2'] });
    await t.dispose();
  });

  it('after a settled attempt and one refused before it sent anything, is still outside the run', async () => {
    const d = await freshDb();
    const t = await createActionContext({ url: db.adminUrl, db: conns });
    expect((await fails(migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' }))).code).toBe('42P01'); // prettier-ignore
    // An applied file reformatted: attempt 2 is refused before it sends any migration.
    const first = await readFile(path.join(dir, '001.sql'), 'utf8');
    await writeFile(path.join(dir, '001.sql'), first + '-- reformatted\n');
    try {
      t.ctx.attempt.number = 2;
      const refused = await fails(
        migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' }),
      );
      expect(refused.code).toBe('MIGRATION_CHANGED');
      await byHand(d);
      t.ctx.attempt.number = 3;
      t.ctx.attempt.allowChanged = true;
      await migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' });
    } finally {
      await writeFile(path.join(dir, '001.sql'), first);
    }
    const reconciled = t.events.find((e) => e.type === 'migration.reconciled');
    expect(reconciled?.data).toMatchObject({ revision: 'r2', applied_outside_run: true });
    expect(t.checkpoint()).toMatchObject({ applied: ['r1', 'r3'], external: ['r2'] });
    await t.dispose();
  });

  it('written by another tool while the run applied it (the version-write check), is outside the run', async () => {
    const slow = await mkdtemp(path.join(os.tmpdir(), 'runbook-mig-tool-'));
    await writeFile(path.join(slow, '001.sql'), header('r1', '') + 'CREATE TABLE a (v int);\n');
    await writeFile(
      path.join(slow, '002.sql'),
      header('r2', 'r1') + 'SELECT pg_sleep(1);\nCREATE TABLE b (v int);\n',
    );
    try {
      const d = await freshDb();
      const t = await createActionContext({ url: db.adminUrl, db: conns });
      const running = fails(
        migrationsUpgrade.run(t.ctx, { source: slow, database: d, target: 'head' }),
      );
      // The other tool: r2's change and its version row, committed while the run's r2 sleeps.
      const sleeping = `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(1)%' AND pid <> pg_backend_pid()`;
      for (let i = 0; (await q(d, sleeping)).rows.length === 0; i++) {
        if (i > 600) throw new Error('the run never reached r2');
        await new Promise((r) => setTimeout(r, 25));
      }
      await q(d, `CREATE TABLE b_by_tool (v int); UPDATE alembic_version SET version_num = 'r2'`);
      expect((await running).code).toBe('VERSION_TABLE_CHANGED');
      expect(t.checkpoint()).toMatchObject({ applied: ['r1'], settled: 1 });
      t.ctx.attempt.number = 2;
      await migrationsUpgrade.run(t.ctx, { source: slow, database: d, target: 'head' });
      const reconciled = t.events.find((e) => e.type === 'migration.reconciled');
      expect(reconciled?.data).toMatchObject({ revision: 'r2', applied_outside_run: true });
      expect(t.checkpoint()).toMatchObject({ applied: ['r1'], external: ['r2'] });
      await t.dispose();
    } finally {
      await rm(slow, { recursive: true, force: true });
    }
  });

  it('after an attempt whose end is not known (killed, or settled before that), is taken for the run\u2019s own', async () => {
    const d = await freshDb();
    const t = await createActionContext({ url: db.adminUrl, db: conns });
    await fails(migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' }));
    expect(t.checkpoint()).toMatchObject({ settled: 1 });
    await byHand(d);
    // Attempt 2 was killed before it settled: attempt 1's marker no longer says what attempt 2
    // may have committed, so r2 may be its own whose line was lost.
    t.ctx.attempt.number = 3;
    await migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' });
    const reconciled = t.events.find((e) => e.type === 'migration.reconciled');
    expect(reconciled?.data).toMatchObject({ revision: 'r2' });
    expect(reconciled?.data).not.toHaveProperty('applied_outside_run');
    expect(t.checkpoint()).toMatchObject({ applied: ['r1', 'r2', 'r3'] });
    await t.dispose();
  });
});
