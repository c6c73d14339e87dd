import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, type CliResult, type CliWorkspace } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

// Passwords holding unencoded `/`, `#`, `?` (which URL parsers cut short or reject), params named
// like secrets without `secret: true`, and SQL password literals in failing statements: none may
// reach stdout, stderr, --json, or any file under the run directory.
const CORES = ['Zq9UrlPw', 'Zq9EnvPw', 'Zq9ResPw', 'Zq9DevPw', 'Zq9Plain', 'Zq9Literal', 'Zq9Phrase', 'Zq9Auth', 'Zq9Dsn', 'Zq9Creds', 'Zq9List']; // prettier-ignore
let db: TestDatabase;
let ws: CliWorkspace;
const printed: string[] = [];

const PROCEDURE = (dbName: string) => `procedure: leaky
requires: { authority: local, role: staging }
params:
  password: { type: string }
  api_token: { type: string }
  dev: { type: url, secret: true, default: "postgres://dev@localhost/dev" }
  token_ttl: { type: integer, default: 30 }
steps:
  - id: plain
    do: sql.exec
    with: { database: ${dbName}, sql: "SELECT '\${{ params.password }}' AS p, '\${{ params.api_token }}' AS t" }
  - id: role
    do: sql.exec
    with: { database: ${dbName}, file: role.sql }
`;

