import { redactDatabaseUrl } from './redact.js';

export { PASSWORD_PATTERNS, redactDatabaseUrl, redactUrl } from './redact.js';

/**
 * Connection URL helpers. A password never leaves this module in clear: a URL in a message goes
 * through `redactDatabaseUrl`, free text through `redactUrl` (both in ./redact.ts). Pure text work:
 * what node-postgres resolves a URL to is ./target.ts.
 */

/** Parses a `postgres://` / `postgresql://` URL; throws a message naming the problem (no secret). */
export function parseDatabaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      `not a valid URL: ${redactDatabaseUrl(url)} (percent-encode / # ? @ : in the password, e.g. %2F)`,
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`not a PostgreSQL URL (scheme ${parsed.protocol}): ${redactDatabaseUrl(url)}`);
  }
  const ambiguity = libpqReadsOtherwise(url);
  if (ambiguity) throw new Error(`${ambiguity}: ${redactDatabaseUrl(url)}`);
  return parsed;
}

/**
 * Why libpq (psql, pg_dump in a shell step, which get this URL) would read `url` differently from
 * node-postgres, whose reading the authority check verifies; undefined when they agree. libpq
 * knows no fragment (`#?host=…` is a query to it), splits the user at the first `@` where a URL
 * parser takes the last, and does not drop the tabs and line breaks a URL parser removes.
 */
function libpqReadsOtherwise(url: string): string | undefined {
  if (/[\t\n\r]/.test(url)) return 'the URL holds a tab or a line break';
  if (url.includes('#')) {
    return 'the URL holds a # (a fragment, which libpq reads as part of the URL): percent-encode it as %23';
  }
  const start = url.indexOf('://') + 3;
  const rest = url.slice(start);
  const end = rest.search(/[/?]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  if ((authority.match(/@/g) ?? []).length > 1) {
    return 'the URL holds more than one @ before its host (libpq splits at the first, node-postgres at the last): percent-encode an @ in the user or password as %40';
  }
  return undefined;
}

/**
 * Characters node-postgres reads back literally from the URL path: it decodes the path with
 * `decodeURI`, which leaves `%3B`, `%40`, … encoded, so these must stay unencoded to round-trip.
 */
const PATH_LITERAL = new Set([';', ':', '@', '&', '=', '+', '$', ',', '/']);

/**
 * Returns the same server URL pointed at another database (keeps credentials and options). The
 * name is encoded so that both libpq (full percent-decoding) and node-postgres (`decodeURI`) read
 * it back exactly; a name containing `?` or `#` cannot survive node-postgres's parsing and is
 * refused rather than silently connecting elsewhere.
 */
export function withDatabase(url: string, database: string): string {
  if (/[?#]/.test(database)) {
    throw new Error(`a database name containing '?' or '#' cannot be put in a connection URL`);
  }
  const u = parseDatabaseUrl(url);
  u.pathname =
    '/' + [...database].map((c) => (PATH_LITERAL.has(c) ? c : encodeURIComponent(c))).join('');
  return u.toString();
}

/** The password of a URL, if any, so callers can scrub it from free text (e.g. shell output). */
export function urlPassword(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}

/** True when `value` names a PostgreSQL server: a `postgres://` or `postgresql://` URL (any case). */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value.trim());
}
