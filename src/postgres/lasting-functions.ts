/**
 * The server functions a read-only check must not call (see read-only-query.ts): those of core
 * PostgreSQL and its contrib modules that READ ONLY lets run and whose effect a ROLLBACK does not
 * undo, and those that run SQL text they are given. A list, so a policy for what it names only:
 * an extension's own function with a lasting effect is not on it.
 */

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

/** dblink functions that only read the state of the calling backend's dblink connections. */
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

/**
 * What function `name` (lower case, unqualified) does that a ROLLBACK does not undo, or
 * undefined when it is none of the functions listed here.
 */
export function lastingEffect(name: string): string | undefined {
  if (DBLINK_READS.has(name)) return undefined;
  return LASTING.get(name) ?? LASTING_PREFIXES.find(([p]) => name.startsWith(p))?.[1];
}

/** Every name (or name prefix) above, lower case: what a cheap look at a query's text searches for. */
export const NEEDLE_NAMES: readonly string[] = [
  ...LASTING.keys(),
  ...LASTING_PREFIXES.map(([p]) => p),
  ...RUNS_SQL_TEXT.keys(),
];

/**
 * The arguments of a call of `name` (parse-tree nodes, in order) that hold SQL text it runs, or
 * undefined when it runs none: the positional ones at the listed positions, and named ones
 * (`NamedArgExpr`) whose parameter name is an SQL-text one (their value node).
 */
export function sqlTextArguments(name: string, args: readonly unknown[]): unknown[] | undefined {
  const runs = RUNS_SQL_TEXT.get(name);
  if (!runs || (runs.arity !== undefined && args.length !== runs.arity)) return undefined;
  return args.flatMap((arg, i) => {
    const named = (arg as { NamedArgExpr?: { name?: string; arg?: unknown } }).NamedArgExpr;
    if (named) return SQL_TEXT_PARAMETERS.has(named.name ?? '') ? [named.arg] : [];
    return runs.at.includes(i) ? [arg] : [];
  });
}
