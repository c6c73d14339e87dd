import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, type CliWorkspace } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

let db: TestDatabase;
let ws: CliWorkspace;

beforeAll(async () => {
  db = await createTestDatabase('engine_recovery');
  ws = await createCliWorkspace();
  await db.query('CREATE TABLE marks (v text)');
  await ws.writeProcedure(
    'mark',
    `procedure: mark
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: insert-once
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "INSERT INTO marks VALUES ('x')" }
  - id: check
    do: sql.expect
    with: { database: "\${{ params.database }}", query: "SELECT count(*)::int AS n FROM marks", rows: [{ n: 1 }] }
`,
  );
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

describe('a crash after a step logged its outcome, before the checkpoint moved on', () => {
  it('resume delivers the logged outcome instead of running the step again', async () => {
    const args = ['run', 'mark', '--param', `database=${db.name}`, '--database-url', db.adminUrl];
    const killed = await ws.cli(args, {
      env: { RUNBOOK_TEST_CRASH_AT: 'step.succeeded:insert-once' },
    });
    expect(killed.signal).toBe('SIGKILL');
    const [runId] = ws.runIds();
    // The checkpoint still shows the step in flight although its success is on disk.
    const before = ws.events(runId!);
    expect(before.at(-1)).toMatchObject({ type: 'step.succeeded', step: 'insert-once' });

    const resumed = await ws.cli(['resume', 'last', '--database-url', db.adminUrl]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('not run again');
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM marks');
    expect(rows[0]?.n).toBe(1);
    const after = ws.events(runId!);
    const starts = after.filter((e) => e.type === 'step.started' && e.step === 'insert-once');
    expect(starts).toHaveLength(1);
    const recovered = after.find(
      (e) =>
        e.type === 'step.succeeded' &&
        (e.data as { recovered_from_seq?: number }).recovered_from_seq,
    );
    expect(recovered).toBeDefined();
    const replay = await ws.cli(['replay', 'last']);
    expect(replay.code, replay.stderr).toBe(0);
  });
});

describe('resuming a run that used a server given by URL', () => {
  it('prints a resume command carrying the URL (without password) and refuses one without it', async () => {
    await ws.writeProcedure(
      'fails',
      `procedure: fails
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: boom
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "SELECT * FROM no_such_table" }
`,
    );
    const run = await ws.cli([
      'run',
      'fails',
      '--param',
      `database=${db.name}`,
      '--database-url',
      db.adminUrl,
    ]);
    expect(run.code).toBe(1);
    // No migration history in this run: a missing table gets no migration-based diagnosis.
    expect(run.stderr).not.toContain('diagnosis');
    expect(run.stderr).toMatch(
      /resume: {2}runbook resume fails-\S+ --database-url 'postgresql:\/\/[^:@']*@[^:/']+:\d+\/[^']+'/,
    );
    const inspect = await ws.cli(['inspect', 'last']);
    expect(inspect.stdout).toContain("--database-url 'postgresql://");
    const bare = await ws.cli(['resume', 'last']);
    expect(bare.code).toBe(3);
    expect(bare.stderr).toContain('not the embedded server');
    expect(ws.files(`${ws.runsDir}/../.runbook`)).toEqual([]); // no embedded server was started
  });
});

describe('a secret param quoted by a failing step', () => {
  it('is redacted in the failure: stderr, the log, snapshot.json and run.json', async () => {
    const token = 'Tok3nNeverShown';
    await ws.writeProcedure(
      'leaky',
      `procedure: leaky
requires: { authority: local, role: staging }
params:
  token: { type: string, secret: true }
steps:
  - id: echo-and-fail
    do: shell.exec
    with: { command: 'echo "token=$T" >&2; exit 1', env: { T: "\${{ params.token }}" } }
`,
    );
    const before = new Set(ws.runIds());
    const run = await ws.cli([
      'run',
      'leaky',
      '--param',
      `token=${token}`,
      '--database-url',
      db.adminUrl,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('SHELL_FAILED');
    expect(run.stdout + run.stderr).not.toContain(token);
    const runId = ws.runIds().find((id) => !before.has(id))!;
    const files = ws.files(`${ws.runsDir}/${runId}`);
    expect(files).toEqual(expect.arrayContaining(['run.json', 'snapshot.json', 'events.jsonl']));
    for (const f of files) {
      const text = await readFile(`${ws.runsDir}/${runId}/${f}`, 'utf8');
      expect(text, f).not.toContain(token);
    }
  });
});

describe('resume --skip on a finally (cleanup) step', () => {
  it('is refused (exit 2): cleanup runs again on resume and cannot be marked done by hand', async () => {
    await ws.writeProcedure(
      'cleanup',
      `procedure: cleanup
requires: { authority: local, role: staging }
steps:
  - id: boom
    do: sql.exec
    with: { sql: "SELECT * FROM no_such_table_either" }
finally:
  - id: tidy
    do: sql.exec
    with: { sql: "SELECT 1" }
`,
    );
    const run = await ws.cli(['run', 'cleanup', '--database-url', db.adminUrl]);
    expect(run.code).toBe(1);
    const skip = await ws.cli(['resume', 'last', '--skip', 'tidy', '--database-url', db.adminUrl]);
    expect(skip.code).toBe(2);
    expect(skip.stderr).toContain('finally (cleanup) step');
  });
});

describe('replay of a run resumed with a changed procedure', () => {
  it('re-drives the new procedure after the procedure.changed line (exit 0)', async () => {
    const base = (extra: string) => `procedure: evolving
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: first
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "INSERT INTO evolving_t VALUES (1)" }
${extra}`;
    await ws.writeProcedure('evolving', base(''));
    const before = new Set(ws.runIds());
    const run = await ws.cli([
      'run',
      'evolving',
      '--param',
      `database=${db.name}`,
      '--database-url',
      db.adminUrl,
    ]);
    expect(run.code).toBe(1);
    const runId = ws.runIds().find((id) => !before.has(id))!;
    await db.query('CREATE TABLE evolving_t (v int)');
    await ws.writeProcedure(
      'evolving',
      base(`  - id: added-later
    do: sql.expect
    with: { database: "\${{ params.database }}", query: "SELECT count(*)::int AS n FROM evolving_t", rows: [{ n: 1 }] }
`),
    );
    const resumed = await ws.cli([
      'resume',
      runId,
      '--allow-procedure-change',
      '--database-url',
      db.adminUrl,
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(
      ws.events(runId).some((e) => e.type === 'step.succeeded' && e.step === 'added-later'),
    ).toBe(true);
    const replay = await ws.cli(['replay', runId]);
    expect(replay.code, replay.stderr).toBe(0);
  });
});
