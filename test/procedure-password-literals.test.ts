import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReporter, InvalidInputError, parseProcedure, runProcedure } from '../src/index.js';
import { actions } from '../src/actions/index.js';
import { createCliWorkspace, type CliWorkspace } from './support/cli.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';

// A run keeps its procedure file as written (runs/<id>/artifacts/): a file holding a password
// would put it under runs/. Such a file is refused before anything runs; a password an expression
// brings (the environment, a secret param given with --param) is never in the file.

const PASSWORD = 'Lit3ral-Hunter2';
let ws: CliWorkspace;
let db: TestDatabase;
let role: string;
let dir: string;

/** Every file under `root` holding `text`. */
function filesHolding(root: string, text: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => readFileSync(f, 'utf8').includes(text));
}

const HEAD = 'procedure: p\nrequires: { authority: local }\n';
const sqlStep = (sql: string) =>
  `${HEAD}steps:\n  - id: role\n    do: sql.exec\n    with:\n      sql: ${sql}\n`;
const shellStep = (command: string, env = '') =>
  `${HEAD}steps:\n  - id: sh\n    do: shell.exec\n    with:\n      command: ${command}\n${env}`;

/**
 * The problems `runProcedure` refuses a file with, before any connection; `ran` when it is not
 * refused and the run starts (and stops: nothing answers on port 1).
 */
async function refusal(yaml: string): Promise<{ path?: string; line?: number; text: string }[]> {
  const file = path.join(dir, `p-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, yaml);
  const run = runProcedure({
    procedure: file,
    cwd: dir,
    runsDir: 'runs',
    databaseUrl: 'postgres://nobody@127.0.0.1:1/none',
    env: { DB_AUTHORITY: 'local', DB_ROLE: 'staging', PW: 'p', A: 'a', B: 'b' },
    reporter: createReporter({ silent: true }),
  }).then(
    () => [{ text: 'ran' }],
    (error: unknown) => {
      if (!(error instanceof InvalidInputError)) return [{ text: String(error) }];
      return error.problems.map((p) => ({
        ...(p.path !== undefined ? { path: p.path } : {}),
        ...(p.position ? { line: p.position.line } : {}),
        text: p.message,
      }));
    },
  );
  return run;
}

const passwordProblems = async (yaml: string) =>
  (await refusal(yaml))
    .filter((p) => /password|secret param/.test(p.text))
    .map(({ path: key, line }) => ({ path: key, line }));

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'runbook-password-lib-'));
  ws = await createCliWorkspace('runbook-password-literals-');
  db = await createTestDatabase('password_literals');
  role = `${db.name}_role`;
  await adminQuery(`CREATE ROLE "${role}" LOGIN`);
});
afterAll(async () => {
  await ws?.dispose();
  await rm(dir, { recursive: true, force: true });
  await adminQuery(`DROP ROLE IF EXISTS "${role}"`);
  await db?.drop();
});

describe('a password in a procedure file (CLI)', () => {
  it('is refused (exit 2) naming file, line and key; nothing runs, no run is kept', async () => {
    const file = await ws.writeProcedure('inline', `procedure: inline\nrequires: { authority: local }\nsteps:\n  - id: role\n    do: sql.exec\n    with:\n      sql: |\n        SELECT 1;\n        ALTER ROLE "${role}" PASSWORD '${PASSWORD}';\n`); // prettier-ignore
    const r = await ws.cli(['run', 'inline', '--database-url', db.adminUrl]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${path.relative(ws.dir, file)}:9:`);
    expect(r.stderr).toContain('steps[0].with.sql: holds a password');
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
    expect(existsSync(ws.runsDir) ? readdirSync(ws.runsDir) : []).toEqual([]);
    const { rows } = await adminQuery<{ pw: string | null }>(
      `SELECT rolpassword AS pw FROM pg_authid WHERE rolname = $1`,
      [role],
    );
    expect(rows[0]?.pw).toBeNull();
  });

  it('is refused by a dry run, a fleet, and a resume taking a changed file', async () => {
    const dry = await ws.cli(['run', 'inline', '--dry-run', '--database-url', db.adminUrl]);
    expect(dry.code, dry.stderr).toBe(2);
    expect(dry.stderr).toContain('steps[0].with.sql: holds a password');
    const targets = path.join(ws.dir, 'targets.yaml');
    await writeFile(targets, `targets:\n  - database: ${db.name}\n`);
    // Refused before the store is reached (nothing answers on port 1).
    const fleet = await ws.cli(['fleet', 'run', 'inline', '--targets', targets, '--store', 'postgres://nobody@127.0.0.1:1/none', '--database-url', db.adminUrl]); // prettier-ignore
    expect(fleet.code, fleet.stderr).toBe(2);
    expect(fleet.stderr).toContain('steps[0].with.sql: holds a password');

    const failing = `procedure: changed\nrequires: { authority: local }\nsteps:\n  - id: role\n    do: sql.exec\n    with:\n      sql: SELECT 1/0\n`; // prettier-ignore
    await ws.writeProcedure('changed', failing);
    const first = await ws.cli(['run', 'changed', '--database-url', db.adminUrl]);
    expect(first.code, first.stderr).toBe(1);
    const runId = ws.runIds().find((id) => id.startsWith('changed-'))!;
    await ws.writeProcedure('changed', failing.replace('SELECT 1/0', `"ALTER ROLE \\"${role}\\" PASSWORD '${PASSWORD}'"`)); // prettier-ignore
    const resumed = await ws.cli(['resume', runId, '--allow-procedure-change', '--database-url', db.adminUrl]); // prettier-ignore
    expect(resumed.code, resumed.stderr).toBe(2);
    expect(resumed.stderr).toContain('steps[0].with.sql: holds a password');
    expect(filesHolding(ws.runsDir, PASSWORD)).toEqual([]);
    expect(ws.events(runId).at(-1)?.type).toBe('run.stopped');
    const { rows } = await adminQuery<{ pw: string | null }>(
      `SELECT rolpassword AS pw FROM pg_authid WHERE rolname = $1`,
      [role],
    );
    expect(rows[0]?.pw).toBeNull();
  });

  it('from the environment runs, and is nowhere under runs/', async () => {
    await ws.writeProcedure('from-env', `procedure: from-env\nrequires: { authority: local }\nsteps:\n  - id: role\n    do: sql.exec\n    with:\n      sql: "ALTER ROLE \\"${role}\\" PASSWORD E'\${{ env.ROLE_PASSWORD }}'"\n`); // prettier-ignore
    const r = await ws.cli(['run', 'from-env', '--database-url', db.adminUrl], {
      env: { ROLE_PASSWORD: PASSWORD },
    });
    expect(r.code, r.stderr).toBe(0);
    const { rows } = await adminQuery<{ pw: string | null }>(
      `SELECT rolpassword AS pw FROM pg_authid WHERE rolname = $1`,
      [role],
    );
    expect(rows[0]?.pw).toMatch(/^SCRAM-SHA-256/);
    expect(filesHolding(ws.runsDir, PASSWORD)).toEqual([]);
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
  });
});

