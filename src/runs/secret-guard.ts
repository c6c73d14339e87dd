/**
 * The last line of defence against writing a password to disk. Callers redact URLs before they
 * hand anything to the run store or the event log (see `redactUrl`); if one slips through anyway,
 * the write is refused rather than performed. What counts as a password is `containsSecret`'s
 * (postgres/redact.ts), the same patterns the masking uses.
 */

import { containsSecret } from '../postgres/find-passwords.js';

export { containsSecret };

/** Thrown when content about to be written contains a clear-text password. */
export class SecretLeakError extends Error {
  override readonly name = 'SecretLeakError';
  constructor(
    /** Where the write was going (a file path), for the message. Never the secret itself. */
    readonly target: string,
  ) {
    super(
      `refusing to write ${target}: it contains a URL with a clear-text password (redact it with redactUrl first)`,
    );
  }
}

/**
 * Throws {@link SecretLeakError} when `content` (text, or bytes read as UTF-8) contains a
 * clear-text password; returns normally otherwise.
 */
export function assertNoSecret(content: string | Uint8Array, target: string): void {
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
  if (containsSecret(text) && !jsonStringsClean(text)) throw new SecretLeakError(target);
}

/**
 * Whether `text` is JSON (a document, or JSON lines) whose every string, key or value, holds no
 * password. Content is redacted string by string; seen as JSON text, an escaped line break
 * (`\n`) is no whitespace, so a pattern may run from one line of a string into the next and find
 * a password the strings do not hold. False when `text` is not JSON.
 */
function jsonStringsClean(text: string): boolean {
  /** `json` parsed, in a box (a JSON `null` is a value too); undefined when it is not JSON. */
  const parsed = (json: string): { value: unknown } | undefined => {
    try {
      return { value: JSON.parse(json) as unknown };
    } catch {
      return undefined;
    }
  };
  const whole = parsed(text);
  const values = whole
    ? [whole]
    : text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map(parsed);
  return values.every((v) => v !== undefined && stringsClean(v.value));
}

function stringsClean(value: unknown): boolean {
  if (typeof value === 'string') return !containsSecret(value);
  if (Array.isArray(value)) return value.every(stringsClean);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).every(([k, v]) => !containsSecret(k) && stringsClean(v));
  }
  return true;
}
