import { appendFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, parseJson, REPO, waitFor, type CliWorkspace } from './support/cli.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';
import { quoteIdent } from '../src/postgres/quote.js';
import { withDatabase } from '../src/postgres/url.js';

let db: TestDatabase;
let ws: CliWorkspace;
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'migrations');

interface Status {
  ok: boolean;
  target: string;
  layout: string;
  databaseExists: boolean;
  versionTable: { name: string; exists: boolean };
  rows: string[];
  applied: { revision: string }[];
  pending: { revision: string }[];
  changed: { revision: string; recordedBy: { run?: string; table?: string } }[];
  checksumBasis: string;
  checksumsRecorded: number;
  unknown: string[];
  inDoubt: { revision: string; reason: string }[];
  upToDate: boolean;
}

beforeAll(async () => {
  db = await createTestDatabase('cli_status');
  ws = await createCliWorkspace('runbook-status-');
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

/** A copy of a fixture folder in the workspace (the tests change files). */
function folder(fixture: string): string {
  const dir = path.join(ws.dir, fixture);
  cpSync(path.join(FIXTURES, fixture), dir, { recursive: true });
  return dir;
}

async function createDb(suffix: string): Promise<string> {
  const name = `${db.name}_${suffix}`;
  await adminQuery(`CREATE DATABASE ${quoteIdent(name)}`);
  return name;
}

async function query(database: string, sql: string): Promise<Record<string, unknown>[]> {
  const pg = (await import('pg')).default;
  const client = new pg.Client(withDatabase(db.adminUrl, database));
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

const status = async (dir: string, database: string, extra: string[] = []) => {
  const r = await ws.cli([
    'status',
    '--migrations',
    dir,
    '--database',
    database,
    '--database-url',
    db.adminUrl,
    '--json',
    ...extra,
  ]);
  return { ...r, json: r.code === 0 || r.code === 1 ? parseJson<Status>(r.stdout) : undefined };
};

const upgrade = (dir: string, database: string) =>
  ws.cli([
    'run',
    'upgrade',
    '--procedures',
    path.join(REPO, 'procedures'),
    '--param',
    `database=${database}`,
    '--param',
    `migrations=${dir}`,
    '--database-url',
    db.adminUrl,
  ]);

describe('runbook status', () => {
  it('golang-migrate: pending, then up to date, then a changed file, a dirty row, an unknown version', async () => {
    const dir = folder('golang');
    const database = await createDb('golang');

    const fresh = await status(dir, database);
    expect(fresh.code, fresh.stderr).toBe(1);
    expect(fresh.json?.versionTable).toEqual({ name: 'schema_migrations', exists: false });
    expect(fresh.json?.pending.map((m) => m.revision)).toEqual(['1', '2', '10']);
    // Read-only: the version table was not created.
    expect(await query(database, `SELECT to_regclass('schema_migrations') AS t`)).toEqual([
      { t: null },
    ]);

    const run = await upgrade(dir, database);
    expect(run.code, run.stderr).toBe(0);
    const done = await status(dir, database);
    expect(done.code, done.stdout).toBe(0);
    expect(done.json).toMatchObject({
      upToDate: true,
      checksumBasis: 'earlier-runs',
      checksumsRecorded: 3,
    });
    expect(done.json?.applied.map((m) => m.revision)).toEqual(['1', '2', '10']);

    appendFileSync(path.join(dir, '1_create_users.up.sql'), '\n-- edited after it was applied\n');
    const changed = await status(dir, database);
    expect(changed.code).toBe(1);
    expect(changed.json?.changed).toEqual([
      expect.objectContaining({ revision: '1', recordedBy: { run: ws.runIds()[0] } }),
    ]);
    const text = await ws.cli(['status', '--migrations', dir, '--database', database, '--database-url', db.adminUrl]); // prettier-ignore
    expect(text.stdout).toMatch(/CHANGED since applied \(1\):\n {2}1_create_users\.up\.sql/);
    expect(text.stdout).toContain(
      'checksums recorded by earlier runs in the runs folder (3 of 3 applied)',
    );

    await query(database, `UPDATE schema_migrations SET version = 10, dirty = true`);
    const dirty = await status(dir, database);
    expect(dirty.code).toBe(1);
    expect(dirty.json?.inDoubt).toEqual([
      expect.objectContaining({ revision: '10', reason: 'dirty-row' }),
    ]);
    expect(dirty.json?.pending).toEqual([]);
    expect(dirty.json?.applied.map((m) => m.revision)).toEqual(['1', '2']);

    await query(database, `UPDATE schema_migrations SET version = 99, dirty = false`);
    const unknown = await status(dir, database);
    expect(unknown.code).toBe(1);
    expect(unknown.json?.unknown).toEqual(['99']);

    // dbmate's folder against golang-migrate's table of the same name: refused, not misread.
    const foreign = await ws.cli(['status', '--migrations', folder('dbmate'), '--database', database, '--database-url', db.adminUrl]); // prettier-ignore
    expect(foreign.code).toBe(3);
    expect(foreign.stderr).toMatch(
      /refused \(VERSION_TABLE_FOREIGN\)[\s\S]*not dbmate's version table/,
    );
  });

  it("prisma: judges changed files by _prisma_migrations' own checksums and reports a failed row", async () => {
    const dir = folder('prisma');
    const database = await createDb('prisma');
    expect((await upgrade(dir, database)).code).toBe(0);
    // Another runs folder: no earlier run to compare with, only the table's checksums.
    const elsewhere = ['--runs-dir', path.join(ws.dir, 'other-runs')];
    const clean = await status(dir, database, elsewhere);
    expect(clean.code, clean.stdout).toBe(0);
    expect(clean.json).toMatchObject({ checksumBasis: 'version-table', checksumsRecorded: 3 });

    await query(database, `UPDATE _prisma_migrations SET checksum = repeat('0', 64) WHERE migration_name = '20240102000000_posts'`); // prettier-ignore
    // What Prisma leaves after a failure: started, neither finished nor rolled back.
    await query(database, `UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = '20240103000000_index'`); // prettier-ignore
    const bad = await status(dir, database, elsewhere);
    expect(bad.code).toBe(1);
    expect(bad.json?.changed).toEqual([
      expect.objectContaining({
        revision: '20240102000000_posts',
        recordedBy: { table: '_prisma_migrations' },
      }),
    ]);
    expect(bad.json?.inDoubt).toEqual([
      expect.objectContaining({ revision: '20240103000000_index', reason: 'dirty-row' }),
    ]);
    expect(bad.json?.pending).toEqual([]);
  });

  it('a run killed inside a non-transactional migration leaves it in doubt', async () => {
    const dir = path.join(ws.dir, 'slow');
    mkdirSync(dir);
    writeFileSync(path.join(dir, '001_a.sql'), '-- revision: 001_a\n-- down_revision:\nCREATE TABLE a (id int);\n'); // prettier-ignore
    writeFileSync(path.join(dir, '002_slow.sql'), '-- revision: 002_slow\n-- down_revision: 001_a\n-- transaction: false\nSELECT pg_sleep(30);\n'); // prettier-ignore
    const database = await createDb('interrupted');
    const before = new Set(ws.runIds());
    const child = ws.start(['run', 'upgrade', '--procedures', path.join(REPO, 'procedures'), '--param', `database=${database}`, '--param', `migrations=${dir}`, '--database-url', db.adminUrl]); // prettier-ignore
    const runId = await waitFor('the slow migration in flight', () => {
      const id = ws.runIds().find((r) => !before.has(r));
      if (!id) return undefined;
      const snap = JSON.parse(readFileSync(path.join(ws.runsDir, id, 'snapshot.json'), 'utf8')) as {
        progress: { migrate?: { inflight?: { revision: string } } };
      };
      return snap.progress.migrate?.inflight?.revision === '002_slow' ? id : undefined;
    });
    child.child.kill('SIGKILL');
    await child.done;
    try {
      const s = await status(dir, database);
      expect(s.code).toBe(1);
      expect(s.json?.applied.map((m) => m.revision)).toEqual(['001_a']);
      expect(s.json?.inDoubt).toEqual([
        { revision: '002_slow', file: '002_slow.sql', reason: 'interrupted-run', run: runId },
      ]);
      expect(s.json?.pending).toEqual([]);
    } finally {
      await adminQuery(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`,
        [database],
      );
    }
  });

  it('a database that does not exist: every migration pending, nothing created, password never shown', async () => {
    const dir = folder('dbmate');
    const runsBefore = ws.runIds();
    const missing = `${db.name}_missing`;
    const url = db.adminUrl.replace('://postgres@', '://postgres:s3cret-pw@');
    const r = await ws.cli(['status', '--migrations', dir, '--database', missing, '--database-url', url]); // prettier-ignore
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain(`database ${missing} does not exist: every migration is pending`);
    expect(r.stdout + r.stderr).not.toContain('s3cret-pw');
    expect(r.stdout).toContain('postgres:***@');
    const { rows } = await adminQuery(`SELECT 1 FROM pg_database WHERE datname = $1`, [missing]);
    expect(rows).toEqual([]);
    expect(ws.runIds()).toEqual(runsBefore); // status records no run
  });

  it('bad input exits 2 naming the flag; nothing is read', async () => {
    const layout = await ws.cli(['status', '--migrations', 'x', '--layout', 'flyway', '--database-url', db.adminUrl]); // prettier-ignore
    expect(layout.code).toBe(2);
    expect(layout.stderr).toContain('--layout: unknown layout "flyway"');
    const nofolder = await ws.cli(['status', '--migrations', path.join(ws.dir, 'nope'), '--database-url', db.adminUrl]); // prettier-ignore
    expect(nofolder.code).toBe(2);
    expect(nofolder.stderr).toMatch(/--migrations: migration source .*nope does not exist/);
  });
});
