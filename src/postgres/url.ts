/**
 * Connection URL helpers. A password never leaves this module in clear: everything printed or
 * written uses {@link redactUrl}.
 */

/** The parts of a PostgreSQL URL that identify a target (never the password). */
export interface DatabaseTargetInfo {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** Parses a `postgres://` / `postgresql://` URL; throws a message naming the problem (no secret). */
export function parseDatabaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a valid URL: ${redactUrl(url)}`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`not a PostgreSQL URL (scheme ${parsed.protocol}): ${redactUrl(url)}`);
  }
  return parsed;
}

/** Host, port, database and user of a URL. Unix-socket URLs report the socket dir as host. */
export function describeTarget(url: string): DatabaseTargetInfo {
  const u = parseDatabaseUrl(url);
  const socketHost = u.searchParams.get('host');
  return {
    host: decodeURIComponent(u.hostname) || socketHost || 'localhost',
    port: u.port ? Number(u.port) : 5432,
    database:
      decodeURIComponent(u.pathname.replace(/^\//, '')) ||
      decodeURIComponent(u.username) ||
      'postgres',
    user: decodeURIComponent(u.username),
  };
}

/** Replaces the password of every URL-looking substring with `***`. Safe on any text. */
export function redactUrl(text: string): string {
  let out = text;
  for (const p of PASSWORD_PATTERNS)
    out = out.replace(p, (_m, before: string, _pw, after: string) => `${before}***${after}`);
  return out;
}

/**
 * Where a password stands in free text; group 2 captures it. A URL's userinfo (up to the LAST `@`
 * of the authority, as URL parsers split it, so a password may itself hold `@`), and a libpq
 * keyword (`password=…`, `PGPASSWORD=…`, quoted or not). Shared by {@link redactUrl} and the run
 * store's secret guard, so what is redacted and what is refused never drift apart.
 */
export const PASSWORD_PATTERNS: readonly RegExp[] = [
  /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^/?#\s]*)(@)/gi,
  /(\b(?:pg)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&'",;]+)()/gi,
];

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