// The token is printed to stderr and followed by 2,030 bytes: the failure's stderr tail is cut
// inside it.
const ENV_SECRETS = String.raw`procedure: env-secrets
requires: { authority: local }
steps:
  - id: switch
    do: sql.exec
    with:
      sql: "SELECT ${'${{'} env.RESET_PASSWORD }} AS r, '${'${{'} env.REQUIRE_AUTH }}' AS a, 'zq5-ambient-value' AS v"
  - id: query
    do: sql.exec
    with:
      sql: "SELECT '${'${{'} env.API_TOKEN }}' AS t, '${'${{'} env.TARGET_LABEL }}' AS l"
  - id: call
    do: shell.exec
    with:
      command: "echo inherited $GITHUB_TOKEN $SERVICE_SECRET step $API_SECRET; echo at $(pwd) mode $AUTH_MODE ttl $TOKEN_TTL; echo curl -u ops:${'${{'} env.OPS_PASSWORD }} --label ${'${{'} env.TARGET_LABEL }}; printf '%s' \"$TOKEN_COPY\" >&2; head -c 2030 /dev/zero | tr '\\0' Q >&2; exit 3"
      env: { TOKEN_COPY: "${'${{'} env.API_TOKEN }}", API_SECRET: "${'${{'} env.DEPLOY_KEY }}" }
`;

