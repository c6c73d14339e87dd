/**
 * The example histories (issue 5) are what they claim: well-formed `alembic-sql` headers and graphs,
 * and, applied for real to PostgreSQL (one transaction per file, independent of the migration
 * engine), they reproduce the runbooks' figures and failures.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadModule, parseSync } from 'libpg-query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../src/postgres/quote.js';
import { withDatabase } from '../src/postgres/url.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';
import {
  EXAMPLES,
  apply,
  expectNovaTopology,
  heads,
  history,
  linear,
  parseMigration,
  query,
  sqlFiles,
  structure,
} from './support/example-histories.js';

let db: TestDatabase;
let scratch = 0;

/** A further empty database, dropped with the test database (its name extends db.name). */
async function freshDatabase(): Promise<string> {
  const name = `${db.name}_${++scratch}`;
  await adminQuery(`CREATE DATABASE ${quoteIdent(name)}`);
  return withDatabase(db.adminUrl, name);
}

const fix = (f: string) => readFileSync(path.join(EXAMPLES, 'nova', 'fixes', f), 'utf8');

beforeAll(async () => {
  db = await createTestDatabase('examples_shape');
  await loadModule();
});
afterAll(async () => {
  await db?.drop();
});

describe('headers and graphs', () => {
  it('the committed nova files are exactly what the generator writes', () => {
    const script = path.join(EXAMPLES, '..', 'scripts', 'generate-examples.mjs');
    expect(() =>
      execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
  });

  it('every example file has a header and parses with the PostgreSQL parser', () => {
    const files = sqlFiles(EXAMPLES);
    expect(files.length).toBeGreaterThan(270);
    for (const f of files) {
      if (!/(prod-existing|orm-bootstrap|pre-create-[a-z]+)\.sql$/.test(f))
        expect(parseMigration(f).message, f).not.toBe('');
      expect(() => parseSync(readFileSync(f, 'utf8')), f).not.toThrow();
    }
  });

  it('nova before and after are linear histories with head 124_prevention_records_run_id', () => {
    const before = linear(history('nova/before'));
    const after = linear(history('nova/after'));
    expect(before).toHaveLength(124);
    expect(after).toHaveLength(125);
    expect(before[0]!.revision).toBe('001_workflow_checkpoints');
    expect(after[0]!.revision).toBe('000_bootstrap_runs_agents');
    expect(after[1]!.down).toEqual(['000_bootstrap_runs_agents']);
    expect(before[63]!.revision).toBe('064_worker_registry');
    expect(before[64]!.revision).toBe('065_add_run_authorization');
    expect(before[114]!.revision).toBe('115_add_inflection_point_metadata');
    expect(before[123]!.revision).toBe('124_prevention_records_run_id');
    expect(heads(history('nova/after'))).toEqual(['124_prevention_records_run_id']);
    expect(before.filter((m) => !m.transaction).map((m) => m.revision)).toEqual([
      '100_aos_traces_status_index_concurrently',
    ]);
    const creates = /CREATE TABLE (IF NOT EXISTS )?(public\.)?(runs|agents) /;
    expect(before.filter((m) => creates.test(m.sql))).toEqual([]);
  });

  it('skeldir has two branches joined by the labelled merge', () => {
    const h = history('skeldir');
    expect(h.size).toBe(12);
    expect([...h.values()].filter((m) => m.down.length === 0).map((m) => m.revision).sort()).toEqual(['202512120900', 'baseline']); // prettier-ignore
    expect(heads(h)).toEqual(['202512151400']);
    const merge = h.get('202512151400')!;
    expect(merge.down).toEqual(['202511131121', '202512151300']);
    expect(merge.labels).toEqual(['skeldir_foundation']);
    expect(merge.message).toBe('Merge skeldir_foundation');
    expect(h.get('baseline')!.message).toBe('Schema Foundation Baseline');
  });

  it('autonomos: empty baseline; only the destructive variant drops a table', () => {
    for (const dir of ['autonomos/migrations', 'autonomos/migrations-destructive']) {
      const chain = linear(history(dir));
      expect(chain[0]!.revision).toBe('5a9d6371e18c');
      expect(parseSync(chain[0]!.sql).stmts ?? []).toEqual([]);
      const drops = chain.filter((m) =>
        (parseSync(m.sql).stmts ?? []).some(
          (s) =>
            (s.stmt as { DropStmt?: { removeType?: string } }).DropStmt?.removeType ===
            'OBJECT_TABLE',
        ),
      );
      expect(drops.map((m) => m.revision)).toEqual(
        dir.endsWith('destructive') ? ['b3d4e5f6a7b8'] : [],
      );
    }
  });
});

describe('nova applied to PostgreSQL', () => {
  it('after/ from empty gives the reported topology', async () => {
    const url = await freshDatabase();
    expect(await apply(url, linear(history('nova/after')))).toBeNull();
    const built = await structure(url);
    expect(built.length).toBeGreaterThan(1500);
    // Path B of two-path-ci: the ORM bootstrap script gives exactly the same schema.
    const orm = await freshDatabase();
    await query(orm, readFileSync(path.join(EXAMPLES, 'nova', 'orm-bootstrap.sql'), 'utf8'));
    expect(await structure(orm)).toEqual(built);
    await expectNovaTopology(url);
    // The PL/pgSQL trigger of 031 is live: trace steps cannot be rewritten.
    await query(
      url,
      "INSERT INTO aos_traces (trace_id, run_id, tenant_id) VALUES ('t1', 'r1', 'x')",
    );
    await query(
      url,
      "INSERT INTO aos_trace_steps (trace_id, step_index, skill_name) VALUES ('t1', 0, 's')",
    );
    await expect(query(url, 'UPDATE aos_trace_steps SET skill_name = $$x$$')).rejects.toMatchObject(
      {
        code: '42501',
      },
    );
  });

  it('before/ fails at 065, 073 and 115 and finishes once the fixes are applied', async () => {
    const url = await freshDatabase();
    const chain = linear(history('nova/before'));
    const from = (rev: string) => chain.slice(chain.findIndex((m) => m.revision === rev));
    expect(await apply(url, chain)).toEqual({
      revision: '065_add_run_authorization',
      code: '42P01',
      message: 'relation "runs" does not exist',
    });
    // 001–064 committed one by one: the next attempt resumes at 065, not at 001.
    expect(await query(url, "SELECT to_regclass('worker_registry') IS NOT NULL AS ok")).toEqual([{ ok: true }]); // prettier-ignore
    await query(url, fix('pre-create-runs.sql'));
    const runs = await query<{ n: number }>(url, "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'runs'"); // prettier-ignore
    expect(runs).toEqual([{ n: 18 }]);
    expect(await query(url, "SELECT indexname FROM pg_indexes WHERE tablename = 'runs' AND indexname <> 'runs_pkey'")).toHaveLength(5); // prettier-ignore
    expect(await apply(url, from('065_add_run_authorization'))).toMatchObject({
      revision: '073_add_synthetic_flags',
      message: 'relation "agents" does not exist',
    });
    await query(url, fix('pre-create-agents.sql'));
    expect(await apply(url, from('073_add_synthetic_flags'))).toEqual({
      revision: '115_add_inflection_point_metadata',
      code: '42P01',
      message: 'relation "sdsr_incidents" does not exist',
    });
    const fixed = parseMigration(
      path.join(EXAMPLES, 'nova', 'fixes', '115_add_inflection_point_metadata.sql'),
    );
    expect(fixed.revision).toBe('115_add_inflection_point_metadata');
    expect(await apply(url, [fixed, ...from('116_w2_audit_events')])).toBeNull();
    // The fixed history ends where after/ (and the ORM bootstrap) ends.
    const orm = await freshDatabase();
    await query(orm, readFileSync(path.join(EXAMPLES, 'nova', 'orm-bootstrap.sql'), 'utf8'));
    expect(await structure(url)).toEqual(await structure(orm));
    await expectNovaTopology(url);
  });

  it('before/ with both base tables pre-created fails only at 115', async () => {
    const url = await freshDatabase();
    await query(url, fix('pre-create-runs.sql') + fix('pre-create-agents.sql'));
    expect(await apply(url, linear(history('nova/before')))).toMatchObject({
      revision: '115_add_inflection_point_metadata',
      message: 'relation "sdsr_incidents" does not exist',
    });
  });
});

describe('skeldir applied to PostgreSQL', () => {
  const h = () => history('skeldir');
  const revs = (...ids: string[]) => ids.map((id) => h().get(id)!);
  const core = () =>
    revs('baseline', '202511131115', '202511131119', '202511131120', '202511131121');
  const celery = () =>
    revs(
      '202512120900',
      '202512131200',
      '202512131530',
      '202512131600',
      '202512151200',
      '202512151300',
    );

  it('the celery branch alone fails at 202512151300: relation "tenants" does not exist', async () => {
    const url = await freshDatabase();
    expect(await apply(url, celery())).toEqual({
      revision: '202512151300',
      code: '42P01',
      message: 'relation "tenants" does not exist',
    });
    const tables = await query<{ t: string }>(url, "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"); // prettier-ignore
    expect(tables.map((r) => r.t)).toContain('worker_failed_jobs');
  });

  it('the core branch needs the tenant GUC, then the roles; two steps then succeed', async () => {
    const url = await freshDatabase();
    const name = new URL(url).pathname.slice(1);
    expect(await apply(url, core())).toEqual({
      revision: '202511131120',
      code: '42704',
      message: 'unrecognized configuration parameter "app.current_tenant_id"',
    });
    await adminQuery(`ALTER DATABASE ${quoteIdent(name)} SET app.current_tenant_id = '00000000-0000-0000-0000-000000000000'`); // prettier-ignore
    // Roles are cluster-wide and other test files may have created app_rw: hide it inside the
    // migration's own transaction (rolled back with it) so its absence is real for this attempt.
    const hide = `DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_rw') THEN
      ALTER ROLE app_rw RENAME TO ${quoteIdent(`${name}_hidden`)}; END IF; END $$`;
    expect(await apply(url, core().slice(3), { '202511131121': hide })).toEqual({
      revision: '202511131121',
      code: '42704',
      message: 'role "app_rw" does not exist',
    });
    for (const role of ['app_rw', 'app_ro']) {
      await adminQuery(`DO $$ BEGIN CREATE ROLE ${role} NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`); // prettier-ignore
    }
    expect(await apply(url, core().slice(4))).toBeNull();
    expect(await apply(url, [...celery(), ...revs('202512151400')])).toBeNull();
    const fk = await query(
      url,
      `SELECT 1 FROM pg_constraint WHERE conname = 'attribution_recompute_jobs_tenant_id_fkey'
       AND confrelid = 'tenants'::regclass AND confdeltype = 'c'`,
    );
    expect(fk).toHaveLength(1);
  });
});

describe('autonomos applied to PostgreSQL', () => {
  it('prod-existing.sql builds the 35-table prod; the later migrations apply on top of it', async () => {
    const url = await freshDatabase();
    const prod = readFileSync(path.join(EXAMPLES, 'autonomos', 'prod-existing.sql'), 'utf8');
    await query(url, prod);
    await query(url, prod); // safe to apply twice
    const tables = await query<{ t: string }>(url, "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'"); // prettier-ignore
    expect(tables).toHaveLength(35);
    expect(tables.map((r) => r.t)).toEqual(
      expect.arrayContaining(['Account', 'OpportunityHistory', 'users']),
    );
    expect(await apply(url, linear(history('autonomos/migrations')))).toBeNull();
    expect(
      await apply(url, linear(history('autonomos/migrations-destructive')).slice(3)),
    ).toBeNull();
    expect(await query(url, "SELECT to_regclass('rate_limit_counters') AS r")).toEqual([
      { r: null },
    ]);
  });

  it('from empty, the history fails where it first relies on the untracked schema', async () => {
    const url = await freshDatabase();
    expect(await apply(url, linear(history('autonomos/migrations')))).toEqual({
      revision: '7c1e2f9a4b3d',
      code: '42P01',
      message: 'relation "tenants" does not exist',
    });
  });
});
