import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actions } from '../src/actions/index.js';
import { diagnoseRunFailure } from '../src/catalog/diagnose-run-failure.js';
import { StepError } from '../src/errors.js';
import { Connections } from '../src/postgres/connections.js';
import { createActionContext, type TestActionContext } from './support/action-context.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

let db: TestDatabase;
let conn: Connections;
let dir: string;

function action(name: string) {
  const a = actions.get(name);
  if (!a) throw new Error(`action ${name} is not registered`);
  return a;
}

/** Runs an action with validated params; returns the result or the StepError it threw. */
async function run(t: TestActionContext, name: string, params: unknown, stepId = 'step') {
  const a = action(name);
  t.ctx.stepId = stepId;
  try {
    return { result: await a.run(t.ctx, a.params.parse(params)) };
  } catch (err) {
    if (err instanceof StepError) return { error: err };
    throw err;
  }
}

async function writeMigrations(root: string, files: Record<string, string>): Promise<string> {
  await mkdir(root, { recursive: true });
  for (const [name, body] of Object.entries(files)) await writeFile(path.join(root, name), body);
  return root;
}

function migration(revision: string, down: string, sql: string, labels?: string): string {
  return `-- revision: ${revision}\n-- down_revision: ${down}\n${labels ? `-- branch_labels: ${labels}\n` : ''}${sql}\n`;
}

async function freshDb(suffix: string, sql?: string): Promise<string> {
  const name = `${db.name}_${suffix}`;
  await conn.pool().query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await conn.pool().query(`CREATE DATABASE "${name}"`);
  if (sql) await conn.pool(name).query(sql);
  return name;
}

