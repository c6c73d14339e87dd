import { createHash } from 'node:crypto';
import type { JsonValue } from '../json.js';

/** `prev_hash` of the first line of every event log: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * One line of `events.jsonl`. `hash = sha256(prev_hash + canonicalJson({ seq, time, type, step,
 * data }))` in lowercase hex; `prev_hash` is the previous line's `hash` ({@link GENESIS_HASH} for
 * line 1); `seq` counts from 1 with no gaps.
 */
export interface EventLogEntry {
  seq: number;
  /** ISO-8601 UTC time the line was appended. */
  time: string;
  /** Event type, e.g. `run.started`, `step.failed`, `log.recovered`. */
  type: string;
  /** The step the event concerns, or null for run-level events. */
  step: string | null;
  data: JsonValue;
  prev_hash: string;
  hash: string;
}

/**
 * JSON with object keys sorted recursively (by UTF-16 code units, as `Array.prototype.sort`
 * does) and no whitespace: the byte-exact form that is hashed, whatever key order a writer used.
 */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    const parts = keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The hash of an entry's content chained to `prevHash` (see {@link EventLogEntry}). */
export function entryHash(
  prevHash: string,
  content: Pick<EventLogEntry, 'seq' | 'time' | 'type' | 'step' | 'data'>,
): string {
  const body = canonicalJson({
    seq: content.seq,
    time: content.time,
    type: content.type,
    step: content.step,
    data: content.data,
  });
  return createHash('sha256')
    .update(prevHash + body)
    .digest('hex');
}

/** The members of a log line, in the order they are written. */
export const ENTRY_FIELDS = ['seq', 'time', 'type', 'step', 'data', 'prev_hash', 'hash'] as const;

/**
 * The one text a log line may have for an entry: its members in {@link ENTRY_FIELDS} order, `data`
 * in {@link canonicalJson} form (the form that is hashed), no whitespace, no other member. A line
 * is a function of the hashed content and its two hashes, so no byte of it escapes the hash.
 */
export function entryLine(entry: EventLogEntry): string {
  return (
    `{"seq":${JSON.stringify(entry.seq)},"time":${JSON.stringify(entry.time)},` +
    `"type":${JSON.stringify(entry.type)},"step":${JSON.stringify(entry.step)},` +
    `"data":${canonicalJson(entry.data)},"prev_hash":${JSON.stringify(entry.prev_hash)},` +
    `"hash":${JSON.stringify(entry.hash)}}`
  );
}

/**
 * Checks that a parsed JSON value has the shape of an {@link EventLogEntry}; returns the name of
 * the first missing or mistyped field, or undefined when the shape is right.
 */
export function entryShapeProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not an object';
  const v = value as Record<string, unknown>;
  if (typeof v.seq !== 'number' || !Number.isInteger(v.seq)) return 'seq';
  if (typeof v.time !== 'string') return 'time';
  if (typeof v.type !== 'string') return 'type';
  if (!('step' in v) || (v.step !== null && typeof v.step !== 'string')) return 'step';
  if (!('data' in v)) return 'data';
  if (typeof v.prev_hash !== 'string') return 'prev_hash';
  if (typeof v.hash !== 'string') return 'hash';
  return undefined;
}
