import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../src/postgres/url.js';
import { createCliWorkspace, waitFor, type CliWorkspace } from './support/cli.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';

// What an operator sees and gets while migrations run and the world misbehaves: a session lost
// mid-migration, a lock another session holds, a run killed while its backend waits, a long
// migration. Through the CLI, against a real server.

let db: TestDatabase;
let ws: CliWorkspace;

beforeAll(async () => {
  db = await createTestDatabase('cli_liveness');
  ws = await createCliWorkspace('runbook-liveness-');
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

/** Writes a linear alembic-sql history `[revision, sql]` under `<workspace>/<name>/`. */
async function history(name: string, files: [string, string][]): Promise<void> {
  const dir = path.join(ws.dir, name);
  await mkdir(dir, { recursive: true });
  let prev = '';
  for (const [rev, sql] of files) {
    await writeFile(
      path.join(dir, `${rev}.sql`),
      `-- revision: ${rev}\n-- down_revision: ${prev}\n${sql}\n`,
    );
    prev = rev;
  }
}

/** A procedure `name` upgrading database `database` through the history in folder `name`. */
async function upgradeProcedure(name: string, extra = ''): Promise<void> {
  await ws.writeProcedure(
    name,
    `procedure: ${name}
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: upgrade
    do: migrations.upgrade
    with: { source: ${name}, layout: alembic-sql, database: "\${{ params.database }}"${extra} }
`,
  );
}

async function freshDatabase(suffix: string): Promise<string> {
  const name = `${db.name}_${suffix}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  return name;
}

async function versions(database: string): Promise<string[]> {
  const c = new pg.Client(withDatabase(db.adminUrl, database));
  await c.connect();
  try {
    const { rows } = await c.query<{ v: string }>('SELECT version_num AS v FROM alembic_version');
    return rows.map((r) => r.v);
  } finally {
    await c.end();
  }
}

async function runRecord(runId: string): Promise<{ status: string; currentStep?: string }> {
  return JSON.parse(await readFile(path.join(ws.runsDir, runId, 'run.json'), 'utf8')) as {
    status: string;
  };
}

const runIdOf = (prefix: string): string | undefined =>
  ws.runIds().find((r) => r.startsWith(`${prefix}-`));

/** The pid of the backend of run `<prefix>-*` whose query is LIKE `like` (polled). */
async function runBackend(prefix: string, like: string, timeoutMs = 15_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const id = runIdOf(prefix);
    if (id) {
      const { rows } = await adminQuery<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE $2`,
        [`runbook:${id}`, like],
      );
      if (rows[0]) return rows[0].pid;
    }
    if (Date.now() > until) throw new Error(`no backend of run ${prefix} running ${like}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a lost database session', () => {
  it('terminated mid-migration: a clean failed step, run.json not running, resume completes', async () => {
    const d = await freshDatabase('lost');
    await history('lost', [
      ['001', 'CREATE TABLE a (id int);'],
      ['002', 'SELECT pg_sleep(2);\nCREATE TABLE b (id int);'],
      ['003', 'CREATE TABLE c (id int);'],
    ]);
    await upgradeProcedure('lost');
    const child = ws.start(['run', 'lost', '--param', `database=${d}`, '--database-url', db.adminUrl]); // prettier-ignore
    // The run's session, asleep inside migration 002 (found by the run id it carries).
    const backend = await runBackend('lost', '%pg_sleep(2)%');
    await adminQuery('SELECT pg_terminate_backend($1)', [backend]);
    const run = await child.done;
    expect(run.code, run.stderr).toBe(1);
    // One clean line per failure, no stack trace.
    expect(run.stderr).not.toMatch(/Unhandled|node:events|^\s+at /m);
    expect(run.stderr).toMatch(/✗ upgrade {2}57P01 lost the connection to the database server/);
    const runId = runIdOf('lost')!;
    expect(await runRecord(runId)).toMatchObject({ status: 'failed', currentStep: 'upgrade' });
    const failed = ws.events(runId).find((e) => e.type === 'step.failed');
    expect(failed?.data).toMatchObject({
      failure: { step: 'upgrade', code: '57P01', migration: '002' },
    });
    expect(await versions(d)).toEqual(['001']);

    const resume = await ws.cli(['resume', runId, '--database-url', db.adminUrl]);
    expect(resume.code, resume.stderr).toBe(0);
    expect(await versions(d)).toEqual(['003']);
    expect(await runRecord(runId)).toMatchObject({ status: 'succeeded' });
  });
});

async function sqlOn(database: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client(withDatabase(db.adminUrl, database));
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Polls `sql` on the maintenance database until it returns a row. */
async function waitForRow(sql: string, values: unknown[], timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((await adminQuery(sql, values)).rowCount === 0) {
    if (Date.now() > until) throw new Error(`timed out waiting for a row of ${sql}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a migration that ends its own session', () => {
  it('fails the step with 57P01 in one line, and nothing of it is applied', async () => {
    const d = await freshDatabase('selfkill');
    await history('selfkill', [
      ['001', 'CREATE TABLE a (id int);'],
      ['002', 'CREATE TABLE b (id int);\nSELECT pg_terminate_backend(pg_backend_pid());'],
    ]);
    await upgradeProcedure('selfkill');
    const run = await ws.cli(['run', 'selfkill', '--param', `database=${d}`, '--database-url', db.adminUrl]); // prettier-ignore
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).not.toMatch(/Unhandled|node:events|^\s+at /m);
    expect(run.stderr).toMatch(/✗ upgrade {2}57P01 lost the connection to the database server/);
    const runId = runIdOf('selfkill')!;
    expect(await runRecord(runId)).toMatchObject({ status: 'failed' });
    expect(await versions(d)).toEqual(['001']);
    expect((await sqlOn(d, `SELECT to_regclass('b') AS t`)).rows[0]).toEqual({ t: null });
  });
});

