import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { replayRun } from '../../src/engine/replay-run.js';
import { withDatabase } from '../../src/postgres/url.js';
import { PgRunStore } from '../../src/runs/pg-run-store.js';
import { quoteIdent } from '../../src/postgres/quote.js';
import type { CliWorkspace } from './cli.js';
import { adminQuery, type TestDatabase } from './database.js';

/*
 * What the fleet tests share: a tiny golang-migrate history whose every migration records itself
 * in `applied` (so applying one twice shows), the procedure driving it, and the checks that every
 * target is at head, every migration applied once, and every run's log replays.
 */

/** The head version of {@link writeFleetProject}'s history. */
export const HEAD = 3;

/** Writes `migrations/` (3 golang-migrate files) and `procedures/up.yaml` into the workspace. */
export async function writeFleetProject(ws: CliWorkspace, role = 'staging'): Promise<void> {
  const dir = path.join(ws.dir, 'migrations');
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, '1_accounts.up.sql'),
    `CREATE TABLE IF NOT EXISTS accounts (id int PRIMARY KEY, email text);
CREATE TABLE applied (version int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
INSERT INTO applied (version) VALUES (1);
`,
  );
  await writeFile(
    path.join(dir, '2_unique_email.up.sql'),
    `CREATE UNIQUE INDEX accounts_email ON accounts (email);
INSERT INTO applied (version) VALUES (2);
`,
  );
  await writeFile(
    path.join(dir, '3_name.up.sql'),
    `ALTER TABLE accounts ADD COLUMN name text;
INSERT INTO applied (version) VALUES (3);
`,
  );
  await ws.writeProcedure(
    'up',
    `procedure: up
requires: { authority: local, role: ${role} }
params:
  database: { type: string }
  migrations: { type: path }
steps:
  - id: create-database
    do: database.create
    with: { name: "\${{ params.database }}" }
  - id: migrate
    do: migrations.upgrade
    with: { source: "\${{ params.migrations }}", layout: golang-migrate, database: "\${{ params.database }}" }
`,
  );
}

/** Runs one query on database `name` of the server `adminUrl`. */
export async function queryDb<R extends pg.QueryResultRow>(
  adminUrl: string,
  name: string,
  sql: string,
): Promise<R[]> {
  const c = new pg.Client(withDatabase(adminUrl, name));
  await c.connect();
  try {
    return (await c.query<R>(sql)).rows;
  } finally {
    await c.end();
  }
}

/**
 * Throws unless database `name` is at head with every migration applied exactly once: the
 * golang-migrate version row says HEAD, clean, and `applied` holds 1, 2, 3 once each.
 */
export async function expectAtHeadOnce(adminUrl: string, name: string): Promise<void> {
  const version = await queryDb<{ version: string; dirty: boolean }>(
    adminUrl,
    name,
    'SELECT version::text, dirty FROM schema_migrations',
  );
  const applied = await queryDb<{ version: number; n: number }>(
    adminUrl,
    name,
    'SELECT version, count(*)::int AS n FROM applied GROUP BY version ORDER BY version',
  );
  const got = JSON.stringify({ version, applied });
  const want = JSON.stringify({
    version: [{ version: String(HEAD), dirty: false }],
    applied: [1, 2, 3].map((v) => ({ version: v, n: 1 })),
  });
  if (got !== want) throw new Error(`${name}: ${got}, expected ${want}`);
}

/** Replays every run in `runIds` from the store (hash chain and machine); returns the statuses. */
export async function replayAll(storeUrl: string, runIds: readonly string[]): Promise<string[]> {
  return (await replayLogs(storeUrl, runIds)).map((r) => r.status);
}

/** Replays each run of `runIds` from the store: its status and its verified log's head. */
export async function replayLogs(
  storeUrl: string,
  runIds: readonly string[],
): Promise<{ status: string; lines: number; head: string }[]> {
  const store = new PgRunStore(storeUrl);
  try {
    const out: { status: string; lines: number; head: string }[] = [];
    for (const id of runIds) {
      const { status, lines, head } = await replayRun({ store, id });
      out.push({ status, lines, head });
    }
    return out;
  } finally {
    await store.close();
  }
}

/** A targets file listing databases `names` on the default server, migrations from the workspace. */
export async function writeTargets(ws: CliWorkspace, file: string, body: string): Promise<string> {
  const at = path.join(ws.dir, file);
  await writeFile(at, body);
  return at;
}

/** Drops the test database and every database named after it, a few at a time (a fleet has many). */
export async function dropAll(db: TestDatabase | undefined): Promise<void> {
  if (!db) return;
  const { rows } = await adminQuery<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE starts_with(datname, $1 || '_')`,
    [db.name],
  );
  const names = rows.map((r) => r.datname);
  const lane = async (): Promise<void> => {
    for (let n = names.pop(); n !== undefined; n = names.pop())
      await adminQuery(`DROP DATABASE IF EXISTS ${quoteIdent(n)} WITH (FORCE)`);
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  await db.drop();
}
