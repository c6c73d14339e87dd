import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, type CliWorkspace } from './support/cli.js';
import { quoteIdent } from '../src/postgres/quote.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';
import { createPasswordRole, PROOF_PASSWORD } from './support/proof-workspace.js';

// What a reviewer reads in a terminal can be trusted: server text cannot drive the terminal, and
// a huge failing statement is stored once and shown cut, saying where the rest is.
let db: TestDatabase;
let ws: CliWorkspace;

beforeAll(async () => {
  db = await createTestDatabase('cli_terminal');
  ws = await createCliWorkspace('runbook-terminal-');
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

/** Control characters a terminal would act on (all C0 but newline and tab, DEL, C1, bidi). */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** The run of a procedure (each procedure here runs once). */
const runOf = (procedure: string): string =>
  ws.runIds().find((id) => id.startsWith(`${procedure}-`))!;

describe('server text in terminal output', () => {
  it('escape sequences in an error are shown, not obeyed, by run, inspect, replay and runs; the log keeps them', async () => {
    await ws.writeProcedure(
      'escapes',
      `procedure: escapes
requires: { authority: local, role: staging }
steps:
  - id: raise
    do: sql.exec
    with:
      database: ${db.name}
      sql: "DO $$ BEGIN RAISE EXCEPTION 'boom %', chr(27) || '[2J' || chr(27) || '[H' || chr(155) || '31m' || chr(13) || 'rewritten' || chr(8238) USING DETAIL = 'd' || chr(7), HINT = 'h' || chr(27) || ']0;title' || chr(7); END $$"
`,
    );
    const run = await ws.cli(['run', 'escapes', '--database-url', db.adminUrl]);
    expect(run.code, run.stderr).toBe(1);
    const id = runOf('escapes');
    const outputs = [run.stdout + run.stderr];
    for (const args of [['inspect', id], ['replay', id], ['runs']]) {
      const r = await ws.cli(args);
      expect(r.code, r.stderr).toBe(0);
      outputs.push(r.stdout + r.stderr);
    }
    for (const text of outputs) expect(text).not.toMatch(RAW_CONTROL);
    const shown = 'boom \\x1b[2J\\x1b[H\\x9b31m\\x0drewritten\\u202e';
    expect(outputs[0]).toContain(shown);
    expect(outputs[1]).toContain(shown);
    expect(outputs[1]).toContain('detail     d\\x07');
    expect(outputs[1]).toContain('hint       h\\x1b]0;title\\x07');
    expect(outputs[2]).toContain(shown);
    // The record keeps the exact bytes the server sent.
    const failed = ws.events(id).find((e) => e.type === 'step.failed');
    const failure = (failed?.data as { failure: { message: string; hint: string } }).failure;
    expect(failure.message).toBe(`boom \u001b[2J\u001b[H\u009b31m\rrewritten\u202e`);
    expect(failure.hint).toBe('h\u001b]0;title\u0007');
    // --json output is data: the exact text, escaped by JSON.
    const json = await ws.cli(['inspect', id, '--json']);
    expect(JSON.parse(json.stdout).failures[0].message).toBe(failure.message);
  });
});

describe('a failing multi-megabyte statement', () => {
  it('is stored once (an artifact named by its hash), excerpted in the records and cut in output', async () => {
    const dir = path.join(ws.dir, 'mig-big');
    mkdirSync(dir);
    writeFileSync(
      path.join(dir, 'a.sql'),
      '-- revision: big_a\n-- down_revision:\nCREATE TABLE big_t (v int);\n',
    );
    const values = Array.from({ length: 600_000 }, (_, i) => `(${i})`).join(',');
    const statement = `INSERT INTO big_t VALUES ${values},('not a number')`;
    const file = `-- revision: big_b\n-- down_revision: big_a\n${statement};\n`;
    writeFileSync(path.join(dir, 'b.sql'), file);
    expect(file.length).toBeGreaterThan(4_000_000);
    await ws.writeProcedure(
      'big',
      `procedure: big
requires: { authority: local, role: staging }
steps:
  - id: migrate
    do: migrations.upgrade
    with: { source: mig-big, target: head, database: ${db.name} }
`,
    );
    const run = await ws.cli(['run', 'big', '--database-url', db.adminUrl]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('22P02');
    const id = runOf('big');
    const runDir = path.join(ws.runsDir, id);
    const files = ws.files(runDir);
    const total = files.reduce((n, f) => n + statSync(path.join(runDir, f)).size, 0);
    // One copy of the statement, plus records of a few kilobytes each.
    expect(total).toBeLessThan(statement.length + 100_000);
    for (const f of ['run.json', 'snapshot.json', 'events.jsonl'])
      expect(statSync(path.join(runDir, f)).size, f).toBeLessThan(30_000);
    const sha = createHash('sha256').update(statement).digest('hex');
    const artifact = `artifacts/statement-${sha.slice(0, 16)}.sql`;
    expect(readFileSync(path.join(runDir, artifact), 'utf8')).toBe(statement);
    const failure = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')).failure;
    expect(failure.statementFull).toEqual({ artifact, sha256: sha, bytes: statement.length });
    // The excerpt is around the error: the bad value is in it.
    expect(failure.statement).toContain("('not a number')");
    expect(failure.statement.length).toBeLessThan(2_100);

    for (const args of [
      ['inspect', id],
      ['replay', id],
    ]) {
      const r = await ws.cli(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.length, args[0]).toBeLessThan(12_000);
      expect(r.stdout).toContain("('not a number')");
      expect(r.stdout).toMatch(new RegExp(`\\(\\d+ bytes more, see \\S*${artifact}\\)`));
    }
  });
});

describe('the target shown', () => {
  it('is the database the procedure works on, with host:port and no password, in run, inspect and replay', async () => {
    const role = await createPasswordRole('rb_target');
    try {
      const work = `${db.name}_work`;
      await ws.writeProcedure(
        'works-on',
        `procedure: works-on
requires: { authority: local, role: staging }
params:
  database: { type: string, default: ${work} }
steps:
  - id: make
    do: database.create
    with: { name: "\${{ params.database }}" }
  - id: use
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "CREATE TABLE t (v int)" }
`,
      );
      await ws.writeProcedure(
        'server-only',
        `procedure: server-only
requires: { authority: local, role: staging }
steps:
  - id: one
    do: sql.exec
    with: { sql: "SELECT 1" }
`,
      );
      const server = new URL(role.url);
      const hostPort = `${server.hostname}:${server.port || 5432}`;
      const run = await ws.cli(['run', 'works-on', '--database-url', role.url]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(
        new RegExp(
          `run works-on-\\S+  on postgresql://${role.name}:\\*\\*\\*@${hostPort}/${work}\n`,
        ),
      );
      const id = runOf('works-on');
      const inspect = await ws.cli(['inspect', id]);
      expect(inspect.stdout).toMatch(
        new RegExp(
          `^target     ${role.name}@${hostPort}/${work}  \\(server URL names postgres\\)$`,
          'm',
        ),
      );
      const replay = await ws.cli(['replay', id]);
      expect(replay.stdout).toMatch(
        new RegExp(`^target     postgresql://${role.name}:\\*\\*\\*@${hostPort}/${work}$`, 'm'),
      );
      // A procedure without a database param works on the maintenance database.
      const plain = await ws.cli(['run', 'server-only', '--database-url', role.url]);
      expect(plain.code, plain.stderr).toBe(0);
      expect(plain.stderr).toContain(`@${hostPort}/postgres\n`);
      const plainInspect = await ws.cli(['inspect', runOf('server-only')]);
      expect(plainInspect.stdout).toMatch(
        new RegExp(`^target     ${role.name}@${hostPort}/postgres$`, 'm'),
      );
      for (const text of [run.stderr, inspect.stdout, replay.stdout, plain.stderr])
        expect(text).not.toContain(PROOF_PASSWORD);
    } finally {
      // The role owns the database it created: the database goes first.
      await adminQuery(`DROP DATABASE IF EXISTS ${quoteIdent(`${db.name}_work`)} WITH (FORCE)`);
      await role.drop();
    }
  });
});
