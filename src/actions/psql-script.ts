/**
 * A SQL file as psql would read it, for the psql-isms `sql.exec` meets in real files: pg_dump
 * output is psql input, not plain SQL. pg_dump 15.14+, 16.10+, 17.6+ (and later) wrap a dump in
 * `\restrict <key>` … `\unrestrict <key>`, which only tell psql to refuse other meta-commands
 * in between: they are dropped here. Any other meta-command (`\connect`, `\set`, `\i`, …) changes
 * what psql would do, so the script is refused naming its line. `COPY … FROM stdin` data blocks
 * (ended by `\.`) are found and skipped over, so their backslashes are never taken for
 * meta-commands; whoever runs the script decides what to do with them.
 */

/** A psql meta-command the script may not contain. */
export interface MetaCommand {
  /** 1-based line. */
  line: number;
  /** The command as written, up to the end of its line (`\connect other`). */
  text: string;
}

/** A `COPY … FROM stdin` statement and the data lines psql would send for it. */
export interface CopyBlock {
  /** 1-based line of the COPY statement. */
  line: number;
  /** 0-based code-unit offset of the statement's first character. */
  start: number;
  /** Offset just after the statement's `;`. */
  statementEnd: number;
  /** The data lines (each ending in a newline), without the ending `\.` line. */
  data: string;
  /** Offset just after the ending `\.` line (or the end of the script). */
  end: number;
}

/** What {@link scanPsqlScript} found. */
export interface PsqlScan {
  /** The script with `\restrict`/`\unrestrict` blanked: same length, same line numbers. */
  sql: string;
  /** Meta-commands other than `\restrict`/`\unrestrict`, in order. */
  metaCommands: MetaCommand[];
  /** `COPY … FROM stdin` blocks, in order. */
  copies: CopyBlock[];
}

/** Meta-commands pg_dump writes that have no effect on what the script does to the database. */
const IGNORED = new Set(['restrict', 'unrestrict']);

const IDENT = /[A-Za-z0-9_\u0080-\uffff$]/;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;
const COPY_FROM_STDIN = /^COPY\b[\s\S]*\bFROM\s+STDIN\b/i;

/** Whether a statement (leading comments allowed) is a `COPY … FROM STDIN`. */
export function isCopyFromStdin(statement: string): boolean {
  const bare = statement.replace(/^(?:\s+|--[^\n]*|\/\*[\s\S]*?\*\/)*/, '');
  return COPY_FROM_STDIN.test(bare);
}

/** Index of the end of the line at `i` (the `\n`, or the script's length). */
function endOfLine(text: string, i: number): number {
  const nl = text.indexOf('\n', i);
  return nl === -1 ? text.length : nl;
}

/** Index just past the block comment that opens at `i` (block comments nest). */
function blockCommentEnd(text: string, i: number): number {
  let depth = 1;
  let k = i + 2;
  while (k < text.length && depth > 0) {
    const pair = text.slice(k, k + 2);
    if (pair === '/*' || pair === '*/') {
      depth += pair === '/*' ? 1 : -1;
      k += 2;
    } else k++;
  }
  return k;
}

/** Index just past the string literal that opens at `i` (its closing quote). */
function stringLiteralEnd(text: string, i: number): number {
  // E'…' strings take backslash escapes; standard strings do not (standard_conforming_strings).
  const escapes = /[eE]/.test(text[i - 1] ?? '') && !IDENT.test(text[i - 2] ?? '');
  let k = i + 1;
  while (k < text.length) {
    if (escapes && text[k] === '\\') k += 2;
    else if (text[k] === "'" && text[k + 1] === "'") k += 2;
    else if (text[k] === "'") break;
    else k++;
  }
  return k + 1;
}

/** Index just past the quoted identifier that opens at `i`. */
function quotedIdentifierEnd(text: string, i: number): number {
  let k = i + 1;
  while (k < text.length && !(text[k] === '"' && text[k + 1] !== '"')) {
    k += text[k] === '"' ? 2 : 1;
  }
  return k + 1;
}

/** Index just past the dollar-quoted string that opens at `i`, if a `$tag$` opens there. */
function dollarQuoteEnd(text: string, i: number): number | undefined {
  DOLLAR_TAG.lastIndex = i;
  const tag = DOLLAR_TAG.exec(text)?.[0];
  if (tag === undefined) return undefined;
  const close = text.indexOf(tag, i + tag.length);
  return close === -1 ? text.length : close + tag.length;
}

