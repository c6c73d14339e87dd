import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, parseJson, REPO, type CliWorkspace } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

let db: TestDatabase;
let ws: CliWorkspace;

const ALPHA = `procedure: alpha
description: Two steps that read
requires: { authority: local, role: staging }
params:
  database: { type: string, description: Database to read }
  rows: { type: integer, default: 1 }
steps:
  - id: count
    do: sql.expect
    with: { database: "\${{ params.database }}", query: "SELECT 1 AS one", row_count: "\${{ params.rows }}" }
  - id: again
    do: sql.expect
    with: { database: "\${{ params.database }}", query: "SELECT 2", scalar: 2 }
checklist:
  - { item: "Counted", step: count }
`;

const BETA = `procedure: beta
description: One step
requires: { authority: local, role: staging }
steps:
  - id: only
    do: sql.expect
    with: { query: "SELECT 1", scalar: 1 }
`;

beforeAll(async () => {
  db = await createTestDatabase('cli_verbs');
  ws = await createCliWorkspace();
  await ws.writeProcedure('alpha', ALPHA);
  await ws.writeProcedure('beta', BETA);
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

const machinesDir = () => path.join(ws.dir, 'machines');
const machineFiles = () => (existsSync(machinesDir()) ? readdirSync(machinesDir()).sort() : []);

describe('runbook compile', () => {
  it('writes machines, --check is 0 when fresh and 1 when a procedure changed', async () => {
    const check0 = await ws.cli(['compile', '--check']);
    expect(check0.code).toBe(1); // nothing compiled yet: stale
    expect(machineFiles()).toEqual([]); // --check writes nothing

    const compile = await ws.cli(['compile']);
    expect(compile.code, compile.stderr).toBe(0);
    expect(machineFiles()).toEqual(['alpha.json', 'alpha.md', 'beta.json', 'beta.md']);
    const config = JSON.parse(readFileSync(path.join(machinesDir(), 'alpha.json'), 'utf8')) as {
      id: string;
    };
    expect(config.id).toBe('alpha');
    expect(readFileSync(path.join(machinesDir(), 'alpha.md'), 'utf8')).toContain('stateDiagram-v2');

    const fresh = await ws.cli(['compile', '--check']);
    expect(fresh.code, fresh.stderr).toBe(0);

    const before = readFileSync(path.join(machinesDir(), 'alpha.json'), 'utf8');
    await ws.writeProcedure(
      'alpha',
      ALPHA.replace('checklist:', `  - id: third\n    do: sql.expect\n    with: { query: "SELECT 3", scalar: 3 }\nchecklist:`),
    ); // prettier-ignore
    const stale = await ws.cli(['compile', '--check']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/STALE\s+alpha/);
    expect(stale.stderr).toMatch(/ok\s+beta/);
    expect(readFileSync(path.join(machinesDir(), 'alpha.json'), 'utf8')).toBe(before);

    const again = await ws.cli(['compile', 'alpha']);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(path.join(machinesDir(), 'alpha.json'), 'utf8')).toContain('third');
    expect((await ws.cli(['compile', '--check'])).code).toBe(0);
  });

  it('compile --check passes in the repository root (committed machines are fresh)', async () => {
    const r = await ws.cli(['compile', '--check'], { cwd: REPO });
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('runbook list and show', () => {
  it('lists the procedures with their descriptions', async () => {
    const text = await ws.cli(['list']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^alpha\s+project\s+Two steps that read$/m);
    expect(text.stdout).toMatch(/^beta\s+project\s+One step$/m);
    // the built-in procedures of the package come after the project's
    expect(text.stdout).toMatch(/^upgrade\s+built-in\s+Create the database if missing/m);
    const json = await ws.cli(['list', '--json']);
    expect(json.code).toBe(0);
    const rows = parseJson<{ name: string; origin: string; file: string; requires: unknown }[]>(
      json.stdout,
    );
    expect(rows.slice(0, 2).map((r) => [r.name, r.origin])).toEqual([
      ['alpha', 'project'],
      ['beta', 'project'],
    ]);
    expect(rows[0]!.requires).toEqual({ authority: 'local', role: 'staging' });
    const upgrade = rows.find((r) => r.name === 'upgrade')!;
    expect(upgrade.origin).toBe('built-in');
    expect(upgrade.file).toBe(path.join(REPO, 'procedures', 'upgrade.yaml'));
    expect(rows.filter((r) => r.origin === 'project')).toHaveLength(2);
  });

  it('list marks an invalid procedure and exits 2', async () => {
    const dir = path.join(ws.dir, 'other-procedures');
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, 'good.yaml'),
      BETA.replace('procedure: beta', 'procedure: good'),
    );
    await writeFile(path.join(dir, 'bad.yaml'), BETA.replace('procedure: beta', 'procedure: bad').replace('sql.expect', 'sql.expekt')); // prettier-ignore
    const r = await ws.cli(['list', '--procedures', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^bad\s+project\s+INVALID: .*sql\.expekt/m);
    expect(r.stdout).toMatch(/^good\s+project\s+One step$/m);
    const missing = await ws.cli(['list', '--procedures', path.join(ws.dir, 'nonexistent')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /--procedures: procedures directory .*nonexistent does not exist/,
    );
  });

  it('shows params, requirements, steps and checklist', async () => {
    const r = await ws.cli(['show', 'beta']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('beta — One step');
    expect(r.stdout).toMatch(/^file\s+procedures\/beta\.yaml\s+\(project\)$/m);
    const builtin = await ws.cli(['show', 'upgrade', '--json']);
    expect(builtin.code, builtin.stderr).toBe(0);
    expect(parseJson<{ origin: string; file: string }>(builtin.stdout)).toMatchObject({
      origin: 'built-in',
      file: path.join(REPO, 'procedures', 'upgrade.yaml'),
    });
    expect(r.stdout).toMatch(/requires\s+authority="local" role="staging"/);
    expect(r.stdout).toMatch(/steps\n\s+only\s+sql\.expect/);
    const a = await ws.cli(['show', 'alpha', '--json']);
    expect(a.code, a.stderr).toBe(0);
    const shown = parseJson<{
      name: string;
      params: Record<string, { type: string; default?: unknown }>;
      steps: { id: string; do: string }[];
      checklist: { item: string; step: string }[];
    }>(a.stdout);
    expect(shown.name).toBe('alpha');
    expect(shown.params.database!.type).toBe('string');
    expect(shown.params.rows).toMatchObject({ type: 'integer', default: 1 });
    expect(shown.steps.map((s) => s.id).slice(0, 2)).toEqual(['count', 'again']);
    expect(shown.checklist).toEqual([{ item: 'Counted', step: 'count' }]);
    const unknown = await ws.cli(['show', 'gamma']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown procedure "gamma"');
  });
});

describe('runbook runs', () => {
  it('lists runs as JSON with status, procedure and where they stopped', async () => {
    const empty = await ws.cli(['runs', '--json']);
    expect(empty.code, empty.stderr).toBe(0);
    expect(parseJson(empty.stdout)).toEqual([]);

    const ok = await ws.cli(['run', 'alpha', '--param', `database=${db.name}`, '--database-url', db.adminUrl]); // prettier-ignore
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('Execution checklist');
    const bad = await ws.cli(['run', 'alpha', '--param', `database=${db.name}`, '--param', 'rows=5', '--database-url', db.adminUrl]); // prettier-ignore
    expect(bad.code).toBe(1);

    const r = await ws.cli(['runs', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const runs = parseJson<{ id: string; status: string; procedure: string; currentStep: string | null }[]>(r.stdout); // prettier-ignore
    expect(runs).toHaveLength(2);
    // Newest first.
    expect(runs[0]).toMatchObject({ procedure: 'alpha', status: 'failed', currentStep: 'count' });
    expect(runs[1]).toMatchObject({ procedure: 'alpha', status: 'succeeded', currentStep: null });
    expect(runs.map((x) => x.id).sort()).toEqual(ws.runIds());
    const table = await ws.cli(['runs']);
    expect(table.stdout).toMatch(/^ID\s+PROCEDURE\s+STATUS\s+STOPPED AT/);
    expect(table.stdout).toMatch(new RegExp(`${runs[0]!.id}\\s+alpha\\s+failed\\s+count`));
  });
});

describe('runbook db', () => {
  let dir: string;
  beforeAll(async () => {
    dir = path.join(ws.dir, 'embedded');
    // As root the server runs as `postgres`, which must traverse to its data directory; mkdtemp
    // makes the workspace 0700.
    await chmod(ws.dir, 0o755);
  });
  afterAll(async () => {
    if (dir) await ws.cli(['db', 'stop', '--dir', dir]);
  });

  it('start prints a URL that works, url repeats it, stop stops it', async () => {
    const none = await ws.cli(['db', 'url', '--dir', dir]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('not running');

    const start = await ws.cli(['db', 'start', '--dir', dir]);
    expect(start.code, start.stderr).toBe(0);
    const url = start.stdout.trim();
    expect(url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const url2 = await ws.cli(['db', 'url', '--dir', dir]);
    expect(url2.code).toBe(0);
    expect(url2.stdout.trim()).toBe(url);
    // Without --dir: the directory `run` and `resume` use, RUNBOOK_EMBEDDED_DIR.
    const fromEnv = await ws.cli(['db', 'url'], { env: { RUNBOOK_EMBEDDED_DIR: dir } });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stdout.trim()).toBe(url);
    const client = new pg.Client(url);
    await client.connect();
    const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
    await client.end();
    expect(rows).toEqual([{ one: 1 }]);

    // --database: the URL of a database on that server (what the README's psql commands use).
    const name = 'rb walk;é';
    await onConnection(url, (c) => c.query(`CREATE DATABASE "${name}"`));
    const named = await ws.cli(['db', 'url', '--dir', dir, '--database', name]);
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout.trim()).toMatch(
      /^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/rb%20walk;%C3%A9$/,
    );
    const there = await onConnection(named.stdout.trim(), (c) =>
      c.query<{ db: string }>('SELECT current_database() AS db'),
    );
    expect(there.rows).toEqual([{ db: name }]);
    const refused = await ws.cli(['db', 'url', '--dir', dir, '--database', 'a?b']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--database');
    expect((await ws.cli(['db', 'start', '--dir', dir, '--database', 'x'])).code).toBe(2);

    const stop = await ws.cli(['db', 'stop', '--dir', dir]);
    expect(stop.code, stop.stderr).toBe(0);
    expect((await ws.cli(['db', 'url', '--dir', dir])).code).toBe(1);
    const bad = await ws.cli(['db', 'restart', '--dir', dir]);
    expect(bad.code).toBe(2);
  });
});

/** Runs `f` on a fresh connection to `url`. */
async function onConnection<T>(url: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}
