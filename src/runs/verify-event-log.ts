import fs from 'node:fs';
import { TamperedLogError } from '../errors.js';
import type { StoredRun } from './run-store.js';
import {
  ENTRY_FIELDS,
  entryHash,
  entryLine,
  entryShapeProblem,
  GENESIS_HASH,
  type EventLogEntry,
} from './event-hash.js';

/** Result of {@link verifyEventLog}. */
export type EventLogVerification =
  | { ok: true; entries: EventLogEntry[] }
  | {
      ok: false;
      /** 1-based number of the first bad line. */
      line: number;
      /** What is wrong with it. */
      reason: string;
      /** The entries before it (the valid prefix). */
      entries: EventLogEntry[];
    };

/**
 * Checks one line against the chain so far. The line's own hash is checked before its place in
 * the chain, so an edited line reads "modified" while a deleted or moved one (internally
 * consistent, but out of place) reads "out of sequence".
 */
function checkLine(
  text: string,
  lineNo: number,
  isTorn: boolean,
  expectedSeq: number,
  prevHash: string,
): { entry: EventLogEntry } | { reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      reason: isTorn
        ? 'truncated: the last line is incomplete (no trailing newline, not valid JSON)'
        : 'not valid JSON',
    };
  }
  const shape = entryShapeProblem(value);
  if (shape) return { reason: `not an event log entry (bad or missing '${shape}')` };
  const entry = value as EventLogEntry;
  const extra = Object.keys(entry).find((k) => !(ENTRY_FIELDS as readonly string[]).includes(k));
  if (extra !== undefined) {
    return {
      reason: `a member outside the hash ('${extra}'): the line was modified after it was written`,
    };
  }
  if (entryHash(entry.prev_hash, entry) !== entry.hash) {
    return { reason: 'hash mismatch: the line was modified after it was written' };
  }
  if (text !== entryLine(entry)) {
    return {
      reason:
        'not in the form its hash covers (bytes outside the hashed content were changed): the line was modified after it was written',
    };
  }
  if (entry.seq !== expectedSeq) {
    return {
      reason: `out of sequence: seq ${entry.seq} where ${expectedSeq} was expected (a line was deleted, inserted or reordered)`,
    };
  }
  if (entry.prev_hash !== prevHash) {
    const of = lineNo === 1 ? 'the genesis hash' : `the hash of line ${lineNo - 1}`;
    return { reason: `broken chain: prev_hash does not match ${of}` };
  }
  if (isTorn) return { reason: 'truncated: the last line has no trailing newline' };
  return { entry };
}

/**
 * Verifies an `events.jsonl` hash chain offline. Detects a modified line (hash mismatch), a
 * deleted, inserted or reordered line (seq gap or prev_hash mismatch), bad JSON, and a truncated
 * last line (unparseable or missing its newline); the result names the first bad line (1-based)
 * and carries the valid prefix. An empty file verifies (no entries); a missing file does not.
 */
export function verifyEventLog(file: string): EventLogVerification {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return MISSING;
    throw err;
  }
  return verifyEventLogText(text);
}

const MISSING: EventLogVerification = {
  ok: false,
  line: 1,
  reason: 'the event log is missing',
  entries: [],
};

/** {@link verifyEventLog} over a stored run's log. */
export async function verifyRunLog(run: StoredRun): Promise<EventLogVerification> {
  const text = await run.store.readEventLog(run.id);
  return text === undefined ? MISSING : verifyEventLogText(text);
}

/** {@link verifyEventLog} over the log's text. */
export function verifyEventLogText(text: string): EventLogVerification {
  const entries: EventLogEntry[] = [];
  if (text === '') return { ok: true, entries };
  const lines = text.split('\n');
  // A well-formed log ends with a newline, leaving one empty final element; anything else there
  // is a torn (unterminated) last line.
  const tail = lines.pop() ?? '';
  const all = tail === '' ? lines : [...lines, tail];
  let prevHash = GENESIS_HASH;
  for (let i = 0; i < all.length; i++) {
    const lineNo = i + 1;
    const line = all[i] ?? '';
    if (line === '') return { ok: false, line: lineNo, reason: 'empty line', entries };
    const isTorn = tail !== '' && i === all.length - 1;
    const checked = checkLine(line, lineNo, isTorn, entries.length + 1, prevHash);
    if ('reason' in checked) return { ok: false, line: lineNo, reason: checked.reason, entries };
    entries.push(checked.entry);
    prevHash = checked.entry.hash;
  }
  return { ok: true, entries };
}

/**
 * Reads a verified event log file. Throws {@link TamperedLogError} (exit 4) naming the first bad
 * line when the chain does not verify.
 */
export function readEventLog(file: string): EventLogEntry[] {
  const result = verifyEventLog(file);
  if (!result.ok) throw new TamperedLogError(result.line, result.reason);
  return result.entries;
}

/**
 * Reads a stored run's verified event log for consumers (inspect, replay). Throws
 * {@link TamperedLogError} (exit 4) naming the first bad line when the chain does not verify.
 */
export async function readRunLog(run: StoredRun): Promise<EventLogEntry[]> {
  const result = await verifyRunLog(run);
  if (!result.ok) throw new TamperedLogError(result.line, result.reason);
  return result.entries;
}

/** The `type` member of a log line as written (after `seq` and `time`). */
const TYPE_FIELD = /"type":"([^"\\]*)"/;

/**
 * Reads the entries of a log this process is writing (the checklist at run end, a step looking
 * back at its earlier attempts), without recomputing the hash chain: the run lock makes the
 * caller its only writer, and `inspect` / `replay` verify the chain. Lines that are not entries
 * (a torn last line) are skipped; with `types`, so are lines of other types (not parsed at all).
 * Empty when the run has no log yet.
 */
export async function readOwnRunLog(
  run: StoredRun,
  options: { types?: (type: string) => boolean } = {},
): Promise<EventLogEntry[]> {
  const text = await run.store.readEventLog(run.id);
  return text === undefined ? [] : parseOwnEventLog(text, options);
}

/** The entries of a log's text as {@link readOwnRunLog} reads them. */
export function parseOwnEventLog(
  text: string,
  options: { types?: (type: string) => boolean } = {},
): EventLogEntry[] {
  const out: EventLogEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    // `types` keeps some lines: the type is read off the line before parsing the rest of it.
    const type = options.types && TYPE_FIELD.exec(line.slice(0, 200))?.[1];
    if (options.types && type && !options.types(type)) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (!entryShapeProblem(value)) out.push(value as EventLogEntry);
    } catch {
      // A torn last line: the next open of the log moves it aside.
    }
  }
  return out;
}
