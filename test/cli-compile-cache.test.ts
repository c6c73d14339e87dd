import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
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
const cacheFiles = (verb: string) =>
  existsSync(cacheDir)
    ? readdirSync(cacheDir).filter((f) => f.includes(`.cjs.${verb}.${process.version}-`))
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
    const first = await list(env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^upgrade\s/m);
    const [file] = cacheFiles('list');
    expect(file).toMatch(/^verbs-[0-9a-f]{12}\.cjs\.list\./);
    const cache = path.join(cacheDir, file!);
    const written = statSync(cache);
    expect(written.size).toBeGreaterThan(10_000);

    const second = await list(env);
    expect(second).toEqual(first);
    // Accepted by V8: not written again.
    expect(statSync(cache).mtimeMs).toBe(written.mtimeMs);
    expect(cacheFiles('list')).toEqual([file]);

    await writeFile(cache, 'not a code cache');
    const third = await list(env);
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
    }
  });
});
