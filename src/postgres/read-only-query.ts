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
 * look at the text cannot rule such a call out; the functions are listed in lasting-functions.ts. It sees what the query itself calls, and the SQL
 * text it hands to the functions that run SQL text (`query_to_xml`, `ts_stat`, `ts_rewrite`,
 * tablefunc's `crosstab`); functions that build SQL from names they are given (`connectby`,
 * xml2's `xpath_table`) are refused. It does not see into the bodies of the database's own
 * functions and views, which whoever defined them vouches for. The parser reads string literals
 * as `standard_conforming_strings = on` has them; the caller runs the query with that setting on,
 * so that the server reads it the same way.
 */

import { lastingEffect, NEEDLE_NAMES, sqlTextArguments } from './lasting-functions.js';
import { firstToken, loadParser, type SqlParser } from './sql-script.js';

/** Why a query cannot run as a read-only check. */
export interface ReadOnlyQueryProblem {
  /** What it does that a ROLLBACK does not undo, or why it cannot be checked. */
  message: string;
  /** The function or statement kind concerned (`pg_terminate_backend`, `DO`). */
  what: string;
}

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

/** Every name the cheap look searches for (lowercase). */
const NEEDLES = [
  ...NEEDLE_NAMES,
  // A Unicode-escaped identifier (`U&"\0070g_…"`) spells a name the search cannot see.
  'u&',
];

/** A query keyword at the start of the text: the statement is a query, as the parser would say. */
const QUERY_START = /^(?:select|with|values|table|show|explain)\b|^\(/i;

/**
 * Why `query` cannot run as a read-only check, or null when it can: it must be a query (SELECT,
 * WITH, VALUES, TABLE, SHOW or EXPLAIN of one) calling none of the server functions whose effect
 * outlives a ROLLBACK. A text the parser rejects is refused too (what cannot be read cannot be
 * vouched for). Only the first statement's kind is certain without the parser: the caller sends
 * the query alone in the extended protocol, which refuses a second statement.
 */
export async function readOnlyQueryProblem(query: string): Promise<ReadOnlyQueryProblem | null> {
  const lower = query.toLowerCase();
  if (QUERY_START.test(query.slice(firstToken(query))) && !NEEDLES.some((n) => lower.includes(n))) {
    return null;
  }
  return checkText(query, await loadParser(), 0);
}

async function checkText(
  query: string,
  parse: SqlParser,
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
  parse: SqlParser,
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
  parse: SqlParser,
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
  for (const arg of sqlTextArguments(name, call.args ?? []) ?? []) {
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
