/**
 * The one SQL statement splitter: a script as PostgreSQL's own parser (libpg-query, a WebAssembly
 * build of it) delimits it, so dollar quotes, comments and nested bodies are handled as the
 * server handles them. libpg-query is loaded on the first parse, so a command that never parses
 * SQL never loads it; a caller that only sends statements lets the lexical scanner
 * (`sql-code.ts`) answer for a script it reads for sure as one statement.
 *
 * Offsets: every offset and index here counts UTF-16 code units, as JavaScript strings index
 * (`text.slice(offset)`). The parser reports UTF-8 byte offsets and the server reports an error's
 * position in characters (code points); {@link indexAfterChars} and {@link charsBefore} convert
 * between the server's unit and this one.
 */

import { blockCommentEnd, lineCommentEnd, scanSql } from './sql-code.js';

/** One statement of a script. */
export interface ScriptStatement {
  /**
   * The statement's text exactly as in the script, from its first token (the whitespace and
   * comments before it left out) to its terminating `;` (excluded) or the script's end.
   */
  text: string;
  /** Offset of `text` in the script (UTF-16 code units). */
  offset: number;
  /** 1-based line of the statement's first token (after leading comments). */
  line: number;
  /** True for BEGIN/COMMIT/ROLLBACK/SAVEPOINT…: the script manages its own transaction. */
  transactionControl: boolean;
  /**
   * The statement's parse tree as libpg-query returns it: one key, the node type. Absent when the
   * script was split without the parser ({@link splitScript}'s `trees: false`).
   */
  tree?: Record<string, unknown>;
}

/** A script split into statements (`statements` null when the parser rejected it). */
export interface ParsedScript {
  statements: ScriptStatement[] | null;
  /** The script has its own BEGIN/COMMIT: run it without a wrapping transaction. */
  ownTransaction: boolean;
  /** The parser's error when it rejected the script (the server will then see it whole). */
  parseError?: Error;
}

/** A statement the parser delimited: its parse tree is there. */
export type ParsedStatement = ScriptStatement & { tree: Record<string, unknown> };

/** A script split by the parser (the default of {@link splitScript}): every tree is there. */
export interface ParsedScriptWithTrees extends ParsedScript {
  statements: ParsedStatement[] | null;
}

interface RawStmt {
  stmt?: Record<string, unknown>;
  stmt_location?: number;
  stmt_len?: number;
}

/** libpg-query's `parse`: a script's statements with their parse trees; rejects a syntax error. */
export type SqlParser = (sql: string) => Promise<{ stmts?: RawStmt[] }>;

let parser: Promise<SqlParser> | undefined;

/** libpg-query, loaded on first use (once per process, whoever asks first). */
export function loadParser(): Promise<SqlParser> {
  parser ??= import('libpg-query').then((m) => m.parse as unknown as SqlParser);
  return parser;
}

/** 1-based line of the character at `index` (UTF-16 code units) of `text`. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  const end = Math.min(index, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * PostgreSQL's whitespace (`[ \t\n\r\f\v]`); other Unicode spaces are identifier characters to
 * it, and a statement holding one is the server's to reject.
 */
const WHITESPACE = /[ \t\n\r\f\v]/;

/** Offset of the first character that is neither whitespace nor inside a comment. */
export function firstToken(text: string): number {
  let i = 0;
  while (i < text.length) {
    if (WHITESPACE.test(text[i] as string)) i++;
    else if (text.startsWith('--', i)) {
      i = lineCommentEnd(text, i);
    } else if (text.startsWith('/*', i)) {
      i = blockCommentEnd(text, i) ?? text.length;
    } else break;
  }
  return i;
}

/**
 * Converts the parser's UTF-8 byte offsets into UTF-16 indexes of `bytes`' text. Offsets must be
 * asked in increasing order (statements come in order), so each byte is decoded once.
 */
function byteToIndex(bytes: Buffer): (byteOffset: number) => number {
  let byte = 0;
  let index = 0;
  return (byteOffset) => {
    index += bytes.subarray(byte, byteOffset).toString('utf8').length;
    byte = byteOffset;
    return index;
  };
}

/**
 * Splits `text` into statements with PostgreSQL's parser. Never throws for a syntax error: the
 * result then has `statements: null` and the parser's error (the server reports the error itself
 * when the script is sent whole). Statements holding nothing but comments are left out.
 *
 * `trees: false`, for a caller that only sends the statements: a script that is one statement
 * other than transaction control, as the scanner reads it for sure ({@link oneStatement}), comes
 * back as that statement, without its parse tree and without loading the parser, even when the
 * parser would reject it (the server then rejects the statement alone, as it would the whole
 * script). A script of several statements is still parsed, so that one with a syntax error
 * anywhere is sent whole and nothing of it runs.
 */