/** A session of the test holding an ACCESS EXCLUSIVE lock on `table` of `database`. */
async function holdLock(
  database: string,
  table: string,
): Promise<{ pid: number; release(): Promise<void> }> {
  const c = new pg.Client(withDatabase(db.adminUrl, database));
  await c.connect();
  await c.query(`BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  // Its last query, as pg_stat_activity shows it, quotes a password: it must be masked.
  await c.query(`SELECT 1 AS x /* as ALTER ROLE … PASSWORD 'RbHidden1' would */`);
  return {
    pid: rows[0]!.pid,
    async release() {
      await c.query('COMMIT');
      await c.end();
    },
  };
}

describe('a migration waiting for a lock', () => {
  it('times out, retries naming the blocker, then fails with 55P03; resume applies it once the lock is free', async () => {
    const d = await freshDatabase('lockwait');
    await history('lockwait', [
      ['001', 'CREATE TABLE a (id int);'],
      ['002', 'ALTER TABLE t ADD COLUMN x int;'],
    ]);
    await upgradeProcedure('lockwait', ', lock_timeout: 500ms, lock_retries: 2');
    await sqlOn(d, 'CREATE TABLE t (id int)');
    const blocker = await holdLock(d, 't');
    try {
      const run = await ws.cli(['run', 'lockwait', '--param', `database=${d}`, '--database-url', db.adminUrl]); // prettier-ignore
      expect(run.code, run.stderr).toBe(1);
      const retries = run.stderr.match(
        /\[2\/2\] 002 {2}lock timeout \(500 ms\), held by pid (\d+)/g,
      );
      expect(retries).toHaveLength(2);
      expect(retries![0]).toContain(`pid ${blocker.pid}`);
      expect(run.stderr).toMatch(/retry 1\/2 in 500 ms/);
      expect(run.stderr).toMatch(/retry 2\/2 in 1\.0 s/);
      expect(run.stderr).toMatch(
        new RegExp(
          `✗ upgrade {2}55P03 could not take a lock within 500 ms, 3 times; it is held by pid ${blocker.pid}`,
        ),
      );
      const runId = runIdOf('lockwait')!;
      const events = ws.events(runId);
      expect(events.filter((e) => e.type === 'migration.lock_timeout')).toHaveLength(2);
      const failed = events.find((e) => e.type === 'step.failed')?.data as {
        failure: { code: string; migration: string; data: { blockers: { pid: number }[] } };
      };
      expect(failed.failure).toMatchObject({ code: '55P03', migration: '002' });
      expect(failed.failure.data.blockers.map((b) => b.pid)).toEqual([blocker.pid]);
      expect(await versions(d)).toEqual(['001']);
      expect(await runRecord(runId)).toMatchObject({ status: 'failed' });
      expect(run.stderr).toContain(`PASSWORD '***'`);
      expect(run.stderr + JSON.stringify(events)).not.toContain('RbHidden1');
    } finally {
      await blocker.release();
    }
    const resume = await ws.cli(['resume', 'last', '--database-url', db.adminUrl]);
    expect(resume.code, resume.stderr).toBe(0);
    expect(await versions(d)).toEqual(['002']);
  });

  it('a fractional lock_timeout ("0.4", RUNBOOK_LOCK_TIMEOUT=0.4) is 1 ms, never "no limit"', async () => {
    const d = await freshDatabase('fraction');
    await sqlOn(d, 'CREATE TABLE t (id int)');
    for (const [name, extra, env] of [
      ['fraction', ', lock_timeout: "0.4", lock_retries: 0', {}],
      ['fraction-env', ', lock_retries: 0', { RUNBOOK_LOCK_TIMEOUT: '0.4' }],
    ] as const) {
      await history(name, [['001', 'ALTER TABLE t ADD COLUMN x int;']]);
      await upgradeProcedure(name, extra);
      const blocker = await holdLock(d, 't');
      let released: Promise<void> | undefined;
      const release = (): Promise<void> => (released ??= blocker.release());
      // Read as 0 (no limit), the run would wait until this release and then succeed.
      const timer = setTimeout(() => void release(), 8000);
      try {
        const run = await ws.cli(['run', name, '--param', `database=${d}`, '--database-url', db.adminUrl], { env }); // prettier-ignore
        expect(run.code, run.stderr).toBe(1);
        expect(run.stderr).toMatch(/✗ upgrade {2}55P03 could not take a lock within 1 ms/);
      } finally {
        clearTimeout(timer);
        await release();
      }
    }
  });

  it('a CLI killed while its migration waits: resume ends the session it left, then applies the migration once', async () => {
    const d = await freshDatabase('killwait');
    await history('killwait', [
      ['001', 'CREATE TABLE a (id int);'],
      ['002', 'ALTER TABLE t ADD COLUMN x int;'],
    ]);
    // lock_timeout 0: wait without limit, as a long lock wait does.
    await upgradeProcedure('killwait', ', lock_timeout: 0');
    await sqlOn(d, 'CREATE TABLE t (id int)');
    const blocker = await holdLock(d, 't');
    let resume: ReturnType<CliWorkspace['start']> | undefined;
    let left = 0;
    try {
      const child = ws.start(['run', 'killwait', '--param', `database=${d}`, '--database-url', db.adminUrl]); // prettier-ignore
      left = await runBackend('killwait', '%ADD COLUMN x%');
      await waitForRow('SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = $2', [
        left,
        'Lock',
      ]);
      child.child.kill('SIGKILL');
      await child.done;
      // The killed CLI's backend still waits for the lock (and would commit 002 once it frees).
      expect(
        (await adminQuery('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [left])).rowCount,
      ).toBe(1);

      resume = ws.start(['resume', 'last', '--database-url', db.adminUrl]);
      await waitFor('the resume to end the leftover session', () =>
        resume!
          .stderr()
          .includes(`ending session pid ${left} left by an earlier attempt of this run`),
      );
      expect(resume.stderr()).toMatch(/waiting on Lock, database /);
      expect(
        (await adminQuery('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [left])).rowCount,
      ).toBe(0);
    } finally {
      await blocker.release();
    }
    const done = await resume!.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).not.toMatch(/being migrated by/);
    expect(await versions(d)).toEqual(['002']);
    const runId = runIdOf('killwait')!;
    const ended = ws.events(runId).find((e) => e.type === 'sessions.terminated')?.data as {
      sessions: { pid: number; wait_event_type: string }[];
    };
    expect(ended.sessions).toMatchObject([{ pid: left, wait_event_type: 'Lock' }]);
    // The column was added once, by the resumed run.
    const cols = await sqlOn(
      d,
      `SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'x'`,
    );
    expect(cols.rows[0]).toEqual({ n: 1 });
  });
});

describe('progress while a migration runs', () => {
  it('prints the start line and a heartbeat of a slow migration, numbered in the whole history', async () => {
    const d = await freshDatabase('beat');
    await history('beat', [
      ['001', 'CREATE TABLE a (id int);'],
      ['002', 'SELECT pg_sleep(2.2);'],
      ['003', 'CREATE TABLE c (id int);'],
    ]);
    await upgradeProcedure('beat');
    const run = await ws.cli(['run', 'beat', '--param', `database=${d}`, '--database-url', db.adminUrl], {
      env: { RUNBOOK_HEARTBEAT_MS: '700' },
    }); // prettier-ignore
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr.split('\n').map((l) => l.trim());
    const start = lines.indexOf('[2/3] 002  running…');
    const beat = lines.findIndex((l) => /^\[2\/3\] 002 {2}still running, \d+\.\d s$/.test(l));
    const end = lines.findIndex((l) => /^\[2\/3\] 002 {2}\d+ ms$/.test(l));
    expect(start, run.stderr).toBeGreaterThan(-1);
    expect(beat, run.stderr).toBeGreaterThan(start);
    expect(end, run.stderr).toBeGreaterThan(beat);
    // A quick migration prints its one line only.
    expect(run.stderr).not.toMatch(/\[1\/3\] 001 {2}running/);
    expect(run.stderr).toMatch(/\[1\/3\] 001 {2}\d+ ms/);
  });

  it('resume numbers the pending migrations after those already applied and shows the file change it accepted', async () => {
    const d = await freshDatabase('numbered');
    const files: [string, string][] = [
      ['001', 'CREATE TABLE a (id int);'],
      ['002', 'CREATE TABLE b (id int);'],
      ['003', 'SELECT * FROM missing_table;'],
      ['004', 'CREATE TABLE d (id int);'],
      ['005', 'CREATE TABLE e (id int);'],
    ];
    await history('numbered', files);
    await upgradeProcedure('numbered');
    const run = await ws.cli(['run', 'numbered', '--param', `database=${d}`, '--database-url', db.adminUrl]); // prettier-ignore
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/\[2\/5\] 002 {2}\d+ ms/);
    files[2] = ['003', 'CREATE TABLE missing_table (id int);'];
    await history('numbered', files);
    const resume = await ws.cli(['resume', 'last', '--database-url', db.adminUrl]);
    expect(resume.code, resume.stderr).toBe(0);
    expect(resume.stderr).toMatch(/^ {4}001–002 already applied \(2\)$/m);
    expect(resume.stderr).toMatch(
      /003\.sql changed since the last attempt \(sha256 [0-9a-f]{12} → [0-9a-f]{12}\): not applied yet, the new content will run/,
    );
    expect(resume.stderr).toMatch(/\[3\/5\] 003 {2}\d+ ms/);
    expect(resume.stderr).toMatch(/\[5\/5\] 005 {2}\d+ ms/);
    expect(await versions(d)).toEqual(['005']);
  });
});

describe('a full disk under the runs directory', () => {
  it('stops with one clean message naming the run directory and the resume command', async (t) => {
    // A 256 kB tmpfs as the runs directory: needs mount rights (root on Linux), else skipped.
    const mnt = path.join(ws.dir, 'tiny');
    await mkdir(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      t.skip();
      return;
    }
    try {
      const runsDir = path.join(mnt, 'runs');
      await ws.writeProcedure(
        'fill',
        `procedure: fill
requires: { authority: local, role: staging }
steps:
  - id: fill
    do: shell.exec
    with: { command: "dd if=/dev/zero of=${mnt}/fill bs=4k count=200 2>/dev/null; true" }
  - id: after
    do: sql.exec
    with: { sql: "SELECT 1" }
`,
      );
      const run = await ws.cli(['run', 'fill', '--runs-dir', runsDir, '--database-url', db.adminUrl]); // prettier-ignore
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr.match(/runbook: error/g)).toHaveLength(1);
      expect(run.stderr).toMatch(/no space left on device \(ENOSPC\)/);
      expect(run.stderr).toMatch(/Free space, then: runbook resume fill-/);
      expect(run.stderr).not.toMatch(/node:|^\s+at /m);

      await rm(path.join(mnt, 'fill'));
      const resume = await ws.cli(['resume', 'last', '--runs-dir', runsDir, '--database-url', db.adminUrl]); // prettier-ignore
      expect(resume.code, resume.stderr).toBe(0);
      expect(resume.stderr).toMatch(/✓ after/);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});
