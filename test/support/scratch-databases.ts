import pg from 'pg';
import { StepError } from '../../src/errors.js';
import { quoteIdent } from '../../src/postgres/quote.js';
import { withDatabase } from '../../src/postgres/url.js';
import { adminQuery, type TestDatabase } from './database.js';

/** Numbered scratch databases next to a test file's own database, and one-off queries on them. */
export interface ScratchDatabases {
  /** Creates `<db.name>_<n>` and returns its name (dropped with the test database's prefix). */
  fresh(): Promise<string>;
  /** Runs one query on `database` over a short-lived connection. */
  query(database: string, sql: string): Promise<pg.QueryResult>;
}

/** Scratch databases for the test database `db()` (a getter: it is created in `beforeAll`). */
export function scratchDatabases(db: () => TestDatabase): ScratchDatabases {
  let n = 0;
  return {
    async fresh() {
      const name = `${db().name}_${n++}`;
      await adminQuery(`CREATE DATABASE ${quoteIdent(name)}`);
      return name;
    },
    async query(database, sql) {
      const c = new pg.Client(withDatabase(db().adminUrl, database));
      await c.connect();
      try {
        return await c.query(sql);
      } finally {
        await c.end();
      }
    },
  };
}

/** Awaits `p` and returns the StepError it rejects with; fails the test if it resolves. */
export async function stepErrorOf(p: Promise<unknown>): Promise<StepError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StepError) return err;
    throw err;
  }
  throw new Error('expected a StepError');
}
