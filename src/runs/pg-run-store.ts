import type pg from 'pg';
import { InvalidInputError, RefusalError } from '../errors.js';
import { Connections } from '../postgres/connections.js';
import { redactDatabaseUrl } from '../postgres/url.js';
import { PgEventLog } from './pg-event-log.js';
import { insertRun } from './pg-insert-run.js';
import { acquirePgRunLock, pgLockHolder } from './pg-run-lock.js';
import { ensureStoreSchema } from './pg-store-schema.js';
import {
  parseRunRecord,
  parseSnapshotFile,
  toJsonText,
  type RunRecord,
  type SnapshotFile,
} from './run-record.js';
import { isSafeRunId } from './run-id.js';
import type {
  EventLogWriter,
  InitialRunData,
  LockInfo,
  RunLock,
  RunStore,
  RunSummary,
  StoredDocument,
} from './run-store.js';
import { assertNoSecret } from './secret-guard.js';
import { procedureArtifact, requiredArtifact } from './artifact-names.js';
import { artifactSegments } from './run-dir-layout.js';
import { listPgRunIds, listPgRuns, resolvePgRun } from './pg-run-listing.js';
import type { WriteOptions } from './write-file-atomic.js';

/** `synchronous_commit` for a write: `off` when the caller allows a non-durable write. */
function commitMode(options?: WriteOptions): string {
  return options?.durable === false ? 'off' : 'on';
}

/**
 * {@link RunStore} in a PostgreSQL database (docs/design.md "PostgreSQL run store"): the tables of
 * the `runbook` schema, created and upgraded on first use. Record and checkpoint are kept as the
 * same JSON text a run directory holds, event lines verbatim one row each, artifacts as bytes;
 * run locks are session advisory locks. The store URL's password is used to connect and never
 * stored or shown. Pools come from {@link Connections}; {@link close} ends them.
 */
export class PgRunStore implements RunStore {
  private readonly connections: Connections;
  /** The store URL as shown: user, host, port and database, never a password. */
  readonly shownUrl: string;
  readonly database: { host: string; port: number; database: string };
  private ready: Promise<pg.Pool> | undefined;
  /** Runs whose lock this process took and then lost (its session ended): writes refuse. */
  private readonly lostLocks = new Set<string>();
  /** Locks taken and not yet released: {@link close} releases them (their sessions would keep the pool open). */
  private readonly held = new Set<RunLock>();

  /** Throws (naming the URL without its password) when `url` is not a PostgreSQL URL. */
  constructor(url: string) {
    this.connections = new Connections(url, { applicationName: 'runbook-store', max: 6 });
    const t = this.connections.target;
    this.database = { host: t.host, port: t.port, database: t.database };
    this.shownUrl = `postgresql://${t.user ? `${encodeURIComponent(t.user)}@` : ''}${t.host}:${t.port}/${encodeURIComponent(t.database)}`;
  }

  /** The pool, once the store schema is known to be current (checked once per store). */
  private pool(): Promise<pg.Pool> {
    this.ready ??= (async () => {
      const pool = this.connections.pool();
      try {
        await ensureStoreSchema(pool);
      } catch (err) {
        this.ready = undefined;
        throw new Error(
          `cannot open the run store ${redactDatabaseUrl(this.shownUrl)}: ${(err as Error).message}`,
          { cause: err },
        );
      }
      return pool;
    })();
    return this.ready;
  }

  /** Ends the store's database sessions (held locks are released with them). */
  async close(): Promise<void> {
    for (const lock of [...this.held]) await lock.release().catch(() => undefined);
    await this.connections.end();
  }

  private checkId(id: string): void {
    if (!isSafeRunId(id)) throw new InvalidInputError([{ message: `'${id}' is not a valid run id` }]);
  }

  private checkLock(id: string): void {
    if (this.lostLocks.has(id)) {
      throw new RefusalError(
        'RUN_LOCK_LOST',
        `run ${id}: this process lost the run's lock (its store session ended: --break-lock elsewhere, or the store's server restarted or dropped the connection); it writes nothing more to the run, which \`runbook resume ${id}\` continues`,
        { runId: id },
      );
    }
  }

