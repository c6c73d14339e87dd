import os from 'node:os';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, parseJson, waitFor, type CliWorkspace } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

let db: TestDatabase;
let ws: CliWorkspace;

beforeAll(async () => {
  db = await createTestDatabase('cli_operator');
  ws = await createCliWorkspace();
  await ws.writeProcedure('skipper', SKIPPABLE);
  await ws.writeProcedure('slowpoke', SLOW);
  await db.query('CREATE TABLE held_table (v int)');
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

const target = () => ['--param', `database=${db.name}`, '--database-url', db.adminUrl];

/** steps: `broken` (inserts into a table that does not exist), then `after` (inserts a row). */
const SKIPPABLE = `procedure: skipper
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: broken
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "INSERT INTO never_created VALUES (1)" }
  - id: after
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "INSERT INTO op_after VALUES ('after')" }
`;

/**
 * A procedure whose `slow` step first needs `gate_table`, then reads `held_table`: it blocks while
 * the test holds a lock on that table, so "in the middle of the step" does not depend on timing.
 */
const SLOW = `procedure: slowpoke
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: slow
    do: sql.exec
    with:
      database: "\${{ params.database }}"
      sql: "INSERT INTO gate_table VALUES (1); SELECT count(*) FROM held_table;"
`;

/** Locks `held_table` until `release()`: the slow step waits for it. */
async function holdTable(): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client(db.url);
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE held_table IN ACCESS EXCLUSIVE MODE');
  return {
    async release() {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

function operator(): string {
  let user = process.env.USER ?? process.env.USERNAME;
  if (!user) user = os.userInfo().username;
  return `${user}@${os.hostname()}`;
}

async function runJson(
  args: string[],
): Promise<{ runId: string; status: string; code: number | null }> {
  const r = await ws.cli([...args, '--json']);
  return { ...parseJson<{ runId: string; status: string }>(r.stdout), code: r.code };
}

describe('operator decisions and locks', () => {
  it('--skip marks a failed step done by hand, recorded with who, and the run continues', async () => {
    await db.query('CREATE TABLE op_after (v text)');
    const run = await runJson(['run', 'skipper', ...target()]);
    expect(run).toMatchObject({ code: 1, status: 'failed' });

    const resume = await ws.cli(['resume', run.runId, '--skip', 'broken', '--database-url', db.adminUrl]); // prettier-ignore
    expect(resume.code, resume.stderr).toBe(0);
    const { rows } = await db.query('SELECT v FROM op_after');
    expect(rows).toEqual([{ v: 'after' }]);

    const skipped = ws.events(run.runId).filter((e) => e.type === 'step.skipped');
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ step: 'broken', data: { by: operator() } });
    const started = ws.events(run.runId).filter((e) => e.type === 'step.started');
    expect(started.map((e) => e.step)).toEqual(['broken', 'after']);

    const inspect = await ws.cli(['inspect', run.runId]);
    expect(inspect.stdout).toMatch(/status\s+succeeded/);
    expect(inspect.stdout).toContain(`✓ broken  marked done by hand by ${operator()}`);
    expect(inspect.stdout).toMatch(/✓ after/);
    const runs = await ws.cli(['runs']);
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(new RegExp(`${run.runId}\\s+skipper\\s+succeeded`));
    const listed = parseJson<{ id: string; status: string; attempts: number }[]>(
      (await ws.cli(['runs', '--json'])).stdout,
    );
    expect(listed.find((r) => r.id === run.runId)).toMatchObject({
      status: 'succeeded',
      attempts: 2,
    });
    expect((await ws.cli(['replay', run.runId])).code).toBe(0);
  });

  it('resume of an unknown run id or an ambiguous prefix exits 2', async () => {
    const skippers = () => ws.runIds().filter((id) => id.startsWith('skipper-'));
    let second = await runJson(['run', 'skipper', ...target()]);
    expect(second.code).toBe(1);
    if (skippers().length < 2) second = await runJson(['run', 'skipper', ...target()]);
    const unknown = await ws.cli(['resume', 'skipper-19990101T000000Z-dead', '--database-url', db.adminUrl]); // prettier-ignore
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no run matches 'skipper-19990101T000000Z-dead'");
    const ambiguous = await ws.cli(['resume', 'skipper-', '--database-url', db.adminUrl]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain(`'skipper-' matches ${skippers().length} runs`);
    for (const id of skippers()) expect(ambiguous.stderr).toContain(id);
    const events = ws.events(second.runId);
    expect(events.some((e) => e.type === 'run.resumed')).toBe(false);
  });

  it('a second resume while one is running is refused (exit 3) naming its pid', async () => {
    const run = await runJson(['run', 'slowpoke', ...target()]);
    expect(run.code).toBe(1); // gate_table does not exist yet
    await db.query('CREATE TABLE gate_table (v int)');
    const hold = await holdTable();
    const first = ws.start(['resume', run.runId, '--database-url', db.adminUrl]);
    let second;
    try {
      await waitFor(
        'the resumed slow step to start',
        () =>
          ws.events(run.runId).filter((e) => e.type === 'step.started' && e.step === 'slow')
            .length === 2,
      );
      second = await ws.cli(['resume', run.runId, '--database-url', db.adminUrl]);
    } finally {
      await hold.release();
    }
    expect(second.code, second.stderr).toBe(3);
    expect(second.stderr).toContain(String(first.pid));
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    expect((await db.query('SELECT * FROM gate_table')).rows).toHaveLength(1);
    expect(ws.events(run.runId).filter((e) => e.type === 'run.resumed')).toHaveLength(1);
  });

  it('two runs on the same database at once: the second is refused (exit 3) naming the first', async () => {
    await db.query('CREATE TABLE IF NOT EXISTS gate_table (v int)');
    const rowsBefore = (await db.query('SELECT * FROM gate_table')).rows.length;
    const before = new Set(ws.runIds());
    const hold = await holdTable();
    const first = ws.start(['run', 'slowpoke', ...target()]);
    let firstId, second;
    try {
      firstId = await waitFor('the first run to start its step', () => {
        const id = ws.runIds().find((r) => !before.has(r));
        return id && ws.events(id).some((e) => e.type === 'step.started') ? id : undefined;
      });
      second = await ws.cli(['run', 'slowpoke', ...target()]);
    } finally {
      await hold.release();
    }
    expect(second.code, second.stderr).toBe(3);
    expect(second.stderr).toContain(firstId);
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    // The refused run left no run directory.
    expect(ws.runIds().filter((r) => !before.has(r))).toEqual([firstId]);
    expect((await db.query('SELECT * FROM gate_table')).rows).toHaveLength(rowsBefore + 1);
  });
});
