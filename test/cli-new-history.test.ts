import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, parseJson, REPO, type CliWorkspace } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { findPython } from '../src/migrations/layouts/alembic/bridge-python.js';

let db: TestDatabase;
let ws: CliWorkspace;
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'migrations');

beforeAll(async () => {
  db = await createTestDatabase('cli_new');
  ws = await createCliWorkspace('runbook-new-');
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

function folder(fixture: string, from = FIXTURES): string {
  const dir = path.join(ws.dir, fixture);
  cpSync(path.join(from, fixture), dir, { recursive: true });
  return dir;
}

const statusOf = async (dir: string, database: string) => {
  const r = await ws.cli(['status', '--migrations', dir, '--database', database, '--database-url', db.adminUrl, '--json']); // prettier-ignore
  return { code: r.code, json: parseJson<{ pending: { revision: string }[]; upToDate: boolean }>(r.stdout) }; // prettier-ignore
};

const upgrade = (dir: string, database: string) =>
  ws.cli(['run', 'upgrade', '--procedures', path.join(REPO, 'procedures'), '--param', `database=${database}`, '--param', `migrations=${dir}`, '--database-url', db.adminUrl]); // prettier-ignore

/** `new`, then status shows it pending, then `run upgrade` applies it and status is up to date. */
async function newThenApply(dir: string, database: string, sql: string) {
  expect((await upgrade(dir, database)).code).toBe(0);
  const made = await ws.cli(['new', 'add widgets', '--migrations', dir, '--json']);
  expect(made.code, made.stderr).toBe(0);
  const out = parseJson<{ revision: string; files: string[]; parent?: string }>(made.stdout);
  const upFile = path.resolve(ws.dir, out.files[0] as string);
  const text = readFileSync(upFile, 'utf8');
  writeFileSync(upFile, text.includes('-- migrate:down') ? text.replace('-- migrate:up\n', `-- migrate:up\n${sql}\n`) : `${text}${sql}\n`); // prettier-ignore
  const pending = await statusOf(dir, database);
  expect(pending.code).toBe(1);
  expect(pending.json.pending.map((m) => m.revision)).toEqual([out.revision]);
  const run = await upgrade(dir, database);
  expect(run.code, run.stderr).toBe(0);
  expect((await statusOf(dir, database)).code).toBe(0);
  return { ...out, upFile };
}

describe('runbook new', () => {
  it('golang-migrate: the next number at the width of the last, up and down files', async () => {
    const dir = folder('golang');
    const out = await newThenApply(dir, `${db.name}_golang`, 'CREATE TABLE widgets (id int);');
    expect(out.revision).toBe('11');
    expect(out.files).toEqual(['golang/11_add_widgets.up.sql', 'golang/11_add_widgets.down.sql']);
  });

  it('dbmate: a timestamped file with its up and down sections', async () => {
    const dir = folder('dbmate');
    const out = await newThenApply(dir, `${db.name}_dbmate`, 'CREATE TABLE widgets (id int);');
    expect(out.files[0]).toMatch(/^dbmate\/\d{14}_add_widgets\.sql$/);
    expect(readFileSync(out.upFile, 'utf8')).toMatch(/-- migrate:up\n[\s\S]*-- migrate:down\n/);
  });

  it('diesel and prisma: timestamped directories', async () => {
    const diesel = await newThenApply(folder('diesel'), `${db.name}_diesel`, 'CREATE TABLE widgets (id int);'); // prettier-ignore
    expect(diesel.files).toEqual([
      expect.stringMatching(/^diesel\/\d{4}-\d\d-\d\d-\d{6}_add_widgets\/up\.sql$/),
      expect.stringMatching(/^diesel\/\d{4}-\d\d-\d\d-\d{6}_add_widgets\/down\.sql$/),
    ]);
    const prisma = await newThenApply(folder('prisma'), `${db.name}_prisma`, 'CREATE TABLE widgets (id int);'); // prettier-ignore
    expect(prisma.files).toEqual([expect.stringMatching(/^prisma\/\d{14}_add_widgets\/migration\.sql$/)]); // prettier-ignore
    expect(prisma.revision).toMatch(/^\d{14}_add_widgets$/);
  });

  it('alembic-sql: next revision id, down_revision the single head; several heads refused', async () => {
    const dir = path.join(ws.dir, 'nova');
    cpSync(path.join(REPO, 'examples', 'nova', 'after'), dir, { recursive: true });
    const made = await ws.cli(['new', 'add widgets', '--migrations', dir]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout.trim()).toBe('nova/125_add_widgets.sql');
    expect(readFileSync(path.join(dir, '125_add_widgets.sql'), 'utf8')).toBe(
      '-- revision: 125_add_widgets\n-- down_revision: 124_prevention_records_run_id\n-- message: add widgets\n\n',
    );
    const again = await ws.cli(['new', 'add widgets', '--migrations', dir]);
    expect(again.stdout.trim()).toBe('nova/126_add_widgets.sql'); // never the same file twice

    const small = path.join(ws.dir, 'small');
    mkdirSync(small);
    writeFileSync(path.join(small, '001_init.sql'), '-- revision: 001_init\n-- down_revision:\nCREATE TABLE t (id int);\n'); // prettier-ignore
    const applied = await newThenApply(small, `${db.name}_asql`, 'CREATE TABLE widgets (id int);');
    expect(applied).toMatchObject({ revision: '002_add_widgets', parent: '001_init' });

    const skeldir = folder('skeldir');
    writeFileSync(path.join(skeldir, 'other.sql'), '-- revision: other\n-- down_revision: baseline\nSELECT 1;\n'); // prettier-ignore
    const before = ws.files(skeldir);
    const refused = await ws.cli(['new', 'x', '--migrations', skeldir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/multiple heads are present \(.*other.*\)/);
    expect(ws.files(skeldir)).toEqual(before);
  });

  it('an empty folder needs --layout; then the first migration', async () => {
    const dir = path.join(ws.dir, 'empty');
    mkdirSync(dir);
    const no = await ws.cli(['new', 'init', '--migrations', dir]);
    expect(no.code).toBe(2);
    expect(no.stderr).toContain('a folder without migrations needs --layout');
    const yes = await ws.cli(['new', 'init', '--migrations', dir, '--layout', 'golang-migrate']);
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.stdout.trim().split('\n')).toEqual(['empty/000001_init.up.sql', 'empty/000001_init.down.sql']); // prettier-ignore
  });

  it.skipIf(!findPython())(
    'alembic: Alembic writes the revision from the project template',
    async () => {
      const dir = folder('alembic-project', path.join(REPO, 'test', 'fixtures'));
      const made = await ws.cli(['new', 'add widgets', '--migrations', dir, '--json']);
      expect(made.code, made.stderr).toBe(0);
      const out = parseJson<{ revision: string; files: string[]; parent: string }>(made.stdout);
      expect(out.parent).toBe('d4');
      const file = path.resolve(ws.dir, out.files[0] as string);
      expect(existsSync(file)).toBe(true);
      expect(readFileSync(file, 'utf8')).toContain(
        `revision = '${out.revision}'\ndown_revision = 'd4'`,
      );
      const history = await ws.cli(['history', '--migrations', dir, '--json']);
      expect(parseJson<{ heads: string[] }>(history.stdout).heads).toEqual([out.revision]);
    },
  );
});

describe('runbook history', () => {
  it('lists the graph in upgrade order with bases, merges, labels and heads', async () => {
    const dir = path.join(FIXTURES, 'skeldir');
    const r = await ws.cli(['history', '--migrations', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const h = parseJson<{
      heads: string[];
      bases: string[];
      entries: { revision: string; merge: boolean; head: boolean; branchLabels: string[] }[];
    }>(r.stdout);
    expect(h.heads).toEqual(['202512151400']);
    expect(h.bases.sort()).toEqual(['202512120900', 'baseline']);
    const order = h.entries.map((e) => e.revision);
    expect(order[order.length - 1]).toBe('202512151400');
    expect(order.indexOf('baseline')).toBeLessThan(order.indexOf('202511131115'));
    expect(h.entries.find((e) => e.revision === '202512151400')).toMatchObject({ merge: true, head: true, branchLabels: ['skeldir_foundation'] }); // prettier-ignore
    const text = await ws.cli(['history', '--migrations', dir]);
    expect(text.stdout).toContain(
      '202511131121, 202512151300 -> 202512151400 (head) (mergepoint) (label skeldir_foundation), Merge skeldir_foundation',
    );
  });

  it('is offline and refuses a broken history naming the file and line (exit 2)', async () => {
    const dir = path.join(ws.dir, 'broken');
    mkdirSync(dir);
    writeFileSync(path.join(dir, '001_a.sql'), '-- revision: a\n-- down_revision: zz\nSELECT 1;\n');
    const r = await ws.cli(['history', '--migrations', dir], { env: { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/x' } }); // prettier-ignore
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/001_a\.sql:2: down_revision "zz" of "a" is not a revision/);
  });
});
