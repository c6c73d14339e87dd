import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../src/postgres/url.js';
import { createCliWorkspace, parseJson, REPO, waitFor, type CliWorkspace } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

// Resume at its edges: a resume killed after it logged run.resumed, --skip names that only a
// plain object's prototype has, --break-lock against a live run, and a note holding a password.
let db: TestDatabase;
let ws: CliWorkspace;
let counter = 0;
const children: ChildProcess[] = [];

// `wait` fails until table `go` exists in the run's database, and sleeps while table `slow` does.
const PROCEDURE = `procedure: gate
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: create-database
    do: database.create
    with: { name: "\${{ params.database }}" }
  - id: wait
    do: sql.exec
    with:
      database: "\${{ params.database }}"
      sql: "DO $$ BEGIN IF to_regclass('public.go') IS NULL THEN RAISE EXCEPTION 'not yet'; END IF; PERFORM pg_sleep(CASE WHEN to_regclass('public.slow') IS NULL THEN 0 ELSE 30 END); END $$"
finally:
  - id: tidy
    do: sql.exec
    with: { sql: "SELECT 1" }
`;

beforeAll(async () => {
  db = await createTestDatabase('cli_harden');
  ws = await createCliWorkspace();
  await ws.writeProcedure('gate', PROCEDURE);
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

async function exec(database: string, sql: string): Promise<void> {
  const c = new pg.Client(withDatabase(db.adminUrl, database));
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A run of `gate` stopped on `wait` (table `go` is missing). */
async function failedRun(): Promise<{ runId: string; database: string; dir: string }> {
  const database = `${db.name}_${++counter}`;
  const r = await ws.cli(['run', 'gate', '--param', `database=${database}`, '--database-url', db.adminUrl, '--json']); // prettier-ignore
  expect(r.code, r.stderr).toBe(1);
  const runId = parseJson<{ runId: string }>(r.stdout).runId;
  return { runId, database, dir: path.join(ws.runsDir, runId) };
}

const resume = (runId: string, ...extra: string[]) =>
  ws.cli(['resume', runId, '--database-url', db.adminUrl, ...extra]);

const attemptsOf = (dir: string): unknown =>
  (JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as { attempts: unknown }).attempts;

describe('a resume killed right after it logged run.resumed', () => {
  it('leaves a run that resumes again and again, each attempt numbered once', async () => {
    const { runId, dir } = await failedRun();
    // Every atomic write is slowed down: the kill lands after run.resumed, before run.json.
    const child = ws.start(['resume', runId, '--database-url', db.adminUrl], { env: { RUNBOOK_TEST_CHECKPOINT_DELAY_MS: '5000' } }); // prettier-ignore
    await waitFor('run.resumed', () => ws.events(runId).some((e) => e.type === 'run.resumed'));
    child.child.kill('SIGKILL');
    await child.done;
    expect(attemptsOf(dir)).toBe(1);
    for (const attempt of [3, 4]) {
      const r = await resume(runId);
      expect(r.code, r.stderr).toBe(1); // resumed; `wait` still fails
      expect(r.stderr).toContain(`(attempt ${attempt})`);
      expect(attemptsOf(dir)).toBe(attempt);
    }
    const logged = ws.events(runId).filter((e) => e.type === 'run.resumed');
    expect(logged.map((e) => (e.data as { attempt: number }).attempt)).toEqual([2, 3, 4]);
    expect((await ws.cli(['replay', runId])).code).toBe(0);
  });
});

describe('--skip of a name only a plain object inherits', () => {
  it('is refused (exit 2) for constructor, toString, hasOwnProperty and __proto__; nothing logged', async () => {
    const { runId, dir } = await failedRun();
    const before = readFileSync(path.join(dir, 'events.jsonl'), 'utf8');
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const r = await resume(runId, '--skip', name);
      expect(r.code, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('--skip');
      expect(r.stderr).toContain(`${name} is neither a failed step`);
    }
    expect(readFileSync(path.join(dir, 'events.jsonl'), 'utf8')).toBe(before);
    expect(attemptsOf(dir)).toBe(1);
  });
});

describe('--break-lock', () => {
  it('refuses (exit 3) the lock of a live runbook process on this host, and leaves its session alone', async () => {
    const { runId, database, dir } = await failedRun();
    await exec(database, 'CREATE TABLE go (); CREATE TABLE slow ()');
    const live = ws.start(['resume', runId, '--database-url', db.adminUrl]);
    children.push(live.child);
    await waitFor('the slow step, resumed', () => {
      const events = ws.events(runId);
      const resumed = events.findIndex((e) => e.type === 'run.resumed');
      return resumed >= 0 && events.slice(resumed).some((e) => e.type === 'step.started' && e.step === 'wait');
    }); // prettier-ignore
    const r = await resume(runId, '--break-lock');
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`pid ${live.pid}`);
    expect(r.stderr).toContain(`kill ${live.pid}`);
    expect(JSON.parse(readFileSync(path.join(dir, 'lock'), 'utf8'))).toMatchObject({
      pid: live.pid,
    });
    expect(ws.events(runId).some((e) => e.type === 'lock.broken')).toBe(false);
    // The live run's database session was not terminated: it is still sleeping in `wait`.
    const c = new pg.Client(db.adminUrl);
    await c.connect();
    try {
      const { rows } = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%pg_sleep%'`,
        [`runbook:${runId}`],
      );
      expect(rows[0]!.n).toBe(1);
      live.child.kill('SIGKILL');
      await live.done;
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`runbook:${runId}`]); // prettier-ignore
    } finally {
      await c.end();
    }
  });

  it('refuses the lock of a process started after it that runs the CLI (bin/runbook.cjs)', async () => {
    const { runId, dir } = await failedRun();
    // Started after the lock was taken (as a reused pid would be), but its command line runs
    // runbook's launcher: a live runbook process, which --break-lock leaves alone.
    const launcher = path.join(REPO, 'bin', 'runbook.cjs');
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', launcher], { stdio: 'ignore' }); // prettier-ignore
    children.push(live);
    writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid: live.pid, host: os.hostname(), command: 'runbook run gate', since: '2026-01-01T00:00:00.000Z' }) + '\n'); // prettier-ignore
    const r = await resume(runId, '--break-lock');
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`pid ${live.pid}`);
    expect(existsSync(path.join(dir, 'lock'))).toBe(true);
    live.kill('SIGKILL');
  });

  it('breaks a lock whose live pid is another program (a reused pid), recorded in the log', async () => {
    const { runId, dir } = await failedRun();
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(other);
    expect(other.pid).toBeGreaterThan(0);
    writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid: other.pid, host: os.hostname(), command: 'runbook run gate', since: '2026-01-01T00:00:00.000Z' }) + '\n'); // prettier-ignore
    const refused = await resume(runId);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toContain('--break-lock');
    const r = await resume(runId, '--break-lock');
    expect(r.code, r.stderr).toBe(1); // resumed; `wait` still fails
    expect(existsSync(path.join(dir, 'lock'))).toBe(false);
    const broken = ws.events(runId).filter((e) => e.type === 'lock.broken');
    expect(broken).toHaveLength(1);
    expect(broken[0]!.data).toMatchObject({ holder: { pid: other.pid } });
  });
});

