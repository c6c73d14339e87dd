type Parse = (sql: string) => Promise<{ stmts?: RawStmt[] }>;

let parser: Promise<Parse> | undefined;

/** libpg-query (a WebAssembly build of PostgreSQL's parser), loaded on first use. */
function loadParser(): Promise<Parse> {
  parser ??= import('libpg-query').then((m) => m.parse as unknown as Parse);
  return parser;
}

/** One statement of a migration file. */
export interface ScriptStatement {
  /** The statement's text exactly as in the file (leading comments included). */
  text: string;
  /** Character offset of `text` in the file. */
  offset: number;
  /** 1-based file line where the statement's first token is. */
  line: number;
  /** True for BEGIN/COMMIT/ROLLBACK/SAVEPOINT…: the file manages its own transaction. */
  transactionControl: boolean;
}

/** A migration file split into statements (`statements` null when the parser rejected it). */
export interface ParsedScript {
  statements: ScriptStatement[] | null;
  /** The file has its own BEGIN/COMMIT: run it without a wrapping transaction. */
  ownTransaction: boolean;
  /** Why splitting failed (the server will then see the file as one script). */
  parseError?: string;
}

/** 1-based line of a character offset in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Offset of the first character that is neither whitespace nor inside a comment. */
function firstToken(text: string): number {
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i] as string)) i++;
    else if (text.startsWith('--', i)) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
    } else break;
  }
  return i;
}

interface RawStmt {
  stmt?: Record<string, unknown>;
  stmt_location?: number;
  stmt_len?: number;
}

/**
 * Splits a migration file into statements with libpg-query (PostgreSQL's own parser, so dollar
 * quotes, comments and nested bodies are handled as the server would), mapping each to its line.
 * Statement locations from the parser are UTF-8 byte offsets; they are converted to characters.
 */
export async function splitScript(text: string): Promise<ParsedScript> {
  const parse = await loadParser();
  let tree: { stmts?: RawStmt[] };
  try {
    tree = await parse(text);
  } catch (err) {
    return { statements: null, ownTransaction: false, parseError: (err as Error).message };
  }
  const bytes = Buffer.from(text, 'utf8');
  const statements: ScriptStatement[] = [];
  for (const s of tree.stmts ?? []) {
    const start = s.stmt_location ?? 0;
    const end = s.stmt_len ? start + s.stmt_len : bytes.length;
    const stmtText = bytes.subarray(start, end).toString('utf8');
    const offset = bytes.subarray(0, start).toString('utf8').length;
    if (firstToken(stmtText) >= stmtText.length) continue;
    statements.push({
      text: stmtText,
      offset,
      line: lineAt(text, offset + firstToken(stmtText)),
      transactionControl: Boolean(s.stmt && 'TransactionStmt' in s.stmt),
    });
  }
  return { statements, ownTransaction: statements.some((s) => s.transactionControl) };
}

/**
 * Every transaction-control statement (BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT,
 * SAVEPOINT, RELEASE, PREPARE TRANSACTION) opens with one of these words.
 */
const TRANSACTION_WORDS =
  /\b(?:begin|start|commit|end|rollback|abort|savepoint|release|prepare)\b/i;

/**
 * False when `text` cannot hold a statement of its own transaction control, because none of the
 * words such a statement opens with appears anywhere in it; true means "parse it to know"
 * (`CASE … END` and PL/pgSQL bodies also contain them). Spares the parser on most files.
 */
export function mayControlTransactions(text: string): boolean {
  return TRANSACTION_WORDS.test(text);
}

/** The statement of `script` that contains file offset `offset` (the last one starting before it). */
export function statementAt(
  script: ParsedScript,
  offset: number,
): { index: number; statement: ScriptStatement } | undefined {
  let found: { index: number; statement: ScriptStatement } | undefined;
  for (const [index, statement] of (script.statements ?? []).entries()) {
    if (statement.offset <= offset) found = { index, statement };
  }
  return found;
}

/** The statement text without its leading comments and whitespace (for error records). */
export function statementBody(text: string): string {
  return text.slice(firstToken(text)).trim();
}