beforeAll(async () => {
  db = await createTestDatabase('catalog_actions');
  conn = new Connections(db.adminUrl);
  dir = await mkdtemp(path.join(os.tmpdir(), 'catalog-actions-'));
  await db.query(`
    DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'catalog_app_rw') THEN CREATE ROLE catalog_app_rw NOLOGIN; END IF; END $$;
    CREATE SCHEMA core;
    CREATE TABLE core.tenants (id uuid PRIMARY KEY);
    CREATE TABLE core.jobs (id int PRIMARY KEY, tenant_id uuid REFERENCES core.tenants(id) ON DELETE CASCADE);
    CREATE TABLE public.alembic_version (version_num varchar(128) PRIMARY KEY);
    INSERT INTO public.alembic_version VALUES ('002_jobs');
    CREATE VIEW core.job_view AS SELECT id FROM core.jobs;
    GRANT SELECT ON core.jobs TO catalog_app_rw;
    GRANT USAGE ON SCHEMA core TO catalog_app_rw;
  `);
  await db.query(`ALTER DATABASE "${db.name}" SET app.current_tenant_id = 'none'`);
});
afterAll(async () => {
  await conn?.end();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('schema.expect', () => {
  const source = () =>
    writeMigrations(path.join(dir, 'expect-src'), {
      '001.sql': migration('001_tenants', '', 'CREATE TABLE core.tenants (id uuid PRIMARY KEY);'),
      '002.sql': migration('002_jobs', '001_tenants', 'CREATE TABLE core.jobs (id int);'),
    });

  it('passes when every expectation holds and writes the artifact', async () => {
    const t = await createActionContext({ url: db.adminUrl });
    try {
      const { result, error } = await run(
        t,
        'schema.expect',
        {
          database: db.name,
          tables: { core: 2, public: 1 },
          total_tables: 3,
          views: 1,
          tables_exist: ['core.tenants', 'jobs'],
          tables_absent: ['core.runs'],
          views_exist: ['core.job_view'],
          columns_exist: ['core.jobs.tenant_id'],
          foreign_keys: [
            {
              table: 'core.jobs',
              columns: ['tenant_id'],
              references: { table: 'core.tenants', columns: ['id'] },
              on_delete: 'cascade',
            },
          ],
          roles: ['catalog_app_rw'],
          grants: [
            { role: 'catalog_app_rw', privilege: 'select', on: 'core.jobs' },
            { role: 'catalog_app_rw', privilege: 'USAGE', on: 'schema:core' },
          ],
          settings: { 'app.current_tenant_id': 'none' },
          version: 'head',
          source: await source(),
        },
        'verify',
      );
      expect(error).toBeUndefined();
      expect(result?.output).toEqual({
        tables_total: 3,
        tables_per_schema: { core: 2, public: 1 },
        views_total: 1,
        version: ['002_jobs'],
      });
      const artifact = JSON.parse(
        await readFile(path.join(t.runDir, 'artifacts', 'expectations-verify.json'), 'utf8'),
      );
      expect(artifact.results).toHaveLength(15);
      expect(artifact.results.every((r: { pass: boolean }) => r.pass)).toBe(true);
    } finally {
      await t.dispose();
    }
  });

  it('fails with EXPECTATION_FAILED listing every unmet expectation, expected vs actual', async () => {
    const t = await createActionContext({ url: db.adminUrl });
    try {
      const { error } = await run(t, 'schema.expect', {
        database: db.name,
        tables: { core: 5 },
        total_tables: 9,
        views: { core: 2 },
        tables_exist: ['core.sdsr_incidents'],
        tables_absent: ['core.jobs'],
        views_exist: ['core.nope'],
        columns_exist: ['core.jobs.is_synthetic'],
        foreign_keys: [
          {
            table: 'core.jobs',
            columns: ['tenant_id'],
            references: { table: 'core.tenants', columns: ['id'] },
            on_delete: 'RESTRICT',
          },
        ],
        roles: ['app_ro_missing'],
        grants: [{ role: 'catalog_app_rw', privilege: 'DELETE', on: 'core.jobs' }],
        settings: { 'app.current_tenant_id': 'other' },
        version: '001_tenants',
      });
      expect(error?.code).toBe('EXPECTATION_FAILED');
      const unmet = error?.fields.data?.unmet as {
        kind: string;
        expected: unknown;
        actual: unknown;
      }[];
      expect(unmet.map((u) => u.kind)).toEqual([
        'tables',
        'total_tables',
        'views',
        'table_exists',
        'table_absent',
        'view_exists',
        'column_exists',
        'foreign_key',
        'role',
        'grant',
        'setting',
        'version',
      ]);
      expect(unmet[0]).toMatchObject({ expected: 5, actual: 2 });
      expect(unmet[7]).toMatchObject({
        expected: { on_delete: 'RESTRICT', exists: true },
        actual: { on_delete: 'CASCADE', exists: true },
      });
      expect(unmet[11]).toMatchObject({ expected: ['001_tenants'], actual: ['002_jobs'] });
      expect(error?.message).toContain('12 of 12 expectation(s) unmet');
      expect(existsSync(path.join(t.runDir, 'artifacts', 'expectations-step.json'))).toBe(true);
    } finally {
      await t.dispose();
    }
  });
});

describe('schema.expect version: head on a tool that records every migration (dbmate)', () => {
  const dbmateFile = (table: string) =>
    `-- migrate:up\nCREATE TABLE ${table} (id int);\n-- migrate:down\nDROP TABLE ${table};\n`;
  const rowsSql = (versions: string[]) =>
    `CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
     INSERT INTO schema_migrations VALUES ${versions.map((v) => `('${v}')`).join(', ')};`;

  it('passes with every migration recorded, fails while one below the last (a gap) is not', async () => {
    const src = await writeMigrations(path.join(dir, 'expect-dbmate'), {
      '20240101000000_a.sql': dbmateFile('a'),
      '20240201000000_b.sql': dbmateFile('b'),
      '20240301000000_c.sql': dbmateFile('c'),
    });
    const all = await freshDb(
      'dbmate_all',
      rowsSql(['20240101000000', '20240201000000', '20240301000000']),
    );
    const gap = await freshDb('dbmate_gap', rowsSql(['20240101000000', '20240301000000']));
    const t = await createActionContext({ url: db.adminUrl });
    try {
      const atHead = await run(t, 'schema.expect', { database: all, version: 'head', source: src });
      expect(atHead.error).toBeUndefined();
      const current = await run(t, 'migrations.current', { database: all, source: src });
      expect(current.result?.output).toMatchObject({ is_head: true });
      const missing = await run(t, 'schema.expect', {
        database: gap,
        version: 'head',
        source: src,
      });
      expect(missing.error?.code).toBe('EXPECTATION_FAILED');
      const unmet = missing.error?.fields.data?.unmet as { kind: string; actual: unknown }[];
      expect(unmet).toMatchObject([
        { kind: 'version', actual: ['20240101000000', '20240301000000'] },
      ]);
      // Alembic folds a head another revision depends on into it: [b1] is at both heads.
      const folded = await writeMigrations(path.join(dir, 'expect-depends'), {
        'a1.sql': migration('a1', '', 'SELECT 1;'),
        'a2.sql': migration('a2', 'a1', 'SELECT 1;'),
        'b0.sql': migration('b0', '', 'SELECT 1;', 'bee'),
        'b1.sql': `-- revision: b1\n-- down_revision: b0\n-- depends_on: a2\nSELECT 1;\n`,
      });
      const foldedDb = await freshDb(
        'depends',
        `CREATE TABLE alembic_version (version_num varchar(128) PRIMARY KEY);
         INSERT INTO alembic_version VALUES ('b1');`,
      );
      const both = await run(t, 'migrations.current', { database: foldedDb, source: folded });
      expect(both.result?.output).toMatchObject({ is_head: true });
      const behind = await run(t, 'migrations.current', { database: gap, source: src });
      expect(behind.result?.output).toMatchObject({ is_head: false });
      expect(behind.result?.summary).not.toContain('(head)');
    } finally {
      await t.dispose();
    }
  });
});

describe('schema.snapshot and schema.diff', () => {
  it('saves a snapshot, reports equal, then names the differences and fails', async () => {
    const copy = await freshDb(
      'copy',
      `
      CREATE SCHEMA core;
      CREATE TABLE core.tenants (id uuid PRIMARY KEY);
      CREATE TABLE core.jobs (id int PRIMARY KEY, tenant_id uuid REFERENCES core.tenants(id) ON DELETE CASCADE);
      CREATE VIEW core.job_view AS SELECT id FROM core.jobs;
      GRANT SELECT ON core.jobs TO catalog_app_rw;
      GRANT USAGE ON SCHEMA core TO catalog_app_rw;`,
    );
    await conn.pool().query(`ALTER DATABASE "${copy}" SET app.current_tenant_id = 'none'`);
    const t = await createActionContext({ url: db.adminUrl });
    try {
      const snap = await run(t, 'schema.snapshot', {
        database: db.name,
        schemas: ['core'],
        name: 'main',
      });
      expect(snap.result?.output).toMatchObject({
        artifact: 'catalog-main.json',
        tables: 2,
        views: 1,
      });
      const file = path.join(t.runDir, 'artifacts', 'catalog-main.json');
      const same = await run(
        t,
        'schema.diff',
        { left: { snapshot: file }, right: { database: copy }, schemas: ['core'] },
        'cmp',
      );
      expect(same.error?.message).toBeUndefined();
      expect(same.result?.output).toEqual({ equal: true, differences: 0 });

      await conn.pool(copy).query(`ALTER TABLE core.jobs ADD COLUMN note text`);
      const differs = await run(
        t,
        'schema.diff',
        { left: { database: db.name }, right: { database: copy }, schemas: ['core'] },
        'cmp2',
      );
      expect(differs.error?.code).toBe('SCHEMA_DIFFERS');
      expect(differs.error?.fields.data).toMatchObject({ changed: 1, only_left: 0, only_right: 0 });
      const text = await readFile(path.join(t.runDir, 'artifacts', 'schema-diff-cmp2.txt'), 'utf8');
      expect(text).toContain('table core.jobs:');
      expect(text).toContain(`column note: only in ${copy}`);
      expect(existsSync(path.join(t.runDir, 'artifacts', 'schema-diff-cmp2.json'))).toBe(true);
    } finally {
      await t.dispose();
    }
  });
});

describe('provenance through migrations.upgrade', () => {
  it('diagnoses 115 altering the table 075 dropped (run provenance)', async () => {
    const name = await freshDb('chain');
    const src = await writeMigrations(path.join(dir, 'chain'), {
      '074.sql': migration(
        '074_sdsr_incidents',
        '',
        'CREATE TABLE sdsr_incidents (id int PRIMARY KEY);',
      ),
      '075.sql': migration(
        '075_consolidate',
        '074_sdsr_incidents',
        'CREATE TABLE incidents (id int PRIMARY KEY);\nDROP TABLE sdsr_incidents;',
      ),
      '115.sql': migration(
        '115_inflection',
        '075_consolidate',
        'ALTER TABLE sdsr_incidents ADD COLUMN inflection_step_index INTEGER;',
      ),
    });
    const t = await createActionContext({ url: db.adminUrl });
    try {
      const up = action('migrations.upgrade');
      t.ctx.stepId = 'migrate';
      const err = await up
        .run(t.ctx, up.params.parse({ source: src, target: 'head', database: name }))
        .catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe('42P01');
      const provenance = JSON.parse(
        await readFile(path.join(t.runDir, 'artifacts', 'provenance.json'), 'utf8'),
      );
      expect(provenance.migrations.map((m: { revision: string }) => m.revision)).toEqual([
        '074_sdsr_incidents',
        '075_consolidate',
      ]);
      const diagnosis = await diagnoseRunFailure(
        {
          step: 'migrate',
          code: '42P01',
          message: 'relation "sdsr_incidents" does not exist',
          migration: '115_inflection',
          at: new Date().toISOString(),
        },
        { readArtifact: (n) => readFile(path.join(t.runDir, 'artifacts', n), 'utf8') },
      );
      expect(diagnosis).toContain('dropped by migration 075_consolidate');
    } finally {
      await t.dispose();
    }
  });

  it('documents allowed ORM-bootstrapped tables and fails on unexpected ones', async () => {
    const name = await freshDb('oob', 'CREATE TABLE runs (id int PRIMARY KEY)');
    const src = await writeMigrations(path.join(dir, 'oob'), {
      '064.sql': migration('064_workers', '', 'CREATE TABLE workers (id int PRIMARY KEY);'),
      '065.sql': migration(
        '065_run_auth',
        '064_workers',
        'ALTER TABLE runs ADD COLUMN authorization_decision VARCHAR(30);',
      ),
    });
    const t = await createActionContext({ url: db.adminUrl });
    try {
      const up = action('migrations.upgrade');
      t.ctx.stepId = 'migrate';
      await up.run(t.ctx, up.params.parse({ source: src, target: 'head', database: name }));
      await conn.pool(name).query('CREATE TABLE scratch_copy (id int)');

      const failed = await run(
        t,
        'schema.provenance',
        { database: name, allow: { runs: 'ORM-bootstrapped, pre-created before 065' } },
        'oob',
      );
      expect(failed.error?.code).toBe('OUT_OF_BAND_TABLES');
      expect(failed.error?.fields.data).toMatchObject({
        out_of_band: ['public.scratch_copy'],
        documented: ['public.runs'],
      });
      const report = JSON.parse(
        await readFile(path.join(t.runDir, 'artifacts', 'provenance-report.json'), 'utf8'),
      );
      const byName = Object.fromEntries(report.relations.map((r: { name: string }) => [r.name, r]));
      expect(byName.workers).toMatchObject({ origin: 'run', created_by: '064_workers' });
      expect(byName.runs).toMatchObject({ origin: 'documented', altered_by: ['065_run_auth'] });
      expect(byName.alembic_version).toMatchObject({ origin: 'tool' });
      const text = await readFile(
        path.join(t.runDir, 'artifacts', 'provenance-report.txt'),
        'utf8',
      );
      expect(text).toContain('OUT-OF-BAND');
      expect(text).toContain('documented: ORM-bootstrapped, pre-created before 065');

      await conn.pool(name).query('DROP TABLE scratch_copy');
      const ok = await run(t, 'schema.provenance', {
        database: name,
        allow: { 'public.runs': 'ORM-bootstrapped' },
      });
      expect(ok.error).toBeUndefined();
      expect(ok.result?.output).toMatchObject({ documented: ['public.runs'], out_of_band: [] });

      // A run without a migrate step falls back to static analysis of the source.
      const t2 = await createActionContext({ url: db.adminUrl });
      try {
        const none = await run(t2, 'schema.provenance', { database: name });
        expect(none.error?.code).toBe('PROVENANCE_MISSING');
        const stat = await run(t2, 'schema.provenance', { database: name, source: src });
        expect(stat.error?.fields.data).toMatchObject({ out_of_band: ['public.runs'] });
      } finally {
        await t2.dispose();
      }
    } finally {
      await t.dispose();
    }
  });
});

describe('db.audit', () => {
  it('produces OK, MISMATCH with distance, and MISSING', async () => {
    const base = `CREATE TABLE a (id int); CREATE TABLE b (id int); CREATE TABLE alembic_version (version_num varchar(128) PRIMARY KEY); INSERT INTO alembic_version VALUES ('5a9d6371e18c');`;
    const dev = await freshDb('dev', base);
    const prod = await freshDb('prod', base);
    const t = await createActionContext({ url: db.adminUrl });
    try {
      const a = await run(t, 'db.audit', { label: 'dev', database: dev });
      expect(a.result?.output).toMatchObject({
        diagnosis: 'OK',
        version: ['5a9d6371e18c'],
        tables: 3,
      });
      const summary = await readFile(path.join(t.runDir, 'artifacts', 'dev-summary.txt'), 'utf8');
      expect(summary).toContain('DATABASE INFO:');
      expect(summary).toContain('SEARCH PATH:');
      expect(summary).toContain('TABLES IN PUBLIC SCHEMA:');
      expect(summary).toMatch(/version_num\n5a9d6371e18c/);

      // prod audited through its own URL (another server in real life); the URL is never written.
      const prodUrl = (await import('../src/postgres/url.js')).withDatabase(db.adminUrl, prod);
      const ok = await run(t, 'db.audit', { label: 'prod', url: prodUrl, compare_with: 'dev' });
      expect(ok.result?.output).toMatchObject({ diagnosis: 'OK', distance: 0 });

      await conn.pool(prod).query('CREATE TABLE c (id int); DROP TABLE b; CREATE TABLE d (id int)');
      await conn.pool(prod).query(`UPDATE alembic_version SET version_num = '6b0e'`);
      const mm = await run(t, 'db.audit', {
        label: 'prod',
        database: prod,
        compare_with: 'dev',
        max_distance: 2,
      });
      expect(mm.result?.output).toMatchObject({
        diagnosis: 'MISMATCH',
        distance: 3,
        exceeds: true,
      });
      const diag = await readFile(
        path.join(t.runDir, 'artifacts', 'dev-vs-prod-diagnosis.txt'),
        'utf8',
      );
      expect(diag).toContain('MISMATCH: dev at 5a9d6371e18c, prod at 6b0e; schema distance 3');

      await conn.pool(prod).query('DROP TABLE alembic_version');
      const missing = await run(t, 'db.audit', {
        label: 'prod',
        database: prod,
        compare_with: 'dev',
        fail_on: ['MISMATCH', 'MISSING'],
      });
      expect(missing.error?.code).toBe('AUDIT_MISSING');
      expect(missing.error?.message).toContain('MISSING: prod has no alembic_version table');

      const written = await Promise.all(
        ['dev-summary.txt', 'prod-summary.txt', 'prod-audit.json'].map((f) =>
          readFile(path.join(t.runDir, 'artifacts', f), 'utf8'),
        ),
      );
      const password = new URL(db.adminUrl).password;
      if (password) for (const w of written) expect(w).not.toContain(password);
      expect(JSON.stringify(t.events)).not.toContain(password || '\u0000never');
    } finally {
      await t.dispose();
    }
  });
});
