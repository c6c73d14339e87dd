import type { RunRecord, RunStatus, SnapshotFile } from './run-record.js';
import type { WriteOptions } from './write-file-atomic.js';

export type { RunRecord, RunStatus, RunTarget, SnapshotFile } from './run-record.js';

/** One entry of {@link RunStore.list}: a readable run, or a directory that could not be read. */
export type RunSummary =
  | { id: string; status: RunStatus; record: RunRecord }
  | {
      id: string;
      status: 'corrupt';
      /** What is wrong (missing or unparseable run.json, bad shape), naming the file. */
      problem: string;
    };

/** The content of a run's lock file. */
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
  /** Set when a stale lock (dead holder, or unreadable lock file) was removed to take this one. */
  readonly recoveredStale?: { pid: number | null; since: string | null };
  /** Set when `breakLock` removed a lock whose holder looked alive (or was on another host). */
  readonly broken?: LockInfo;
  /** Removes the lock file if it is still ours; a no-op otherwise. Safe to call twice. */
  release(): Promise<void>;
}

/**
 * Where runs live: the adapter boundary between the engine and storage (like Umzug's storage
 * contract). {@link FileRunStore} keeps them under `runs/<run-id>/`; another backend implements
 * the same contract. Every write is atomic (old or new content survives a crash, never a mix),
 * durable before it returns unless the caller passes `{ durable: false }` (then a later durable
 * write makes it so; see {@link WriteOptions}), and refuses content holding a clear-text password
 * (`SecretLeakError`).
 *
 * Unknown or ambiguous run ids raise `InvalidInputError` (exit 2); a lock held by a live process
 * raises `RefusalError('RUN_LOCKED')` (exit 3).
 */
export interface RunStore {
  /**
   * Creates a new run from its first record, atomically together with the first line of its
   * event log and its first artifacts when given (a run is never seen without them); throws if a
   * run with that id exists.
   */
  create(
    record: RunRecord,
    initial?: { eventLog?: string; artifacts?: Record<string, string> },
  ): Promise<void>;
  /** Reads `run.json`; InvalidInputError when the run is unknown or the file is unreadable. */
  readRecord(id: string): Promise<RunRecord>;
  /** Replaces `run.json` atomically (the run must exist); durably unless `options.durable` is false. */
  writeRecord(record: RunRecord, options?: WriteOptions): Promise<void>;
  /** Reads `snapshot.json`; undefined when none was written yet. */
  readSnapshot(id: string): Promise<SnapshotFile | undefined>;
  /**
   * Replaces `snapshot.json` atomically; durably unless `options.durable` is false (progress
   * within a step, which the next durable write or the database can restore).
   */
  writeSnapshot(id: string, data: SnapshotFile, options?: WriteOptions): Promise<void>;
  /**
   * Makes the `snapshot.json` already written (not durably) durable, without writing it again:
   * fsyncs the file and the run directory.
   */
  syncSnapshot(id: string): Promise<void>;
  /** All runs, newest first; unreadable run directories are listed with status `corrupt`. */
  list(): Promise<RunSummary[]>;
  /** An exact id, a unique prefix, or `last` (the newest run) -> the full run id. */
  resolve(idOrPrefix: string): Promise<string>;
  /** The path of the run's event log (`events.jsonl`), for `EventLog.open`. */
  eventLogPath(id: string): string;
  /** The path an artifact is (or would be) stored at. */
  artifactPath(id: string, name: string): string;
  /** Writes an artifact atomically (creating `artifacts/` and sub-folders as needed). */
  writeArtifact(
    id: string,
    name: string,
    content: string | Uint8Array,
    options?: WriteOptions,
  ): Promise<void>;
  /** Reads an artifact as UTF-8 text; InvalidInputError when it does not exist. */
  readArtifact(id: string, name: string): Promise<string>;
  /**
   * Takes the run's lock (exclusive create). A lock held by a live process refuses
   * (`RUN_LOCKED`) unless `breakLock` (the operator vouches its holder is gone; reported in
   * `broken`); a stale one is removed and reported in `recoveredStale`.
   */
  acquireLock(id: string, options: { command: string; breakLock?: boolean }): Promise<RunLock>;
}
