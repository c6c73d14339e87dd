import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './support/cli.js';
import { uniqueName } from './support/database.js';
import {
  createDatabase,
  createProcedureCli,
  databaseExists,
  databaseUrl,
  dropDatabases,
  execSql,
  queryRows,
  type ProcedureCli,
} from './support/procedure-cli.js';

// The real dbmate binary, installed from npm as a dev dependency (package `dbmate`).
const DBMATE = path.join(REPO, 'node_modules', '.bin', 'dbmate');
const FIXTURE = path.resolve('test/fixtures/migrations/dbmate');
const FILES = [
  '20240101000000_create_users.sql',
  '20240102000000_add_email.sql',
  '20240103000000_index_email.sql',
];
const VERSIONS = FILES.map((f) => f.slice(0, 14));

let cli: ProcedureCli;
const created: string[] = [];

beforeAll(async () => {
  cli = await createProcedureCli();
});
afterAll(async () => {
  await dropDatabases(created);
  await cli?.dispose();
});

async function fresh(prefix: string): Promise<string> {
  const d = uniqueName(prefix);
  created.push(d);
  await createDatabase(d);
  return d;
}

/** A copy of the fixture holding its first `n` files (what a checkout at that point holds). */
function firstFiles(n: number): string {
  const dir = path.join(cli.ws.dir, `dbmate-first-${n}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  for (const f of FILES.slice(0, n)) copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  return dir;
}

/** `dbmate up` with the real binary, as its users run it (DATABASE_URL, no schema dump). */
async function dbmateUp(database: string, dir: string): Promise<string> {
  const url = new URL(databaseUrl(database));
  url.searchParams.set('sslmode', 'disable');
  const { stdout } = await promisify(execFile)(
    DBMATE,
    ['--no-dump-schema', '--migrations-dir', dir, 'up'],
    { env: { ...process.env, DATABASE_URL: url.toString() } },
  );
  return stdout;
}

function upgrade(database: string, dir: string, ...extra: string[]) {
  return cli.runbook([
    'run', 'upgrade', '--param', `database=${database}`, '--param', `migrations=${dir}`, ...extra,
  ]); // prettier-ignore
}

/** schema_migrations as a catalog sees it: columns, constraints, indexes, rows. */
async function versionTable(database: string): Promise<unknown> {
  return {
    columns: await queryRows(
      database,
      `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
         FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'schema_migrations' ORDER BY ordinal_position`,
    ),
    constraints: await queryRows(
      database,
      `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE conrelid = 'public.schema_migrations'::regclass ORDER BY 1`,
    ),
    indexes: await queryRows(
      database,
      `SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'schema_migrations'`,
    ),
    rows: await queryRows(database, 'SELECT version FROM public.schema_migrations ORDER BY 1'),
  };
}

/** What the fixture's up blocks leave (and its down blocks would have removed). */
async function userSchema(database: string): Promise<unknown> {
  return {
    columns: await queryRows(
      database,
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1`,
    ),
    rows: await queryRows(database, 'SELECT name, email FROM users ORDER BY id'),
    index: await queryRows(
      database,
      `SELECT indexname FROM pg_indexes WHERE tablename = 'users' AND indexname = 'users_email'`,
    ),
  };
}

