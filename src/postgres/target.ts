import pg from 'pg';
import { parseDatabaseUrl, redactDatabaseUrl } from './url.js';

/** The parts of a PostgreSQL URL that identify a target (never the password). */
export interface DatabaseTargetInfo {
  host: string;
  port: number;
  database: string;
  user: string;
}

/**
 * Connection keywords that libpq (pg_dump, psql, a shell step's tools) honours in a URL's query but
 * node-postgres ignores: with them the two would reach different servers or databases, so the
 * target the authority check verifies would not be the one every tool uses.
 */
const LIBPQ_ONLY_TARGET_KEYS = ['hostaddr', 'service', 'servicefile', 'dbname'] as const;

/**
 * Host, port, database and user that node-postgres will actually connect to for `url`, resolved by
 * node-postgres itself (its `ConnectionParameters`): after the query string's `host=`/`port=`, a
 * `%2F`-encoded or `?host=/dir` unix socket, and PGHOST/PGPORT/PGDATABASE/PGUSER of this process
 * for whatever the URL leaves out. Throws (naming the problem, never the password) for a URL that
 * does not parse, a port that is not a number, or a query key only libpq would honour.
 */
export function describeTarget(url: string): DatabaseTargetInfo {
  const u = parseDatabaseUrl(url);
  const libpqOnly = LIBPQ_ONLY_TARGET_KEYS.filter((k) => u.searchParams.has(k));
  if (libpqOnly.length > 0) {
    throw new Error(
      `the URL's query sets ${libpqOnly.map((k) => `${k}=`).join(', ')}, which node-postgres ignores but ` +
        `libpq tools honour, so the server or database it names cannot be verified: put the host, port ` +
        `and database in the URL itself: ${redactDatabaseUrl(url)}`,
    );
  }
  // Constructing a client only resolves its parameters; nothing connects.
  const client = new pg.Client({ connectionString: url });
  const port = Number(client.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`the URL's port is not a port number: ${redactDatabaseUrl(url)}`);
  }
  return {
    host: client.host || 'localhost',
    port,
    database: client.database ?? client.user ?? 'postgres',
    user: client.user ?? '',
  };
}

/**
 * Where the host node-postgres will use comes from, for messages: the URL's `?host=` parameter,
 * PGHOST of this process (when the URL names no host), or the URL itself.
 */
export function hostSource(url: string): string {
  const u = parseDatabaseUrl(url);
  if (u.searchParams.get('host')) return "the URL's ?host= parameter";
  if (u.hostname === '' && process.env.PGHOST) return 'PGHOST';
  return 'the URL';
}
