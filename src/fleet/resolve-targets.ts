import { InvalidInputError } from '../errors.js';
import { Connections } from '../postgres/connections.js';
import { parseDatabaseUrl, redactDatabaseUrl, withDatabase } from '../postgres/url.js';
import type { TargetParamValue, TargetsFile } from './targets-file.js';

/** One target of a fleet, ready to drive: a server, and the params of its run. */
export interface ResolvedTarget {
  /** How the target is shown: its database name, or `host:port/database` for a URL target. */
  name: string;
  /** The server URL (maintenance database) the run connects to; may hold a password (never stored). */
  serverUrl: string;
  /** `host:port` of the server: the per-server concurrency limit counts by it. */
  serverKey: string;
  /** The run's raw `--param` values (`database` names the target database). */
  params: Record<string, string>;
}

function asParam(v: TargetParamValue): string {
  return typeof v === 'string' ? v : String(v);
}

/** `host:port` of a server URL. */
export function serverKeyOf(url: string): string {
  const u = parseDatabaseUrl(url);
  return `${u.hostname || 'localhost'}:${u.port || '5432'}`;
}

/** The maintenance-database URL of a server: same credentials, database `postgres`. */
function maintenance(url: string): string {
  return withDatabase(url, 'postgres');
}

/**
 * Turns a validated targets file into targets, in file order: a `database:` entry runs on the
 * default server (the file's `server:`, else `defaultServer`), a `url:` entry on its own server
 * with `database` set to the URL's database, a `query:` entry becomes one target per row (the
 * first column, a database name) on its server. Params: `defaults` (the configuration's), then the file's, then the entry's, then
 * `overrides` (the `--param`s of the command), then `database`. Throws {@link InvalidInputError}
 * when no server is known, a query fails or lists nothing, or two targets name one database.
 */
export async function resolveTargets(
  targets: TargetsFile,
  defaultServer: string | undefined,
  overrides: Record<string, string>,
  defaults: Record<string, string> = {},
): Promise<ResolvedTarget[]> {
  const server = targets.server ?? defaultServer;
  const noServer = (at: string): InvalidInputError =>
    new InvalidInputError([
      {
        path: `${targets.file}: ${at}`,
        message: 'no server for this target',
        hint: 'give `server:` in the targets file, --database-url or DATABASE_URL',
      },
    ]);
  const out: ResolvedTarget[] = [];
  const add = (url: string, database: string, own: Record<string, TargetParamValue> = {}): void => {
    const params: Record<string, string> = { ...defaults };
    for (const [k, v] of Object.entries({ ...targets.params, ...own })) params[k] = asParam(v);
    Object.assign(params, overrides, { database });
    out.push({ name: database, serverUrl: url, serverKey: serverKeyOf(url), params });
  };
  for (const t of targets.targets) {
    if ('database' in t) {
      if (server === undefined) throw noServer(t.at);
      add(server, t.database, t.params);
    } else if ('url' in t) {
      const database = decodeURIComponent(parseDatabaseUrl(t.url).pathname.slice(1));
      add(maintenance(t.url), database, t.params);
      out[out.length - 1]!.name = `${out[out.length - 1]!.serverKey}/${database}`;
    } else {
      const on = t.server ?? server;
      if (on === undefined) throw noServer(t.at);
      const names = await listDatabases(on, t.query, `${targets.file}: ${t.at}.query`);
      for (const name of names) add(on, name, t.params);
    }
  }
  const seen = new Set<string>();
  for (const t of out) {
    const key = `${t.serverKey}/${t.params.database}`;
    if (seen.has(key)) {
      throw new InvalidInputError([
        {
          path: targets.file,
          message: `database ${key} is listed twice`,
          hint: 'list each target once',
        },
      ]);
    }
    seen.add(key);
  }
  return out;
}

async function listDatabases(server: string, sql: string, at: string): Promise<string[]> {
  const connections = new Connections(server, { applicationName: 'runbook-fleet', max: 1 });
  try {
    const { rows, fields } = await connections.pool().query<Record<string, unknown>>(sql);
    const first = fields[0]?.name;
    const names = rows.map((r) => (first === undefined ? undefined : r[first]));
    if (names.length === 0 || names.some((n) => typeof n !== 'string' || n === '')) {
      throw new InvalidInputError([
        {
          path: at,
          message:
            names.length === 0
              ? 'the query lists no database'
              : 'the query must return database names (text) in its first column',
        },
      ]);
    }
    return names as string[];
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    throw new InvalidInputError([
      {
        path: at,
        message: `the query failed on ${redactDatabaseUrl(server)}: ${(err as Error).message}`,
      },
    ]);
  } finally {
    await connections.end();
  }
}