  async create(record: RunRecord, initial: InitialRunData = {}): Promise<void> {
    this.checkId(record.id);
    const artifacts = { ...(initial.artifacts ?? {}) };
    if (initial.procedure !== undefined) artifacts[procedureArtifact()] = initial.procedure;
    await insertRun(
      () => this.pool(),
      { record, artifacts, ...(initial.eventLog !== undefined ? { eventLog: initial.eventLog } : {}) },
      (artifact) => this.location(record.id, artifact),
    );
  }

  async readRecord(id: string): Promise<RunRecord> {
    const text = await this.readStoredText(id, 'record');
    if (text === undefined) throw unknownRun(id);
    return parseRunRecord(text, this.location(id, 'run.json'), id);
  }

  async writeRecord(record: RunRecord, options?: WriteOptions): Promise<void> {
    this.checkId(record.id);
    this.checkLock(record.id);
    const text = toJsonText(record);
    assertNoSecret(text, this.location(record.id, 'run.json'));
    const res = await (await this.pool()).query(
      `UPDATE runbook.runs SET record = $2, status = $3, procedure = $4, started_at = $5, updated_at = now()
         FROM (SELECT set_config('synchronous_commit', $6, true)) s WHERE id = $1`,
      [record.id, text, record.status, record.procedure, record.startedAt, commitMode(options)],
    );
    if (res.rowCount !== 1) throw unknownRun(record.id);
  }

  async readSnapshot(id: string): Promise<SnapshotFile | undefined> {
    await this.mustExist(id);
    const text = await this.readStoredText(id, 'snapshot');
    return text === undefined ? undefined : parseSnapshotFile(text, this.location(id, 'snapshot.json'));
  }

  async writeSnapshot(id: string, data: SnapshotFile, options?: WriteOptions): Promise<void> {
    this.checkId(id);
    this.checkLock(id);
    const text = toJsonText(data);
    assertNoSecret(text, this.location(id, 'snapshot.json'));
    const res = await (await this.pool()).query(
      `UPDATE runbook.runs SET snapshot = $2, updated_at = now()
         FROM (SELECT set_config('synchronous_commit', $3, true)) s WHERE id = $1`,
      [id, text, commitMode(options)],
    );
    if (res.rowCount !== 1) throw unknownRun(id);
  }

  /**
   * A snapshot written with `durable: false` (asynchronous commit) becomes durable once the WAL is
   * flushed past it: any synchronous commit after it does that, so this commits a no-op update of
   * the run's row with synchronous_commit on.
   */
  async syncSnapshot(id: string): Promise<void> {
    this.checkId(id);
    this.checkLock(id);
    const res = await (await this.pool()).query(
      `UPDATE runbook.runs SET updated_at = updated_at
         FROM (SELECT set_config('synchronous_commit', 'on', true)) s WHERE id = $1`,
      [id],
    );
    if (res.rowCount !== 1) throw unknownRun(id);
  }

  async readStoredText(id: string, document: StoredDocument): Promise<string | undefined> {
    this.checkId(id);
    const { rows } = await (await this.pool()).query<{ record: string; snapshot: string | null }>(
      'SELECT record, snapshot FROM runbook.runs WHERE id = $1',
      [id],
    );
    const row = rows[0];
    return (document === 'record' ? row?.record : row?.snapshot) ?? undefined;
  }

  /** Throws InvalidInputError when run `id` is not in the store. */
  private async mustExist(id: string): Promise<void> {
    if ((await this.readStoredText(id, 'record')) === undefined) throw unknownRun(id);
  }

  async list(): Promise<RunSummary[]> {
    return listPgRuns(await this.pool(), (id) => this.location(id, 'run.json'));
  }

  async ids(): Promise<string[]> {
    return listPgRunIds(await this.pool());
  }

