import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, type CliResult, type CliWorkspace } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

// Passwords in the forms the masking used to miss: a quote in a URL's password, a libpq value
// holding `;`, SQL literals with a comment before them or an E'' escape, a secret integer, and
// two secrets one of which holds the other. None may reach stdout, stderr, --json, the lock file
// or any file under the run directory, the procedure's own copy included.
const CORES = ['Zq7Quote', 'Zq7Semi', 'Zq7Comment', 'Xq8Tail', '73310937', 'Zq7Tail'];
let db: TestDatabase;
let ws: CliWorkspace;
const printed: string[] = [];

const PROCEDURE = (dbName: string) => `procedure: forms
requires: { authority: local, role: staging }
params:
  pin: { type: integer, secret: true }
  password: { type: string }
  admin_password: { type: string }
  target: { type: string }
  dsn: { type: string }
steps:
  - id: shown
    do: sql.exec
    with: { database: ${dbName}, sql: "SELECT \${{ params.pin }} AS pin, '\${{ params.password }} \${{ params.admin_password }}' AS p" }
  - id: dsn
    do: sql.expect
    with: { database: ${dbName}, query: "SELECT '\${{ params.dsn }}' AS d", row_count: 2 }
  - id: urls
    do: sql.exec
    with: { database: ${dbName}, sql: "SELECT \${{ params.pin }}, '\${{ params.target }}'::int" }
`;

beforeAll(async () => {
  db = await createTestDatabase('secrets_forms');
  ws = await createCliWorkspace('runbook-secrets-forms-');
  await ws.writeProcedure('forms', PROCEDURE(db.name));
  // A procedure file holds no password (it is refused): the literals come from SQL files.
  const comment = "ALTER ROLE no_such_role_zq7 PASSWORD /* rotated */ 'Zq7Comment';\n";
  await writeFile(path.join(ws.dir, 'comment.sql'), comment);
  await writeFile(path.join(ws.dir, 'escape.sql'), "ALTER ROLE no_such_role_zq7 PASSWORD E'Zq7\\'Xq8Tail';\n"); // prettier-ignore
  await ws.writeProcedure(
    'roles',
    `procedure: roles
requires: { authority: local, role: staging }
steps:
  - id: comment
    do: sql.exec
    with: { database: ${db.name}, file: comment.sql }
`,
  );
  await ws.writeProcedure(
    'escape',
    `procedure: escape
requires: { authority: local, role: staging }
steps:
  - id: escape
    do: sql.exec
    with: { database: ${db.name}, file: escape.sql }
`,
  );
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

async function cli(args: string[]): Promise<CliResult> {
  const r = await ws.cli(args);
  printed.push(r.stdout, r.stderr);
  return r;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => path.join(f.parentPath, f.name));
}

describe('secrets in the forms masking has to know', () => {
  it('a failing run, its inspection, report and replay print and keep none of them', async () => {
    const run = await cli([
      'run', 'forms', '--database-url', db.adminUrl, '--json', '--param', 'pin=73310937',
      '--param', 'password=pw-Zq7', '--param', 'admin_password=pw-Zq7Tail',
      '--param', "target=postgresql://u:Zq7Quote''s@h/db",
      '--param', 'dsn=host=h password=pa;Zq7Semi user=u',
    ]); // prettier-ignore
    expect(run.code, run.stderr + run.stdout).toBe(1);
    const runId = ws.runIds().find((id) => id.startsWith('forms-'))!;
    if (!runId) throw new Error(run.code + run.stdout + run.stderr);
    // The statements really ran with the values (masking, not luck, kept them out).
    const shown = ws.events(runId).find((e) => e.type === 'step.succeeded' && e.step === 'shown');
    expect(shown).toBeDefined();
    const failure = JSON.parse(run.stdout).failures[0];
    expect(failure.code).toBe('EXPECTATION_FAILED');
    const resumed = await cli(['resume', runId, '--skip', 'dsn', '--database-url', db.adminUrl, '--param', 'pin=73310937', '--param', 'password=pw-Zq7', '--param', 'admin_password=pw-Zq7Tail', '--param', 'dsn=host=h password=pa;Zq7Semi user=u', '--json']); // prettier-ignore
    expect(resumed.code, resumed.stderr).toBe(1);
    const again = JSON.parse(resumed.stdout).failures[0];
    expect(again.code).toBe('22P02');
    expect(again.message).toContain('postgresql://u:***@h/db');
    for (const name of ['roles', 'escape']) {
      const r = await cli(['run', name, '--database-url', db.adminUrl, '--json']);
      expect(r.code, r.stderr).toBe(1);
      expect(JSON.parse(r.stdout).failures[0].code).toBe('42704');
    }
    for (const id of ws.runIds()) {
      for (const args of [['inspect', id], ['inspect', id, '--json'], ['replay', id], ['report', id, '--html', path.join(ws.runsDir, id, 'report.html')]]) {
        const r = await cli(args);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      } // prettier-ignore
    }
    const files = filesUnder(ws.runsDir);
    expect(files.length).toBeGreaterThan(10);
    const found = [
      ...printed.flatMap((t, i) => CORES.filter((c) => t.includes(c)).map((c) => `#${i}: ${c}`)),
      ...files.flatMap((f) =>
        CORES.filter((c) => readFileSync(f, 'latin1').includes(c)).map((c) => `${f}: ${c}`),
      ),
    ];
    expect(found).toEqual([]);
  });
});
