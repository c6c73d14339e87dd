/**
 * A script's code with everything PostgreSQL's lexer reads as a constant or a comment blanked out:
 * what a cheap check may search for keywords without loading the parser. It is only used to rule
 * a parse out, so it answers `undefined` ("not sure") wherever its reading could differ from the
 * server's, and the caller then parses.
 */

/** A character that starts an identifier or keyword (PostgreSQL's `ident_start`). */
const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
/** The characters an identifier continues with (`ident_cont`, `$` included). */
const IDENT = /[A-Za-z0-9_$\u0080-\uffff]*/y;
const DIGITS = /[0-9]*/y;
/** A dollar-quote delimiter: `$$` or `$tag$` (`dolqdelim`). */
const DOLLAR_DELIMITER = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;
/** A positional parameter, `$1`. */
const PARAMETER = /\$[0-9]+/y;
/** PostgreSQL's newline (`[\n\r]`), searched from `lastIndex`. */
const NEWLINE = /[\n\r]/g;

/** The end (exclusive) of the match of sticky `re` at `i` (`i` when it matches nothing). */
function matchEnd(re: RegExp, text: string, i: number): number {
  re.lastIndex = i;
  return re.exec(text) ? re.lastIndex : i;
}

/**
 * The end (exclusive) of the quoted run opened by `quote` at `i` (`''` and `""` stand for the
 * quote itself), or undefined when it is unterminated or holds a backslash: a backslash escapes
 * the quote in an `E''` string and, with `standard_conforming_strings` off, in any string.
 */
function quotedEnd(text: string, i: number, quote: string): number | undefined {
  let j = i + 1;
  for (;;) {
    const close = text.indexOf(quote, j);
    if (close < 0) return undefined;
    if (text.slice(j, close).includes('\\')) return undefined;
    if (text[close + 1] !== quote) return close + 1;
    j = close + 2;
  }
}

/**
 * The end (exclusive) of the `--` comment at `i`: the next newline, which for PostgreSQL is a
 * carriage return as well as a line feed (a file with CR line endings ends its comments there).
 */
export function lineCommentEnd(text: string, i: number): number {
  NEWLINE.lastIndex = i;
  return NEWLINE.exec(text) ? NEWLINE.lastIndex - 1 : text.length;
}

/** The end (exclusive) of the block comment opened at `i` (they nest), or undefined. */
export function blockCommentEnd(text: string, i: number): number | undefined {
  let depth = 0;
  let j = i;
  while (j < text.length) {
    if (text.startsWith('/*', j)) {
      depth++;
      j += 2;
    } else if (text.startsWith('*/', j)) {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else j++;
  }
  return undefined;
}

/** A script as the scanner reads it. */
export interface ScannedSql {
  /**
   * The text with its comments, string literals, quoted identifiers and dollar-quoted bodies
   * (function and DO bodies among them) each replaced by one space; every other character kept.
   */
  code: string;
  /**
   * The indexes (in the text) of the semicolons in its code outside parentheses: where psql ends
   * a statement, but for a `BEGIN ATOMIC … END` body (whose `BEGIN` the caller looks for).
   */
  terminators: number[];
}

/**
 * Scans `text` as PostgreSQL's lexer reads it ({@link ScannedSql}). Undefined when the text holds
 * something this scanner does not read exactly as the server does: an unterminated quote or
 * comment, a backslash in a quoted run (an escape in an `E''` string, and in any string with
 * `standard_conforming_strings` off), or a `$` that is neither a dollar quote, a parameter nor
 * part of an identifier.
 */
export function scanSql(text: string): ScannedSql | undefined {
  let code = '';
  const terminators: number[] = [];
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    let end: number | undefined;
    if (c === '-' && text[i + 1] === '-') {
      end = lineCommentEnd(text, i);
    } else if (c === '/' && text[i + 1] === '*') {
      end = blockCommentEnd(text, i);
    } else if (c === "'" || c === '"') {
      end = quotedEnd(text, i, c);
    } else if (c === '$') {
      const delimiterEnd = matchEnd(DOLLAR_DELIMITER, text, i);
      if (delimiterEnd > i) {
        const close = text.indexOf(text.slice(i, delimiterEnd), delimiterEnd);
        end = close < 0 ? undefined : close + (delimiterEnd - i);
      } else {
        const paramEnd = matchEnd(PARAMETER, text, i);
        if (paramEnd === i) return undefined;
        code += text.slice(i, paramEnd);
        i = paramEnd;
        continue;
      }
    } else if (IDENT_START.test(c)) {
      // A one-letter prefix (E, B, X, N) is kept and its quote read next: an `E''` string's
      // escapes are backslashes, which make the quote unsure (quotedEnd).
      const wordEnd = matchEnd(IDENT, text, i + 1);
      code += text.slice(i, wordEnd);
      i = wordEnd;
      continue;
    } else if (c >= '0' && c <= '9') {
      // A number ends before `$`: the server reads `1$a$` as a number and a dollar quote.
      const numberEnd = matchEnd(DIGITS, text, i);
      code += text.slice(i, numberEnd);
      i = numberEnd;
      continue;
    } else {
      if (c === '(') depth++;
      else if (c === ')' && depth > 0) depth--;
      else if (c === ';' && depth === 0) terminators.push(i);
      code += c;
      i++;
      continue;
    }
    if (end === undefined) return undefined;
    code += ' ';
    i = end;
  }
  return { code, terminators };
}
