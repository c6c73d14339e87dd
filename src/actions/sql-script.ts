/**
 * A SQL script as PostgreSQL's own parser (libpg-query, loaded lazily) sees it: its statements with
 * their character ranges and whether it does its own transaction control. Used by `sql.exec` to
 * decide on a BEGIN/COMMIT wrapper, to run statements one by one, and to map an error position
 * back to a line and a statement.
 */

/** One statement of a script: its text and where it starts (0-based, in characters). */
export interface ScriptStatement {
  text: string;
  /** Offset of the statement's first character in the script, in code points. */
  start: number;
}

/** What {@link analyseScript} found. */
export interface ScriptAnalysis {
  /** The statements, or undefined when the parser rejected the script (the server will say why). */
  statements: ScriptStatement[] | undefined;
  /** True when the script has BEGIN/COMMIT/ROLLBACK/SAVEPOINT/... of its own. */
  ownTransactionControl: boolean;
}

type Parse = (sql: string) => Promise<{
  stmts?: { stmt?: Record<string, unknown>; stmt_location?: number; stmt_len?: number }[];
}>;

let parser: Promise<Parse> | undefined;

async function loadParser(): Promise<Parse> {
  parser ??= import('libpg-query').then((m) => m.parse as unknown as Parse);
  return parser;
}

/** Code-point length of a UTF-8 byte prefix (the parser reports byte offsets). */
function charsOfBytes(bytes: Buffer, end: number): number {
  return [...bytes.subarray(0, end).toString('utf8')].length;
}

/** Parses `sql`; never throws for a syntax error (statements is then undefined). */
export async function analyseScript(sql: string): Promise<ScriptAnalysis> {
  const parse = await loadParser();
  let result: Awaited<ReturnType<Parse>>;
  try {
    result = await parse(sql);
  } catch {
    // The fallback only decides on wrapping; the server reports the syntax error itself.
    return {
      statements: undefined,
      ownTransactionControl:
        /^\s*(BEGIN|COMMIT|ROLLBACK|START\s+TRANSACTION|END|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION|ABORT)\b/im.test(
          sql,
        ),
    };
  }
  const bytes = Buffer.from(sql, 'utf8');
  const statements: ScriptStatement[] = [];
  let own = false;
  for (const s of result.stmts ?? []) {
    if (s.stmt && 'TransactionStmt' in s.stmt) own = true;
    const from = s.stmt_location ?? 0;
    // stmt_len 0 means "to the end of the script".
    const to = s.stmt_len ? from + s.stmt_len : bytes.length;
    const raw = bytes.subarray(from, to).toString('utf8');
    const lead = raw.length - raw.trimStart().length;
    statements.push({ text: raw.trim(), start: charsOfBytes(bytes, from) + lead });
  }
  return { statements, ownTransactionControl: own };
}

/** 1-based line of the character at 0-based code-point `index` of `sql`. */
export function lineAt(sql: string, index: number): number {
  let line = 1;
  let i = 0;
  for (const ch of sql) {
    if (i++ >= index) break;
    if (ch === '\n') line++;
  }
  return line;
}

/** The statement containing code-point `index`, if the script was parsed. */
export function statementAt(
  statements: readonly ScriptStatement[] | undefined,
  index: number,
): ScriptStatement | undefined {
  let found: ScriptStatement | undefined;
  for (const s of statements ?? []) if (s.start <= index) found = s;
  return found;
}
