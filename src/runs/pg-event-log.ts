import type pg from 'pg';
import { TamperedLogError } from '../errors.js';
import { GENESIS_HASH, type EventLogEntry } from './event-hash.js';
import { parseEntry } from './event-log-tail.js';
import { makeEntry } from './event-log.js';
import type { AppendOptions, EventLogWriter } from './run-store.js';
import { assertNoSecret } from './secret-guard.js';

/**
 * Appends one line, only where it continues the chain: `seq` must follow the last stored line
 * (the primary key turns a concurrent writer's same seq into an error). `synchronous_commit` is
 * set for this statement's own transaction: `off` writes the line without waiting for the WAL
 * flush, which the next synchronous commit on the server covers.
 */
const APPEND_SQL = `
  INSERT INTO runbook.events (run_id, seq, line)
  SELECT $1, $2::bigint, $3 FROM (SELECT set_config('synchronous_commit', $4, true)) s
   WHERE coalesce((SELECT max(seq) FROM runbook.events WHERE run_id = $1), 0) = $2::bigint - 1`;

/**
 * A run's event log in the PostgreSQL run store: one row per line in `runbook.events`, each
 * inserted by one statement, so a crash leaves a line whole or absent, never torn. See
 * {@link EventLogWriter} for the contract.
 */
export class PgEventLog implements EventLogWriter {
  private seq: number;
  private prevHash: string;
  private failed: Error | undefined;
  private closed = false;
  private unsynced = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly runId: string,
    private readonly where: string,
    last: EventLogEntry | undefined,
    private readonly now: () => Date,
    /** Throws when this process's lock on the run was lost (a write must not follow). */
    private readonly checkLock: () => void,
  ) {
    this.seq = last?.seq ?? 0;
    this.prevHash = last?.hash ?? GENESIS_HASH;
  }

  /**
   * Opens run `runId`'s log, continuing from its last line. A last line that is not an entry
   * cannot be a crash's doing here (rows are written whole): it is refused as tampering.
   */
  static async open(
    pool: pg.Pool,
    runId: string,
    where: string,
    options: { now?: () => Date; checkLock?: () => void } = {},
  ): Promise<PgEventLog> {
    const { rows } = await pool.query<{ seq: string; line: string }>(
      'SELECT seq, line FROM runbook.events WHERE run_id = $1 ORDER BY seq DESC LIMIT 1',
      [runId],
    );
    const row = rows[0];
    let last: EventLogEntry | undefined;
    if (row) {
      last = parseEntry(row.line);
      if (!last || last.seq !== Number(row.seq)) {
        throw new TamperedLogError(Number(row.seq), 'the last stored line is not its entry');
      }
    }
    return new PgEventLog(
      pool,
      runId,
      where,
      last,
      options.now ?? (() => new Date()),
      options.checkLock ?? (() => undefined),
    );
  }

  get lastSeq(): number {
    return this.seq;
  }

  get lastHash(): string {
    return this.prevHash;
  }

  async append(
    type: string,
    step: string | null | undefined,
    data: unknown = null,
    options: AppendOptions = {},
  ): Promise<EventLogEntry> {
    if (this.closed) throw new Error(`event log of ${this.where} is closed`);
    if (this.failed) throw this.failed;
    const { entry, line } = makeEntry(this.seq, this.prevHash, this.now(), type, step, data);
    assertNoSecret(line, `the event log of ${this.where}`);
    const durable = options.durable !== false;
    try {
      this.checkLock();
      const res = await this.pool.query(APPEND_SQL, [
        this.runId,
        entry.seq,
        line.slice(0, -1),
        durable ? 'on' : 'off',
      ]);
      if (res.rowCount !== 1) {
        throw new Error(
          `event log of ${this.where}: line ${entry.seq} does not follow the stored log (another writer?)`,
        );
      }
    } catch (err) {
      throw (this.failed = err as Error);
    }
    this.unsynced = !durable;
    this.seq = entry.seq;
    this.prevHash = entry.hash;
    return entry;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A synchronous commit flushes the WAL up to itself, lines committed without waiting included.
    if (this.unsynced && !this.failed) {
      await this.pool.query('UPDATE runbook.runs SET updated_at = now() WHERE id = $1', [
        this.runId,
      ]);
      this.unsynced = false;
    }
  }
}
