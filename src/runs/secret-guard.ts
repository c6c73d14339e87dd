import { PASSWORD_PATTERNS } from '../postgres/url.js';

/**
 * The last line of defence against writing a password to disk. Callers redact URLs before they
 * hand anything to the run store or the event log (see `redactUrl`); if one slips through anyway,
 * the write is refused rather than performed.
 */

/** What `redactUrl` leaves in place of a password. */
const REDACTED = '***';

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

/** True when `text` holds a password (URL userinfo or `password=` keyword) other than `***`. */
export function containsSecret(text: string): boolean {
  return PASSWORD_PATTERNS.some((pattern) =>
    [...text.matchAll(pattern)].some((m) => {
      const pw = (m[2] ?? '').replace(/^'|'$/g, '');
      return pw !== '' && pw !== REDACTED;
    }),
  );
}

/**
 * Throws {@link SecretLeakError} when `content` (text, or bytes read as UTF-8) contains a
 * clear-text password; returns normally otherwise.
 */
export function assertNoSecret(content: string | Uint8Array, target: string): void {
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
  if (containsSecret(text)) throw new SecretLeakError(target);
}
