/**
 * Redaction: the one module that masks secrets, pure text work. Passwords in text have two
 * readings: {@link redactDatabaseUrl} for one connection URL known to be a URL (parsed
 * structurally, so a password holding an unencoded `/`, `#`, `?`, `@`, a quote or a space is still
 * found), and {@link redactUrl} for free text that may mention URLs, libpq keywords or SQL password
 * literals anywhere. Known secret values (a procedure's secret params, a server's password) are
 * masked in text by {@link maskValues} and {@link secretScrubber}, in JSON by {@link redactJson};
 * find-passwords.ts finds a password the masking left (the run store refuses to write it).
 */

import type { JsonValue } from '../json.js';

/** What a password or a secret value is replaced with. */
export const REDACTED = '***';
const MASK = REDACTED;

/** Characters that end a URL inside free text (whitespace, quotes, angle brackets). */
const URL_END = `\\s"'<>\``;

/**
 * A character of a URL's password inside free text: anything but what ends a URL
 * ({@link URL_END}), and a `'` too (a URL parser leaves it unencoded).
 */
const PASSWORD_CHAR = `[^\\s"<>\`]`;

/**
 * The same inside a quoted literal (the URL follows a `'`): a doubled `''` is one quote of the
 * password, and a single `'` is one too unless it closes the literal (`','`, `')`, `';`, before
 * whitespace or the end), so `('http://h:8080/','ops@example.com')` holds no password.
 */
const QUOTED_PASSWORD_CHAR = `(?:[^${URL_END}]|''|'(?![,);\\s]|$))`;

/** The start of a URL up to its password: `scheme://user:`, the scheme not inside a word. */
const URL_USER = `[a-z][a-z0-9+.-]*://[^:/?#@${URL_END}]*:`;

/** Keywords whose value is a password: libpq's `password`, `sslpassword`, and `PGPASSWORD`. */
const SECRET_KEYS = ['password', 'sslpassword', 'pgpassword'] as const;

/** True for a key that is one of the {@link SECRET_KEYS} keywords (any case). */
export const isSecretKey = (key: string): boolean =>
  (SECRET_KEYS as readonly string[]).includes(key.toLowerCase());

/**
 * A regex source matching any {@link SECRET_KEYS} keyword, each character either literal or
 * percent-encoded (`pass%77ord`, `%70assword`): node-postgres and libpq decode a URL's query keys,
 * so an encoded key is the same keyword to them and its value must be masked too.
 */
function secretKeyPattern(): string {
  const char = (c: string): string => {
    const forms = new Set([c.toLowerCase(), c.toUpperCase()]);
    const encoded = [...forms].map((f) => `%${f.charCodeAt(0).toString(16)}`);
    return `(?:${c.replace(/[^a-z0-9]/gi, '\\$&')}|${encoded.join('|')})`;
  };
  return `(?:${SECRET_KEYS.map((k) => [...k].map(char).join('')).join('|')})`;
}

/**
 * Where a password stands in free text; group 2 captures it. A URL's userinfo: after `user:`, up
 * to the LAST `@` before the URL ends (whitespace or a quote; within 1,000 characters, so that a
 * long text of `scheme://user:` without an `@` costs linear time), so a password holding unencoded
 * `/`, `#`, `?`, `:` or `@` is covered whole (an `@` later in the path or query over-masks, never
 * under-masks); and a libpq keyword (`password=…`, `sslpassword=…`, `PGPASSWORD=…`, quoted or not,
 * its key percent-encoded or not). Shared by {@link redactUrl} and the run store's secret guard,
 * so what is redacted and what is refused never drift apart.
 */
export const PASSWORD_PATTERNS: readonly RegExp[] = [
  // The look-behinds, not `\\b`: a scheme starts at most once per run of letters (linear time).
  new RegExp(`((?<![a-z0-9+.'-])${URL_USER})(${PASSWORD_CHAR}{0,1000})(@)`, 'gi'),
  new RegExp(`((?<=')${URL_USER})(${QUOTED_PASSWORD_CHAR}{0,1000})(@)`, 'gi'),
  // In a URL's query a value ends at the next `&` or `#`.
  new RegExp(
    `((?<=[?&])${secretKeyPattern()}[ \\t]*=[ \\t]*)('(?:[^'\\\\]|\\\\.)*'|[^\\s&#"]+)()`,
    'gi',
  ),
  // libpq ends an unquoted value at whitespace only: `;`, `,`, `&` and `'` may be in it (a
  // closing quote after it is masked with it: over-masked, never under-masked). A shell's
  // `PGPASSWORD="…"` is a double-quoted value.
  new RegExp(
    `((?<![a-z0-9_%?&])${secretKeyPattern()}[ \\t]*=[ \\t]*)('(?:[^'\\\\]|\\\\.)*'|"(?:[^"\\\\]|\\\\.)*"|[^\\s"]+)()`,
    'gi',
  ),
];

