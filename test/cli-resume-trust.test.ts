import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../src/postgres/url.js';
import { createCliWorkspace, parseJson, REPO, waitFor, type CliWorkspace } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

// Resume and replay take a run's truth from its verified log: run.json, snapshot.json and the run
// directory's files are checked against it, never trusted on their own.
let db: TestDatabase;
let ws: CliWorkspace;
let counter = 0;

const MIGRATIONS: Record<string, string> = {
  '001_one.sql': '-- revision: 001_one\n-- down_revision:\nCREATE TABLE one (v int);\n',
  '002_two.sql':
    '-- revision: 002_two\n-- down_revision: 001_one\nINSERT INTO needed (v) VALUES (2);\n',
  '003_three.sql':
    '-- revision: 003_three\n-- down_revision: 002_two\nCREATE TABLE three (v int);\n',
  '004_four.sql':
    '-- revision: 004_four\n-- down_revision: 003_three\nCREATE TABLE four (v int);\n',
};

const PROCEDURE = `procedure: mig
requires: { authority: local, role: staging }
params:
  database: { type: string }
  migrations: { type: path, default: history }
steps:
  - id: create-database
    do: database.create
    with: { name: "\${{ params.database }}" }
  - id: migrate
    do: migrations.upgrade
    with: { source: "\${{ params.migrations }}", database: "\${{ params.database }}", target: head }
  - id: version
    do: migrations.current
    with: { source: "\${{ params.migrations }}", database: "\${{ params.database }}" }
checklist:
  - { item: "Migrations applied", step: migrate }
  - { item: "Version recorded", step: version }
`;

