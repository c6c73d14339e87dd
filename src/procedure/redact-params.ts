import type { JsonValue } from '../json.js';
import { REDACTED, redactJson } from '../postgres/redact.js';
import type { Procedure } from './types.js';

/**
 * Every string inside a JSON value (itself, or the items and values of a list or map), and every
 * number as its decimal text (a secret PIN declared `type: integer`).
 */
function strings(value: JsonValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/**
 * The values of a procedure's `secret: true` params in this run (the texts to hide): a secret
 * string or number, or every string and number inside a secret list or map.
 */
export function secretValues(procedure: Procedure, params: Record<string, JsonValue>): string[] {
  return Object.entries(procedure.params)
    .filter(([, spec]) => spec.secret)
    .flatMap(([name]) => strings(params[name]))
    .filter((v) => v.length > 0);
}

/**
 * The params as they may be printed or written (run.json, the event log): a param declared
 * `secret: true` becomes `***`, and the password of any URL anywhere in a value is replaced.
 */
export function redactParams(
  procedure: Procedure,
  params: Readonly<Record<string, JsonValue>>,
): Record<string, JsonValue> {
  return Object.fromEntries(
    Object.entries(params).map(([name, value]) => [
      name,
      procedure.params[name]?.secret ? REDACTED : redactJson(value),
    ]),
  );
}
