import type { JsonValue } from '../json.js';
import { redactUrl } from '../postgres/url.js';
import type { Procedure } from './types.js';

/** Placeholder written instead of a secret. */
export const REDACTED = '***';

function scrub(value: JsonValue): JsonValue {
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map(scrub);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v)]));
  }
  return value;
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
      procedure.params[name]?.secret ? REDACTED : scrub(value),
    ]),
  );
}