/**
 * Whether {@link PASSWORD_PATTERNS}[i] can match `text` at all, by what every match must contain:
 * a URL's `://`; a keyword's `=` and either the keyword spelled out (`password` is in all three)
 * or a `%` encoding part of it. Most text written (a checkpoint, a log line) has neither, and the
 * patterns (the keyword's case-insensitive encodings behind a look-behind) cost milliseconds to
 * compile and run where a substring test costs microseconds.
 */
const mayHoldKeyword = (text: string): boolean =>
  text.includes('=') && (text.includes('%') || /password/i.test(text));
export const MAY_MATCH: readonly ((text: string) => boolean)[] = [
  (text) => text.includes('://'),
  (text) => text.includes("'") && text.includes('://'),
  mayHoldKeyword,
  mayHoldKeyword,
];

/**
 * Whitespace and comments between the keyword PASSWORD and its literal. A comment is at most 500
 * characters long here: every PASSWORD in a text starts a match, and an unbounded comment would
 * scan to the end of the text from each one (quadratic on a long adversarial query).
 */
const SQL_GAP = String.raw`(?:\s|/\*(?:[^*]|\*(?!/)){0,500}\*/|--[^\n\r]{0,500}[\n\r])+`;

/**
 * A password literal in SQL (`CREATE ROLE … PASSWORD '…'`, `ALTER ROLE … ENCRYPTED PASSWORD $$…$$`),
 * as a failing statement or a step's arguments may carry it, comments before it or not: a plain,
 * `E'…'` (backslash escapes), `U&'…'` or dollar-quoted literal; group 2 is the literal.
 */
export const SQL_PASSWORD_PATTERNS: readonly RegExp[] = [
  new RegExp(String.raw`(\bPASSWORD${SQL_GAP})(E'(?:[^'\\]|''|\\[\s\S])*')()`, 'gi'),
  new RegExp(String.raw`(\bPASSWORD${SQL_GAP})((?:U&)?'(?:[^']|'')*')()`, 'gi'),
  new RegExp(
    String.raw`(\bPASSWORD${SQL_GAP})(\$([a-z_][a-z0-9_]*)?\$[\s\S]{0,2000}?\$\3\$)()`,
    'gi',
  ),
];

const PARAMETERS = '[parameters: ';

/**
 * `line` with the bound values SQLAlchemy shows in its errors (`[parameters: {'pw': '…'}]`, a
 * password passed as a parameter among them) masked: from the first `[parameters: ` to the last
 * `]` of the line (their repr is one line), or to the line's end when there is none.
 */
function maskParameters(line: string): string {
  const at = line.indexOf(PARAMETERS);
  if (at < 0) return line;
  const end = line.lastIndexOf(']');
  const rest = end > at ? line.slice(end + 1) : '';
  return `${line.slice(0, at)}${PARAMETERS}${MASK}${end > at ? ']' : ''}${rest}`;
}

/**
 * Replaces every password in `text` with `***`: URL userinfo passwords, libpq `password=` keywords,
 * SQL `PASSWORD '…'` literals (which become `PASSWORD '***'`) and the bound values SQLAlchemy
 * shows in its errors (`[parameters: ***]`). For text: a JSON value is redacted string by string
 * with {@link redactJson}, as a pattern may take a quote or a backslash of JSON's syntax.
 */
export function redactUrl(text: string): string {
  let out = text;
  for (const [i, p] of PASSWORD_PATTERNS.entries()) {
    if (MAY_MATCH[i]?.(out) === false) continue;
    out = out.replace(p, (_m, before: string, _pw, after: string) => `${before}${MASK}${after}`);
  }
  if (out.includes(PARAMETERS)) out = out.split('\n').map(maskParameters).join('\n');
  // Every SQL form starts with the keyword PASSWORD itself.
  if (!/password/i.test(out)) return out;
  for (const p of SQL_PASSWORD_PATTERNS)
    out = out.replace(p, (_m, before: string) => `${before}'${MASK}'`);
  return out;
}

/**
 * One connection URL with its password masked, found by its structure rather than a URL parser
 * (which gives up on, or misreads, a password holding an unencoded `/`, `#` or `?`): everything
 * between `scheme://user:` and the last `@` of the string is the password. Then {@link redactUrl}
 * for `?password=` and the like. For messages about the URL itself (it is not valid, its host is
 * refused, the run's target).
 */
export function redactDatabaseUrl(url: string): string {
  const scheme = /^\s*[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!scheme) return redactUrl(url);
  const rest = url.slice(scheme[0].length);
  const at = rest.lastIndexOf('@');
  const colon = at < 0 ? -1 : rest.slice(0, at).indexOf(':');
  const masked = colon < 0 ? rest : `${rest.slice(0, colon + 1)}${MASK}${rest.slice(at)}`;
  return redactUrl(scheme[0] + masked);
}

