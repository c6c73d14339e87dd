import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from './support/database.js';
import {
  createProcedureCli,
  databaseExists,
  dropDatabases,
  queryRows,
  type ProcedureCli,
} from './support/procedure-cli.js';

let cli: ProcedureCli;
const created: string[] = [];

beforeAll(async () => {
  cli = await createProcedureCli();
});
afterAll(async () => {
  await dropDatabases(created);
  await cli?.dispose();
});

/** Writes `files` (relative path → SQL) under the workspace folder `name`; returns its path. */
function tree(name: string, files: Record<string, string>): string {
  const root = path.join(cli.ws.dir, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  mkdirSync(root, { recursive: true });
  return root;
}

/** `run upgrade` of `migrations` into a fresh database; returns the run and the database. */
async function upgrade(migrations: string) {
  const database = uniqueName('rb_links');
  created.push(database);
  const run = await cli.runbook([
    'run', 'upgrade', '--param', `database=${database}`, '--param', `migrations=${migrations}`,
  ]); // prettier-ignore
  return { run, database };
}

async function tablesOf(database: string): Promise<string[]> {
  const rows = await queryRows<{ t: string }>(
    database,
    `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'l\\_%' ORDER BY 1`,
  );
  return rows.map((r) => r.t);
}

const alembic = (id: string, down: string, table: string): string =>
  `-- revision: ${id}\n-- down_revision: ${down}\nCREATE TABLE ${table} (id int);\n`;

describe('symlinked migration files and folders are applied, as the tools apply them', () => {
  it('alembic-sql: a linked file and a linked folder', async () => {
    const shared = tree('alembic-shared', {
      'b.sql': alembic('002_b', '001_a', 'l_b'),
      'more/c.sql': alembic('003_c', '002_b', 'l_c'),
    });
    const dir = tree('alembic-links', { 'a.sql': alembic('001_a', '', 'l_a') });
    symlinkSync(path.join(shared, 'b.sql'), path.join(dir, 'b.sql'));
    symlinkSync(path.join(shared, 'more'), path.join(dir, 'more'));
    const { run, database } = await upgrade(dir);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(await tablesOf(database)).toEqual(['l_a', 'l_b', 'l_c']);
    expect(await queryRows(database, 'SELECT version_num FROM alembic_version')).toEqual([
      { version_num: '003_c' },
    ]);
  });

  it('golang-migrate: a linked file, in a migrations folder that is itself a link', async () => {
    const shared = tree('golang-shared', { '2_b.up.sql': 'CREATE TABLE l_b (id int);\n' });
    const dir = tree('golang-real', { '1_a.up.sql': 'CREATE TABLE l_a (id int);\n' });
    symlinkSync(path.join(shared, '2_b.up.sql'), path.join(dir, '2_b.up.sql'));
    const link = path.join(cli.ws.dir, 'golang-link');
    symlinkSync(dir, link);
    const { run, database } = await upgrade(link);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(await tablesOf(database)).toEqual(['l_a', 'l_b']);
    expect(await queryRows(database, 'SELECT version FROM schema_migrations')).toEqual([
      { version: '2' },
    ]);
  });

  it('diesel: a linked migration folder and a linked up.sql', async () => {
    const shared = tree('diesel-shared', {
      '2024-01-02-000002_b/up.sql': 'CREATE TABLE l_b (id int);\n',
      'c.sql': 'CREATE TABLE l_c (id int);\n',
    });
    const dir = tree('diesel-links', {
      '2024-01-01-000001_a/up.sql': 'CREATE TABLE l_a (id int);\n',
      '2024-01-03-000003_c/down.sql': 'DROP TABLE l_c;\n',
    });
    symlinkSync(path.join(shared, '2024-01-02-000002_b'), path.join(dir, '2024-01-02-000002_b'));
    symlinkSync(path.join(shared, 'c.sql'), path.join(dir, '2024-01-03-000003_c', 'up.sql'));
    const { run, database } = await upgrade(dir);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(await tablesOf(database)).toEqual(['l_a', 'l_b', 'l_c']);
    const versions = await queryRows<{ version: string }>(
      database,
      'SELECT version FROM __diesel_schema_migrations ORDER BY 1',
    );
    expect(versions.map((v) => v.version)).toEqual([
      '20240101000001',
      '20240102000002',
      '20240103000003',
    ]);
  });

  it('prisma: a linked migration folder and a linked migration.sql', async () => {
    const shared = tree('prisma-shared', {
      '20240102000000_b/migration.sql': 'CREATE TABLE l_b (id int);\n',
      'c.sql': 'CREATE TABLE l_c (id int);\n',
    });
    const dir = tree('prisma-links', {
      '20240101000000_a/migration.sql': 'CREATE TABLE l_a (id int);\n',
      'migration_lock.toml': 'provider = "postgresql"\n',
    });
    mkdirSync(path.join(dir, '20240103000000_c'));
    symlinkSync(path.join(shared, '20240102000000_b'), path.join(dir, '20240102000000_b'));
    symlinkSync(path.join(shared, 'c.sql'), path.join(dir, '20240103000000_c', 'migration.sql'));
    const { run, database } = await upgrade(dir);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(await tablesOf(database)).toEqual(['l_a', 'l_b', 'l_c']);
    const names = await queryRows<{ n: string }>(
      database,
      'SELECT migration_name AS n FROM _prisma_migrations ORDER BY 1',
    );
    expect(names.map((r) => r.n)).toEqual([
      '20240101000000_a',
      '20240102000000_b',
      '20240103000000_c',
    ]);
  });
});

describe('symlinks that lead nowhere are refused, never skipped', () => {
  it('a folder link back to its own parent: exit 2 naming the link, nothing created', async () => {
    const dir = tree('loop', { 'a.sql': alembic('001_a', '', 'l_a') });
    symlinkSync(dir, path.join(dir, 'again'));
    const { run, database } = await upgrade(dir);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/loop\/again.*symlink loop/);
    expect(await databaseExists(database)).toBe(false);
  });

  it('a link to itself and a dangling link: exit 2 naming each', async () => {
    const self = tree('self-link', { 'a.sql': alembic('001_a', '', 'l_a') });
    symlinkSync('b.sql', path.join(self, 'b.sql'));
    const one = await upgrade(self);
    expect(one.run.code, one.run.stderr).toBe(2);
    expect(one.run.stderr).toMatch(/self-link\/b\.sql.*symlink loop/);
    const dangling = tree('dangling', { 'a.sql': alembic('001_a', '', 'l_a') });
    symlinkSync(path.join(cli.ws.dir, 'nowhere.sql'), path.join(dangling, 'b.sql'));
    const two = await upgrade(dangling);
    expect(two.run.code, two.run.stderr).toBe(2);
    expect(two.run.stderr).toMatch(/dangling\/b\.sql.*broken symlink/);
    expect(await databaseExists(one.database)).toBe(false);
    expect(await databaseExists(two.database)).toBe(false);
  });
});
