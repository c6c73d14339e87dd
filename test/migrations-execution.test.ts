import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsUpgrade } from '../src/actions/migrations-upgrade.js';
import { Connections } from '../src/postgres/connections.js';
import { createActionContext } from './support/action-context.js';
import { scratchDatabases, stepErrorOf } from './support/scratch-databases.js';
import { quoteIdent } from '../src/postgres/quote.js';
import {
  adminQuery,
  createTestDatabase,
  uniqueName,
  type TestDatabase,
} from './support/database.js';

// How a migration runs (one transaction, one round trip, the file inside one query) and what the
// provenance probe sees of it: every kind of DDL a history holds, against a real server.

let db: TestDatabase;
let conns: Connections;
const scratch = scratchDatabases(() => db);
const freshDb = scratch.fresh;
const q = scratch.query;
const fails = stepErrorOf;
/** A role that may not use PL/pgSQL in the scratch databases it is given (created on first use). */
const role = uniqueName('mig_exec_nopl');
let roleConns: Connections | undefined;

beforeAll(async () => {
  db = await createTestDatabase('mig_exec');
  conns = new Connections(db.adminUrl);
});
afterAll(async () => {
  await conns.end();
  await roleConns?.end();
  await db.drop();
  // After the databases it holds grants on.
  await adminQuery(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
});

/** Writes a linear alembic-sql history (`[revision, sql, header extra]`) into a temp dir. */
async function history(files: [string, string, string?][]): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'runbook-mig-exec-'));
  let prev = '';
  for (const [rev, sql, extra] of files) {
    const header = `-- revision: ${rev}\n-- down_revision: ${prev}\n${extra ?? ''}`;
    await writeFile(path.join(dir, `${rev}.sql`), header + sql);
    prev = rev;
  }
  return dir;
}

type Rel = { schema: string; name: string; kind: string };
const names = (rels: Rel[]): string[] => rels.map((r) => `${r.kind}:${r.schema}.${r.name}`).sort();

