import { MAY_MATCH, PASSWORD_PATTERNS, SQL_PASSWORD_PATTERNS } from './redact.js';

/**
 * Finding passwords, where redact.ts masks them: the same patterns ({@link PASSWORD_PATTERNS}),
 * read for what they found rather than replaced. {@link containsSecret} is the run store's guard
 * (nothing holding a clear password is written under `runs/`); {@link findPasswords} tells a
 * procedure file's check where each one stands.
 */

/**
 * A value already masked: `***` (or an expression's run of `*`, {@link withoutExpressions}), and
 * the syntax that may close it (`PGPASSWORD=***;`, `password=***')`, a YAML escape's `\`), nothing
 * of its own.
 */
const MASKED = /^\*{3,}[\s'"`);,&\]}>\\]*$/;

/**
 * One or more valid `${{ … }}` expressions side by side, on one line: what they name (a param, a
 * variable, a step's output) is not in the text. A stray `${{`, or one spanning lines, is left in
 * place, so it cannot hide the text after it.
 */
const EXPRESSIONS = /(?:\$\{\{[ \t]*[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+[ \t]*\}\})+/g;

/**
 * `text` with its `${{ … }}` expressions (a run of them side by side as one) masked: each run
 * replaced by as many `*` as it is long, so offsets stay where they were. A procedure's
 * `password=${{ env.PW }}` holds no password: the value it names is masked where it is used.
 */
export function withoutExpressions(text: string): string {
  return text.includes('${{') ? text.replace(EXPRESSIONS, (e) => '*'.repeat(e.length)) : text;
}

/** Where a password stands: a URL's userinfo, a libpq keyword's value, a SQL literal. */
type PasswordPlace = 'url' | 'keyword' | 'sql';

/** {@link PASSWORD_PATTERNS}[i]'s place, or a SQL pattern's past their end. */
const placeOf = (i: number): PasswordPlace => (i < 2 ? 'url' : i < 4 ? 'keyword' : 'sql');

/** The syntax that may close a value (a quote, `)`, `;`…): nothing of its own. */
const CLOSING = String.raw`[\s'"\`);,&\]}>\\]*`;

/**
 * A shell's reference to the password, not the password: an upper-case variable (`$APP_PW`), a
 * braced one (`${db_pw}`) or a command substitution (`$(cat pw.txt)`). A shell expands it in a
 * URL or a keyword's value, whatever quotes the URL or value has inside the command; a SQL literal
 * never expands it, and in a URL or a single-quoted value `$Summer2024` (lower-case letters) reads
 * as a password.
 */
const SHELL_REFERENCE = new RegExp(
  String.raw`^(?:\$[A-Z_][A-Z0-9_]*|\$\{[A-Za-z_]\w*\}|\$\([^)]*\)?)${CLOSING}$`,
);

/** The same, any variable (`$pw`): a keyword's bare or double-quoted value, as a script writes it. */
const SCRIPT_REFERENCE = new RegExp(
  String.raw`^(?:\$[A-Za-z_]\w*|\$\{[A-Za-z_]\w*\}|\$\([^)]*\)?)${CLOSING}$`,
);

/**
 * A keyword's bare or double-quoted `password = …` value that is SQL or a placeholder, not a
 * password: `NULL`, `DEFAULT` (`SET password = NULL`), `$1`, `?`, `%s`, `%(pw)s`, `:pw`.
 */
const SQL_VALUE = new RegExp(
  String.raw`^(?:null|default|\$\d+|\?|%s|%\(\w+\)s|:\w+)${CLOSING}$`,
  'i',
);

/** True for a password's text (quotes, `E`/`U&` prefixes and dollar tags taken off) that is one. */
function isPassword(quoted: string, place: PasswordPlace): boolean {
  const pair = /^(?:E|U&)?(['"]|\$[a-z0-9_]*\$)([\s\S]*)\1$/i.exec(quoted);
  const pw = pair ? (pair[2] ?? '') : quoted.replace(/^['"]|['"]$/g, '');
  if (pw === '' || MASKED.test(pw)) return false;
  if (place === 'sql') return true;
  const script = place === 'keyword' && !quoted.startsWith("'");
  if ((script ? SCRIPT_REFERENCE : SHELL_REFERENCE).test(pw)) return false;
  return !(script && SQL_VALUE.test(pw));
}

/** One password {@link findPasswords} found. */
export interface FoundPassword {
  /** Where it starts in the text searched (a UTF-16 offset). */
  index: number;
}

/**
 * Every password in `text` that is not masked (`***`), where `redactUrl` would mask it: URL
 * userinfo, libpq keywords and SQL `PASSWORD '…'` literals (`E'…'`, `U&'…'`, dollar-quoted), in
 * order of where each starts; with `sqlInRoleStatement`, a SQL literal only in a statement naming
 * a role (see `inRoleStatement`). Expressions are text here: pass {@link withoutExpressions} of a
 * procedure's text.
 */
export function findPasswords(
  text: string,
  options: { sqlInRoleStatement?: boolean } = {},
): FoundPassword[] {
  const found: FoundPassword[] = [];
  const sql = /password/i.test(text) ? SQL_PASSWORD_PATTERNS : [];
  for (const [i, pattern] of [...PASSWORD_PATTERNS, ...sql].entries()) {
    if (MAY_MATCH[i]?.(text) === false) continue;
    const isSql = i >= PASSWORD_PATTERNS.length;
    for (const m of text.matchAll(pattern)) {
      if (isSql && options.sqlInRoleStatement && !inRoleStatement(text, m.index)) continue;
      if (isPassword(m[2] ?? '', placeOf(i))) found.push({ index: m.index + (m[1] ?? '').length });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

/**
 * Whether a role is named (`ROLE`, `USER`: `CREATE ROLE`, `ALTER USER`, a `USER MAPPING`; `GROUP`)
 * in the 2,000 characters of `text` before `index`: the only statements that take a `PASSWORD`
 * literal, so that prose such as "resets the password 'nightly'" is not read as one. The window
 * is not cut at a `;`: one inside a comment, a string or a quoted name cannot hide the keyword.
 */
function inRoleStatement(text: string, index: number): boolean {
  return /\b(?:role|user|group)\b/i.test(text.slice(Math.max(0, index - 2000), index));
}

/**
 * True when `text` holds a password (URL userinfo or `password=` keyword) other than `***` or
 * what an expression brings ({@link withoutExpressions}). SQL `PASSWORD '…'` literals are masked
 * by `redactUrl` but not looked for here: a run's saved procedure copy (written before such
 * a file was refused) may hold one.
 */
export function containsSecret(text: string): boolean {
  const bare = withoutExpressions(text);
  return PASSWORD_PATTERNS.some(
    (pattern, i) =>
      MAY_MATCH[i]?.(bare) !== false &&
      [...bare.matchAll(pattern)].some((m) => isPassword(m[2] ?? '', placeOf(i))),
  );
}
