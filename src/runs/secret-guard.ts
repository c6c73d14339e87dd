/**
 * The last line of defence against writing a password to disk. Callers redact URLs before they
 * hand anything to the run store or the event log (see `redactUrl`); if one slips through anyway,
 * the write is refused rather than performed. What counts as a password is `containsSecret`'s
 * (postgres/redact.ts), the same patterns the masking uses.
 */

import { containsSecret } from '../postgres/redact.js';

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
  if (containsSecret(text)) throw new SecretLeakError(target);
}
