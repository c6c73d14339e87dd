import { maskSqlPasswords } from '../postgres/redact.js';
import type pg from 'pg';
import type { ActionContext } from '../step-context.js';
import { formatDuration } from '../text/duration.js';
import { displayName } from './apply-one-migration.js';
import type { RevisionGraph } from './revision-graph.js';

/** A session holding a lock the migration waits for (from `pg_blocking_pids`). */
export interface Blocker {
  pid: number;
  application_name: string;
  state: string | null;
  /** Its current or last query, whitespace collapsed, cut at 160 characters. */
  query: string;
}

/** How the watch paces itself. */
export interface WatchOptions {
  /** Interval of the "still running" lines when progress is not live (a terminal). */
  heartbeatMs: number;
  /** The session's lock_timeout (0: none): blockers are looked up before it expires. */
  lockTimeoutMs: number;
}

const BLOCKERS_SQL = `SELECT a.pid, coalesce(a.application_name, '') AS application_name, a.state,
  left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 160) AS query
  FROM pg_stat_activity a WHERE a.pid = ANY (pg_blocking_pids($1::int)) ORDER BY a.pid`;

/** `pid 123 (psql, idle in transaction): LOCK TABLE t` for progress lines and messages. */
export function describeBlockers(blockers: readonly Blocker[]): string {
  return blockers
    .map(
      (b) =>
        `pid ${b.pid} (${[b.application_name || 'no application_name', b.state].filter(Boolean).join(', ')})` +
        `${b.query ? `: ${b.query}` : ''}`,
    )
    .join('; ');
}

/**
 * Client-side progress for the migration running now: nothing for one that finishes within a
 * second; then its start line and a heartbeat with the elapsed time (rewritten in place every
 * second on a terminal, a line every `heartbeatMs` otherwise), naming the sessions it waits for
 * when it waits for a lock. Those are looked up on a second session of the database, opened only
 * once a migration runs for 100 ms (or a quarter of the lock timeout) and kept for the step. One
 * timer per migration: the migrations that finish quickly cost no round trip.
 */
export class MigrationWatch {
  private current:
    { label: string; started: number; announced: boolean; nextBeat: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastBlockers: Blocker[] = [];
  private lookup: Promise<void> | undefined;
  private session: Promise<pg.PoolClient | undefined> | undefined;
  private readonly startDelayMs: number;
  private readonly lockCheckMs: number;
  private readonly connectMs: number;

  constructor(
    private readonly ctx: ActionContext,
    private readonly database: string,
    /** The migration session's backend pid (undefined: blockers are not looked up). */
    private readonly pid: number | undefined,
    private readonly options: WatchOptions,
  ) {
    this.startDelayMs = Math.min(1000, options.heartbeatMs);
    this.lockCheckMs =
      options.lockTimeoutMs > 0
        ? Math.min(this.startDelayMs, Math.max(50, options.lockTimeoutMs / 2))
        : this.startDelayMs;
    this.connectMs = Math.min(100, this.lockCheckMs / 2);
  }

  /** The sessions the current (or last) migration was seen waiting for (after a look-up ends). */
  async blockers(): Promise<readonly Blocker[]> {
    await this.lookup;
    return this.lastBlockers;
  }

  /** A migration labelled `label` (`[65/124] 065_add_index`) starts now. */
  begin(label: string): void {
    this.end();
    const started = performance.now();
    this.current = { label, started, announced: false, nextBeat: this.startDelayMs };
    this.lastBlockers = [];
    if (this.ctx.liveProgress) this.ctx.progress(`${label}  running`, { transient: true });
    this.schedule(this.pid !== undefined && !this.session ? this.connectMs : this.nextTick(0));
  }

  /** The current migration finished (or failed). */
  end(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.current = undefined;
  }

  /** Ends the watch and gives back its session. */
  async close(): Promise<void> {
    this.end();
    await this.lookup;
    (await this.session)?.release();
    this.session = undefined;
  }

  /** Milliseconds from `elapsed` to the next thing due: a lock look-up or a progress line. */
  private nextTick(elapsed: number): number {
    const lock = this.pid !== undefined && elapsed < this.lockCheckMs ? this.lockCheckMs : Infinity;
    const beat = this.ctx.liveProgress
      ? Math.max(elapsed, this.startDelayMs - 1000) + 1000
      : (this.current?.nextBeat ?? Infinity);
    return Math.min(lock, beat) - elapsed;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => void this.tick(), Math.max(10, ms));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    let elapsed = performance.now() - cur.started;
    if (this.pid !== undefined) {
      this.session ??= this.ctx.db
        .pool(this.database)
        .connect()
        .catch(() => undefined);
      if (elapsed >= this.lockCheckMs) {
        this.lookup = this.lookUpBlockers(this.pid);
        await this.lookup;
        if (this.current !== cur) return;
        elapsed = performance.now() - cur.started;
      }
    }
    const waiting =
      this.lastBlockers.length > 0
        ? `  waiting for a lock held by ${describeBlockers(this.lastBlockers)}`
        : '';
    if (this.ctx.liveProgress) {
      if (elapsed >= this.startDelayMs) {
        this.ctx.progress(`${cur.label}  ${formatDuration(elapsed)}${waiting}`, {
          transient: true,
        });
      }
    } else if (elapsed >= cur.nextBeat) {
      this.ctx.progress(
        cur.announced
          ? `${cur.label}  still running, ${formatDuration(elapsed)}${waiting}`
          : `${cur.label}  running…${waiting}`,
      );
      cur.announced = true;
      cur.nextBeat = elapsed + this.options.heartbeatMs;
    }
    this.schedule(this.nextTick(elapsed));
  }

  private async lookUpBlockers(pid: number): Promise<void> {
    try {
      const session = await this.session;
      if (!session) return;
      const { rows } = await session.query<Blocker>(BLOCKERS_SQL, [pid]);
      for (const r of rows) r.query = maskSqlPasswords(r.query);
      if (rows.length > 0 || this.current) this.lastBlockers = rows;
    } catch {
      // Progress only: a failed look-up (the server going away) is the migration's to report.
    }
  }
}

/**
 * `001_init–064_add_index already applied (64)` (or `5 already applied` when they are not the
 * history's first ones, on a branched history): what a numbered plan starts after. `done` holds
 * the applied revisions.
 */
export function alreadyAppliedLine(graph: RevisionGraph, done: ReadonlySet<string>): string {
  const n = done.size;
  const first = graph.migrations[0];
  const last = graph.migrations[n - 1];
  const prefix = graph.migrations.slice(0, n).every((m) => done.has(m.revision));
  if (!first || !last || !prefix) return `${n} already applied`;
  const range = n === 1 ? displayName(first) : `${displayName(first)}–${displayName(last)}`;
  return `${range} already applied (${n})`;
}
