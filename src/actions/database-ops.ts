import type { ActionContext } from './types.js';
import type { JsonValue } from '../json.js';
import * as z from 'zod';
import { sqlState, StepError } from '../errors.js';
import type { Connections } from '../postgres/connections.js';
import { quoteIdent, quoteLiteral } from '../postgres/quote.js';
import { connectableDatabaseName } from './database-name.js';

/**
 * Server-level database DDL shared by `database.create`, `database.drop` and `database.recreate`.
 * Every statement is built with {@link quoteIdent}/{@link quoteLiteral} and runs on the
 * maintenance database; each function reconciles with `pg_database` before acting.
 */

/** A database name as PostgreSQL stores it: 1..63 bytes, no NUL (longer names are truncated). */
export const databaseName = z
  .string()
  .min(1)
  .refine((s) => Buffer.byteLength(s, 'utf8') <= 63, {
    message: 'a database name is at most 63 bytes (PostgreSQL would silently truncate it)',
  })
  .refine((s) => !s.includes('\0'), { message: 'a database name cannot contain NUL' })
  .describe('Database name (quoted, any characters)');

/**
 * The name of a database runbook creates (and then connects to): {@link connectableDatabaseName}.
 * Dropping keeps {@link databaseName}, so a database made elsewhere with `?` or `#` can go.
 */
export const newDatabaseName = connectableDatabaseName.describe(
  'Database name (quoted; any characters but ? and #)',
);

/** True when a database of exactly this name exists on the server. */
export async function databaseExists(db: Connections, name: string): Promise<boolean> {
  const { rowCount } = await db.ownQuery('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return (rowCount ?? 0) > 0;
}

/** Options of {@link createDatabase}. */
export interface CreateOptions {
  name: string;
  owner?: string | undefined;
  template?: string | undefined;
  encoding?: string | undefined;
}

/** Issues CREATE DATABASE (no existence check: callers reconcile first). */
export async function createDatabase(db: Connections, o: CreateOptions): Promise<void> {
  const clauses = [
    o.owner !== undefined ? `OWNER ${quoteIdent(o.owner)}` : '',
    o.template !== undefined ? `TEMPLATE ${quoteIdent(o.template)}` : '',
    o.encoding !== undefined ? `ENCODING ${quoteLiteral(o.encoding)}` : '',
  ].filter((c) => c !== '');
  const sql = `CREATE DATABASE ${quoteIdent(o.name)}${clauses.length ? ' ' + clauses.join(' ') : ''}`;
  await db.pool().query(sql);
}

/** Options of {@link dropDatabase}. */
export interface DropOptions {
  name: string;
  /** End other sessions on it (pg_terminate_backend, then DROP ... WITH (FORCE)). */
  terminateConnections: boolean;
}

/** What {@link dropDatabase} did. */
export interface DropOutcome {
  dropped: boolean;
  /** Sessions ended with pg_terminate_backend. */
  terminated: number;
}

/**
 * Drops a database if it exists. Refuses the maintenance database (we stand on it). Closes our own
 * pool of it first. Without `terminateConnections`, another session on it fails the step with
 * SQLSTATE 55006 and a hint to set `terminate_connections: true`.
 */
export async function dropDatabase(db: Connections, o: DropOptions): Promise<DropOutcome> {
  if (o.name === db.maintenanceDatabase) {
    throw new StepError(
      'MAINTENANCE_DATABASE',
      `refusing to drop "${o.name}": it is the maintenance database of the connection URL`,
      { hint: 'point --database-url at another database (e.g. postgres) to drop this one' },
    );
  }
  await db.close(o.name);
  if (!(await databaseExists(db, o.name))) return { dropped: false, terminated: 0 };
  const pool = db.pool();
  let terminated = 0;
  let force = false;
  if (o.terminateConnections) {
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n
         FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [o.name],
    );
    terminated = Number(rows[0]?.n ?? 0);
    const version = await pool.query<{ v: string }>(
      `SELECT current_setting('server_version_num') AS v`,
    );
    // WITH (FORCE) exists from PostgreSQL 13; it also stops sessions that connect meanwhile.
    force = Number(version.rows[0]?.v ?? 0) >= 130000;
  }
  const sql = `DROP DATABASE IF EXISTS ${quoteIdent(o.name)}${force ? ' WITH (FORCE)' : ''}`;
  try {
    await pool.query(sql);
  } catch (err) {
    const e = err as { code?: string; message: string; detail?: string };
    if (e.code === '55006') {
      throw new StepError(
        sqlState('55006'),
        e.message,
        {
          ...(e.detail !== undefined ? { detail: e.detail } : {}),
          hint: 'other sessions are connected: set terminate_connections: true to end them',
          statement: sql,
        },
        { cause: err },
      );
    }
    throw err;
  }
  return { dropped: true, terminated };
}

/**
 * The mark a database action left in its step checkpoint on an earlier attempt (an object), or
 * an empty object: how a re-invoked step recognises work it already did.
 */
export function checkpointMark(ctx: ActionContext): { [key: string]: JsonValue } {
  const mark = ctx.checkpoint.read();
  return typeof mark === 'object' && mark !== null && !Array.isArray(mark) ? mark : {};
}