/**
 * The data psql sends for a `COPY … FROM stdin` whose `;` is at `semicolon`: the lines after the
 * statement's line, up to a line `\.` (or the end of the script), and the offset past that line.
 */
function copyDataAfter(
  text: string,
  semicolon: number,
): { dataStart: number; dataEnd: number; end: number } {
  const dataStart = Math.min(endOfLine(text, semicolon) + 1, text.length);
  let k = dataStart;
  while (k < text.length) {
    const eol = endOfLine(text, k);
    if (text.slice(k, eol).replace(/\r$/, '') === '\\.') {
      return { dataStart, dataEnd: k, end: Math.min(eol + 1, text.length) };
    }
    k = eol + 1;
  }
  return { dataStart, dataEnd: text.length, end: text.length };
}

/** Index just past the quoted token (string, quoted identifier, dollar quote) opening at `i`. */
function quotedTokenEnd(text: string, i: number): number | undefined {
  const c = text[i];
  if (c === "'") return stringLiteralEnd(text, i);
  if (c === '"') return quotedIdentifierEnd(text, i);
  if (c === '$' && !IDENT.test(text[i - 1] ?? '')) return dollarQuoteEnd(text, i);
  return undefined;
}

/**
 * Scans `text` as psql does (quotes, dollar quotes, comments, COPY data), returning it with
 * pg_dump's `\restrict`/`\unrestrict` lines blanked, the other meta-commands, and the COPY blocks.
 */
export function scanPsqlScript(text: string): PsqlScan {
  const blanks: [number, number][] = [];
  const metaCommands: MetaCommand[] = [];
  const copies: CopyBlock[] = [];
  let line = 1;
  // Start of the current statement's first token (after whitespace and comments), if any.
  let statementStart: number | undefined;
  let statementLine = 1;
  let i = 0;
  // Moves to `k`, counting the lines passed.
  const skipTo = (k: number): void => {
    for (let n = i; n < k; n++) if (text[n] === '\n') line++;
    i = k;
  };
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (/\s/.test(c)) skipTo(i + 1);
    else if (c === '-' && next === '-') i = endOfLine(text, i);
    else if (c === '/' && next === '*') skipTo(blockCommentEnd(text, i));
    else if (c === '\\') {
      const end = endOfLine(text, i);
      const command = text.slice(i, end).trimEnd();
      const name = /^\\([A-Za-z]+)/.exec(command)?.[1];
      if (name !== undefined && IGNORED.has(name)) blanks.push([i, end]);
      else metaCommands.push({ line, text: command });
      i = end;
    } else {
      if (statementStart === undefined) {
        statementStart = i;
        statementLine = line;
      }
      const quoted = quotedTokenEnd(text, i);
      if (quoted !== undefined) skipTo(quoted);
      else if (c === ';') {
        const start = statementStart;
        statementStart = undefined;
        if (isCopyFromStdin(text.slice(start, i))) {
          const { dataStart, dataEnd, end } = copyDataAfter(text, i);
          const data = text.slice(dataStart, dataEnd);
          copies.push({ line: statementLine, start, statementEnd: i + 1, data, end });
          skipTo(end);
        } else i++;
      } else i++;
    }
  }
  let sql = text;
  for (const [from, to] of blanks.reverse()) {
    sql = sql.slice(0, from) + ' '.repeat(to - from) + sql.slice(to);
  }
  return { sql, metaCommands, copies };
}

/**
 * The script as SQL: {@link PsqlScan.sql} with each COPY block's data (and its `\.` line) blanked,
 * so that a SQL parser sees the COPY statements alone; offsets and line numbers are unchanged.
 */
export function sqlWithoutCopyData(scan: PsqlScan): string {
  let sql = scan.sql;
  for (const c of [...scan.copies].reverse()) {
    const gap = sql.slice(c.statementEnd, c.end).replace(/[^\n]/g, ' ');
    sql = sql.slice(0, c.statementEnd) + gap + sql.slice(c.end);
  }
  return sql;
}

/** The message for a meta-command `sql.exec` refuses. */
export function metaCommandMessage(m: MetaCommand): string {
  return (
    `psql meta-command ${m.text.split(/\s/)[0]} is not SQL ` +
    `(only pg_dump's \\restrict and \\unrestrict lines are ignored)`
  );
}
