/**
 * Applying one migration of the upgrade loop, choosing its path: a SQL migration in one
 * transaction with its version write (the common case), outside a transaction (marked in-flight
 * first), sent again without BEGIN when its tool sends it so. What is sent to the server is
 * send-migration-sql.ts's part; an Alembic plan goes through the bridge as one run
 * (layouts/alembic/alembic-upgrade.ts).
 */
import path from 'node:path';
import type pg from 'pg';
import type { ActionContext } from '../step-context.js';
import { StepError } from '../errors.js';
import { mayControlTransactions, splitScript, type ParsedScript } from '../postgres/sql-script.js';
import {
  buildMigrationQuery,
  sendInTransaction,
  sendStatements,
  type MigrationQuery,
  type TransactionalOutcome,
} from './send-migration-sql.js';
import { readWithChecksumSync, upgradePart } from './files.js';
import { writeCheckpoint, type MigrationCheckpoint } from './migration-checkpoint.js';
import { NEXT_XID_SQL, WINDOW_PROBE_SQL, type ProbeRow } from './change-probe.js';
import type { RelationTracker } from './relation-tracker.js';
import type { RevisionGraph } from './revision-graph.js';
import type { Migration, MigrationSource, VersionWrite } from './types.js';
import { recordApplied } from './version-write.js';

const sameRows = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((r, i) => r === b[i]);

/** Short display name of a migration: its file name without extension (dir name for dir layouts). */
export function displayName(m: Migration): string {
  const base = path.basename(m.file);
  if (base === 'up.sql' || base === 'migration.sql') return path.basename(path.dirname(m.file));
  return base.replace(/(\.up)?\.(sql|py)$/, '');
}

/** Where the loop keeps what it knows while it applies migrations. */
export interface LoopState {
  client: pg.PoolClient;
  graph: RevisionGraph;
  cp: MigrationCheckpoint;
  tracker: RelationTracker;
  /** The version table's rows as of the last migration (the plan's input). */
  rows: string[];
  markBroken: () => void;
  /** PL/pgSQL is available: a migration's version write checks itself (one round trip). */
  versionGuard: boolean;
  /** When the checkpoint was last written (performance.now()). */
  checkpointedAt: number;
}

/**
 * Runs `fn` (a migration the change probe cannot follow inside one transaction: outside a
 * transaction) and reads its effect with the window probe: the catalog rows written since it
 * started. Returns the statement count `fn` reports and that effect.
 */
async function aroundWindow(
  state: LoopState,
  fn: () => Promise<number>,
): Promise<TransactionalOutcome> {
  const start = await state.client.query<{ xid: string }>(NEXT_XID_SQL);
  const statements = await fn();
  const probe = await state.client.query<ProbeRow>(WINDOW_PROBE_SQL, [start.rows[0]?.xid]);
  await state.tracker.learnVersionTable(state.client);
  return { statements, relations: state.tracker.apply(probe.rows) };
}

/** A migration's one query built ahead, with the version rows it was built against. */
export interface PreparedSql {
  query: MigrationQuery;
  write: VersionWrite;
  /** The version table's rows the write was computed from. */
  rowsBefore: readonly string[];
}

/** The file's text, refused when it is not the content the step listed. */
function currentText(m: Migration): string {
  const { text, checksum } = readWithChecksumSync(m.file);
  if (checksum !== m.checksum) {
    throw new StepError('MIGRATION_CHANGED', `${m.file} changed while the step was running`, {
      migration: m.revision,
      file: m.file,
    });
  }
  return upgradePart(text, m.upEnd);
}

/**
 * Builds `m`'s one query ahead, as if the version table held `rowsBefore` (the rows the migration
 * before it leaves), while the server still runs that one. Undefined when `m` takes another path
 * (outside a transaction, a file that may control transactions) or its file does not check out:
 * {@link applySqlMigration} then does the work, and reports the problem, in its turn.
 */
export function prepareSql(
  source: MigrationSource,
  state: LoopState,
  m: Migration,
  rowsBefore: readonly string[],
): PreparedSql | undefined {
  if (!m.transactional || source.external) return undefined;
  let text: string;
  try {
    text = currentText(m);
  } catch {
    return undefined;
  }
  if (mayControlTransactions(text)) return undefined;
  const vt = source.versionTable;
  const write = vt.recordSql(m, state.graph, rowsBefore);
  const query = buildMigrationQuery(m, text, {
    version: { table: vt.table, write },
    tracker: state.tracker,
    guarded: state.versionGuard,
  });
  return { query, write, rowsBefore };
}

/** The statements are only sent: a one-statement file needs no parse tree, nor the parser. */
const SEND_ONLY = { trees: false };

