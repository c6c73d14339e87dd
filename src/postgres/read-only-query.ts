/**
 * What a query run inside `BEGIN READ ONLY … ROLLBACK` may still do that outlives the ROLLBACK.
 * PostgreSQL's READ ONLY refuses writes to tables, sequences and the catalog, but not the
 * server's non-transactional functions: `SELECT pg_terminate_backend(…)`,
 * `pg_create_physical_replication_slot(…)`, `pg_reload_conf()` or `pg_stat_reset()` run and stay
 * done, and so do `COPY … TO PROGRAM`, `DO` blocks calling them, and `dblink` sending SQL to
 * another session. A step that counts as not writing (`sql.expect`, run under `replica` and on
 * `prod` without confirmation: docs/design.md "Authority") must not reach them.
 *
 * The check reads the query with PostgreSQL's own parser (libpg-query), loaded only when a cheap
 * look at the text cannot rule such a call out. It sees what the query itself calls, and the SQL
 * text it hands to the core functions that run SQL text (`query_to_xml`, `ts_stat`, `crosstab`);
 * not the bodies of the database's own functions and views, which whoever defined them vouches
 * for.
 */

import { blockCommentEnd, lineCommentEnd } from './sql-code.js';

/** Why a query cannot run as a read-only check. */
export interface ReadOnlyQueryProblem {
  /** What it does that a ROLLBACK does not undo, or why it cannot be checked. */
  message: string;
  /** The function or statement kind concerned (`pg_terminate_backend`, `DO`). */
  what: string;
}

const SLOT = 'creates or drops a replication slot (a slot keeps WAL on the server until dropped)';
const SLOT_READ = "consumes a replication slot's changes";
const ORIGIN = 'changes a replication origin';
const BACKUP = 'starts or stops a backup';
const REPLAY = 'pauses or resumes WAL replay';
const FILES = 'writes a file on the server';
const SESSION_LOCK =
  'takes a session-level advisory lock, which outlives the ROLLBACK (pg_advisory_xact_lock does not)';

/** Built-in functions that READ ONLY lets run and whose effect a ROLLBACK does not undo. */
const LASTING: ReadonlyMap<string, string> = new Map([
  ['pg_terminate_backend', 'ends another session'],
  ['pg_cancel_backend', "cancels another session's query"],
  ['pg_reload_conf', "reloads the server's configuration"],
  ['pg_rotate_logfile', "rotates the server's log file"],
  ['pg_rotate_logfile_old', "rotates the server's log file"],
  ['pg_promote', 'promotes a standby'],
  ['pg_switch_wal', 'switches to a new WAL file'],
  ['pg_switch_xlog', 'switches to a new WAL file'],
  ['pg_create_restore_point', 'writes a restore point to the WAL'],
  ['pg_logical_emit_message', 'writes a message to the WAL'],
  ['pg_backup_start', BACKUP],
  ['pg_backup_stop', BACKUP],
  ['pg_start_backup', BACKUP],
  ['pg_stop_backup', BACKUP],
  ['pg_wal_replay_pause', REPLAY],
  ['pg_wal_replay_resume', REPLAY],
  ['pg_xlog_replay_pause', REPLAY],
  ['pg_xlog_replay_resume', REPLAY],
  ['pg_create_physical_replication_slot', SLOT],
  ['pg_create_logical_replication_slot', SLOT],
  ['pg_copy_physical_replication_slot', SLOT],
  ['pg_copy_logical_replication_slot', SLOT],
  ['pg_drop_replication_slot', SLOT],
  ['pg_replication_slot_advance', SLOT_READ],
  ['pg_logical_slot_get_changes', SLOT_READ],
  ['pg_logical_slot_get_binary_changes', SLOT_READ],
  ['pg_advisory_lock', SESSION_LOCK],
  ['pg_advisory_lock_shared', SESSION_LOCK],
  ['pg_try_advisory_lock', SESSION_LOCK],
  ['pg_try_advisory_lock_shared', SESSION_LOCK],
  ['lo_export', FILES],
  ['pg_file_write', FILES],
  ['pg_file_rename', FILES],
  ['pg_file_unlink', FILES],
  ['pg_file_sync', FILES],
  ['pg_stat_statements_reset', 'resets statistics'],
]);

/** Families of functions named by their prefix, with what they do. */
const LASTING_PREFIXES: readonly (readonly [string, string])[] = [
  ['pg_stat_reset', 'resets statistics'],
  ['pg_replication_origin_', ORIGIN],
  ['dblink', 'runs SQL in another session, outside this READ ONLY transaction'],
];

/**
 * Core and contrib functions that run SQL text they are given, with the positions of the
 * arguments holding it: the text is checked as a query of its own, and refused when it is not a
 * constant (computed text cannot be checked).
 */
const RUNS_SQL_TEXT: ReadonlyMap<string, readonly number[]> = new Map([
  ['query_to_xml', [0]],
  ['query_to_xmlschema', [0]],
  ['query_to_xml_and_xmlschema', [0]],
  ['ts_stat', [0]],
  ['crosstab', [0, 1]],
  ['crosstab2', [0]],
  ['crosstab3', [0]],
  ['crosstab4', [0]],
]);

/** Statement kinds a check may be: queries. */
const QUERY_STATEMENTS = new Set(['SelectStmt', 'VariableShowStmt', 'ExplainStmt']);