describe.skipIf(!existsSync(DBMATE))('dbmate layout, against the real dbmate binary', () => {
  it('is detected and applied, up blocks only, recorded exactly as dbmate records it alone', async () => {
    const ours = await fresh('rb_dbmate_ours');
    const theirs = await fresh('rb_dbmate_theirs');
    const run = await upgrade(ours, FIXTURE);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const applied = cli.events(cli.lastRunId()).filter((e) => e.type === 'migration.applied');
    expect(applied.map((e) => e.data.revision)).toEqual(VERSIONS);
    expect(cli.events(cli.lastRunId()).find((e) => e.type === 'run.started')).toBeDefined();
    await dbmateUp(theirs, FIXTURE);
    expect(await versionTable(ours)).toEqual(await versionTable(theirs));
    expect(await userSchema(ours)).toEqual(await userSchema(theirs));
    expect(await userSchema(ours)).toEqual({
      columns: [{ column_name: 'email' }, { column_name: 'id' }, { column_name: 'name' }],
      rows: [{ name: 'ada', email: 'ada@example.com' }],
      index: [{ indexname: 'users_email' }],
    });
    // And dbmate, run after runbook, finds nothing to do.
    expect(await dbmateUp(ours, FIXTURE)).not.toContain('Applying');
  });

  it('dbmate continues where runbook stopped, nothing re-applied', async () => {
    const d = await fresh('rb_dbmate_then');
    const run = await upgrade(d, FIXTURE, '--param', 'target=+1');
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const out = await dbmateUp(d, FIXTURE);
    expect(out.match(/Applying: .*/g)).toEqual([`Applying: ${FILES[1]}`, `Applying: ${FILES[2]}`]);
    expect((await versionTable(d)) as { rows: unknown }).toMatchObject({
      rows: VERSIONS.map((version) => ({ version })),
    });
    expect(await queryRows(d, 'SELECT count(*)::int AS n FROM users')).toEqual([{ n: 1 }]);
  });

  it('runbook continues where dbmate stopped, nothing re-applied', async () => {
    const d = await fresh('rb_dbmate_after');
    const alone = await fresh('rb_dbmate_alone');
    await dbmateUp(d, firstFiles(2));
    const run = await upgrade(d, FIXTURE);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const applied = cli.events(cli.lastRunId()).filter((e) => e.type === 'migration.applied');
    expect(applied.map((e) => e.data.revision)).toEqual([VERSIONS[2]]);
    await dbmateUp(alone, FIXTURE);
    expect(await versionTable(d)).toEqual(await versionTable(alone));
    expect(await userSchema(d)).toEqual(await userSchema(alone));
  });

  it('a file added below applied ones (a gap) is applied, as dbmate applies it', async () => {
    const ours = await fresh('rb_dbmate_gap');
    const theirs = await fresh('rb_dbmate_gap_tool');
    const dir = firstFiles(3);
    const gap = path.join(dir, '20240101500000_gap.sql');
    for (const d of [ours, theirs]) {
      const without = firstFiles(3);
      await dbmateUp(d, without);
    }
    writeFileSync(
      gap,
      '-- migrate:up\nCREATE TABLE gap (id int);\n-- migrate:down\nDROP TABLE gap;\n',
    );
    const run = await upgrade(ours, dir);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const applied = cli.events(cli.lastRunId()).filter((e) => e.type === 'migration.applied');
    expect(applied.map((e) => e.data.revision)).toEqual(['20240101500000']);
    expect(await dbmateUp(theirs, dir)).toMatch(/Applying: 20240101500000_gap\.sql/);
    expect(await versionTable(ours)).toEqual(await versionTable(theirs));
    expect(await queryRows(ours, `SELECT to_regclass('gap') IS NOT NULL AS made`)).toEqual([
      { made: true },
    ]);
  });

  it('refuses a file without its down block, naming it, with nothing executed', async () => {
    const d = uniqueName('rb_dbmate_bad');
    const dir = firstFiles(1);
    writeFileSync(
      path.join(dir, '20240102000000_no_down.sql'),
      '-- migrate:up\nCREATE TABLE nope (id int);\n',
    );
    const run = await upgrade(d, dir);
    expect(run.code).toBe(2);
    expect(run.stderr + run.stdout).toMatch(/20240102000000_no_down\.sql.*migrate:down/);
    expect(await databaseExists(d)).toBe(false);
  });

  it('refuses what dbmate refuses, naming file and line', async () => {
    const cases: [string, RegExp][] = [
      ['CREATE TABLE early (id int);\n-- migrate:up\nSELECT 1;\n-- migrate:down\n', /_bad\.sql:1:\d+: .*a statement precedes/],
      ['-- migrate:down\n-- migrate:up\nSELECT 2;\n', /_bad\.sql:2:\d+: .*needs a down block .* after '-- migrate:up'/],
      ['-- migrate:up\nSELECT 1;\n-- migrate:down\n\n-- migrate:up\nSELECT 2;\n-- migrate:down\n', /_bad\.sql:5:\d+: .*a second '-- migrate:up' section/],
    ]; // prettier-ignore
    for (const [text, pattern] of cases) {
      const d = uniqueName('rb_dbmate_bad');
      const dir = firstFiles(1);
      writeFileSync(path.join(dir, '20240102000000_bad.sql'), text);
      const run = await upgrade(d, dir);
      expect(run.code, run.stdout).toBe(2);
      expect(run.stderr + run.stdout).toMatch(pattern);
      expect(await databaseExists(d)).toBe(false);
    }
    const d = uniqueName('rb_dbmate_dup');
    const dir = firstFiles(1);
    writeFileSync(path.join(dir, '20240101000000_again.sql'), '-- migrate:up\n-- migrate:down\n');
    const run = await upgrade(d, dir);
    expect(run.code).toBe(2);
    expect(run.stderr + run.stdout).toMatch(/duplicate version 20240101000000/);
  });

  it('keeps a version as written (leading zeros), as dbmate does', async () => {
    const ours = await fresh('rb_dbmate_zero');
    const theirs = await fresh('rb_dbmate_zero_tool');
    const dir = path.join(cli.ws.dir, 'dbmate-zeros');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, '001_a.sql'),
      '-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n',
    );
    writeFileSync(
      path.join(dir, '0002-b.sql'),
      '-- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\nDROP TABLE b;\n',
    );
    const run = await upgrade(ours, dir);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    await dbmateUp(theirs, dir);
    expect(await versionTable(ours)).toEqual(await versionTable(theirs));
    expect((await versionTable(ours)) as { rows: unknown }).toMatchObject({
      rows: [{ version: '0002' }, { version: '001' }],
    });
  });

  it('refuses golang-migrate’s schema_migrations instead of misreading it', async () => {
    const d = await fresh('rb_dbmate_foreign');
    await execSql(
      d,
      'CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); ' +
        'INSERT INTO schema_migrations VALUES (20240101000000, false)',
    );
    const run = await upgrade(d, FIXTURE);
    expect(run.code).not.toBe(0);
    expect(run.stderr + run.stdout).toMatch(
      /not dbmate's version table \(columns: version, dirty\)/,
    );
    expect(await queryRows(d, `SELECT to_regclass('users') AS t`)).toEqual([{ t: null }]);
  });
});
