import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../src/postgres/url.js';
import { createCliWorkspace, type CliWorkspace } from './support/cli.js';
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