beforeAll(async () => {
  db = await createTestDatabase('secrets_unencoded');
  ws = await createCliWorkspace('runbook-secrets-unencoded-');
  await ws.writeProcedure('leaky', PROCEDURE(db.name));
  // A procedure file holds no password (it is refused): the literal comes from a SQL file.
  await writeFile(
    path.join(ws.dir, 'role.sql'),
    "ALTER ROLE no_such_role_zq9 PASSWORD 'Zq9Literal''s';\n",
  );
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

async function cli(args: string[], env?: Record<string, string>): Promise<CliResult> {
  const r = await ws.cli(args, env ? { env } : {});
  printed.push(r.stdout, r.stderr);
  return r;
}

function leaks(text: string): string[] {
  return CORES.filter((c) => text.includes(c));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => path.join(f.parentPath, f.name));
}

describe('secrets with unencoded / # ?, secret-looking names and SQL password literals', () => {
  it('a URL whose password holds / # ? is refused without printing it (flag, env, --json)', async () => {
    const cases: [string[], Record<string, string> | undefined][] = [
      [['run', 'leaky', '--param', 'password=x', '--param', 'api_token=t', '--database-url', 'postgres://u:a/b:Zq9UrlPw@localhost/db', '--json'], undefined],
      [['run', 'leaky', '--param', 'password=x', '--param', 'api_token=t', '--json'], { DATABASE_URL: 'postgres://u:a#b:Zq9EnvPw@localhost/db' }],
      [['run', 'leaky', '--param', 'password=x', '--param', 'api_token=t', '--param', 'dev=postgres://d:c?d/Zq9DevPw@h/db', '--database-url', db.adminUrl, '--json'], undefined],
    ]; // prettier-ignore
    for (const [args, env] of cases) {
      const r = await cli(args, env);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/not a valid URL: postgres:\/\/[ud]:\*\*\*@/);
      expect(JSON.parse(r.stdout).error.message).toContain(':***@');
      expect(leaks(r.stdout + r.stderr)).toEqual([]);
    }
    expect(ws.runIds()).toEqual([]);
  });

  it('a param named password, a SQL PASSWORD literal, and resume with such a URL leave no trace', async () => {
    const failed = await cli([
      'run', 'leaky', '--param', 'password=pw-Zq9Plain', '--param', 'api_token=tok-Zq9Plain-x', '--database-url', db.adminUrl, '--json',
    ]); // prettier-ignore
    expect(failed.code, failed.stderr).toBe(1);
    const runId = ws.runIds()[0]!;
    // The statement really ran with the param (so redaction, not luck, kept it out).
    const plain = ws.events(runId).find((e) => e.type === 'step.succeeded' && e.step === 'plain');
    expect(plain).toBeDefined();
    const failure = JSON.parse(failed.stdout).failures[0];
    expect(failure.code).toBe('42704');
    expect(JSON.stringify(failure)).toContain("PASSWORD '***'");
    const resumed = await cli(
      ['resume', runId, '--param', 'password=pw-Zq9Plain', '--database-url', 'postgres://u:a?b:Zq9ResPw@localhost/db', '--json'],
    ); // prettier-ignore
    expect(resumed.code, resumed.stderr).toBe(2);
    for (const args of [['inspect', runId], ['inspect', runId, '--json'], ['runs', '--json'], ['show', 'leaky'], ['report', runId, '--html', path.join(ws.runsDir, runId, 'report.html')]]) {
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    } // prettier-ignore
    const record = JSON.parse(readFileSync(path.join(ws.runsDir, runId, 'run.json'), 'utf8'));
    expect(record.params.password).toBe('***');
    expect(record.params.api_token).toBe('***');
    // Named like a secret but a number: not secret unless declared so.
    expect(record.params.token_ttl).toBe(30);
  });

  it('params named passphrase, auth, *_dsn, and a credentials map or tokens list are secret', async () => {
    await ws.writeProcedure(
      'named',
      `procedure: named
requires: { authority: local, role: staging }
params:
  passphrase: { type: string }
  basicAuth: { type: string }
  sentry_dsn: { type: string }
  credentials: { type: map }
  api_tokens: { type: list }
  author: { type: string, default: Zq9Writer }
steps:
  - id: show
    do: sql.exec
    with: { database: ${db.name}, sql: "SELECT '\${{ params.passphrase }} \${{ params.basicAuth }} \${{ params.sentry_dsn }} \${{ params.credentials.password }} \${{ params.api_tokens }} \${{ params.author }}' AS v" }
  - id: echo
    do: shell.exec
    with: { command: "echo '\${{ params.passphrase }} \${{ params.basicAuth }} \${{ params.sentry_dsn }} \${{ params.credentials.password }} \${{ params.author }}'" }
`,
    );
    const r = await cli([
      'run', 'named', '--database-url', db.adminUrl, '--json',
      '--param', 'passphrase=pp-Zq9Phrase', '--param', 'basicAuth=ba-Zq9Auth',
      '--param', 'sentry_dsn=https://k-Zq9Dsn@sentry.example/1',
      '--param', 'credentials={"user": "app_user", "password": "cr-Zq9Creds"}',
      '--param', 'api_tokens=["t1-Zq9List"]',
    ]); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    const runId = ws.runIds().find((id) => id.startsWith('named-'))!;
    const record = JSON.parse(readFileSync(path.join(ws.runsDir, runId, 'run.json'), 'utf8'));
    for (const k of ['passphrase', 'basicAuth', 'sentry_dsn', 'credentials', 'api_tokens'])
      expect(record.params[k], k).toBe('***');
    // Not a secret: `author` is no `auth`, though its value is printed.
    expect(record.params.author).toBe('Zq9Writer');
    const echoed = ws.events(runId).find((e) => e.type === 'shell.output');
    expect(JSON.stringify(echoed)).toContain('Zq9Writer');
  });

  it('nothing printed and no file under runs/ holds any of the secrets', () => {
    // The procedure's copies included: a procedure file holding a password is refused.
    const files = filesUnder(ws.runsDir);
    expect(files.length).toBeGreaterThan(3);
    const found = [
      ...printed.flatMap((t, i) => leaks(t).map((c) => `output #${i}: ${c}`)),
      ...files.flatMap((f) => leaks(readFileSync(f, 'latin1')).map((c) => `${f}: ${c}`)),
    ];
    expect(found).toEqual([]);
  });
});