beforeAll(async () => {
  db = await createTestDatabase('cli_trust');
  ws = await createCliWorkspace();
  await mkdir(path.join(ws.dir, 'history'));
  for (const [f, sql] of Object.entries(MIGRATIONS)) {
    await writeFile(path.join(ws.dir, 'history', f), sql);
  }
  await ws.writeProcedure('mig', PROCEDURE);
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

async function query<R extends pg.QueryResultRow>(database: string, sql: string): Promise<R[]> {
  const c = new pg.Client(withDatabase(db.adminUrl, database));
  await c.connect();
  try {
    return (await c.query<R>(sql)).rows;
  } finally {
    await c.end();
  }
}

const version = async (database: string): Promise<string[]> =>
  (await query<{ v: string }>(database, 'SELECT version_num AS v FROM alembic_version')).map(
    (r) => r.v,
  );

/** A run of `mig` on a fresh database, stopped at 002 (table `needed` is missing). */
async function failedRun(): Promise<{ runId: string; database: string; dir: string }> {
  const database = `${db.name}_${++counter}`;
  const r = await ws.cli(['run', 'mig', '--param', `database=${database}`, '--database-url', db.adminUrl, '--json']); // prettier-ignore
  expect(r.code, r.stderr).toBe(1);
  const runId = parseJson<{ runId: string }>(r.stdout).runId;
  expect(await version(database)).toEqual(['001_one']);
  return { runId, database, dir: path.join(ws.runsDir, runId) };
}

const resume = (runId: string, ...extra: string[]) =>
  ws.cli(['resume', runId, '--database-url', db.adminUrl, ...extra]);

function editJson(file: string, edit: (v: Record<string, unknown>) => void): void {
  const value = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(value);
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

describe('resume verifies the run against its log first (exit 4, nothing runs)', () => {
  it('a snapshot edited to "done" is refused; replay refuses it too', async () => {
    const { runId, database, dir } = await failedRun();
    const log = readFileSync(path.join(dir, 'events.jsonl'));
    editJson(path.join(dir, 'snapshot.json'), (v) => {
      (v.snapshot as Record<string, unknown>).status = 'done';
    });
    const r = await resume(runId);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain('snapshot.json disagrees with the log');
    expect(await version(database)).toEqual(['001_one']);
    expect(readFileSync(path.join(dir, 'events.jsonl'))).toEqual(log);
    expect((await ws.cli(['replay', runId])).code).toBe(4);
  });

  it('run.json with another params.database is refused; replay exits 4', async () => {
    const { runId, dir } = await failedRun();
    const other = `${db.name}_other`;
    editJson(path.join(dir, 'run.json'), (v) => {
      (v.params as Record<string, unknown>).database = other;
    });
    const r = await resume(runId);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain('params.database');
    expect(await query<{ n: number }>(db.name, `SELECT count(*)::int AS n FROM pg_database WHERE datname = '${other}'`)).toEqual([{ n: 0 }]); // prettier-ignore
    const replay = await ws.cli(['replay', runId]);
    expect(replay.code, replay.stderr).toBe(4);
    expect(replay.stderr).toContain('params.database');
  });

  it('run.json naming another procedure file is refused', async () => {
    const { runId, dir } = await failedRun();
    const evil = await ws.writeProcedure(
      'evil',
      PROCEDURE.replace('procedure: mig', 'procedure: evil'),
    );
    editJson(path.join(dir, 'run.json'), (v) => {
      v.procedureFile = evil;
    });
    const r = await resume(runId);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain('procedureFile');
  });

  it('a missing or emptied events.jsonl is refused', async () => {
    const { runId, database, dir } = await failedRun();
    const file = path.join(dir, 'events.jsonl');
    const saved = readFileSync(file);
    writeFileSync(file, '');
    expect((await resume(runId)).code).toBe(4);
    rmSync(file);
    expect((await resume(runId)).code).toBe(4);
    expect(await version(database)).toEqual(['001_one']);
    writeFileSync(file, saved);
  });

  it('a member added to a log line outside the hash is detected (replay and resume exit 4)', async () => {
    const { runId, dir } = await failedRun();
    const file = path.join(dir, 'events.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[1] = lines[1]!.replace(/}$/, ',"approved_by":"mallory"}');
    writeFileSync(file, lines.join('\n'));
    const replay = await ws.cli(['replay', runId]);
    expect(replay.code).toBe(4);
    expect(replay.stderr).toMatch(/line 2: .*approved_by/);
    expect((await resume(runId)).code).toBe(4);
  });

  it('the final run.stopped line deleted: resume refuses (run.json says the run failed)', async () => {
    const { runId, database, dir } = await failedRun();
    const file = path.join(dir, 'events.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n').slice(0, -1);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ type: 'run.stopped' });
    writeFileSync(
      file,
      lines
        .slice(0, -1)
        .map((l) => `${l}\n`)
        .join(''),
    );
    const r = await resume(runId);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain('run.stopped');
    expect(await version(database)).toEqual(['001_one']);
  });
});

describe('skipping must not look like success', () => {
  it('inspect does not offer --skip migrate; --skip migrate ends incomplete (exit 1); --skip <revision> of a failed migration is refused', async () => {
    const { runId, database, dir } = await failedRun();
    const inspect = await ws.cli(['inspect', runId]);
    expect(inspect.stdout).not.toMatch(/resume \S+ --skip migrate/);
    expect(inspect.stdout).toContain('--skip migrate is not offered');

    const log = readFileSync(path.join(dir, 'events.jsonl'));
    const rev = await resume(runId, '--skip', '002_two');
    expect(rev.code, rev.stderr).toBe(2);
    expect(rev.stderr).toContain('002_two');
    expect(readFileSync(path.join(dir, 'events.jsonl'))).toEqual(log);
    expect(await version(database)).toEqual(['001_one']);

    const skip = await resume(runId, '--skip', 'migrate', '--json');
    expect(skip.code, skip.stderr).toBe(1);
    expect(parseJson<{ status: string; ok: boolean }>(skip.stdout)).toMatchObject({
      status: 'incomplete',
      ok: false,
    });
    expect(skip.stderr).toContain('incomplete');
    expect(skip.stderr).toContain(
      'warning: migrate is marked done by hand although the checklist item "Migrations applied" rests on it',
    );
    expect(skip.stderr).toMatch(/SKIPPED\s+Migrations applied/);
    const record = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as {
      status: string;
    };
    expect(record.status).toBe('incomplete');
    const after = await ws.cli(['inspect', runId]);
    expect(after.stdout).toContain('checklist not passed');
    expect((await resume(runId)).code).toBe(1);
    const replay = await ws.cli(['replay', runId]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain(
      'INCOMPLETE: checklist not passed: Migrations applied (SKIPPED)',
    );
    const runs = await ws.cli(['runs']);
    expect(runs.stdout).toMatch(new RegExp(`${runId}\\s+mig\\s+incomplete`));
  });
});

describe('--skip <revision> is for a migration in doubt only', () => {
  it('records the dirty golang-migrate version applied by hand; any other revision is refused', async () => {
    const database = `${db.name}_${++counter}`;
    const source = path.join(REPO, 'test/fixtures/migrations/golang');
    const args = ['run', 'mig', '--param', `database=${database}`, '--param', `migrations=${source}`, '--database-url', db.adminUrl, '--json']; // prettier-ignore
    expect((await ws.cli(args)).code).toBe(0);
    await query(database, 'UPDATE schema_migrations SET dirty = true');
    const again = await ws.cli(args);
    expect(again.code, again.stderr).toBe(1);
    const runId = parseJson<{ runId: string }>(again.stdout).runId;
    seen.add(runId);
    expect(again.stderr).toContain('MIGRATION_IN_DOUBT');
    const wrong = await resume(runId, '--skip', '2');
    expect(wrong.code, wrong.stderr).toBe(2);
    expect(wrong.stderr).toContain('nor a migration in doubt (10)');
    const skip = await resume(runId, '--skip', '10');
    expect(skip.code, skip.stderr).toBe(0);
    expect(ws.events(runId).filter((e) => e.type === 'migration.skipped')).toMatchObject([
      { data: { revision: '10', reason: 'operator --skip' } },
    ]);
    expect(await query(database, 'SELECT version::text AS v, dirty FROM schema_migrations')).toEqual([{ v: '10', dirty: false }]); // prettier-ignore
  });
});

describe('a resumed success: migration count and the operator note', () => {
  it("inspect counts the run's migrations once (4/4), and the note shows in inspect, replay and report", async () => {
    const { runId, database } = await failedRun();
    await query(database, 'CREATE TABLE needed (v int)');
    const r = await resume(runId, '--note', 'ran create-needed.sql');
    expect(r.code, r.stderr).toBe(0);
    expect(await version(database)).toEqual(['004_four']);
    const inspect = await ws.cli(['inspect', runId]);
    expect(inspect.stdout).toContain('migrate: 4/4 migrations applied this run, last 004_four');
    expect(inspect.stdout).toMatch(/notes\n\s+attempt 2, \S+ at \S+: ran create-needed\.sql/);
    const replay = await ws.cli(['replay', runId]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain('note: ran create-needed.sql');
    const html = path.join(ws.dir, 'report.html');
    const report = await ws.cli(['report', runId, '--html', html]);
    expect(report.code, report.stderr).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('note: ran create-needed.sql');
  });
});

describe('a crash the moment the run lock appears', () => {
  it('leaves a run that resumes, replays and reports (run.started is there before the lock)', async () => {
    const database = `${db.name}_${++counter}`;
    await query(db.name, 'SELECT 1');
    // Slow every atomic write down, so the kill lands right after the lock file appears.
    const child = ws.start(['run', 'mig', '--param', `database=${database}`, '--database-url', db.adminUrl], { env: { RUNBOOK_TEST_CHECKPOINT_DELAY_MS: '1500' } }); // prettier-ignore
    const runId = await waitFor('the run lock', () =>
      ws.runIds().find((id) => id.startsWith('mig-') && existsSync(path.join(ws.runsDir, id, 'lock')) && !seen.has(id)),
    ); // prettier-ignore
    child.child.kill('SIGKILL');
    await child.done;
    seen.add(runId);
    const first = ws.events(runId)[0];
    expect(first).toMatchObject({ seq: 1, type: 'run.started' });
    await query(db.name, 'SELECT 1');
    const r = await resume(runId);
    // 002 still fails (table `needed` is missing): the run went through from the start.
    expect(r.code, r.stderr).toBe(1);
    expect(await version(database)).toEqual(['001_one']);
    expect((await ws.cli(['replay', runId])).code).toBe(0);
    const report = await ws.cli(['report', runId, '--html', path.join(ws.dir, 'crash.html')]);
    expect(report.code, report.stderr).toBe(0);
  });
});
const seen = new Set<string>();

describe('a lock whose holder is gone but cannot be proven dead', () => {
  it('refuses (exit 3) naming --break-lock; --break-lock takes it, recorded with who', async () => {
    const { runId, dir } = await failedRun();
    seen.add(runId);
    const lockFile = path.join(dir, 'lock');
    for (const holder of [
      { pid: 4242, host: 'build-agent-7' },
      { pid: process.pid, host: os.hostname() }, // a live pid: the holder's pid was reused
    ]) {
      writeFileSync(lockFile, JSON.stringify({ ...holder, command: 'runbook run mig', since: '2026-01-01T00:00:00.000Z' }) + '\n'); // prettier-ignore
      const r = await resume(runId);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain('--break-lock');
    }
    const r = await resume(runId, '--break-lock');
    expect(r.code, r.stderr).toBe(1); // resumed (002 still fails)
    expect(existsSync(lockFile)).toBe(false);
    const broken = ws.events(runId).filter((e) => e.type === 'lock.broken');
    expect(broken).toHaveLength(1);
    expect(broken[0]!.data).toMatchObject({
      holder: { pid: process.pid },
      by: expect.stringContaining('@'),
    });
    expect((await ws.cli(['replay', runId])).stdout).toContain('broke the run lock held by pid');
  });
});

describe('run files are never written through a symbolic link', () => {
  it('a symlinked events.jsonl is refused (exit 2) and its target left alone', async () => {
    const { runId, dir } = await failedRun();
    seen.add(runId);
    const file = path.join(dir, 'events.jsonl');
    const elsewhere = path.join(ws.dir, 'elsewhere.jsonl');
    writeFileSync(elsewhere, readFileSync(file));
    const before = readFileSync(elsewhere);
    rmSync(file);
    symlinkSync(elsewhere, file);
    const r = await resume(runId);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('symbolic link');
    expect(readFileSync(elsewhere)).toEqual(before);
  });
});

describe('a migration applied by hand between the failure and the resume', () => {
  it('is logged as applied outside the run, not as the run\u2019s own; the rest resumes', async () => {
    const { runId, database } = await failedRun();
    // The operator applies 002 themselves (its table, its row, its version) instead of fixing it.
    await query(
      database,
      `CREATE TABLE needed (v int); INSERT INTO needed (v) VALUES (2);
       UPDATE alembic_version SET version_num = '002_two'`,
    );
    const r = await resume(runId);
    expect(r.code, r.stderr).toBe(0);
    expect(await version(database)).toEqual(['004_four']);
    const migrate = ws.events(runId).filter((e) => e.step === 'migrate');
    const reconciled = migrate.filter((e) => e.type === 'migration.reconciled');
    expect(reconciled.map((e) => e.data)).toEqual([
      expect.objectContaining({
        revision: '002_two',
        applied_outside_run: true,
        reason: expect.stringMatching(/not applied by this run/),
      }),
    ]);
    const applied = migrate.filter((e) => e.type === 'migration.applied');
    expect(applied.map((e) => (e.data as { revision: string }).revision)).toEqual([
      '001_one',
      '003_three',
      '004_four',
    ]);
    const inspect = await ws.cli(['inspect', runId, '--json']);
    expect(inspect.code, inspect.stderr).toBe(0);
    const migrations = parseJson<{ migrations: { step: string; applied: number }[] }>(
      inspect.stdout,
    ).migrations;
    expect(migrations).toEqual([expect.objectContaining({ step: 'migrate', applied: 3 })]);
    expect((await ws.cli(['replay', runId])).code).toBe(0);
  });
});
