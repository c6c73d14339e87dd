import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { quoteIdent } from '../../src/postgres/quote.js';
import { withDatabase } from '../../src/postgres/url.js';

/** A database created for one test file. */
export interface TestDatabase {
  /** Its name (unique per test file and run). */
  name: string;
  /** URL of this database. */
  url: string;
  /** URL of the server's maintenance database (what `--database-url` takes). */
  adminUrl: string;
  /** Runs one query on this database. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** Drops it (and any database whose name starts with its name, e.g. scratch DBs). */
  drop(): Promise<void>;
}

/** Admin URL of the test server (see global-setup.ts). */
export function adminUrl(): string {
  return inject('adminUrl');
}

/** Runs SQL on the maintenance database of the test server. */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  values?: unknown[],
): Promise<pg.QueryResult<R>> {
  const client = new pg.Client(adminUrl());
  await client.connect();
  try {
    return await client.query<R>(sql, values);
  } finally {
    await client.end();
  }
}

/** A fresh, unique database name with the given prefix (lowercase, safe). */
export function uniqueName(prefix: string): string {
  return `${prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 40)}_${randomBytes(3).toString('hex')}`;
}

/** Creates this test file's own database. Call in `beforeAll`, `drop()` in `afterAll`. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  await adminQuery(`CREATE DATABASE ${quoteIdent(name)}`);
  const url = withDatabase(adminUrl(), name);
  return {
    name,
    url,
    adminUrl: adminUrl(),
    async query(sql, values) {
      const client = new pg.Client(url);
      await client.connect();
      try {
        return await client.query(sql, values);
      } finally {
        await client.end();
      }
    },
    async drop() {
      const { rows } = await adminQuery<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $1 || '_')`,
        [name],
      );
      for (const r of rows)
        await adminQuery(`DROP DATABASE IF EXISTS ${quoteIdent(r.datname)} WITH (FORCE)`);
    },
  };
}