describe('provenance from the change probe', () => {
  it('names what each migration created, altered and dropped, for every kind of DDL', async () => {
    const dir = await history([
      [
        '001',
        `CREATE SCHEMA app;
         CREATE TABLE app.a (id int PRIMARY KEY DEFAULT 1, note text);
         CREATE TABLE b (id serial PRIMARY KEY, a_id int);`,
      ],
      ['002', 'ALTER TABLE b ALTER COLUMN a_id SET NOT NULL;'],
      ['003', 'ALTER TABLE b ALTER COLUMN a_id SET DEFAULT 0;'],
      [
        '004',
        `DO $$ BEGIN CREATE TABLE c (v int); EXCEPTION WHEN duplicate_table THEN NULL; END $$;`,
      ],
      ['005', 'ALTER TABLE app.a RENAME TO a2;'],
      ['006', 'ALTER SCHEMA app RENAME TO core;'],
      ['007', 'DROP TABLE c;'],
      ['008', 'INSERT INTO b (a_id) VALUES (1);'],
      ['009', 'ALTER TABLE b DROP COLUMN a_id;'],
      ['010', 'ALTER TABLE b ALTER COLUMN id TYPE bigint;'],
      ['011', 'CREATE INDEX CONCURRENTLY b_id_idx ON b (id);', '-- transaction: false\n'],
      ['012', 'CREATE VIEW v AS SELECT id FROM b;\nCOMMENT ON VIEW v IS $$x$$;'],
      // Writes the tables' rows without locking them: the probe must not rely on locks here.
      ['013', 'GRANT SELECT ON ALL TABLES IN SCHEMA public TO PUBLIC;'],
      ['014', 'CREATE SCHEMA scratch;\nCREATE TABLE scratch.x (id int PRIMARY KEY);'],
      ['015', 'DROP SCHEMA scratch CASCADE;'],
    ]);
    const d = await freshDb();
    await q(d, 'CREATE TABLE pre_existing (x int)');
    const t = await createActionContext({ url: db.adminUrl, db: conns });
    try {
      const res = await migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' });
      expect(res.output).toMatchObject({ applied: 15, current: ['015'] });
      const prov = JSON.parse(
        await readFile(path.join(t.runDir, 'artifacts/provenance.json'), 'utf8'),
      ) as {
        baseline: Rel[];
        migrations: { revision: string; created: Rel[]; dropped: Rel[]; altered: Rel[] }[];
      };
      expect(names(prov.baseline)).toEqual(['table:public.pre_existing']);
      const of = (rev: string) => {
        const m = prov.migrations.find((x) => x.revision === rev);
        if (!m) throw new Error(`no provenance for ${rev}`);
        return { created: names(m.created), dropped: names(m.dropped), altered: names(m.altered) };
      };
      expect(of('001')).toEqual({
        created: [
          'index:app.a_pkey',
          'index:public.b_pkey',
          'sequence:public.b_id_seq',
          'table:app.a',
          'table:public.b',
        ],
        dropped: [],
        altered: [],
      });
      expect(of('002')).toEqual({ created: [], dropped: [], altered: ['table:public.b'] });
      expect(of('003')).toEqual({ created: [], dropped: [], altered: ['table:public.b'] });
      // Created inside a PL/pgSQL exception block: a subtransaction of the migration's.
      expect(of('004')).toEqual({ created: ['table:public.c'], dropped: [], altered: [] });
      expect(of('005')).toEqual({
        created: ['table:app.a2'],
        dropped: ['table:app.a'],
        altered: [],
      });
      expect(of('006')).toEqual({
        created: ['index:core.a_pkey', 'table:core.a2'],
        dropped: ['index:app.a_pkey', 'table:app.a2'],
        altered: [],
      });
      expect(of('007')).toEqual({ created: [], dropped: ['table:public.c'], altered: [] });
      expect(of('008')).toEqual({ created: [], dropped: [], altered: [] });
      expect(of('009')).toEqual({ created: [], dropped: [], altered: ['table:public.b'] });
      // A rewrite builds and drops a transient heap: no drop may be reported for it.
      expect(of('010').dropped).toEqual([]);
      expect(of('010').altered).toContain('table:public.b');
      expect(of('011')).toEqual({ created: ['index:public.b_id_idx'], dropped: [], altered: [] });
      expect(of('012').created).toEqual(['view:public.v']);
      expect(of('013')).toEqual({
        created: [],
        dropped: [],
        altered: ['table:public.b', 'table:public.pre_existing', 'view:public.v'],
      });
      expect(of('015')).toEqual({
        created: [],
        dropped: ['index:scratch.x_pkey', 'table:scratch.x'],
        altered: [],
      });
      // The tool's own bookkeeping is never schema.
      const all = prov.migrations.flatMap((m) => [...m.created, ...m.altered, ...m.dropped]);
      expect(all.some((r) => r.name.startsWith('alembic_version'))).toBe(false);
      // The same facts are in each migration.applied line, with the server's statement count.
      const applied = t.events.filter((e) => e.type === 'migration.applied');
      const line = applied.find((e) => (e.data as { revision: string }).revision === '001');
      expect(line?.data).toMatchObject({ statements: 3, relations: { dropped: [] } });
    } finally {
      await t.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a migration run as one query', () => {
  it('names the line and statement of an error the server positions', async () => {
    const dir = await history([
      ['001', 'CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n\nSELECT nope\n  FROM t;\n'],
    ]);
    const d = await freshDb();
    const t = await createActionContext({ url: db.adminUrl, db: conns });
    try {
      const err = await fails(
        migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' }),
      );
      expect(err.code).toBe('42703');
      // Header: 2 lines; the failing reference is on file line 6.
      expect(err.fields.line).toBe(6);
      expect(err.fields.statement).toBe('SELECT nope\n  FROM t');
      // Nothing of the migration committed.
      expect((await q(d, `SELECT to_regclass('t') AS t`)).rows[0].t).toBeNull();
    } finally {
      await t.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the right line past multibyte text, in a transaction and outside one', async () => {
    // The server's position counts characters; each emoji is two UTF-16 code units, so a
    // position taken as a string index would land ten units early: on the line before.
    const sql =
      "CREATE TABLE t (id int); -- é\nSELECT 'é😀😀😀😀😀😀😀😀😀😀' AS e,\n  nope FROM t;\n";
    for (const extra of ['', '-- transaction: false\n']) {
      const dir = await history([['001', sql, extra]]);
      const d = await freshDb();
      const t = await createActionContext({ url: db.adminUrl, db: conns });
      try {
        const err = await fails(
          migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' }),
        );
        expect(err.code).toBe('42703');
        // Header: 2 lines (3 with `transaction`); `nope` is on the 3rd line after it.
        expect(err.fields.line).toBe(extra ? 6 : 5);
        expect(err.fields.statement).toBe("SELECT 'é😀😀😀😀😀😀😀😀😀😀' AS e,\n  nope FROM t");
      } finally {
        await t.dispose();
        await rm(dir, { recursive: true, force: true });
      }
    }
  });

  it('finds the statement of an error without a position by replaying the file, rolled back', async () => {
    const dir = await history([
      [
        '001',
        'CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\nALTER TABLE missing ADD COLUMN x int;\n',
      ],
    ]);
    const d = await freshDb();
    const t = await createActionContext({ url: db.adminUrl, db: conns });
    try {
      const err = await fails(
        migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' }),
      );
      expect(err.code).toBe('42P01');
      expect(err.fields.line).toBe(5);
      expect(err.fields.statement).toBe('ALTER TABLE missing ADD COLUMN x int');
      expect((await q(d, `SELECT to_regclass('t') AS t`)).rows[0].t).toBeNull();
      expect((await q(d, `SELECT count(*)::int AS n FROM alembic_version`)).rows[0].n).toBe(0);
    } finally {
      await t.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the prepared provenance probe', () => {
  it('survives a migration that deallocates every prepared statement', async () => {
    const dir = await history([
      ['001', 'CREATE TABLE t (id int);'],
      ['002', 'DEALLOCATE ALL;\nCREATE TABLE u (id int);'],
      ['003', 'CREATE TABLE v (id int);'],
    ]);
    const d = await freshDb();
    const t = await createActionContext({ url: db.adminUrl, db: conns });
    try {
      const res = await migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' });
      expect(res.output).toMatchObject({ applied: 3, current: ['003'] });
      const created = t.events
        .filter((e) => e.type === 'migration.applied')
        .map((e) => (e.data as { relations: { created: Rel[] } }).relations.created);
      expect(created.map(names)).toEqual([
        ['table:public.t'],
        ['table:public.u'],
        ['table:public.v'],
      ]);
      // 002 ran once: its table exists once, and nothing was left half-applied.
      expect((await q(d, 'SELECT version_num FROM alembic_version')).rows).toEqual([
        { version_num: '003' },
      ]);
    } finally {
      await t.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the version write, checked before COMMIT', () => {
  // With PL/pgSQL (every database has it unless someone removed it) the version write checks its
  // own row counts and COMMIT travels in the migration's one query; a session that may not run
  // PL/pgSQL gets the counts checked by the client and COMMIT as a second round trip. Both must
  // refuse to commit a migration whose version write found the table changed, and report a
  // deferred constraint that fails at COMMIT.
  /** A fresh database and the Connections to use on it: the admin's, or a role without PL/pgSQL. */
  async function setup(mode: string): Promise<{ d: string; c: Connections }> {
    const d = await freshDb();
    if (mode === 'one query') return { d, c: conns };
    if (!roleConns) {
      await adminQuery(`CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD 'nopl'`);
      const url = new URL(db.adminUrl);
      url.username = role;
      url.password = 'nopl';
      roleConns = new Connections(url.toString());
    }
    await adminQuery(`GRANT CONNECT, CREATE ON DATABASE ${quoteIdent(d)} TO ${quoteIdent(role)}`);
    await q(
      d,
      `GRANT USAGE, CREATE ON SCHEMA public TO ${quoteIdent(role)};
       REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC`,
    );
    return { d, c: roleConns };
  }

  const modes = ['one query', 'two round trips (no PL/pgSQL)'];

  it.each(modes)('%s: applies and records a history', async (mode) => {
    const dir = await history([
      ['001', 'CREATE TABLE t (id int);'],
      ['002', 'INSERT INTO t VALUES (1);'],
    ]);
    const { d, c } = await setup(mode);
    const t = await createActionContext({ url: db.adminUrl, db: c });
    try {
      const res = await migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' });
      expect(res.output).toMatchObject({ applied: 2, current: ['002'] });
      expect((await q(d, 'SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(1);
      const applied = t.events.filter((e) => e.type === 'migration.applied');
      expect(applied.map((e) => (e.data as { statements: number }).statements)).toEqual([1, 1]);
      expect(applied[0]?.data).toMatchObject({ relations: { created: [{ name: 't' }] } });
    } finally {
      await t.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each(modes)('%s: a migration that writes the version table is not committed', async (mode) => {
    const dir = await history([
      ['001', 'CREATE TABLE t (id int);'],
      ['002', 'CREATE TABLE u (id int);\nDELETE FROM alembic_version;\n'],
    ]);
    const { d, c } = await setup(mode);
    const t = await createActionContext({ url: db.adminUrl, db: c });
    try {
      const err = await fails(
        migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' }),
      );
      expect(err.code).toBe('VERSION_TABLE_CHANGED');
      expect(err.fields.migration).toBe('002');
      expect(err.message).toContain('affected 0 row(s), expected 1');
      expect(err.fields.statement).toMatch(
        /^UPDATE "public"\."alembic_version" SET version_num = '002'/,
      );
      expect((await q(d, 'SELECT version_num FROM alembic_version')).rows).toEqual([
        { version_num: '001' },
      ]);
      expect((await q(d, `SELECT to_regclass('u') AS t`)).rows[0].t).toBeNull();
    } finally {
      await t.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each(modes)('%s: a deferred constraint that fails at COMMIT', async (mode) => {
    const dir = await history([
      ['001', 'CREATE TABLE p (id int PRIMARY KEY);'],
      [
        '002',
        `CREATE TABLE c (p_id int REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED);
         INSERT INTO c VALUES (42);`,
      ],
    ]);
    const { d, c } = await setup(mode);
    const t = await createActionContext({ url: db.adminUrl, db: c });
    try {
      const err = await fails(
        migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' }),
      );
      expect(err.code).toBe('23503');
      expect(err.fields.migration).toBe('002');
      expect(err.fields.statement).toBeUndefined();
      expect((await q(d, 'SELECT version_num FROM alembic_version')).rows).toEqual([
        { version_num: '001' },
      ]);
      expect((await q(d, `SELECT to_regclass('c') AS t`)).rows[0].t).toBeNull();
    } finally {
      await t.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