describe('a secret an expression brings from the environment', () => {
  it('is masked wherever the step shows it, when the variable is named like a secret', async () => {
    const TOKEN = 'tok-Zq5EnvToken-ENDSECRET';
    await ws.writeProcedure('env-secrets', ENV_SECRETS);
    const r = await ws.cli(['run', 'env-secrets', '--database-url', db.adminUrl], {
      env: { API_TOKEN: TOKEN, OPS_PASSWORD: PASSWORD, TARGET_LABEL: 'label-Zq5Shown', RESET_PASSWORD: '1', REQUIRE_AUTH: 'on', GITHUB_TOKEN: 'ghp-Zq5Inherited', DEPLOY_KEY: 'dk-Zq5StepEnvSecret', AUTH_MODE: 'local', TOKEN_TTL: '3600', SERVICE_SECRET: 'zq5-ambient-value' }, // prettier-ignore
    });
    expect(r.code, r.stderr).toBe(1);
    const runId = ws.runIds().find((id) => id.startsWith('env-secrets-'))!;
    const events = JSON.stringify(ws.events(runId));
    // The command really ran with them, and what is not named like a secret is shown.
    expect(events).toContain('"exit_code":3');
    expect(events).toContain('curl -u ops:*** --label label-Zq5Shown');
    // A switch named like a secret (1, on) is no secret: outputs and text keep their numbers.
    const switched = ws.events(runId).find((e) => e.type === 'step.succeeded' && e.step === 'switch'); // prettier-ignore
    expect(JSON.stringify(switched)).toContain('"statements":1');
    // The failure's stderr tail was cut from 2,000-odd bytes after the token: no part of it kept.
    expect(filesHolding(ws.runsDir, 'ENDSECRET')).toEqual([]);
    // Read by the command from the environment it inherits, named like a secret: masked too.
    expect(events).toContain('inherited *** *** step ***');
    // The inherited environment is masked in what a command prints, not in what steps record of
    // their own arguments and outputs (which later steps read): the same text stays there.
    const query = ws.events(runId).find((e) => e.type === 'step.started' && e.step === 'switch');
    expect(JSON.stringify(query)).toContain("'zq5-ambient-value' AS v");
    // What is only about a secret, or not one, is shown: the working directory, a mode, a TTL.
    expect(events).toContain(`at ${ws.dir} mode local ttl 3600`);
    for (const secret of [TOKEN, PASSWORD, 'ghp-Zq5Inherited', 'dk-Zq5StepEnvSecret']) {
      expect(filesHolding(ws.runsDir, secret)).toEqual([]);
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
  });
});

describe('a secret that is also ordinary text', () => {
  it("does not change a step's output that later steps read", async () => {
    const name = `${db.name}_zq5word`;
    await ws.writeProcedure('word-secret', `procedure: word-secret\nrequires: { authority: local }\nsteps:\n  - id: use\n    do: shell.exec\n    with: { command: "test -n \\"\${{ env.DB_PASSWORD }}\\"" }\n  - id: mk\n    do: database.create\n    with: { name: ${name} }\n  - id: drop\n    do: database.drop\n    with: { name: "\${{ steps.mk.output.database }}" }\n`); // prettier-ignore
    const r = await ws.cli(['run', 'word-secret', '--database-url', db.adminUrl], {
      env: { DB_PASSWORD: 'zq5word' },
    });
    expect(r.code, r.stderr).toBe(0);
    const { rows } = await adminQuery(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
    expect(rows).toEqual([]);
    // An output that is the secret itself is masked: the step that would take it fails, naming
    // why, rather than drop a database named `***` and succeed.
    const again = await ws.cli(['run', 'word-secret', '--database-url', db.adminUrl], {
      env: { DB_PASSWORD: name },
    });
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).toContain('was masked (***) as it holds a secret value');
    const kept = await adminQuery(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
    expect(kept.rows).toHaveLength(1);
  });
});

describe('what is refused (library runProcedure, before any connection)', () => {
  it('a SQL literal, where it stands: line and key', async () => {
    expect(await passwordProblems(sqlStep(`"ALTER ROLE r PASSWORD '${PASSWORD}'"`))).toEqual([
      { path: 'steps[0].with.sql', line: 7 },
    ]);
    // Comments before the literal, a dollar-quoted literal, an E'' literal.
    expect(await passwordProblems(sqlStep(`"ALTER ROLE r PASSWORD /* c */ $q$${PASSWORD}$q$"`))).toHaveLength(1); // prettier-ignore
    expect(await passwordProblems(sqlStep(`"ALTER ROLE r PASSWORD E'${PASSWORD}'"`))).toHaveLength(1); // prettier-ignore
  });

  it('what only YAML reading shows: an escape spelling PASSWORD, a quote doubled', async () => {
    expect(await passwordProblems(sqlStep(`"ALTER ROLE r PASS\\x57ORD 'x${PASSWORD}'"`))).toEqual([
      { path: 'steps[0].with.sql', line: 7 },
    ]);
    expect(await passwordProblems(sqlStep(`'ALTER ROLE r PASSWORD ''${PASSWORD}'''`))).toEqual([
      { path: 'steps[0].with.sql', line: 7 },
    ]);
  });

  it('a comment: a URL with its password, even after a stray ${{ on another line', async () => {
    const yaml = sqlStep('SELECT 1').replace(
      '    with:\n',
      `    # see \${{\n    # psql postgresql://ops:${PASSWORD}@db.internal/app }}\n    with:\n`,
    );
    expect(await passwordProblems(yaml)).toEqual([{ path: 'steps[0].do', line: 7 }]);
  });

  it('a command: PGPASSWORD=, a libpq password=, an environment map, a URL', async () => {
    expect(await passwordProblems(shellStep(`PGPASSWORD="${PASSWORD}" psql -c 'select 1'`))).toHaveLength(1); // prettier-ignore
    expect(await passwordProblems(shellStep(`psql "host=h password=${PASSWORD}"`))).toHaveLength(1); // prettier-ignore
    expect(await passwordProblems(shellStep(`psql postgres://u:${PASSWORD}@h/db`))).toHaveLength(1); // prettier-ignore
    expect(
      await passwordProblems(shellStep('psql', `      env:\n        PGPASSWORD: ${PASSWORD}\n`)),
    ).toEqual([{ path: 'steps[0].with.env.PGPASSWORD', line: 9 }]);
  });

  it('a SQL literal of a role statement in a comment; punctuation beside an expression', async () => {
    const yaml = sqlStep('SELECT 1').replace('    with:\n', "    # was: ALTER ROLE app PASSWORD 'Old-Pw1'\n    with:\n"); // prettier-ignore
    expect(await passwordProblems(yaml)).toEqual([{ path: 'steps[0].do', line: 6 }]);
    expect(await passwordProblems(sqlStep(`"ALTER ROLE r PASSWORD '\${{ env.PW }}!#%&'"`))).toHaveLength(1); // prettier-ignore
  });

  it('a variable named like a secret in an env map; a key that is a URL, not printed', async () => {
    expect(
      await passwordProblems(shellStep('psql', `      env:\n        DB_PASSWORD: ${PASSWORD}\n`)),
    ).toEqual([{ path: 'steps[0].with.env.DB_PASSWORD', line: 9 }]);
    const problems = await refusal(shellStep('psql', `      env:\n        "postgres://u:${PASSWORD}@h": x\n`)); // prettier-ignore
    expect(problems.map((p) => p.path)).toContain('steps[0].with.env.postgres://u:***@h');
    expect(JSON.stringify(problems)).not.toContain(PASSWORD);
  });

  it('what a review found let through: $ in a literal, ; in a comment, a camelCase name', async () => {
    expect(await passwordProblems(sqlStep(`"CREATE ROLE r LOGIN PASSWORD '$Summer2024'"`))).toHaveLength(1); // prettier-ignore
    expect(await passwordProblems(sqlStep(`"ALTER ROLE \\"a;b\\" PASSWORD '${PASSWORD}'"`))).toHaveLength(1); // prettier-ignore
    expect(await passwordProblems(sqlStep(`|\n        CREATE ROLE r LOGIN -- temporary; rotate after cutover\n          PASSWORD '${PASSWORD}';`))).toHaveLength(1); // prettier-ignore
    expect(await passwordProblems(shellStep('psql', `      env: { basicAuth: "ops:${PASSWORD}" }\n`))).toEqual([{ path: 'steps[0].with.env.basicAuth', line: 8 }]); // prettier-ignore
    // A quote of a string the check did not read as SQL reads it could hide the role keyword.
    expect(await passwordProblems(sqlStep(`|\n        SELECT $$Ops' server$$;\n        CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', password '${PASSWORD}');`))).toHaveLength(1); // prettier-ignore
    expect(await passwordProblems(sqlStep(`|\n        SELECT E'it\\'s';\n        ALTER ROLE app VALID UNTIL 'infinity' PASSWORD '${PASSWORD}';`))).toHaveLength(1); // prettier-ignore
  });

  it('only the key that holds it, in a flow map', async () => {
    const yaml = `${HEAD}steps:\n  - { id: s, do: sql.exec, with: { sql: "ALTER ROLE r PASSWORD '${PASSWORD}'" }, description: hi }\n`; // prettier-ignore
    expect(await passwordProblems(yaml)).toEqual([{ path: 'steps[0].with.sql', line: 4 }]);
  });

  it("a secret param's default", async () => {
    const yaml = `${HEAD}params:\n  app_password: { type: string, default: ${PASSWORD} }\n  admin_url: { type: url, secret: true, default: "postgres://a:${PASSWORD}@h/db" }\nsteps:\n  - id: s\n    do: sql.exec\n    with: { sql: SELECT 1 }\n`; // prettier-ignore
    expect(await passwordProblems(yaml)).toEqual([
      { path: 'params.app_password.default', line: 4 },
      { path: 'params.admin_url.default', line: 5 },
    ]);
    // Named like a secret, it is one unless declared otherwise: the hint says how.
    const named = await refusal(`${HEAD}params:\n  password_encryption: { type: string, default: scram-sha-256 }\nsteps:\n  - id: s\n    do: sql.exec\n    with: { sql: SELECT 1 }\n`); // prettier-ignore
    expect(named.map((p) => p.path)).toEqual(['params.password_encryption.default']);
  });
});

describe('what is not a password in the file', () => {
  it.each([
    ['an expression', sqlStep(`"ALTER ROLE r PASSWORD '\${{ env.PW }}'"`)],
    ['an E string of one', sqlStep(`"ALTER ROLE r PASSWORD E'\${{ env.PW }}'"`)],
    ['expressions side by side', sqlStep(`"ALTER ROLE r PASSWORD '\${{ env.A }}\${{ env.B }}'"`)],
    ['PASSWORD NULL, an empty one', sqlStep(`"ALTER ROLE r PASSWORD NULL; ALTER ROLE s PASSWORD ''"`)], // prettier-ignore
    ['a libpq value from the environment', shellStep(`psql "dbname=x password=\${{ env.PW }}"`)],
    ['one ending a quoted argument', shellStep(`"psql -c \\"select dblink_connect('password=\${{ env.PW }}')\\""`)], // prettier-ignore
    ['an environment map of expressions', shellStep('psql', `      env:\n        PGPASSWORD: \${{ env.PW }}\n`)], // prettier-ignore
    ['prose', `${HEAD}description: "Rotates the app role's password (see the vault); password reset"\nsteps:\n  - id: s\n    do: sql.exec\n    with: { sql: SELECT 1 }\n`], // prettier-ignore
    ['a URL without a password', sqlStep('SELECT 1 -- postgres://ops@db.internal/app')],
    ['prose with a quoted word after "password"', `${HEAD}description: "Resets the password 'nightly' for the app role"\nsteps:\n  - id: s\n    do: sql.exec\n    with:\n      sql: |\n        -- the app password 'rotation' job runs nightly\n        SELECT 1\n`], // prettier-ignore
    ['a param named like a secret declared secret: false', `${HEAD}params:\n  password_encryption: { type: string, secret: false, default: scram-sha-256 }\nsteps:\n  - id: s\n    do: sql.exec\n    with: { sql: SELECT 1 }\n`], // prettier-ignore
    ['a shell variable, SQL NULL, a placeholder', shellStep(`"PGPASSWORD=$PW psql -c \\"UPDATE t SET password = NULL\\"; psql \\"password=$(cat pw.txt)\\"; echo password=%s"`)], // prettier-ignore
    ['a secret URL param without one', `${HEAD}params:\n  admin_url: { type: url, secret: true, default: "postgres://admin@localhost/postgres" }\nsteps:\n  - id: s\n    do: sql.exec\n    with: { sql: SELECT 1 }\n`], // prettier-ignore
  ])('%s', async (_name, yaml) => {
    expect(await refusal(yaml)).toEqual([{ text: 'ran' }]);
  });

  it("a run's saved copy holding one is still read (replay and inspect of older runs)", () => {
    const text = sqlStep(`"ALTER ROLE r PASSWORD '${PASSWORD}'"`);
    expect(parseProcedure(text, 'saved.yaml', actions).name).toBe('p');
  });
});
