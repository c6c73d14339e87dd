import fs from 'node:fs';
import path from 'node:path';
import { openForAppend, refuseSymlink } from './no-symlink.js';
import type { AppendOptions, EventLogWriter } from './run-store.js';
import { assertNoSecret } from './secret-guard.js';
import { writeFileAtomicSync } from './write-file-atomic.js';
import { entryHash, entryLine, GENESIS_HASH, type EventLogEntry } from './event-hash.js';
import { scanLogTail, tornPath, truncateDurably } from './event-log-tail.js';
import type { JsonValue } from '../json.js';

export type { EventLogEntry } from './event-hash.js';
export type { AppendOptions } from './run-store.js';

/** What {@link EventLog.open} did with a torn last line it found. */
export interface TornLineRecovery {
  /** 1-based line number the torn line had in the log. */
  line: number;
  /** Where its bytes were moved (`events.jsonl.torn-<n>`, next to the log). */
  movedTo: string;
  bytes: number;
}

/**
 * The append-only, hash-chained event log of a run in a file (`events.jsonl`): the
 * {@link EventLogWriter} of the file store. Each line is written as the entry's canonical line
 * ({@link entryLine}, the bytes its hash covers) to a descriptor opened for appending, and
 * fsynced, so a line is on disk before `append` returns. One writer at a time (the run lock).
 */
export class EventLog implements EventLogWriter {
  private seq: number;
  private prevHash: string;
  /** Set by the first failed write (a full disk): every later append refuses with it. */
  private failed: Error | undefined;
  private recovery: TornLineRecovery | undefined;
  private closed = false;
  /** Lines were appended with `durable: false` and not fsynced yet. */
  private unsynced = false;

  private constructor(
    /** Path of the log file. */
    readonly file: string,
    private readonly fd: number,
    last: EventLogEntry | undefined,
    private readonly now: () => Date,
  ) {
    this.seq = last?.seq ?? 0;
    this.prevHash = last?.hash ?? GENESIS_HASH;
  }

  /**
   * Opens (creating if needed) the log at `file`, continuing `seq` and `prev_hash` from its last
   * valid line. A torn last line (a crash mid-write: unterminated or unparseable) is moved to
   * `<file>.torn-<n>` and a `log.recovered` event is appended, so the chain still verifies and
   * nothing is silently lost. A complete last line that only lacks its newline is completed.
   */
  static open(file: string, options: { now?: () => Date } = {}): EventLog {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    refuseSymlink(path.dirname(file));
    refuseSymlink(file);
    const buf = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
    const found = scanLogTail(buf);
    let recovery: TornLineRecovery | undefined;
    if (found.torn) {
      const movedTo = tornPath(file);
      writeFileAtomicSync(movedTo, found.torn.bytes);
      truncateDurably(file, found.torn.start);
      recovery = { line: found.torn.line, movedTo, bytes: found.torn.bytes.length };
    }
    const log = new EventLog(file, openForAppend(file), found.last, options.now ?? (() => new Date()));
    if (found.missingNewline) log.writeRaw('\n');
    if (recovery) {
      log.recovery = recovery;
      log.appendSync('log.recovered', null, {
        reason: 'torn last line (crash mid-write) moved aside',
        line: recovery.line,
        moved_to: path.basename(recovery.movedTo),
        bytes: recovery.bytes,
      });
    }
    return log;
  }

  /** Set when opening found a torn last line and moved it aside (a `log.recovered` line says so). */
  get recovered(): TornLineRecovery | undefined {
    return this.recovery;
  }

  /** seq of the last line written (0 for an empty log). */
  get lastSeq(): number {
    return this.seq;
  }

  /** hash of the last line written ({@link GENESIS_HASH} for an empty log). */
  get lastHash(): string {
    return this.prevHash;
  }

  /**
   * Appends one event and fsyncs it; returns the written entry. Refuses (throws
   * `SecretLeakError`) a line that would contain a clear-text password, writing nothing.
   * `data` is stored as its JSON form (undefined members dropped), which is what is hashed.
   *
   * `options.durable: false` writes the line (a killed process loses nothing) without fsyncing
   * it; the next durable append, or {@link close}, fsyncs it together with everything before.
   * For high-rate progress whose truth lives elsewhere (a migration's row in the version table).
   */
  appendSync(
    type: string,
    step: string | null | undefined,
    data: unknown = null,
    options: AppendOptions = {},
  ): EventLogEntry {
    if (this.closed) throw new Error(`event log ${this.file} is closed`);
    // A line that could not be written leaves a gap no later line may hide: the chain would
    // verify while the lines it needs to replay (a step's start or end) are missing.
    if (this.failed) throw this.failed;
    const { entry, line } = makeEntry(this.seq, this.prevHash, this.now(), type, step, data);
    assertNoSecret(line, this.file);
    try {
      writeAll(this.fd, line);
      if (options.durable === false) this.unsynced = true;
      else this.sync();
    } catch (err) {
      throw (this.failed = err as Error);
    }
    this.seq = entry.seq;
    this.prevHash = entry.hash;
    return entry;
  }

  /** Async form of {@link appendSync}: resolves once the line is on disk (or written, if not durable). */
  async append(
    type: string,
    step: string | null | undefined,
    data: unknown = null,
    options: AppendOptions = {},
  ): Promise<EventLogEntry> {
    return this.appendSync(type, step, data, options);
  }

  /** Fsyncs lines appended non-durably and closes the file; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.unsynced) this.sync();
    } finally {
      fs.closeSync(this.fd);
    }
  }

  private writeRaw(text: string): void {
    writeAll(this.fd, text);
    this.sync();
  }

  private sync(): void {
    fs.fsyncSync(this.fd);
    this.unsynced = false;
  }
}

/** Writes all of `text` at the end of the file (a short write continues where it stopped). */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * Builds the entry following `seq` / `prevHash` and its line (see {@link entryLine}); `data` is
 * stored as its JSON form (undefined members dropped), which is what is hashed.
 */
export function makeEntry(
  seq: number,
  prevHash: string,
  time: Date,
  type: string,
  step: string | null | undefined,
  data: unknown,
): { entry: EventLogEntry; line: string } {
  const json = JSON.stringify(data);
  const normalized = (json === undefined ? null : JSON.parse(json)) as JsonValue;
  const content = {
    seq: seq + 1,
    time: time.toISOString(),
    type,
    step: step ?? null,
    data: normalized,
  };
  const entry: EventLogEntry = {
    ...content,
    prev_hash: prevHash,
    hash: entryHash(prevHash, content),
  };
  return { entry, line: `${entryLine(entry)}\n` };
}

/**
 * The first line of a new log (seq 1, chained to the genesis hash), for a run directory that is
 * created with its log already holding it. Refuses a clear-text password like {@link EventLog.append}.
 */
export function firstLogLine(type: string, data: unknown, time: Date = new Date()): string {
  const { line } = makeEntry(0, GENESIS_HASH, time, type, null, data);
  assertNoSecret(line, 'events.jsonl');
  return line;
}
