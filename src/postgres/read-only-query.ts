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
 * text it hands to the functions that run SQL text (`query_to_xml`, `ts_stat`, `ts_rewrite`,
 * tablefunc's `crosstab`); functions that build SQL from names they are given (`connectby`,
 * xml2's `xpath_table`) are refused. It does not see into the bodies of the database's own
 * functions and views, which whoever defined them vouches for. The parser reads string literals
 * as `standard_conforming_strings = on` has them; the caller runs the query with that setting on,
 * so that the server reads it the same way.
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
const IN_PLACE_INDEX = 'changes an index in place, outside any transaction';
const IN_PLACE_ROWS = "changes a table's rows or visibility map in place, bypassing transactions";
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
  ['pg_sync_replication_slots', 'synchronizes replication slots from the primary'],
  ['pg_log_standby_snapshot', 'writes a snapshot record to the WAL'],
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
  ['brin_summarize_new_values', IN_PLACE_INDEX],
  ['brin_summarize_range', IN_PLACE_INDEX],
  ['brin_desummarize_range', IN_PLACE_INDEX],
  ['gin_clean_pending_list', IN_PLACE_INDEX],
  ['heap_force_kill', IN_PLACE_ROWS],
  ['heap_force_freeze', IN_PLACE_ROWS],
  ['pg_truncate_visibility_map', IN_PLACE_ROWS],
  ['autoprewarm_dump_now', FILES],
  ['autoprewarm_start_worker', 'starts a background worker'],
  ['pg_replication_origin_create', ORIGIN],
  ['pg_replication_origin_drop', ORIGIN],
  ['pg_replication_origin_advance', ORIGIN],
  ['pg_replication_origin_session_setup', ORIGIN],
  ['pg_replication_origin_session_reset', ORIGIN],
  ['pg_replication_origin_xact_setup', ORIGIN],
  ['pg_replication_origin_xact_reset', ORIGIN],
  ['connectby', 'builds SQL from the names it is given, which cannot be checked'],
  ['xpath_table', 'builds SQL from the names and condition it is given, which cannot be checked'],
]);

/** dblink functions that only read the state of this session's dblink connections. */
const DBLINK_READS = new Set([
  'dblink_get_connections',
  'dblink_is_busy',
  'dblink_error_message',
  'dblink_get_pkey',
  'dblink_build_sql_insert',
  'dblink_build_sql_update',
  'dblink_build_sql_delete',
]);

/** Families of functions named by their prefix, with what they do. */
const LASTING_PREFIXES: readonly (readonly [string, string])[] = [
  ['pg_stat_reset', 'resets statistics'],
  ['pg_buffercache_evict', 'evicts pages from shared buffers'],
  ['dblink', 'runs SQL in another session, outside this READ ONLY transaction'],
  ['pg_background_', 'runs SQL in a background worker, outside this READ ONLY transaction'],
];

/**
 * Core and contrib functions that run SQL text they are given: the positions of the arguments
 * holding it (for calls of `arity` arguments, when given), and the names those parameters take in
 * a named-argument call. The text is checked as a query of its own, and refused when it is not a
 * constant (computed text cannot be checked).
 */
const RUNS_SQL_TEXT: ReadonlyMap<string, { at: readonly number[]; arity?: number }> = new Map([
  ['query_to_xml', { at: [0] }],
  ['query_to_xmlschema', { at: [0] }],
  ['query_to_xml_and_xmlschema', { at: [0] }],
  ['ts_stat', { at: [0] }],
  // ts_rewrite(query tsquery, select text); the three-argument form takes tsqueries only.
  ['ts_rewrite', { at: [1], arity: 2 }],
  ['crosstab', { at: [0, 1] }],
  ['crosstab2', { at: [0] }],
  ['crosstab3', { at: [0] }],
  ['crosstab4', { at: [0] }],
]);

/** Parameter names of those SQL-text arguments, for calls that name their arguments. */
const SQL_TEXT_PARAMETERS = new Set(['query', 'sqlquery', 'select', 'source_sql', 'category_sql']);

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
  if (DBLINK_READS.has(name)) return undefined;
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
 * Why `query` cannot run as a read-only check, or null when it can: it must be a query (SELECT,
 * WITH, VALUES, TABLE, SHOW or EXPLAIN of one) calling none of the server functions whose effect
 * outlives a ROLLBACK. A text the parser rejects is refused too (what cannot be read cannot be
 * vouched for). Only the first statement's kind is certain without the parser: the caller sends
 * the query alone in the extended protocol, which refuses a second statement.
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
  const runs = RUNS_SQL_TEXT.get(name);
  const args = call.args ?? [];
  if (!runs || (runs.arity !== undefined && args.length !== runs.arity)) return null;
  const sqlArgs = args.flatMap((arg, i) => {
    const named = (arg as { NamedArgExpr?: { name?: string; arg?: unknown } }).NamedArgExpr;
    if (named) return SQL_TEXT_PARAMETERS.has(named.name ?? '') ? [named.arg] : [];
    return runs.at.includes(i) ? [arg] : [];
  });
  for (const arg of sqlArgs) {
    const text = constantText(arg);
    if (text === null) continue; // a constant of another type (crosstab's column count)
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

/**
 * The value of a string constant (a cast of one included); null for a constant of another kind
 * (a number, a boolean); undefined for anything computed.
 */
function constantText(node: unknown): string | null | undefined {
  const n = node as {
    A_Const?: { sval?: { sval?: string } };
    TypeCast?: { arg?: unknown };
  };
  if (n.TypeCast) return constantText(n.TypeCast.arg);
  if (!n.A_Const) return undefined;
  const sval = n.A_Const.sval;
  return sval ? (sval.sval ?? '') : null;
}