/**
 * Replaces every occurrence of each of `values` in `text` with `***`, longest first (a secret that
 * holds another one is masked whole, not around the shorter one's mask); a number only where it
 * stands as a token of its own; with `wholeWords`, any value only where it is not part of a longer
 * name (`app_postgres`, `app-postgres.internal` keep their names whatever the password `postgres`
 * is).
 */
export function maskValues(text: string, values: readonly string[], wholeWords = false): string {
  let out = text;
  for (const value of [...values].sort((a, b) => b.length - a.length)) {
    if (value === '') continue;
    if (NUMBER.test(value)) out = out.replace(numberToken(value), MASK);
    else if (wholeWords) out = maskWord(out, value);
    else out = out.split(value).join(MASK);
  }
  return out;
}

/** A character of a name: a letter, a digit, `_`, `-` or `.` (`app_postgres`, `db-1.internal`). */
const NAME_CHAR = /[\p{L}\p{N}_.-]/u;

/** `text` with `value` masked where it is not part of a longer name ({@link NAME_CHAR}). */
function maskWord(text: string, value: string): string {
  let out = '';
  let from = 0;
  for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + value.length)) {
    const before = text[at - 1];
    const after = text[at + value.length];
    if ((before !== undefined && NAME_CHAR.test(before)) || (after !== undefined && NAME_CHAR.test(after))) continue; // prettier-ignore
    out += text.slice(from, at) + MASK;
    from = at + value.length;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** A secret that is a number (a PIN): masked as a whole token, not inside other numbers or times. */
const NUMBER = /^-?\d+(?:\.\d+)?$/;

/** `value` where it stands alone: not inside a word, a longer number or a time (`12:34`, `1.5`). */
function numberToken(value: string): RegExp {
  let re = numberTokens.get(value);
  if (!re) {
    re = new RegExp(`(?<!\\w|\\d[.:])${value.replace(/[.-]/g, '\\$&')}(?!\\w|[.:]\\d)`, 'g');
    // A worker sees many runs' secrets: kept for the runs at hand, not for the process's life.
    if (numberTokens.size >= 64) numberTokens.clear();
    numberTokens.set(value, re);
  }
  return re;
}

/** {@link numberToken}'s patterns by value: redactJson masks every string of a log line. */
const numberTokens = new Map<string, RegExp>();

/**
 * Redacts a JSON value before it is printed or logged: URL passwords become `***` and every
 * occurrence of one of `secrets` inside a string becomes `***`. Walks the value, so the structure
 * is never touched whatever the secret looks like.
 */
export function redactJson(
  value: JsonValue,
  secrets: readonly string[] = [],
  wholeWords = false,
): JsonValue {
  if (typeof value === 'string') return maskValues(redactUrl(value), secrets, wholeWords);
  // A secret number (a PIN declared `type: integer, secret: true`) is hidden as a value too.
  if (typeof value === 'number' && secrets.includes(String(value))) return MASK;
  if (Array.isArray(value)) return value.map((v) => redactJson(v, secrets, wholeWords));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        maskValues(redactUrl(k), secrets, wholeWords),
        // `{ PGPASSWORD: … }` (a command's environment) is a keyword and its value, as `=` joins them.
        isSecretKey(k) && (typeof v === 'string' || typeof v === 'number') && v !== ''
          ? MASK
          : redactJson(v, secrets, wholeWords),
      ]),
    );
  }
  return value;
}

/**
 * A scrubber for text a program printed (a shell command's output): every occurrence of each
 * secret, raw and URL-encoded, longest first, then any URL password. Empty or absent secrets are
 * ignored.
 */
export function secretScrubber(secrets: readonly (string | undefined)[]): (text: string) => string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
    // As a URL parser writes it in a URL's userinfo (some characters encoded, others not).
    const url = new URL('postgresql://u@h');
    url.password = s;
    forms.add(url.password);
  }
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (text) => redactUrl(ordered.reduce((t, s) => t.replaceAll(s, MASK), text));
}

/**
 * Another session's query text (as pg_stat_activity shows it, possibly cut short) with every
 * password masked: the literal of any `PASSWORD '…'` (`ALTER ROLE … PASSWORD`) replaced by
 * `'***'`, a literal cut off before its closing quote included, then URLs' and libpq keywords'
 * passwords ({@link redactUrl}): it is printed and logged, and a password never is.
 */
export function maskSqlPasswords(query: string): string {
  return redactUrl(query.replace(CUT_SQL_PASSWORD, "$1'***'"));
}

/** A SQL password literal as in {@link SQL_PASSWORD_PATTERNS}, or cut off before its end. */
const CUT_SQL_PASSWORD = new RegExp(
  String.raw`(\bpassword${SQL_GAP})((?:E|U&)?'(?:[^'\\]|''|\\[\s\S])*(?:'|\\?$)|\$([^$\s]*)\$[\s\S]*?(?:\$\3\$|$))`,
  'gi',
);