/** Names of statement kinds as a user writes them, for the messages. */
const STATEMENT_NAMES: Readonly<Record<string, string>> = {
  DoStmt: 'DO',
  CallStmt: 'CALL',
  CopyStmt: 'COPY',
  CheckPointStmt: 'CHECKPOINT',
  VacuumStmt: 'VACUUM/ANALYZE',
  LoadStmt: 'LOAD',
  ListenStmt: 'LISTEN',
  NotifyStmt: 'NOTIFY',
  VariableSetStmt: 'SET',
  ExecuteStmt: 'EXECUTE',
  TransactionStmt: 'transaction control (BEGIN, COMMIT, ROLLBACK…)',
  InsertStmt: 'INSERT',
  UpdateStmt: 'UPDATE',
  DeleteStmt: 'DELETE',
  MergeStmt: 'MERGE',
};

/** What a lowercased name does, when it is one of the functions above. */
function lastingEffect(name: string): string | undefined {
  return LASTING.get(name) ?? LASTING_PREFIXES.find(([p]) => name.startsWith(p))?.[1];
}

/** Every name the cheap look searches for (lowercase). */
const NEEDLES = [
  ...LASTING.keys(),
  ...LASTING_PREFIXES.map(([p]) => p),
  ...RUNS_SQL_TEXT.keys(),
  // A Unicode-escaped identifier (`U&"\0070g_…"`) spells a name the search cannot see.
  'u&',
];

/** A query keyword at the start of the text: the statement is a query, as the parser would say. */
const QUERY_START = /^(?:select|with|values|table|show|explain)\b|^\(/i;

/** The text from its first token on (whitespace and comments before it skipped). */
function fromFirstToken(text: string): string {
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i] as string)) i++;
    else if (text.startsWith('--', i)) i = lineCommentEnd(text, i);
    else if (text.startsWith('/*', i)) i = blockCommentEnd(text, i) ?? text.length;
    else break;
  }
  return text.slice(i);
}

type Parse = (sql: string) => Promise<{ stmts?: { stmt?: Record<string, unknown> }[] }>;
let parser: Promise<Parse> | undefined;

/**
 * Why `query` cannot run as a read-only check, or null when it can: it must be one query
 * (SELECT, WITH, VALUES, TABLE, SHOW or EXPLAIN of one) calling none of the server functions
 * whose effect outlives a ROLLBACK. A text the parser rejects is refused too (what cannot be read
 * cannot be vouched for). Several statements are each checked when the text is parsed; the server
 * refuses several in one extended-protocol message anyway.
 */
export async function readOnlyQueryProblem(query: string): Promise<ReadOnlyQueryProblem | null> {
  const lower = query.toLowerCase();
  if (QUERY_START.test(fromFirstToken(query)) && !NEEDLES.some((n) => lower.includes(n))) {
    return null;
  }
  parser ??= import('libpg-query').then((m) => m.parse as unknown as Parse);
  const parse = await parser;
  return checkText(query, parse, 0);
}

async function checkText(
  query: string,
  parse: Parse,
  depth: number,
): Promise<ReadOnlyQueryProblem | null> {
  let stmts: { stmt?: Record<string, unknown> }[];
  try {
    stmts = (await parse(query)).stmts ?? [];
  } catch (err) {
    return {
      what: 'syntax',
      message: `the query cannot be read, so it cannot be checked to be read-only: ${(err as Error).message}`,
    };
  }
  for (const { stmt } of stmts) {
    const kind = stmt ? Object.keys(stmt)[0] : undefined;
    if (!stmt || !kind) continue;
    if (!QUERY_STATEMENTS.has(kind)) {
      const what = STATEMENT_NAMES[kind] ?? kind.replace(/Stmt$/, '');
      return {
        what,
        message: `${what} is not a query: a read-only check runs SELECT, WITH, VALUES, TABLE, SHOW or EXPLAIN`,
      };
    }
    const found = await checkTree(stmt, parse, depth);
    if (found) return found;
  }
  return null;
}

/** The first lasting call in a parse tree (function calls, and the SQL text some of them run). */
async function checkTree(
  tree: unknown,
  parse: Parse,
  depth: number,
): Promise<ReadOnlyQueryProblem | null> {
  const stack: unknown[] = [tree];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      stack.push(...(node as unknown[]));
      continue;
    }
    const call = (node as { FuncCall?: { funcname?: unknown[]; args?: unknown[] } }).FuncCall;
    if (call) {
      const found = await checkCall(call, parse, depth);
      if (found) return found;
    }
    stack.push(...Object.values(node));
  }
  return null;
}

async function checkCall(
  call: { funcname?: unknown[]; args?: unknown[] },
  parse: Parse,
  depth: number,
): Promise<ReadOnlyQueryProblem | null> {
  const parts = (call.funcname ?? []).map(
    (n) => (n as { String?: { sval?: string } }).String?.sval ?? '',
  );
  const name = parts[parts.length - 1] ?? '';
  const effect = lastingEffect(name);
  if (effect) {
    return {
      what: name,
      message: `${parts.join('.')}() ${effect}: a ROLLBACK does not undo it, so a read-only check cannot call it`,
    };
  }
  const textArgs = RUNS_SQL_TEXT.get(name);
  if (!textArgs) return null;
  for (const i of textArgs) {
    const arg = call.args?.[i];
    if (arg === undefined) continue;
    const text = constantText(arg);
    if (text === undefined || depth >= 4) {
      return {
        what: name,
        message: `${name}() runs the SQL text it is given, and this text is not a constant: it cannot be checked to be read-only`,
      };
    }
    const found = await checkText(text, parse, depth + 1);
    if (found) return { ...found, message: `${name}() runs SQL text in which ${found.message}` };
  }
  return null;
}

/** The value of a string constant (a cast of one included), else undefined. */
function constantText(node: unknown): string | undefined {
  const n = node as {
    A_Const?: { sval?: { sval?: string } };
    TypeCast?: { arg?: unknown };
  };
  if (n.TypeCast) return constantText(n.TypeCast.arg);
  const sval = n.A_Const?.sval;
  return sval ? (sval.sval ?? '') : undefined;
}
