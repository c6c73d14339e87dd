import pg from 'pg';
import { isConnectionLoss } from './connection-loss.js';
import { describeTarget, type DatabaseTargetInfo } from './target.js';
import { redactDatabaseUrl, withDatabase } from './url.js';

/** Sessions that ran user SQL since they were last handed out (see {@link Connections.markUserSql}). */
const userSessions = new WeakSet<pg.PoolClient>();

type ConnectCallback = (
  err: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

/**
 * A pool that never hands out a session carrying another step's state: a client marked as having
 * run user SQL gets `DISCARD ALL` (settings such as a dump's empty search_path, SET ROLE, temp
 * tables, prepared statements) before its next use. `pool.query` checks out through `connect`
 * too, so every path is covered; clients that only ran runbook's own SQL cost nothing extra.
 */
class ResettingPool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const ready = this.checkout();
    if (!callback) return ready;
    ready.then(
      (client) => callback(undefined, client, (release) => client.release(release as Error)),
      (err: Error) => callback(err, undefined, () => undefined),
    );
  }

  private async checkout(): Promise<pg.PoolClient> {
    for (let attempt = 1; ; attempt++) {
      const client = await super.connect();
      if (!userSessions.has(client)) return client;
      userSessions.delete(client);
      try {
        await client.query('DISCARD ALL');
        return client;
      } catch (err) {
        // A session that cannot be reset (left inside a transaction block, or dead) is not reused.
        client.release(true);
        if (attempt >= 3) throw err;
      }
    }
  }
}

/**
 * The only place that creates pools. One server (the URL's host/port/user) and a pool per database
 * name, created on first use; `end()` closes them all. Steps reach other databases on the same
 * server by name.
 */
export class Connections {
  private readonly pools = new Map<string, pg.Pool>();
  private readonly endHooks: (() => Promise<void>)[] = [];
  /** A maintenance-database session checked out for the pools' whole life (see {@link hold}). */
  private held: pg.PoolClient | undefined;
  /** Backend pids of the sessions this instance opened (so it never mistakes one for a stranger). */
  private readonly backends = new Set<number>();
  /** The target as recorded in run.json: never the password. */
  readonly target: DatabaseTargetInfo;
  /** The URL with its password replaced by `***`. */
  readonly redactedUrl: string;

  constructor(
    /** Full URL of the server's maintenance database (e.g. `postgres`). Holds the password. */
    private readonly url: string,
    private readonly options: { applicationName?: string; max?: number } = {},
  ) {
    this.target = describeTarget(url);
    this.redactedUrl = redactDatabaseUrl(url);
  }

  /** The maintenance database's name (the URL's own). */
  get maintenanceDatabase(): string {
    return this.target.database;
  }

  /** A full URL for `database` on this server (for child processes such as a bootstrap command). */
  urlFor(database?: string): string {
    return database === undefined ? this.url : withDatabase(this.url, database);
  }

  /** The pool of `database` (default: the maintenance database). */
  pool(database?: string): pg.Pool {
    const name = database ?? this.target.database;
    let pool = this.pools.get(name);
    if (!pool) {
      pool = new ResettingPool({
        connectionString: this.urlFor(name),
        max: this.options.max ?? 4,
        application_name: this.options.applicationName ?? 'runbook',
        connectionTimeoutMillis: 10_000,
      });
      // An idle client's error (server restart, terminate_backend) must not crash the process.
      pool.on('error', () => undefined);
      // Nor a checked-out one's: pg emits 'error' on the client when its socket closes, even while
      // a query is pending (the query rejects too, and that rejection is what fails the step).
      pool.on('connect', (client: pg.PoolClient & { processID?: number | null }) => {
        client.on('error', () => undefined);
        const pid = client.processID;
        if (typeof pid === 'number') {
          this.backends.add(pid);
          client.once('end', () => this.backends.delete(pid));
        }
      });
      this.pools.set(name, pool);
    }
    return pool;
  }

  /** True when backend `pid` is one of the sessions this instance opened (and still has). */
  ownsBackend(pid: number): boolean {
    return this.backends.has(pid);
  }

  /** Runs `fn` with a dedicated client of `database`, released afterwards (destroyed on error). */
  async withClient<T>(
    database: string | undefined,
    fn: (client: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    const client = await this.pool(database).connect();
    let failed = false;
    try {
      return await fn(client);
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      client.release(failed);
    }
  }

  /**
   * Marks `client` as having run user SQL (a script, a migration, an operator's query), whose
   * session-level effects (`SET search_path`, `set_config(…, false)`, `SET ROLE`, temp tables)
   * must not reach the next step: the pool discards its session state before handing it out again.
   */
  markUserSql(client: pg.PoolClient): void {
    userSessions.add(client);
  }

  /** Closes the pool of one database (before dropping it). */
  async close(database: string): Promise<void> {
    const pool = this.pools.get(database);
    if (pool) {
      this.pools.delete(database);
      await pool.end();
    }
  }

  /**
   * Keeps `client`, a session of the maintenance database's pool, checked out until {@link end}
   * (which destroys it): a session holding a lock for as long as the pools live. Runbook's own
   * read-only queries of the maintenance database ({@link ownQuery}) go to it meanwhile.
   */
  hold(client: pg.PoolClient): void {
    this.held = client;
    this.onEnd(async () => {
      this.held = undefined;
      client.release(true);
    });
  }

  /**
   * One of runbook's own read-only queries (never user SQL: it leaves no session state) on the
   * maintenance database: on the held session when there is one, so that a step asking the
   * catalog (does this database exist?) opens no second session beside it; else, or when that
   * session is gone (an idle-session timeout, a terminated backend), on a pooled one, as it would
   * without the held session.
   */
  async ownQuery<R extends pg.QueryResultRow>(
    sql: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    if (this.held) {
      try {
        return await this.held.query<R>(sql, values);
      } catch (err) {
        if (!isConnectionLoss(err)) throw err;
      }
    }
    return this.pool().query<R>(sql, values);
  }

  /** Registers work to do before the pools close (e.g. releasing a lock-holding client). */
  onEnd(hook: () => Promise<void>): void {
    this.endHooks.push(hook);
  }

  /** Closes every pool (running the `onEnd` hooks first). */
  async end(): Promise<void> {
    for (const hook of this.endHooks.splice(0)) await hook().catch(() => undefined);
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.end()));
  }
}
