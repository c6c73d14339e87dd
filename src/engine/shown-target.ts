import { withDatabase } from '../postgres/url.js';

/**
 * The database a procedure works on: its `database` param when it has one (the same one the
 * run's advisory lock is keyed on), else none — it then works on the server's maintenance database.
 */
export function workingDatabase(params: Readonly<Record<string, unknown>>): string | undefined {
  return Object.hasOwn(params, 'database') && typeof params.database === 'string'
    ? params.database
    : undefined;
}

/**
 * What `run`, `resume` and `replay` show as a run's target: the server URL (its password already
 * redacted) pointed at the database the procedure works on, which is not the maintenance database
 * the URL names (`…/postgres`). A URL that cannot be rewritten is shown as it is.
 */
export function shownTargetUrl(
  redactedServerUrl: string,
  params: Readonly<Record<string, unknown>>,
): string {
  const database = workingDatabase(params);
  if (database === undefined) return redactedServerUrl;
  try {
    return withDatabase(redactedServerUrl, database);
  } catch {
    return redactedServerUrl;
  }
}

/**
 * What `inspect` shows as a run's target: `user@host:port/database` with the database the
 * procedure works on, and the maintenance database the server URL names when it differs.
 */
export function shownTarget(
  target: { host: string; port: number; database: string; user: string },
  params: Readonly<Record<string, unknown>>,
): string {
  const database = workingDatabase(params) ?? target.database;
  const server = `${target.user ? `${target.user}@` : ''}${target.host}:${target.port}`;
  return `${server}/${database}${database === target.database ? '' : `  (server URL names ${target.database})`}`;
}
