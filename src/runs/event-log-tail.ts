import fs from 'node:fs';
import { entryHash, entryShapeProblem, GENESIS_HASH, type EventLogEntry } from './event-hash.js';

/*
 * Reading the end of an existing event log when it is opened again: where the chain continues,
 * and a torn last line (a crash mid-write) to move aside.
 */

/** A log line parsed as an entry of the right shape, else undefined. */
export function parseEntry(text: string): EventLogEntry | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return entryShapeProblem(value) === undefined ? (value as EventLogEntry) : undefined;
  } catch {
    return undefined;
  }
}

/** The next free `<file>.torn-<n>` path. */
export function tornPath(file: string): string {
  for (let n = 1; ; n++) {
    const candidate = `${file}.torn-${n}`;
    if (!fs.existsSync(candidate)) return candidate;
  }
}

/** Where a log's chain continues, and the torn last line a crash left, if any. */
export interface LogTail {
  last?: EventLogEntry;
  torn?: { start: number; bytes: Buffer; line: number };
  /** The last line is a complete, chained entry that only lacks its newline. */
  missingNewline: boolean;
}

/** Finds where to continue the chain and whether the last line is torn. Pure over the bytes. */
export function scanLogTail(buf: Buffer): LogTail {
  if (buf.length === 0) return { missingNewline: false };
  const terminated = buf[buf.length - 1] === 0x0a;
  const body = terminated ? buf.subarray(0, buf.length - 1) : buf;
  const lastStart = body.lastIndexOf(0x0a) + 1;
  const lastText = body.subarray(lastStart).toString('utf8');
  const lines = body.toString('utf8').split('\n');
  const previous = (upTo: number): EventLogEntry | undefined => {
    for (let i = upTo - 1; i >= 0; i--) {
      const entry = parseEntry(lines[i] ?? '');
      if (entry) return entry;
    }
    return undefined;
  };
  const lastEntry = parseEntry(lastText);
  if (lastEntry) {
    if (terminated) return { last: lastEntry, missingNewline: false };
    const before = previous(lines.length - 1);
    const chained =
      lastEntry.prev_hash === (before?.hash ?? GENESIS_HASH) &&
      lastEntry.seq === (before?.seq ?? 0) + 1 &&
      entryHash(lastEntry.prev_hash, lastEntry) === lastEntry.hash;
    if (chained) return { last: lastEntry, missingNewline: true };
  }
  return {
    last: previous(lines.length - 1),
    torn: { start: lastStart, bytes: buf.subarray(lastStart), line: lines.length },
    missingNewline: false,
  };
}

/** Cuts a file back to `length` bytes and fsyncs it (drops a torn tail). */
export function truncateDurably(file: string, length: number): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.ftruncateSync(fd, length);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
