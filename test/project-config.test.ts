import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../src/postgres/url.js';
import { CONFIG_SCHEMA_COMMAND, configJsonSchemaText } from '../src/project/config-json-schema.js';
import { CONFIG_SCHEMA_FILE } from '../src/project/load-config.js';
import { createCliWorkspace, parseJson, REPO, type CliWorkspace } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

let db: TestDatabase;
let ws: CliWorkspace;
const GOLANG = path.join(REPO, 'test', 'fixtures', 'migrations', 'golang');

beforeAll(async () => {
  db = await createTestDatabase('project_config');
  ws = await createCliWorkspace('runbook-config-');
  await cp(GOLANG, path.join(ws.dir, 'db', 'migrations'), { recursive: true });
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

const config = (text: string) => writeFile(path.join(ws.dir, 'runbook.config.yaml'), text);
/** golang-migrate's version row in `database`, or null when the database does not exist. */
async function versionRow(database: string): Promise<{ version: string; dirty: boolean } | null> {
  const exists = await db.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [database]);
  if (exists.rowCount === 0) return null;
  const client = new pg.Client(withDatabase(db.adminUrl, database));
  await client.connect();
  try {
    const { rows } = await client.query('SELECT version::text, dirty FROM schema_migrations');
    return rows[0] as { version: string; dirty: boolean };
  } finally {
    await client.end();
  }
}

describe('runbook.config.yaml', () => {
  it(`has a committed JSON Schema, up to date (regenerate with \`${CONFIG_SCHEMA_COMMAND}\`)`, () => {
    const committed = readFileSync(path.join(REPO, CONFIG_SCHEMA_FILE), 'utf8');
    expect(committed === configJsonSchemaText(), `${CONFIG_SCHEMA_FILE} is stale`).toBe(true);
  });

  it('a bad key or value is named with file:line:column and the key; nothing runs', async () => {
    await config('procedures: procedures\nrun: runs\nparams:\n  upgrade: { migrations: 3 }\n');
    const r = await ws.cli(['run', 'upgrade', '--param', `database=${db.name}_bad`], {
      env: { DATABASE_URL: db.adminUrl },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'runbook.config.yaml:2:1: run: unknown key `run` (did you mean `runs`?)',
    );
    expect(await versionRow(`${db.name}_bad`)).toBeNull();
  });

  it('refuses a password without echoing it', async () => {
    const url = 'postgresql://app:s3cr3t-pw@localhost/app';
    await config(
      `params:\n  two-path-ci:\n    dev_url: ${url}\n  upgrade:\n    db_password: hunter2\n`,
    );
    const r = await ws.cli(['list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /runbook\.config\.yaml:3:5: params\.two-path-ci\.dev_url: holds a password/,
    );
    expect(r.stderr).toMatch(/runbook\.config\.yaml:5:5: params\.upgrade\.db_password: .* secret/);
    expect(r.stderr + r.stdout).not.toMatch(/s3cr3t-pw|hunter2/);
  });

  it('gives a built-in procedure its params; --param overrides them; .env gives the URL', async () => {
    await config(
      `database_url_env: APP_DB_URL\nparams:\n  upgrade:\n    migrations: db/migrations\n    database: ${db.name}_cfg\n`,
    );
    await writeFile(path.join(ws.dir, '.env'), `APP_DB_URL=${db.adminUrl}\n`);
    const shown = await ws.cli(['show', 'upgrade']);
    expect(shown.stdout).toMatch(/file\s+.*procedures\/upgrade\.yaml\s+\(built-in\)/);
    expect(shown.stdout).toContain('migrations: path = "db/migrations" (from the config)');

    const r = await ws.cli(['run', 'upgrade', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { runId } = parseJson<{ runId: string }>(r.stdout);
    const run = JSON.parse(await readFile(path.join(ws.runsDir, runId, 'run.json'), 'utf8')) as {
      params: Record<string, string>;
    };
    expect(run.params.migrations).toBe(path.join(ws.dir, 'db', 'migrations'));
    expect(await versionRow(`${db.name}_cfg`)).toEqual({ version: '10', dirty: false });

    const flag = await ws.cli(['run', 'upgrade', '--param', `database=${db.name}_flag`]);
    expect(flag.code, flag.stderr).toBe(0);
    expect(await versionRow(`${db.name}_flag`)).toEqual({ version: '10', dirty: false });
  });

  it('a set variable wins over .env (here: refused, its password unprinted)', async () => {
    const r = await ws.cli(['run', 'upgrade'], {
      env: { APP_DB_URL: 'postgresql://app:pw-in-env@db.example.com/postgres' },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('db.example.com');
    expect(r.stderr).not.toContain('pw-in-env');
  });

  it('a config param the procedure does not declare is named with its line', async () => {
    await config('params:\n  upgrade:\n    migration: db/migrations\n');
    const r = await ws.cli(['run', 'upgrade']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /runbook\.config\.yaml:3:5: params\.upgrade\.migration: procedure upgrade declares no param `migration` \(did you mean `migrations`\?\)/,
    );
  });

  it('authority_hosts admits a host; RUNBOOK_AUTHORITY_HOSTS replaces them; colours', async () => {
    const host = new URL(db.adminUrl).hostname;
    await mkdir(path.join(ws.dir, 'ops'), { recursive: true });
    await writeFile(
      path.join(ws.dir, 'ops', 'probe.yaml'),
      'procedure: probe\nrequires: { authority: corp, role: staging }\nsteps:\n  - { id: one, do: sql.expect, with: { query: "SELECT 1", scalar: 1 } }\n',
    );
    const args = ['run', 'probe', '--database-url', db.adminUrl];
    const env = { DB_AUTHORITY: 'corp' };
    await config('procedures: ops\n');
    expect((await ws.cli(args, { env })).code).toBe(3); // corp has no hosts
    await config(`procedures: ops\nauthority_hosts: { corp: ["${host}"] }\n`);
    const allowed = await ws.cli(args, { env });
    expect(allowed.code, allowed.stderr).toBe(0);
    const replaced = await ws.cli(args, {
      env: { ...env, RUNBOOK_AUTHORITY_HOSTS: 'corp=*.corp.example' },
    });
    expect(replaced.code).toBe(3);
    // Colours: FORCE_COLOR forces them where stderr is no terminal; --no-color wins over it.
    const forced = await ws.cli(args, { env: { ...env, FORCE_COLOR: '1', NO_COLOR: undefined } });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('\u001b[32m');
    const plain = await ws.cli([...args, '--no-color'], {
      env: { ...env, FORCE_COLOR: '1', NO_COLOR: undefined },
    });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).not.toContain('\u001b[');
    const list = await ws.cli(['list', '--json']);
    const rows = parseJson<{ name: string; origin: string }[]>(list.stdout);
    expect(rows[0]).toMatchObject({ name: 'probe', origin: 'project' });
  });
});
