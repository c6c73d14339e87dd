import type { EventLogEntry } from './event-hash.js';
import type { RunRecord, RunStatus, SnapshotFile } from './run-record.js';
import type { WriteOptions } from './write-file-atomic.js';

export type { RunRecord, RunStatus, RunTarget, SnapshotFile } from './run-record.js';
export type { EventLogEntry } from './event-hash.js';
export type { WriteOptions } from './write-file-atomic.js';

/** One entry of {@link RunStore.list}: a readable run, or a stored run that could not be read. */
export type RunSummary =
  | { id: string; status: RunStatus; record: RunRecord }
  | {
      id: string;
      status: 'corrupt';
      /** What is wrong (missing or unparseable run record, bad shape), naming where it is. */
      problem: string;
    };

/** The content of a run's lock. */
export interface LockInfo {
  pid: number;
  host: string;
  /** The command line (or verb) driving the run, for the refusal message. */
  command: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** A held run lock. */
export interface RunLock {
  readonly info: LockInfo;
  /** Set when a stale lock (dead holder, or unreadable lock) was removed to take this one. */
  readonly recoveredStale?: { pid: number | null; since: string | null };
  /** Set when `breakLock` removed a lock whose holder looked alive (or was on another host). */
  readonly broken?: LockInfo;
  /** Removes the lock if it is still ours; a no-op otherwise. Safe to call twice. */
  release(): Promise<void>;
}

/** Options of {@link EventLogWriter.append}. */
export interface AppendOptions {
  /** Default true: durable before append returns. False: written now, made durable with the next durable line. */
  durable?: boolean;
}

/**
 * A run's hash-chained event log opened for appending (docs/design.md "Event log"). One writer at
 * a time (the run lock). Each appended line is exactly the canonical line of an
 * {@link EventLogEntry} chained to the previous one; a line that would hold a clear-text
 * password is refused (`SecretLeakError`) and nothing is written. After a failed write every
 * later append refuses with the same error (a gap must not be hidden by later lines).
 */
export interface EventLogWriter {
  /**
   * Appends one event; resolves with the written entry once it is durable (or written, with
   * `durable: false`: then the next durable append, or {@link close}, makes it durable).
   * `data` is stored as its JSON form (undefined members dropped), which is what is hashed.
   */
  append(
    type: string,
    step: string | null | undefined,
    data?: unknown,
    options?: AppendOptions,
  ): Promise<EventLogEntry>;
  /** seq of the last line written (0 for an empty log). */
  readonly lastSeq: number;
  /** hash of the last line written (the genesis hash for an empty log). */
  readonly lastHash: string;
  /** Makes lines appended non-durably durable and releases the log; safe to call twice. */
  close(): Promise<void>;
}

/** What a new run is created with besides its record (see {@link RunStore.create}). */
export interface InitialRunData {
  /** The first line(s) of the event log (canonical lines, see `firstLogLine`). */
  eventLog?: string;
  /** The procedure source the run starts with (see {@link RunStore.readProcedureSource}). */
  procedure?: string;
  /** Artifacts by name. */
  artifacts?: Record<string, string>;
}

/** Which stored document of a run {@link RunStore.readStoredText} returns. */
export type StoredDocument = 'record' | 'snapshot';

/**
 * Where runs live: the adapter boundary between the engine and storage (like Umzug's storage
 * contract), and the only door to a run's data: nothing outside `src/runs/` knows how a run is
 * laid out. {@link FileRunStore} keeps runs under `runs/<run-id>/`; another backend (a database)
 * implements the same contract, which assumes no filesystem.
 *
 * Every write is atomic (old or new content survives a crash, never a mix), durable before it
 * returns unless the caller passes `{ durable: false }` (then a later durable write makes it so;
 * see {@link WriteOptions}), and refuses content holding a clear-text password
 * (`SecretLeakError`). Unknown or ambiguous run ids raise `InvalidInputError` (exit 2); a lock
 * held by a live process raises `RefusalError('RUN_LOCKED')` (exit 3).
 *
 * Artifact names are relative names of one or more `/`-separated segments (e.g.
 * `catalog/before.json`); an empty segment, `.` or `..` is refused (`InvalidInputError`).
 */
export interface RunStore {
  /**
   * The PostgreSQL database holding the store, when it is one (host and port as its URL names
   * them): a run must never drive it (docs/design.md "Run stores").
   */
  readonly database?: { host: string; port: number; database: string };
  /**
   * Creates a new run from its first record, atomically together with what `initial` gives (a
   * run is never seen without them); throws if a run with that id exists.
   */
  create(record: RunRecord, initial?: InitialRunData): Promise<void>;
  /** Reads the run record; InvalidInputError when the run is unknown or the record unreadable. */
  readRecord(id: string): Promise<RunRecord>;
  /** Replaces the run record atomically (the run must exist); durably unless `options.durable` is false. */
  writeRecord(record: RunRecord, options?: WriteOptions): Promise<void>;
  /** Reads the checkpoint; undefined when none was written yet. */
  readSnapshot(id: string): Promise<SnapshotFile | undefined>;
  /**
   * Replaces the checkpoint atomically; durably unless `options.durable` is false (progress
   * within a step, which the next durable write or the database can restore).
   */
  writeSnapshot(id: string, data: SnapshotFile, options?: WriteOptions): Promise<void>;
  /**
   * The record or checkpoint exactly as stored (JSON text), unvalidated; undefined when absent.
   * For `replay`, which judges a possibly edited copy against the log instead of trusting it.
   */
  readStoredText(id: string, document: StoredDocument): Promise<string | undefined>;
  /**
   * Makes the snapshot already written (not durably) durable, without writing it again.
   */
  syncSnapshot(id: string): Promise<void>;
  /** All runs, newest first; runs whose record cannot be read are listed with status `corrupt`. */
  list(): Promise<RunSummary[]>;
  /**
   * The ids of all runs, in no particular order, without reading any of them (what `list` costs
   * grows with the runs' records; this does not).
   */
  ids(): Promise<string[]>;
  /** An exact id, a unique prefix, or `last` (the newest run) -> the full run id. */
  resolve(idOrPrefix: string): Promise<string>;
  /**
   * Opens the run's event log for appending, continuing its chain (creating the log if the run
   * has none). A torn last line a crash left is set aside and a `log.recovered` line says so.
   */
  openEventLog(id: string, options?: { now?: () => Date }): Promise<EventLogWriter>;
  /**
   * The event log's text exactly as stored (lines ending in `\n`; a torn last line as it is), for
   * verification and replay; undefined when the run has no log.
   */
  readEventLog(id: string): Promise<string | undefined>;
  /** Writes an artifact atomically (sub-folders of its name as needed). */
  writeArtifact(
    id: string,
    name: string,
    content: string | Uint8Array,
    options?: WriteOptions,
  ): Promise<void>;
  /** Reads an artifact as UTF-8 text; InvalidInputError when it does not exist. */
  readArtifact(id: string, name: string): Promise<string>;
  /** Reads an artifact as UTF-8 text; undefined when it does not exist. */
  findArtifact(id: string, name: string): Promise<string | undefined>;
  /** The names of the run's artifacts (sub-folder names joined with `/`), sorted. */
  listArtifacts(id: string): Promise<string[]>;
  /**
   * The procedure source saved with the run: the one it started with, or with `hash`, the one a
   * resume changed it to (saved by {@link saveProcedureSource}); undefined when not saved.
   */
  readProcedureSource(id: string, hash?: string): Promise<string | undefined>;
  /** Saves a procedure source with the run (under `hash` when given: a resume's changed procedure). */
  saveProcedureSource(id: string, source: string, hash?: string): Promise<void>;
  /**
   * Where the run (or one of its artifacts) is, for people: a path for the file store, a URL or
   * similar for another. For messages and results only; never parsed or opened by callers.
   */
  location(id: string, artifact?: string): string;
  /**
   * The holder of the run's lock while a live process drives the run; undefined when the lock is
   * absent, stale, or its holder's liveness cannot be told.
   */
  lockHolder(id: string): Promise<LockInfo | undefined>;
  /**
   * Takes the run's lock (exclusively). A lock held by a live process refuses (`RUN_LOCKED`)
   * unless `breakLock` (the operator vouches its holder is gone; reported in `broken`); a stale
   * one is removed and reported in `recoveredStale`.
   */
  acquireLock(id: string, options: { command: string; breakLock?: boolean }): Promise<RunLock>;
}

/** A run in a store: what the read side (replay, report, inspect) takes. */
export interface StoredRun {
  store: RunStore;
  id: string;
}
