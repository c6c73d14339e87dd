import type { StepFailureRecord } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';

/**
 * Typed reads of log and artifact fields. A reviewer's tool must not trust the shape of what it
 * reads (an older format, a hand-edited artifact), so every read checks the type and falls back.
 */

/** `value` as an object, or `{}`. */
export function obj(value: JsonValue | undefined): JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

/** `fields[key]` as a string, or null. */
export function str(fields: JsonObject, key: string): string | null {
  const v = fields[key];
  return typeof v === 'string' ? v : null;
}

/** `fields[key]` as a finite number, or null. */
export function num(fields: JsonObject, key: string): number | null {
  const v = fields[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** `fields[key] === true`. */
export function flag(fields: JsonObject, key: string): boolean {
  return fields[key] === true;
}

/** `fields[key]` as an array (or `[]`). */
export function list(fields: JsonObject, key: string): JsonValue[] {
  const v = fields[key];
  return Array.isArray(v) ? v : [];
}

/** `fields[key]` as an array of strings (non-strings dropped). */
export function strings(fields: JsonObject, key: string): string[] {
  return list(fields, key).filter((v): v is string => typeof v === 'string');
}

/** A logged failure record, with the fields a reviewer relies on guaranteed to be there. */
export function failureRecord(
  value: JsonValue | undefined,
  step: string,
  at: string,
): StepFailureRecord {
  const f = obj(value);
  const record: StepFailureRecord = {
    step: str(f, 'step') ?? step,
    code: str(f, 'code') ?? 'UNKNOWN',
    message: str(f, 'message') ?? '(no message logged)',
    at: str(f, 'at') ?? at,
  };
  for (const key of ['detail', 'hint', 'statement', 'migration', 'file', 'diagnosis'] as const) {
    const v = str(f, key);
    if (v !== null) record[key] = v;
  }
  const line = num(f, 'line');
  if (line !== null) record.line = line;
  const full = obj(f.statementFull);
  const artifact = str(full, 'artifact');
  const sha256 = str(full, 'sha256');
  const bytes = num(full, 'bytes');
  if (artifact !== null && sha256 !== null && bytes !== null) {
    record.statementFull = { artifact, sha256, bytes };
  }
  if (f.data !== undefined && Object.keys(obj(f.data)).length > 0) record.data = obj(f.data);
  return record;
}

/** The `step` fields of a list of failure-like objects (non-objects and missing steps skipped). */
export function stepsOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((f) => (f && typeof f === 'object' && 'step' in f ? (f as { step: unknown }).step : null))
    .filter((s): s is string => typeof s === 'string');
}