describe('a resume note holding a password', () => {
  it('is masked before anything runs: the resume goes on, and the password is nowhere', async () => {
    const { runId, database, dir } = await failedRun();
    await exec(database, 'CREATE TABLE go ()');
    const secret = 'N0teS3cretPw';
    const r = await resume(runId, '--note', `ran psql postgres://u:${secret}@h/db; ALTER ROLE x PASSWORD '${secret}'`); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('password in the note was masked');
    expect(r.stderr).toContain('note: ran psql postgres://u:***@h/db');
    const resumed = ws.events(runId).find((e) => e.type === 'run.resumed');
    expect((resumed!.data as { note: string }).note).toBe(
      "ran psql postgres://u:***@h/db; ALTER ROLE x PASSWORD '***'",
    );
    expect(r.stdout + r.stderr).not.toContain(secret);
    for (const f of ws.files(dir)) {
      expect(readFileSync(path.join(dir, f), 'latin1'), f).not.toContain(secret);
    }
    const inspect = await ws.cli(['inspect', runId]);
    expect(inspect.stdout).toContain('postgres://u:***@h/db');
  });
});

describe('replay and report of a run still being driven', () => {
  it('verify only its log (its last line may be mid-append) and say the run is in progress', async () => {
    const { runId, database, dir } = await failedRun();
    await exec(database, 'CREATE TABLE go (); CREATE TABLE slow ()');
    const live = ws.start(['resume', runId, '--database-url', db.adminUrl]);
    children.push(live.child);
    await waitFor('the slow step, resumed', () => {
      const events = ws.events(runId);
      const resumed = events.findIndex((e) => e.type === 'run.resumed');
      return resumed >= 0 && events.slice(resumed).some((e) => e.type === 'step.started' && e.step === 'wait');
    }); // prettier-ignore
    // What a reader sees while the driving process is writing its next line.
    appendFileSync(path.join(dir, 'events.jsonl'), '{"seq":');
    const replay = await ws.cli(['replay', runId]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain(`the run is in progress (pid ${live.pid}`);
    const html = path.join(ws.dir, 'live.html');
    const report = await ws.cli(['report', runId, '--html', html]);
    expect(report.code, report.stderr).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain(`the run is in progress (pid ${live.pid}`);
    live.child.kill('SIGKILL');
    await live.done;
    const c = new pg.Client(db.adminUrl);
    await c.connect();
    await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`runbook:${runId}`]); // prettier-ignore
    await c.end();
    // Its holder gone, the torn line is judged as what it is now: the log's end is damaged.
    expect((await ws.cli(['replay', runId])).code).toBe(4);
  });
});