/** SQLSTATE active_sql_transaction: the statement cannot run inside a transaction block. */
const IN_TRANSACTION_BLOCK = '25001';

/**
 * Runs one SQL migration: in one transaction with its version-table write and provenance probe
 * ({@link sendInTransaction}; sending the query `prepared` ahead when it was built against the
 * current version rows), or (non-transactional, or a file with its own BEGIN/COMMIT) outside a
 * transaction ({@link applyOutside}). A migration its tool sends without BEGIN (`unwrapped`)
 * that the server refuses inside a transaction block (25001; the transaction rolled back whole)
 * is sent again as its tool sends it, when it is a single statement: several statements fail
 * the same way in the tool's one query, so their refusal stands.
 */
export async function applySqlMigration(
  ctx: ActionContext,
  source: MigrationSource,
  state: LoopState,
  m: Migration,
  prepared?: PreparedSql,
): Promise<TransactionalOutcome> {
  try {
    return await applyWrapped(ctx, source, state, m, prepared);
  } catch (err) {
    if (!m.unwrapped || (err as { code?: unknown }).code !== IN_TRANSACTION_BLOCK) throw err;
    const text = currentText(m);
    const script = await splitScript(text, SEND_ONLY);
    if (script.statements?.length !== 1) throw err;
    ctx.progress(
      `${displayName(m)}: cannot run inside a transaction block; sent without BEGIN, as ${source.layout} sends it`,
    );
    await ctx.log('migration.unwrapped', {
      revision: m.revision,
      file: m.file,
      reason: `${IN_TRANSACTION_BLOCK}: ${(err as Error).message}`,
    });
    return applyOutside(ctx, source, state, m, text, script);
  }
}

async function applyWrapped(
  ctx: ActionContext,
  source: MigrationSource,
  state: LoopState,
  m: Migration,
  prepared?: PreparedSql,
): Promise<TransactionalOutcome> {
  const { client, graph } = state;
  const vt = source.versionTable;
  const shape = {
    tracker: state.tracker,
    guarded: state.versionGuard,
    markBroken: state.markBroken,
  };
  if (prepared?.query.m === m && sameRows(prepared.rowsBefore, state.rows)) {
    const { query, write } = prepared;
    const out = await sendInTransaction(
      client,
      m,
      query.text,
      { ...shape, version: { table: vt.table, write } },
      query,
    );
    state.rows = write.rows;
    return out;
  }
  // Synchronous up to the first round trip, so the caller's pipelining sends it at once.
  const text = currentText(m);
  const script = mayControlTransactions(text) ? await splitScript(text, SEND_ONLY) : undefined;
  if (m.transactional && !script?.ownTransaction) {
    const write = vt.recordSql(m, graph, state.rows);
    const out = await sendInTransaction(client, m, text, {
      ...shape,
      version: { table: vt.table, write },
    });
    state.rows = write.rows;
    return out;
  }
  if (script?.ownTransaction) {
    ctx.progress(`${displayName(m)}: has its own BEGIN/COMMIT, run without a wrapping transaction`);
    await ctx.log('migration.own_transaction', { revision: m.revision, file: m.file });
  }
  return applyOutside(ctx, source, state, m, text, script);
}

/** A script sent whole, as one query. */
const ONE_QUERY: ParsedScript = { statements: null, ownTransaction: false };

/**
 * Runs `m` outside a transaction, marked in-flight first (and started in the version table, for
 * a tool that records that), then records it: statement by statement, or as one query when its
 * tool sends it so (`oneQuery`). `parsed`: the file already split, if it was.
 */
async function applyOutside(
  ctx: ActionContext,
  source: MigrationSource,
  state: LoopState,
  m: Migration,
  text: string,
  parsed: ParsedScript | undefined,
): Promise<TransactionalOutcome> {
  const { client, graph, cp } = state;
  const vt = source.versionTable;
  // A file its tool sends as one query is sent so: nothing to split.
  const sent = m.oneQuery ? ONE_QUERY : (parsed ?? (await splitScript(text, SEND_ONLY)));
  const out = await aroundWindow(state, async () => {
    cp.inflight = { revision: m.revision, file: m.file, started_at: new Date().toISOString() };
    await writeCheckpoint(ctx, cp);
    await vt.begin?.(client, m);
    try {
      return await sendStatements(client, m, text, sent);
    } catch (err) {
      // Leave the in-flight marker: some statements may have taken effect.
      await client.query('ROLLBACK').catch(state.markBroken);
      await vt.fail?.(client, m, (err as Error).message).catch(() => undefined);
      throw err;
    }
  });
  await client.query('BEGIN');
  state.rows = await recordApplied(vt, client, m, graph);
  await client.query('COMMIT');
  delete cp.inflight;
  return out;
}
