import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, parseJson, waitFor, type CliWorkspace } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

let db: TestDatabase;
let ws: CliWorkspace;

beforeAll(async () => {
  db = await createTestDatabase('cli_resume');
  ws = await createCliWorkspace();
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

/** A procedure whose second step inserts into `missing`, after a first step inserting into `present`. */
function failingProcedure(name: string, present: string, missing: string): string {
  return `procedure: ${name}
description: fails on purpose at its second step
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: insert-first
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "INSERT INTO ${present} (v) VALUES ('first')" }
  - id: insert-second
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "INSERT INTO ${missing} (v) VALUES ('second')" }
`;
}

async function count(table: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]!.n;
}

interface RunJson {
  ok: boolean;
  runId: string;
  status: string;
  exitCode: number;
  failures: { step: string; code: string }[];
}

describe('runbook run → inspect → fix → resume', () => {
  it('stops at the failing step, says why, and resumes without re-running completed steps', async () => {
    await db.query('CREATE TABLE fr_present (v text)');
    await ws.writeProcedure('fails', failingProcedure('fails', 'fr_present', 'fr_missing'));
    const url = db.adminUrl;

    const run = await ws.cli([
      'run', 'fails', '--param', `database=${db.name}`, '--database-url', url, '--json',
    ]); // prettier-ignore
    expect(run.code, run.stderr).toBe(1);
    const result = parseJson<RunJson>(run.stdout);
    expect(result).toMatchObject({ ok: false, status: 'failed', exitCode: 1 });
    expect(result.runId).toMatch(/^fails-\d{8}T\d{6}Z-[0-9a-f]{4}$/);
    expect(result.failures).toMatchObject([{ step: 'insert-second', code: '42P01' }]);
    expect(run.stderr).toContain('42P01');
    expect(await count('fr_present')).toBe(1);

    const inspect = await ws.cli(['inspect', result.runId]);
    expect(inspect.code, inspect.stderr).toBe(0);
    const text = inspect.stdout;
    expect(text).toMatch(/status\s+failed/);
    expect(text).toMatch(/failed step insert-second/);
    expect(text).toContain('42P01');
    expect(text).toContain('relation "fr_missing" does not exist');
    expect(text).toContain(`INSERT INTO fr_missing (v) VALUES ('second')`);
    expect(text).toMatch(/completed\n\s+✓ insert-first/);
    expect(text).not.toMatch(/✓ insert-second/);
    expect(text).toContain(`runbook resume ${result.runId}`);
    expect(text).toContain(`runbook resume ${result.runId} --skip insert-second`);

    const inspectJson = await ws.cli(['inspect', result.runId, '--json']);
    const ij = parseJson<{
      record: { status: string; currentStep: string };
      failures: { step: string; code: string; message: string; statement: string }[];
      completed: { step: string }[];
    }>(inspectJson.stdout);
    expect(ij.record).toMatchObject({ status: 'failed', currentStep: 'insert-second' });
    expect(ij.failures[0]).toMatchObject({ step: 'insert-second', code: '42P01' });
    expect(ij.completed.map((c) => c.step)).toEqual(['insert-first']);

    // Fix the cause by hand, then resume by a unique prefix of the run id.
    await db.query('CREATE TABLE fr_missing (v text)');
    const prefix = result.runId.slice(0, 'fails-'.length + 4);
    const resume = await ws.cli(['resume', prefix, '--database-url', url, '--json']);
    expect(resume.code, resume.stderr).toBe(0);
    expect(parseJson<RunJson>(resume.stdout)).toMatchObject({
      ok: true,
      runId: result.runId,
      status: 'succeeded',
      exitCode: 0,
    });
    expect(await count('fr_present')).toBe(1); // the completed step was not re-run
    expect(await count('fr_missing')).toBe(1);
    const started = ws.events(result.runId).filter((e) => e.type === 'step.started');
    expect(started.map((e) => e.step)).toEqual(['insert-first', 'insert-second', 'insert-second']);

    const record = JSON.parse(await readFile(`${ws.runsDir}/${result.runId}/run.json`, 'utf8')) as {
      status: string;
      attempts: number;
    };
    expect(record).toMatchObject({ status: 'succeeded', attempts: 2 });
    const replay = await ws.cli(['replay', result.runId]);
    expect(replay.code, replay.stderr).toBe(0);
  });

  it('resumes a run killed with SIGKILL in the middle of a step', async () => {
    await db.query('CREATE TABLE kill_rows (v text PRIMARY KEY)');
    await ws.writeProcedure(
      'killed',
      `procedure: killed
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: before
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "INSERT INTO kill_rows VALUES ('before')" }
  - id: slow
    do: sql.exec
    with:
      database: "\${{ params.database }}"
      sql: |
        SELECT pg_sleep(2);
        INSERT INTO kill_rows VALUES ('slow');
`,
    );
    const child = ws.start(['run', 'killed', '--param', `database=${db.name}`, '--database-url', db.adminUrl]); // prettier-ignore
    const runId = await waitFor('the slow step to start', () => {
      const id = ws.runIds().find((r) => r.startsWith('killed-'));
      return id && ws.events(id).some((e) => e.type === 'step.started' && e.step === 'slow')
        ? id
        : undefined;
    });
    child.child.kill('SIGKILL');
    const killed = await child.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(await count("kill_rows WHERE v = 'slow'")).toBe(0);

    const inspect = await ws.cli(['inspect', runId]);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toMatch(/status\s+interrupted while running slow/);
    expect(inspect.stdout).toMatch(/✓ before/);
    expect(inspect.stdout).toContain(`runbook resume ${runId}`);

    const resume = await ws.cli(['resume', runId, '--database-url', db.adminUrl]);
    expect(resume.code, resume.stderr).toBe(0);
    const { rows } = await db.query<{ v: string }>('SELECT v FROM kill_rows ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual(['before', 'slow']);
    const events = ws.events(runId);
    expect(events.filter((e) => e.type === 'step.started' && e.step === 'before')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'step.started' && e.step === 'slow')).toHaveLength(2);
    expect(events.some((e) => e.type === 'lock.recovered')).toBe(true);

    const replay = await ws.cli(['replay', runId]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain('hash chain intact');
  });

  it('refuses to resume with a changed procedure file unless --allow-procedure-change', async () => {
    await db.query('CREATE TABLE pc_present (v text)');
    const file = await ws.writeProcedure(
      'changing',
      failingProcedure('changing', 'pc_present', 'pc_missing'),
    );
    const run = await ws.cli(['run', 'changing', '--param', `database=${db.name}`, '--database-url', db.adminUrl, '--json']); // prettier-ignore
    expect(run.code, run.stderr).toBe(1);
    const { runId } = parseJson<RunJson>(run.stdout);
    await db.query('CREATE TABLE pc_missing (v text)');

    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('fails on purpose', 'edited after the run'));
    const refused = await ws.cli(['resume', runId, '--database-url', db.adminUrl]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('procedure file changed');
    expect(refused.stderr).toContain('--allow-procedure-change');
    expect(await count('pc_missing')).toBe(0);
    expect(ws.events(runId).some((e) => e.type === 'run.resumed')).toBe(false);

    const allowed = await ws.cli(['resume', runId, '--database-url', db.adminUrl, '--allow-procedure-change']); // prettier-ignore
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(await count('pc_present')).toBe(1);
    expect(await count('pc_missing')).toBe(1);
    expect(ws.events(runId).some((e) => e.type === 'procedure.changed')).toBe(true);
  });
});
