/**
 * The last line of defence against writing a password to disk. Callers redact URLs before they
 * hand anything to the run store or the event log (see `redactUrl`); if one slips through anyway,
 * the write is refused rather than performed.
 */

/** A URL with credentials: `scheme://user:password@`. The password is captured. */
const URL_WITH_PASSWORD = /[a-z]+:\/\/[^:/@\s]+:([^@/\s]+)@/gi;
/** A `password=` query parameter (libpq URL form). The value is captured. */
const PASSWORD_PARAM = /[?&]password=([^&\s"]*)/gi;
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

function passwordsIn(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((m) => m[1] ?? '');
}

/** True when `text` contains a URL password or `password=` parameter other than `***`. */
export function containsSecret(text: string): boolean {
  return (
    passwordsIn(text, URL_WITH_PASSWORD).some((p) => p !== REDACTED) ||
    passwordsIn(text, PASSWORD_PARAM).some((p) => p !== '' && p !== REDACTED)
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