  async resolve(idOrPrefix: string): Promise<string> {
    return resolvePgRun(await this.pool(), idOrPrefix, this.shownUrl);
  }

  async openEventLog(id: string, options: { now?: () => Date } = {}): Promise<EventLogWriter> {
    this.checkId(id);
    this.checkLock(id);
    const pool = await this.pool();
    await this.mustExist(id);
    return PgEventLog.open(pool, id, this.location(id), {
      ...options,
      checkLock: () => this.checkLock(id),
    });
  }

  async readEventLog(id: string): Promise<string | undefined> {
    this.checkId(id);
    const { rows } = await (await this.pool()).query<{ text: string | null }>(
      `SELECT string_agg(line || E'\\n', '' ORDER BY seq) AS text FROM runbook.events WHERE run_id = $1`,
      [id],
    );
    return rows[0]?.text ?? undefined;
  }

  async writeArtifact(
    id: string,
    name: string,
    content: string | Uint8Array,
    options?: WriteOptions,
  ): Promise<void> {
    this.checkId(id);
    artifactSegments(name);
    this.checkLock(id);
    assertNoSecret(content, this.location(id, name));
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    const res = await (await this.pool()).query(
      `INSERT INTO runbook.artifacts (run_id, name, content)
       SELECT $1, $2, $3 FROM (SELECT set_config('synchronous_commit', $4, true)) s
        WHERE EXISTS (SELECT 1 FROM runbook.runs WHERE id = $1)
       ON CONFLICT (run_id, name) DO UPDATE SET content = EXCLUDED.content, written_at = now()`,
      [id, name, bytes, commitMode(options)],
    );
    if (res.rowCount !== 1) throw unknownRun(id);
  }

  readArtifact(id: string, name: string): Promise<string> {
    return requiredArtifact((i, n) => this.findArtifact(i, n), id, name);
  }

  async findArtifact(id: string, name: string): Promise<string | undefined> {
    this.checkId(id);
    artifactSegments(name);
    const { rows } = await (await this.pool()).query<{ content: Buffer }>(
      'SELECT content FROM runbook.artifacts WHERE run_id = $1 AND name = $2',
      [id, name],
    );
    return rows[0]?.content.toString('utf8');
  }

  async listArtifacts(id: string): Promise<string[]> {
    this.checkId(id);
    await this.mustExist(id);
    const { rows } = await (await this.pool()).query<{ name: string }>(
      'SELECT name FROM runbook.artifacts WHERE run_id = $1',
      [id],
    );
    return rows.map((r) => r.name).sort();
  }

  readProcedureSource(id: string, hash?: string): Promise<string | undefined> {
    return this.findArtifact(id, procedureArtifact(hash));
  }

  saveProcedureSource(id: string, source: string, hash?: string): Promise<void> {
    return this.writeArtifact(id, procedureArtifact(hash), source);
  }

  location(id: string, artifact?: string): string {
    return `${this.shownUrl}#runs/${id}${artifact === undefined ? '' : `/${artifact}`}`;
  }

  async lockHolder(id: string): Promise<LockInfo | undefined> {
    this.checkId(id);
    return pgLockHolder(await this.pool(), id);
  }

  async acquireLock(
    id: string,
    options: { command: string; breakLock?: boolean },
  ): Promise<RunLock> {
    this.checkId(id);
    const pool = await this.pool();
    await this.mustExist(id);
    const client = await pool.connect();
    try {
      const lock = await acquirePgRunLock(client, id, options.command, {
        ...(options.breakLock ? { breakLock: true } : {}),
        onLost: () => this.lostLocks.add(id),
      });
      this.lostLocks.delete(id);
      const held: RunLock = {
        ...lock,
        release: async () => {
          this.held.delete(held);
          await lock.release();
        },
      };
      this.held.add(held);
      return held;
    } catch (err) {
      client.release(true);
      throw err;
    }
  }
}

function unknownRun(id: string): InvalidInputError {
  return new InvalidInputError([{ message: `no run matches '${id}'` }]);
}
