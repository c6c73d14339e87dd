import type { JsonValue } from '../json.js';
import { redactUrl } from '../postgres/url.js';
import type { Procedure } from '../procedure/types.js';

/** Every string inside a JSON value (itself, or the items and values of a list or map). */
function strings(value: JsonValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/**
 * The values of a procedure's `secret: true` params in this run (the strings to hide): a secret
 * string, or every string inside a secret list or map.
 */
export function secretValues(procedure: Procedure, params: Record<string, JsonValue>): string[] {
  return Object.entries(procedure.params)
    .filter(([, spec]) => spec.secret)
    .flatMap(([name]) => strings(params[name]))
    .filter((v) => v.length > 0);
}

/**
 * Redacts a JSON value before it is printed or logged: URL passwords become `***` and every
 * occurrence of a secret param's value inside a string becomes `***`. Walks the value, so the
 * structure is never touched whatever the secret looks like.
 */
export function redactArguments(value: JsonValue, secrets: readonly string[]): JsonValue {
  if (typeof value === 'string') {
    let text = redactUrl(value);
    for (const s of secrets) text = text.split(s).join('***');
    return text;
  }
  if (Array.isArray(value)) return value.map((v) => redactArguments(v, secrets));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, redactArguments(v, secrets)]),
    );
  }
  return value;
}
