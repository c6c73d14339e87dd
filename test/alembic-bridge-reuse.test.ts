import { appendFile, cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsUpgrade } from '../src/actions/migrations-upgrade.js';
import { findPython, loadMigrationSource } from '../src/migrations/index.js';
import { Connections } from '../src/postgres/connections.js';
import { quoteIdent } from '../src/postgres/quote.js';
import { createActionContext } from './support/action-context.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';

// How many Python processes the alembic layout starts: listings are kept while the project's
// files are unchanged, and the bridge that listed serves the run's upgrades.

const fixture = path.resolve('test/fixtures/alembic-project');
const python = findPython();
let tmp: string;
let log: string;
let db: TestDatabase;
let conns: Connections;
let n = 0;
const savedPython = process.env.RUNBOOK_PYTHON;

/** Python processes started through the counting wrapper so far. */
function starts(): number {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;
}

let wrappers = 0;

/**
 * Points RUNBOOK_PYTHON at a new counting wrapper: a bridge parked under the previous one (a
 * different start-up environment) is not taken, so any listing after this starts a process.
 */
async function newPython(): Promise<void> {
  const wrapper = path.join(tmp, `python3-${wrappers++}`);
  await writeFile(wrapper, `#!/bin/sh\necho start >> '${log}'\nexec '${python}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  process.env.RUNBOOK_PYTHON = wrapper;
}

async function project(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await cp(fixture, dir, { recursive: true });
  return dir;
}

async function freshDb(): Promise<string> {
  const name = `${db.name}_${n++}`;
  await adminQuery(`CREATE DATABASE ${quoteIdent(name)}`);
  return name;
}

describe.skipIf(!python)('alembic layout: Python processes per run', () => {
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'runbook-alembic-reuse-'));
    log = path.join(tmp, 'starts.log');
    await newPython();
    db = await createTestDatabase('alembic_reuse');
    conns = new Connections(db.adminUrl);
  });
  afterAll(async () => {
    if (savedPython === undefined) delete process.env.RUNBOOK_PYTHON;
    else process.env.RUNBOOK_PYTHON = savedPython;
    await conns.end();
    await db.drop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('keeps a listing while the ini and revision files are unchanged, lists again on a change', async () => {
    const dir = await project('listing');
    const revisions = async (): Promise<string[]> =>
      (await (await loadMigrationSource(dir)).list()).map(
        (m) => `${m.revision}${m.message ? `:${m.message}` : ''}`,
      );
    /** Lists through a new wrapper; returns the revisions and how many processes it started. */
    const relist = async (): Promise<[string[], number]> => {
      await newPython();
      const before = starts();
      const revs = await revisions();
      return [revs, starts() - before];
    };
    const [first, started] = await relist();
    expect(first.map((r) => r.split(':')[0])).toEqual(['a1', 'b2', 'c3', 'd4']);
    expect(started).toBe(1);
    // Kept: no process, not even the one parked under the previous wrapper.
    expect(await relist()).toEqual([first, 0]);
    expect(await relist()).toEqual([first, 0]);

    const e5 = path.join(dir, 'versions', 'e5_more.py');
    await writeFile(
      e5,
      '"""first"""\nrevision = "e5"\ndown_revision = "d4"\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n',
    );
    expect(await relist()).toEqual([[...first, 'e5:first'], 1]);
    expect(await relist()).toEqual([[...first, 'e5:first'], 0]);

    // Rewritten in place, same size: the change time tells.
    await writeFile(e5, (await readFile(e5, 'utf8')).replace('first', 'again'));
    expect(await relist()).toEqual([[...first, 'e5:again'], 1]);

    await appendFile(path.join(dir, 'alembic.ini'), '\n# touched\n');
    expect(await relist()).toEqual([[...first, 'e5:again'], 1]);

    await unlink(e5);
    expect(await relist()).toEqual([first, 1]);
    expect(await relist()).toEqual([first, 0]);
  });

  it('lists in preflight and upgrades through the same process', async () => {
    const dir = await project('one-process');
    const d = await freshDb();
    const t = await createActionContext({
      url: db.adminUrl,
      db: conns,
      env: { ...process.env, RUNBOOK_FIXTURE_OK: '1' },
    });
    const before = starts();
    expect((await (await loadMigrationSource(dir)).list()).length).toBe(4);
    const res = await migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' });
    expect(res.output).toEqual({ applied: 4, applied_in_run: 4, current: ['d4'], plan_total: 4 });
    expect(await (await loadMigrationSource(dir)).list()).toHaveLength(4);
    expect(starts() - before).toBe(1);
    await t.dispose();
  });

  it('starts a fresh process for the upgrade when the listing imported project code', async () => {
    const dir = await project('project-code');
    await writeFile(path.join(dir, 'project_helper.py'), 'NAME = "accounts"\n');
    const b2 = path.join(dir, 'versions', 'b2_add_email.py');
    await writeFile(
      b2,
      'import os, sys\nsys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))\nimport project_helper  # noqa\n' +
        (await readFile(b2, 'utf8')),
    );
    const d = await freshDb();
    const t = await createActionContext({
      url: db.adminUrl,
      db: conns,
      env: { ...process.env, RUNBOOK_FIXTURE_OK: '1' },
    });
    const before = starts();
    expect((await (await loadMigrationSource(dir)).list()).length).toBe(4);
    const res = await migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' });
    expect(res.output).toMatchObject({ applied: 4, current: ['d4'] });
    expect(starts() - before).toBe(2);
    await t.dispose();
  });
});
if (!python)
  console.warn('skipping alembic bridge reuse tests: no python3 can `import alembic, psycopg2`');
