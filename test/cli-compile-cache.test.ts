import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, parseJson, REPO, type CliWorkspace } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

// The bundled CLI runs its verbs from CommonJS bundles through a V8 code cache
// (src/cli/bundled-verb.ts). What a user can observe: a cache file per verb once it succeeded,
// the same behaviour with or without it, a corrupt or unwritable cache costing nothing else.

let ws: CliWorkspace;
let db: TestDatabase;
let cacheDir: string;

const PROCEDURES = path.join(REPO, 'procedures');
const list = (env: Record<string, string>) => ws.cli(['list', '--procedures', PROCEDURES], { env });
// A verb that loads its bundle each time (`list` answers from its data cache when it can).
const runs = (env: Record<string, string>) =>
  ws.cli(['runs', '--runs-dir', path.join(ws.dir, 'no-runs')], { env });
const cacheFiles = (verb: string, dir = cacheDir) =>
  existsSync(dir)
    ? readdirSync(dir).filter((f) =>
        new RegExp(`^[a-z]+-[0-9a-f]{12}\\.cjs\\.${verb}\\.\\d+-\\d+\\.${process.version}-`).test(
          f,
        ),
      )
    : [];

beforeAll(async () => {
  ws = await createCliWorkspace('runbook-cache-');
  db = await createTestDatabase('cli_cache');
  cacheDir = path.join(ws.dir, 'cache');
});
afterAll(async () => {
  await db?.drop();
  await ws?.dispose();
});

describe('the verbs\u2019 code cache', () => {
  it('is written once a verb succeeded, then used as is; a corrupt one is replaced', async () => {
    const env = { RUNBOOK_COMPILE_CACHE: cacheDir };
    const first = await runs(env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^ID\s+PROCEDURE/);
    const [file] = cacheFiles('runs');
    expect(file).toMatch(/^verbs-[0-9a-f]{12}\.cjs\.runs\./);
    const cache = path.join(cacheDir, file!);
    const written = statSync(cache);
    expect(written.size).toBeGreaterThan(10_000);

    const second = await runs(env);
    expect(second).toEqual(first);
    // Accepted by V8: not written again.
    expect(statSync(cache).mtimeMs).toBe(written.mtimeMs);
    expect(cacheFiles('runs')).toEqual([file]);

    await writeFile(cache, 'not a code cache');
    const third = await runs(env);
    expect(third).toEqual(first);
    expect(readFileSync(cache).subarray(0, 16).toString()).not.toBe('not a code cache');
  });

  it('is not written by a verb that failed, and the failure is reported as without it', async () => {
    const env = { RUNBOOK_COMPILE_CACHE: cacheDir };
    const failed = await ws.cli(['show', 'no-such-procedure', '--json'], { env });
    const off = await ws.cli(['show', 'no-such-procedure', '--json'], {
      env: { RUNBOOK_COMPILE_CACHE: 'off' },
    });
    expect(failed.code).toBe(2);
    expect(failed).toEqual(off);
    expect(parseJson<{ ok: boolean; error: { kind: string } }>(failed.stdout)).toMatchObject({
      ok: false,
      error: { kind: 'InvalidInputError' },
    });
    expect(cacheFiles('show')).toEqual([]);
  });

  it('off, or in a directory that cannot be created, changes nothing but speed', async () => {
    const blocker = path.join(ws.dir, 'a-file');
    await writeFile(blocker, '');
    const off = await list({ RUNBOOK_COMPILE_CACHE: 'off' });
    const unwritable = await list({ RUNBOOK_COMPILE_CACHE: path.join(blocker, 'cache') });
    expect(off.code, off.stderr).toBe(0);
    expect(unwritable).toEqual(off);
    expect(off.stdout).toMatch(/^upgrade\s/m);
  });

  it('runs code restored from the cache that loads packages at run time (the SQL parser)', async () => {
    // A migration with its own BEGIN/COMMIT is split by libpg-query, which the bundle loads
    // lazily: the second run's code comes from the cache the first one wrote.
    const migrations = path.join(ws.dir, 'migrations');
    await mkdir(migrations);
    await writeFile(
      path.join(migrations, '001_one.sql'),
      '-- revision: 001_one\n-- down_revision: None\n-- message: one\n\nBEGIN;\nCREATE TABLE t1 (id int);\nCOMMIT;\n',
    );
    const env = { RUNBOOK_COMPILE_CACHE: cacheDir };
    const mtimes: number[] = [];
    for (const database of [`${db.name}_a`, `${db.name}_b`]) {
      const r = await ws.cli(
        [
          'run',
          'upgrade',
          '--json',
          '--procedures',
          PROCEDURES,
          '--database-url',
          db.adminUrl,
          '--param',
          `database=${database}`,
          '--param',
          `migrations=${migrations}`,
        ],
        { env },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toContain('has its own BEGIN/COMMIT');
      expect(cacheFiles('run')).toHaveLength(1);
      mtimes.push(statSync(path.join(cacheDir, cacheFiles('run')[0]!)).mtimeMs);
    }
    // The second run's code came from the cache the first one wrote (accepted: not rewritten).
    expect(mtimes[1]).toBe(mtimes[0]);
  });

  it('is taken from where the process was started, never from .env, and only by absolute path', async () => {
    const fromEnvFile = path.join(ws.dir, 'env-file-cache');
    const dir = path.join(ws.dir, 'project');
    await mkdir(dir);
    await writeFile(path.join(dir, '.env'), `RUNBOOK_COMPILE_CACHE=${fromEnvFile}\n`);
    const fromDotEnv = await ws.cli(['list', '--procedures', PROCEDURES], { cwd: dir, env: {} });
    expect(fromDotEnv.code, fromDotEnv.stderr).toBe(0);
    expect(existsSync(fromEnvFile)).toBe(false);
    const relative = await ws.cli(['list', '--procedures', PROCEDURES], {
      cwd: dir,
      env: { RUNBOOK_COMPILE_CACHE: 'relative-cache' },
    });
    expect(relative.code, relative.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'relative-cache'))).toBe(false);
  });

  it('is not run when others may write it: it is written anew, this user\u2019s alone', async () => {
    const env = { RUNBOOK_COMPILE_CACHE: cacheDir };
    expect((await runs(env)).code).toBe(0);
    const cache = path.join(cacheDir, cacheFiles('runs')[0]!);
    await chmod(cache, 0o666);
    const before = statSync(cache).mtimeMs;
    const again = await runs(env);
    expect(again.code, again.stderr).toBe(0);
    expect(statSync(cache).mode & 0o777).toBe(0o600);
    expect(statSync(cache).mtimeMs).not.toBe(before);
  });

  it('is neither read nor written in a directory others may write, and says so', async () => {
    const shared = path.join(ws.dir, 'shared-cache');
    await mkdir(shared);
    await chmod(shared, 0o777);
    const r = await list({ RUNBOOK_COMPILE_CACHE: shared });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(shared)).toEqual([]);
    expect(r.stderr).toBe(
      `runbook: RUNBOOK_COMPILE_CACHE=${shared} is not used: it must belong to this user and be ` +
        'writable by neither group nor others (compiled code is read from it)\n',
    );
  });
});

