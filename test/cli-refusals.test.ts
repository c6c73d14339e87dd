import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../src/postgres/quote.js';
import { createCliWorkspace, parseJson, type CliResult, type CliWorkspace } from './support/cli.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';

let db: TestDatabase;
let ws: CliWorkspace;

beforeAll(async () => {
  db = await createTestDatabase('cli_refusals');
  ws = await createCliWorkspace();
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

/** A procedure that creates database `<test db>_<suffix>` first, so "nothing ran" is checkable. */
function creating(
  name: string,
  suffix: string,
  extra = '',
  requires = 'authority: local, role: staging',
): string {
  return `procedure: ${name}
requires: { ${requires} }
params:
  database: { type: string, default: ${db.name}_${suffix} }
steps:
  - id: create
    do: database.create
    with: { name: "\${{ params.database }}" }
  - id: write
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "CREATE TABLE t (v int)" }
${extra}`;
}

async function databaseExists(name: string): Promise<boolean> {
  const { rows } = await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return rows.length === 1;
}

/** Exit code `code`, and neither a run directory nor the procedure's database was created. */
async function expectNothingDone(r: CliResult, code: number, suffix: string): Promise<void> {
  expect(r.code, r.stderr).toBe(code);
  expect(ws.runIds()).toEqual([]);
  expect(await databaseExists(`${db.name}_${suffix}`)).toBe(false);
}

describe('invalid input exits 2 and executes nothing', () => {
  it('a YAML syntax error names file:line:column', async () => {
    await ws.writeProcedure(
      'broken',
      creating('broken', 'broken').replace('sql: "CREATE TABLE t (v int)" }', 'sql: "CREATE TABLE t (v int)"\n  - [oops'),
    ); // prettier-ignore
    const r = await ws.cli(['run', 'broken', '--database-url', db.adminUrl]);
    await expectNothingDone(r, 2, 'broken');
    expect(r.stderr).toMatch(/procedures\/broken\.yaml:\d+:\d+: .*YAML syntax error/);
  });

  it('a misspelt action suggests the nearest one, with its position', async () => {
    await ws.writeProcedure(
      'typo',
      creating('typo', 'typo').replace('do: sql.exec', 'do: sql.exce'),
    );
    const r = await ws.cli(['run', 'typo', '--database-url', db.adminUrl]);
    await expectNothingDone(r, 2, 'typo');
    expect(r.stderr).toMatch(/procedures\/typo\.yaml:10:5: .*unknown action `sql\.exce`/);
    expect(r.stderr).toContain('did you mean sql.exec?');
  });

  it('an unknown flag is named', async () => {
    await ws.writeProcedure('valid', creating('valid', 'valid'));
    const r = await ws.cli(['run', 'valid', '--database-url', db.adminUrl, '--frobnicate']);
    await expectNothingDone(r, 2, 'valid');
    expect(r.stderr).toContain("unknown option '--frobnicate'");
  });

  it('a --param the procedure does not declare is named', async () => {
    const r = await ws.cli([
      'run',
      'valid',
      '--database-url',
      db.adminUrl,
      '--param',
      'colour=blue',
    ]);
    await expectNothingDone(r, 2, 'valid');
    expect(r.stderr).toContain('unknown param `colour`');
    const j = await ws.cli(['run', 'valid', '--database-url', db.adminUrl, '--param', 'colour=blue', '--json']); // prettier-ignore
    expect(j.code).toBe(2);
    expect(parseJson(j.stdout)).toMatchObject({ ok: false, exitCode: 2 });
  });

  it('an unknown procedure is named, with the known ones', async () => {
    const r = await ws.cli(['run', 'nonesuch', '--database-url', db.adminUrl]);
    await expectNothingDone(r, 2, 'valid');
    expect(r.stderr).toContain('unknown procedure "nonesuch"');
  });
});

describe('the authority contract refuses with exit 3 before anything is written', () => {
  it('refuses when DB_ROLE is not declared', async () => {
    const r = await ws.cli(['run', 'valid', '--database-url', db.adminUrl], {
      env: { DB_ROLE: undefined },
    });
    await expectNothingDone(r, 3, 'valid');
    expect(r.stderr).toContain('DB_ROLE');
  });

  it('refuses a writing procedure on a replica', async () => {
    await ws.writeProcedure(
      'replica',
      creating('replica', 'replica', '', 'authority: local, role: replica'),
    );
    const r = await ws.cli(['run', 'replica', '--database-url', db.adminUrl], {
      env: { DB_ROLE: 'replica' },
    });
    await expectNothingDone(r, 3, 'replica');
    expect(r.stderr).toMatch(/replica/);
  });

  it('refuses a URL whose host is not local for authority local, without printing its password', async () => {
    const url = 'postgresql://u:SecretPw1@db.example.com/postgres';
    for (const args of [[], ['--json']]) {
      const r = await ws.cli(['run', 'valid', '--database-url', url, ...args]);
      await expectNothingDone(r, 3, 'valid');
      expect(r.stderr).toContain('db.example.com');
      expect(r.stdout + r.stderr).not.toContain('SecretPw1');
    }
  });
});

describe('passwords', () => {
  const role = `rb_secret_user_${process.pid}`;
  const password = 'S3cretPassw0rd!';

  beforeAll(async () => {
    await adminQuery(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
    await adminQuery(`CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD '${password}' SUPERUSER`);
  });
  afterAll(async () => {
    await adminQuery(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
  });

  it('never appear in output or under the run directory, through failure, inspect and resume', async () => {
    const admin = new URL(db.adminUrl);
    admin.username = role;
    admin.password = encodeURIComponent(password);
    const url = admin.toString();
    expect(url).toContain(password);
    await ws.writeProcedure(
      'secret',
      `procedure: secret
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: who
    do: sql.expect
    with: { database: "\${{ params.database }}", query: "SELECT current_user::text", scalar: ${role} }
  - id: needs-table
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "INSERT INTO secret_later VALUES ('x')" }
  - id: shell
    do: shell.exec
    with: { database: "\${{ params.database }}", command: "echo connecting to $DATABASE_URL; echo url=$DATABASE_URL >&2" }
`,
    );
    const outputs: CliResult[] = [];
    const run = await ws.cli(['run', 'secret', '--param', `database=${db.name}`, '--database-url', url, '--json']); // prettier-ignore
    outputs.push(run);
    expect(run.code, run.stderr).toBe(1);
    const { runId } = parseJson<{ runId: string }>(run.stdout);
    outputs.push(await ws.cli(['inspect', runId]), await ws.cli(['inspect', runId, '--json']));
    await db.query('CREATE TABLE secret_later (v text)');
    const resume = await ws.cli(['resume', runId, '--database-url', url, '--json']);
    outputs.push(resume);
    expect(resume.code, resume.stderr).toBe(0);
    outputs.push(await ws.cli(['runs', '--json']), await ws.cli(['replay', runId]));
    const { rows } = await db.query('SELECT v FROM secret_later');
    expect(rows).toEqual([{ v: 'x' }]);

    // The full URL reached the shell step, which printed it: the log holds it redacted.
    const runDir = path.join(ws.runsDir, runId);
    const shell = ws.events(runId).find((e) => e.type === 'shell.output');
    expect((shell?.data as { stdout: string }).stdout).toContain(
      `connecting to postgresql://${role}:***@`,
    );
    expect((shell?.data as { stderr: string }).stderr).toContain(`url=postgresql://${role}:***@`);
    for (const o of outputs) {
      expect(o.stdout).not.toContain(password);
      expect(o.stderr).not.toContain(password);
      expect(o.stdout + o.stderr).not.toContain(encodeURIComponent(password));
    }
    const files = ws.files(runDir);
    expect(files).toEqual(expect.arrayContaining(['run.json', 'snapshot.json', 'events.jsonl']));
    for (const f of files) {
      const text = readFileSync(path.join(runDir, f), 'utf8');
      expect(text, f).not.toContain(password);
      expect(text, f).not.toContain('S3cretPassw0rd');
    }
  });
});
