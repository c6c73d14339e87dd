import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPython } from '../src/migrations/index.js';
import { bridgeRunning, waitFor } from './support/cli.js';
import { uniqueName } from './support/database.js';
import {
  createDatabase,
  createProcedureCli,
  dropDatabases,
  queryRows,
  type ProcedureCli,
} from './support/procedure-cli.js';

// `runbook run` starts the Alembic bridge as soon as its options name an Alembic project, while
// the rest of the CLI loads; the run takes that process. These tests count the Python processes
// started (through wrapper scripts given as RUNBOOK_PYTHON) and check what a head start must not
// change: one process per run, the fallback to the next Python, nothing left running.

const fixture = path.resolve('test/fixtures/alembic-project');
const python = findPython();
let cli: ProcedureCli;
let tmp: string;
const created: string[] = [];

beforeAll(async () => {
  cli = await createProcedureCli();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'runbook-alembic-prestart-'));
});
afterAll(async () => {
  await dropDatabases(created);
  await cli?.dispose();
  await rm(tmp, { recursive: true, force: true });
});

/** A wrapper that logs each start to `<name>.log`, then runs `target` (or fails when null). */
async function wrapper(name: string, target: string | null): Promise<{ bin: string; log: string }> {
  const bin = path.join(tmp, name);
  const log = `${bin}.log`;
  const then = target === null ? 'exit 1' : `exec '${target}' "$@"`;
  await writeFile(bin, `#!/bin/sh\necho start >> '${log}'\n${then}\n`);
  chmodSync(bin, 0o755);
  return { bin, log };
}

const starts = (log: string): number =>
  existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;

async function project(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await cp(fixture, dir, { recursive: true });
  return dir;
}

async function fresh(prefix: string): Promise<string> {
  const d = uniqueName(prefix);
  created.push(d);
  await createDatabase(d);
  return d;
}

const upgradeArgs = (d: string, dir: string): string[] => [
  'run', 'upgrade', '--param', `database=${d}`, '--param', `migrations=${dir}`,
]; // prettier-ignore

describe.skipIf(!python)('runbook run: the Alembic bridge started ahead of need', () => {
  it('one Python process lists and upgrades', async () => {
    const dir = await project('one');
    const py = await wrapper('python-one', python);
    const d = await fresh('rb_prestart_one');
    const r = await cli.runbook(upgradeArgs(d, dir), {
      env: { RUNBOOK_PYTHON: py.bin, RUNBOOK_FIXTURE_OK: '1' },
    });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(starts(py.log)).toBe(1);
    const rows = await queryRows<{ v: string }>(d, 'SELECT version_num AS v FROM alembic_version');
    expect(rows.map((x) => x.v)).toEqual(['d4']);
  });

  it('a RUNBOOK_PYTHON that cannot run the bridge is tried once, then the next Python runs it', async () => {
    const dir = await project('fallback');
    const bad = await wrapper('python-bad', null);
    const d = await fresh('rb_prestart_fallback');
    const r = await cli.runbook(upgradeArgs(d, dir), {
      env: { RUNBOOK_PYTHON: bad.bin, RUNBOOK_FIXTURE_OK: '1' },
    });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(starts(bad.log)).toBe(1);
    const rows = await queryRows<{ v: string }>(d, 'SELECT version_num AS v FROM alembic_version');
    expect(rows.map((x) => x.v)).toEqual(['d4']);
  });

  it('a head start the run never takes quits with the CLI', async () => {
    const dir = await project('unused');
    const py = await wrapper('python-unused', python);
    const d = await fresh('rb_prestart_unused');
    // Refused before it starts (no authority): the bridge started ahead of need is not used.
    const r = await cli.runbook(upgradeArgs(d, dir), {
      env: { RUNBOOK_PYTHON: py.bin, DB_AUTHORITY: undefined, DB_ROLE: undefined },
    });
    expect(r.code).toBe(3);
    expect(starts(py.log)).toBe(1);
    await waitFor('the unused bridge to quit', () => !bridgeRunning(dir));
    const rows = await queryRows<{ n: number }>(
      d,
      `SELECT count(*)::int AS n FROM pg_catalog.pg_class WHERE relname = 'alembic_version'`,
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('an unknown procedure starts no Python', async () => {
    const dir = await project('bad-input');
    const py = await wrapper('python-bad-input', python);
    const r = await cli.runbook(
      ['run', 'no_such_procedure', '--param', 'database=x', '--param', `migrations=${dir}`],
      { env: { RUNBOOK_PYTHON: py.bin } },
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('unknown procedure "no_such_procedure"');
    expect(starts(py.log)).toBe(0);
  });
});

if (!python)
  console.warn('skipping alembic prestart tests: no python3 can `import alembic, psycopg2`');