describe('the summaries `list` keeps', () => {
  const procedure = (description: string) =>
    `procedure: kept\ndescription: ${description}\nrequires:\n  authority: local\nsteps:\n` +
    `  - id: one\n    do: sql.exec\n    with:\n      sql: SELECT 1\n`;
  const summaryFiles = (dir: string) =>
    existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.procedures.json')) : [];
  type Row = { name: string; description?: string; error?: string };
  const rows = (stdout: string) => parseJson<Row[]>(stdout);
  const named = (name: string, description: string) =>
    procedure(description).replace('procedure: kept', `procedure: ${name}`);

  it('are reused while a file is unchanged, derived again when it changes, and ignored when others may write them', async () => {
    const dir = path.join(ws.dir, 'summaries');
    const procedures = path.join(ws.dir, 'own-procedures');
    await mkdir(procedures);
    await writeFile(path.join(procedures, 'kept.yaml'), procedure('first'));
    await writeFile(path.join(procedures, 'broken.yaml'), 'procedure: broken\nsteps: 3\n');
    const env = { RUNBOOK_COMPILE_CACHE: dir };
    const listOwn = (e: Record<string, string> = env) =>
      ws.cli(['list', '--json', '--procedures', procedures], { env: e });

    const off = await listOwn({ RUNBOOK_COMPILE_CACHE: 'off' });
    const first = await listOwn();
    expect(first.code, first.stderr).toBe(2); // broken.yaml is invalid
    expect(first).toEqual(off);
    const broken = rows(first.stdout).find((r) => r.name === 'broken');
    expect(broken?.error).toMatch(/broken\.yaml/);
    const [file] = summaryFiles(dir);
    expect(file).toMatch(/^verbs-[0-9a-f]{12}\.cjs\.list\.\d+-\d+\.procedures\.json$/);
    const kept = path.join(dir, file!);
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    // The same answer from what was kept.
    expect(await listOwn()).toEqual(first);

    // What is kept is what is shown for an unchanged file (this user's own cache is trusted as
    // its code cache is)...
    await writeFile(kept, readFileSync(kept, 'utf8').replace('"first"', '"from the cache"'), {
      mode: 0o600,
    });
    const reused = await listOwn();
    expect(rows(reused.stdout).find((r) => r.name === 'kept')?.description).toBe('from the cache');
    // ...but a changed file is read again, and the kept summaries follow it.
    await writeFile(path.join(procedures, 'kept.yaml'), procedure('second'));
    const changed = await listOwn();
    expect(rows(changed.stdout).find((r) => r.name === 'kept')?.description).toBe('second');
    expect(readFileSync(kept, 'utf8')).not.toContain('from the cache');
    expect(readFileSync(kept, 'utf8')).not.toContain('"first"');

    // A file others may write is not believed: the summaries are derived again and rewritten.
    await writeFile(kept, readFileSync(kept, 'utf8').replace('"second"', '"planted"'));
    await chmod(kept, 0o666);
    const planted = await listOwn();
    expect(rows(planted.stdout).find((r) => r.name === 'kept')?.description).toBe('second');
    expect(statSync(kept).mode & 0o777).toBe(0o600);

    // Cut short or malformed: ignored, and replaced.
    await writeFile(kept, '{"format":"runbook-procedure-summaries-1","summaries":{', {
      mode: 0o600,
    });
    expect(await listOwn()).toEqual(planted);
    expect(JSON.parse(readFileSync(kept, 'utf8'))).toMatchObject({ summaries: expect.any(Object) });
  });

  it('answer the next `list` before its bundle loads while nothing changed, the config included', async () => {
    const dir = path.join(ws.dir, 'answered-cache');
    const project = path.join(ws.dir, 'answered-project');
    const config = path.join(project, 'runbook.config.yaml');
    await mkdir(path.join(project, 'procs'), { recursive: true });
    await writeFile(path.join(project, 'procs', 'kept.yaml'), named('kept', 'first'));
    await writeFile(config, 'procedures: procs\n');
    const env = { RUNBOOK_COMPILE_CACHE: dir };
    const listHere = (e: Record<string, string> = env) =>
      ws.cli(['list', '--json'], { cwd: project, env: e });
    // The bundle writes its code cache as it ends when it had none: removed, the cache comes
    // back only from a `list` that loaded the bundle.
    const bundleLoaded = () => {
      const files = cacheFiles('list', dir);
      for (const f of files) rmSync(path.join(dir, f));
      return files.length === 1;
    };
    const names = (stdout: string) => rows(stdout).map((r) => r.name);

    const first = await listHere();
    expect(first.code, first.stderr).toBe(0);
    expect(names(first.stdout)).toContain('kept');
    expect(bundleLoaded()).toBe(true);
    const second = await listHere();
    expect(second).toEqual(first);
    expect(bundleLoaded()).toBe(false);

    // A changed procedure is summarised again, by the verb.
    await writeFile(path.join(project, 'procs', 'kept.yaml'), named('kept', 'second'));
    const changed = await listHere();
    expect(rows(changed.stdout).find((r) => r.name === 'kept')?.description).toBe('second');
    expect(bundleLoaded()).toBe(true);
    expect(await listHere()).toEqual(changed);
    expect(bundleLoaded()).toBe(false);

    // A changed config is read again, by the verb, and followed.
    await mkdir(path.join(project, 'other'));
    await writeFile(path.join(project, 'other', 'moved.yaml'), named('moved', 'elsewhere'));
    await writeFile(config, 'procedures: other\n');
    const moved = await listHere();
    expect(moved.code, moved.stderr).toBe(0);
    expect(names(moved.stdout)).toContain('moved');
    expect(names(moved.stdout)).not.toContain('kept');
    expect(bundleLoaded()).toBe(true);
    expect(await listHere()).toEqual(moved);
    expect(bundleLoaded()).toBe(false);

    // What is wrong is reported by the verb, as without a cache: a config naming a folder that
    // does not exist, or the folder a kept config names, removed since.
    await writeFile(config, 'procedures: gone\n');
    const gone = await listHere();
    expect(gone.code).toBe(2);
    expect(gone).toEqual(await listHere({ RUNBOOK_COMPILE_CACHE: 'off' }));
    await writeFile(config, 'procedures: other\n');
    await rm(path.join(project, 'other'), { recursive: true });
    const removed = await listHere();
    expect(removed.code).toBe(2);
    expect(removed.stdout).toMatch(/other does not exist/);
    expect(removed).toEqual(await listHere({ RUNBOOK_COMPILE_CACHE: 'off' }));
  });

  it('leave a config that can be read once (a pipe) to the verb, which follows it as without a cache', async () => {
    const project = path.join(ws.dir, 'piped-project');
    await mkdir(path.join(project, 'procedures'), { recursive: true });
    await mkdir(path.join(project, 'other'));
    await writeFile(path.join(project, 'procedures', 'here.yaml'), named('here', 'here'));
    await writeFile(path.join(project, 'other', 'there.yaml'), named('there', 'there'));
    const fifo = path.join(project, 'config.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // The config comes through the pipe once: a second read would wait for a writer forever.
    const listPiped = async (config: string, cache: string) => {
      const listed = ws.cli(['list', '--json'], {
        cwd: project,
        env: { RUNBOOK_CONFIG: fifo, RUNBOOK_COMPILE_CACHE: cache },
      });
      await writeFile(fifo, config);
      return listed;
    };
    const cache = path.join(ws.dir, 'piped-cache');
    const off = await listPiped('procedures: other\n', 'off');
    expect(off.code, off.stderr).toBe(0);
    expect(rows(off.stdout).map((r) => r.name)).toContain('there');
    for (let i = 0; i < 2; i++) expect(await listPiped('procedures: other\n', cache)).toEqual(off);
    // An invalid one is reported, as without a cache.
    const invalid = await listPiped('procedurs: other\n', 'off');
    expect(invalid.code).toBe(2);
    expect(await listPiped('procedurs: other\n', cache)).toEqual(invalid);
  });
});