export function splitScript(
  text: string,
  options?: { trees: true },
): Promise<ParsedScriptWithTrees>;
export function splitScript(text: string, options: { trees: boolean }): Promise<ParsedScript>;
export async function splitScript(
  text: string,
  { trees = true }: { trees?: boolean } = {},
): Promise<ParsedScript> {
  const one = trees ? undefined : oneStatement(text);
  if (one) return { statements: [one], ownTransaction: false };
  const parse = await loadParser();
  let tree: { stmts?: RawStmt[] };
  try {
    tree = await parse(text);
  } catch (err) {
    const parseError = err instanceof Error ? err : new Error(String(err));
    return { statements: null, ownTransaction: false, parseError };
  }
  const bytes = Buffer.from(text, 'utf8');
  const indexOf = byteToIndex(bytes);
  const statements: ParsedStatement[] = [];
  for (const s of tree.stmts ?? []) {
    const start = s.stmt_location ?? 0;
    // stmt_len 0 means "to the end of the script".
    const end = s.stmt_len ? start + s.stmt_len : bytes.length;
    const stmtText = bytes.subarray(start, end).toString('utf8');
    const offset = indexOf(start);
    const token = firstToken(stmtText);
    if (token >= stmtText.length) continue;
    statements.push({
      text: stmtText,
      offset,
      line: lineAt(text, offset + token),
      transactionControl: Boolean(s.stmt && 'TransactionStmt' in s.stmt),
      tree: s.stmt ?? {},
    });
  }
  return { statements, ownTransaction: statements.some((s) => s.transactionControl) };
}

/**
 * `text`'s one statement (split as the parser splits it, when the parser accepts it), when the
 * scanner reads it for sure and finds no word a transaction-control statement (or a `BEGIN
 * ATOMIC` body, whose semicolons do not end it) opens with in its code, and exactly one statement
 * between its top-level semicolons; else undefined.
 */
function oneStatement(text: string): ScriptStatement | undefined {
  const scanned = scanSql(text);
  if (!scanned || TRANSACTION_WORDS.test(scanned.code)) return undefined;
  let found: ScriptStatement | undefined;
  let start = 0;
  for (const end of [...scanned.terminators, text.length]) {
    const stmtText = text.slice(start, end);
    const token = firstToken(stmtText);
    if (token < stmtText.length) {
      if (found) return undefined;
      found = {
        text: stmtText.slice(token),
        offset: start + token,
        line: lineAt(text, start + token),
        transactionControl: false,
      };
    }
    start = end + 1;
  }
  return found;
}

/**
 * Every transaction-control statement (BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT,
 * SAVEPOINT, RELEASE, PREPARE TRANSACTION) opens with one of these words.
 */
const TRANSACTION_WORDS =
  /\b(?:begin|start|commit|end|rollback|abort|savepoint|release|prepare)\b/i;

/**
 * False when `text` cannot hold a statement of its own transaction control, because none of the
 * words such a statement opens with appears in its code: outside its comments, string literals,
 * quoted identifiers and dollar-quoted bodies ({@link scanSql}), where PL/pgSQL's `BEGIN … END`
 * lives. True means "parse it to know" (`CASE … END` also holds one), and is the answer whenever
 * the scanner is not sure it reads the text as the server does. Spares loading the parser on the
 * files of most histories.
 */
export function mayControlTransactions(text: string): boolean {
  if (!TRANSACTION_WORDS.test(text)) return false;
  const scanned = scanSql(text);
  return scanned === undefined || TRANSACTION_WORDS.test(scanned.code);
}

/** The statement that contains `index` (UTF-16 code units): the last one starting at or before it. */
export function statementAt(
  statements: readonly ScriptStatement[] | null | undefined,
  index: number,
): { index: number; statement: ScriptStatement } | undefined {
  let found: { index: number; statement: ScriptStatement } | undefined;
  for (const [i, statement] of (statements ?? []).entries()) {
    if (statement.offset <= index) found = { index: i, statement };
  }
  return found;
}

/** The statement text without its leading comments and whitespace (for error records). */
export function statementBody(text: string): string {
  return text.slice(firstToken(text)).trim();
}

/**
 * The index (UTF-16 code units) `chars` characters (code points, the unit of the server's error
 * `position`) after index `from` of `text`; past the end, the end plus what is left over.
 */
export function indexAfterChars(text: string, from: number, chars: number): number {
  let i = from;
  for (let n = 0; n < chars; n++) {
    if (i >= text.length) return i + (chars - n);
    const code = text.charCodeAt(i);
    const pair = code >= 0xd800 && code <= 0xdbff && i + 1 < text.length;
    const low = pair ? text.charCodeAt(i + 1) : 0;
    i += pair && low >= 0xdc00 && low <= 0xdfff ? 2 : 1;
  }
  return i;
}

/** How many characters (code points, the server's unit) precede index `index` of `text`. */
export function charsBefore(text: string, index: number): number {
  let n = 0;
  for (let i = 0; i < index && i < text.length; n++) {
    const code = text.charCodeAt(i);
    const low = code >= 0xd800 && code <= 0xdbff ? text.charCodeAt(i + 1) : 0;
    i += low >= 0xdc00 && low <= 0xdfff ? 2 : 1;
  }
  return n + Math.max(0, index - text.length);
}
