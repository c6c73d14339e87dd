import type pg from 'pg';
import type { ActionContext } from '../step-context.js';
import { StepError } from '../errors.js';
import type { AlembicBridge } from './layouts/alembic/alembic-bridge.js';
import type { LoopState } from './apply-one-migration.js';
import { verifyEarlierChecksums } from './earlier-checksums.js';
import type { lockPolicy } from './lock-wait.js';
import {
  readCheckpoint,
  reconcileUnrecorded,
  verifyChecksums,
  writeCheckpoint,
  type MigrationCheckpoint,
} from './migration-checkpoint.js';
import type { MigrationWatch } from './migration-watch.js';
import { appliedSet } from './plan.js';
import { ProvenanceRecorder } from './provenance.js';
import { snapshotRelations, type RelState } from './relation-snapshot.js';
import { RelationTracker } from './relation-tracker.js';
import type { RevisionGraph } from './revision-graph.js';
import { settleInDoubt } from './settle-in-doubt.js';
import { loggedApplications } from './step-log.js';
import type { MigrationSource } from './types.js';
import { versionGuardAvailable } from './version-write.js';
import { flushCommits } from './deferred-durability.js';
import { isConnectionLoss } from '../postgres/connection-loss.js';

/** What to upgrade. */
export interface UpgradeRequest {
  source: MigrationSource;
  /** Targets applied in sequence (each plan recomputed from the version table). */
  targets: string[];
  database: string;
  dryRun: boolean;
  /** The session's lock_timeout (ms, or `5s`…); default RUNBOOK_LOCK_TIMEOUT, else 5 s. */
  lockTimeout?: number | string | undefined;
  /** Retries of a migration whose lock wait timed out (default 3). */
  lockRetries?: number | undefined;
}

/** One upgrade's session and what its step end must close, flush or release. */
export interface Upgrade {
  ctx: ActionContext;
  req: UpgradeRequest;
  graph: RevisionGraph;
  client: pg.PoolClient;
  policy: ReturnType<typeof lockPolicy>;
  watch: MigrationWatch;
  /** The session must be destroyed, not returned to the pool. */
  broken: boolean;
  bridge?: AlembicBridge;
  provenance?: ProvenanceRecorder;
  checkpoint?: MigrationCheckpoint;
  /** Whether the step's previous attempt ended settled (see {@link openLoop}). */
  previousSettled?: boolean;
  /**
   * Set once this attempt may have written the database: before an in-doubt migration is settled
   * ({@link openLoop}) and when the loop is armed to send migrations ({@link armLoop}).
   */
  mayHaveWritten?: boolean;
}

/** The loop as {@link openLoop} leaves it: all a step with nothing to apply needs. */
export type OpenedLoop = Omit<LoopState, 'tracker' | 'versionGuard'> & {
  /** The relation listing taken under the lock (the tracker starts from it). */
  listing: Map<string, RelState>;
};

/**
 * Before the first migration, under the lock: the checkpoint read, every checksum verified
 * (earlier runs' and this step's), a migration in doubt settled, the version table created, the
 * relation listing taken for provenance, and what committed unlogged reconciled. What only
 * applying needs waits for {@link armLoop}.
 */
export async function openLoop(up: Upgrade): Promise<OpenedLoop> {
  const { ctx, req, graph, client } = up;
  const vt = req.source.versionTable;
  const cp = readCheckpoint(ctx);
  // Attempt numbers come from the log's durable `step.started` lines: a marker an attempt left
  // before the one that just stopped (killed mid-way) does not count.
  up.previousSettled = cp.settled !== undefined && cp.settled === ctx.attempt.number - 1;
  delete cp.settled;
  const read = await vt.read(client);
  // Null: the table is absent (created below); else it exists, and creating it is a no-op.
  let exists = read !== null;
  let rows = read ?? [];
  cp.baseline ??= [...rows];
  const identity = { database: req.database, source: req.source.dir };
  const kept = vt.checksums && { name: vt.table, checksums: await vt.checksums(client) };
  const applied = appliedSet(graph, rows);
  await verifyEarlierChecksums(ctx, identity, cp, graph.migrations, applied, kept);
  await verifyChecksums(ctx, cp, graph.migrations, applied);
  // Durable with the step's next barrier: the checksums are needed by a later attempt only.
  await writeCheckpoint(ctx, cp, { durable: false });
  // Settling an in-doubt migration (`--skip`, a tool's dirty record) writes the version table.
  up.mayHaveWritten = true;
  if (await settleInDoubt(ctx, client, req.source, graph, cp, rows)) {
    const settled = await vt.read(client);
    exists = settled !== null;
    rows = settled ?? [];
  }
  const logged = await loggedApplications(ctx);
  if (!req.source.external && !exists) await vt.ensure(client);
  const listing = await snapshotRelations(client, vt.table);
  const recorder = await ProvenanceRecorder.open(
    ctx,
    { database: req.database, source: req.source.dir, layout: req.source.layout },
    listing,
    logged,
  );
  up.provenance = recorder;
  // A migration committed but never logged gets its effect in its `migration.reconciled` line,
  // so that an attempt stopped before provenance.json is written again still has it.
  await reconcileUnrecorded(ctx, graph, cp, rows, {
    logged: new Map(logged.map((l) => [l.revision, l.outside === true])),
    previousSettled: up.previousSettled,
    effect: (m) => recorder.attributeUnrecorded(m, listing),
  });
  up.checkpoint = cp;
  return {
    client,
    graph,
    cp,
    rows,
    listing,
    markBroken: () => (up.broken = true),
    checkpointedAt: performance.now(),
  };
}

/**
 * Readies an opened loop to apply migrations, in place: provenance.json drafted (its baseline on
 * disk before anything applies; see {@link ProvenanceRecorder.open}), the relation tracker opened
 * (its probe prepared in the session) and whether the version write can check itself. A step
 * with nothing to apply skips all three (a no-op's provenance.json is written once, at step end).
 */
export async function armLoop(up: Upgrade, opened: OpenedLoop): Promise<LoopState> {
  up.mayHaveWritten = true;
  await up.provenance?.flush({ durable: false });
  const tracker = await RelationTracker.open(
    up.client,
    opened.listing,
    up.req.source.versionTable.table,
  );
  const versionGuard = await versionGuardAvailable(up.client);
  return Object.assign(opened, { tracker, versionGuard });
}

/**
 * True when a step that failed with `err` may know the fate of every migration it sent: the
 * server answered the one that failed with its SQLSTATE (its transaction rolled back). Not after
 * a lost session (a COMMIT in flight may have landed), a bridge that died, or a failure of
 * runbook's own, which may come after a COMMIT.
 */
function answeredByServer(err: unknown): boolean {
  if (!(err instanceof StepError)) return false;
  return /^[0-9A-Z]{5}$/.test(err.code) && !/^(08|57P0[123])/.test(err.code);
}

/**
 * True when the version table records nothing beyond what the step's checkpoint accounts for
 * (the baseline, what it applied, what it found applied outside the run). False when it cannot
 * be read: the session is not in a state to say.
 */
async function versionTableAccounted(up: Upgrade, cp: MigrationCheckpoint): Promise<boolean> {
  try {
    // Bounded: another session's lock on the table must not hold the step (and its lock) open.
    await up.client.query(
      "BEGIN READ ONLY; SET LOCAL lock_timeout = '1s'; SET LOCAL statement_timeout = '5s'",
    );
    let rows: string[];
    try {
      rows = (await up.req.source.versionTable.read(up.client)) ?? [];
    } finally {
      await up.client.query('ROLLBACK');
    }
    const before = appliedSet(up.graph, cp.baseline ?? []);
    const recorded = new Set([...cp.applied, ...(cp.external ?? [])]);
    return [...appliedSet(up.graph, rows)].every((r) => before.has(r) || recorded.has(r));
  } catch {
    return false;
  }
}

/**
 * The attempt number to mark the checkpoint `settled` with (see reconcileUnrecorded), or
 * undefined. Settled: an attempt that succeeded; one that failed after the server answered its
 * failing migration, or was stopped between migrations, its version table holding nothing it did
 * not record (a revision env.py committed before failing on its own statement would be there,
 * unlogged); one whose version write found the table changed by someone else
 * (`VERSION_TABLE_CHANGED`, rolled back); one that failed before it could write anything, if
 * the attempt before it was settled (it changed nothing the record must account for). Never
 * while a migration run outside a transaction is in flight (`cp.inflight`).
 */
async function settledAttempt(
  up: Upgrade,
  failure: { error: unknown } | undefined,
): Promise<number | undefined> {
  const attempt = up.ctx.attempt.number;
  if (!failure) return attempt;
  if (!up.mayHaveWritten) {
    const previous = up.previousSettled ?? readCheckpoint(up.ctx).settled === attempt - 1;
    return previous ? attempt : undefined;
  }
  const cp = up.checkpoint;
  // A migration run outside a transaction that did not finish: its effects are in doubt.
  if (!cp || cp.inflight) return undefined;
  // The version-write check found the table written by someone else and rolled the migration
  // back (every one before it was logged): what the table holds beyond the record is theirs.
  if (failure.error instanceof StepError && failure.error.code === 'VERSION_TABLE_CHANGED') {
    return attempt;
  }
  const stopped = failure.error instanceof StepError && failure.error.code === 'ABORTED';
  if (!(answeredByServer(failure.error) || stopped)) return undefined;
  return (await versionTableAccounted(up, cp)) ? attempt : undefined;
}

/**
 * Step end, success or failure (`failure`: what it failed with): the watch and the bridge stop,
 * the session goes back (destroyed when broken: that releases its advisory lock and any
 * half-open transaction with it), the checkpoint catches up (the engine's next transition makes
 * it durable), marked `settled` when the attempt knows what it applied ({@link settledAttempt}),
 * and provenance.json is written for inspect's diagnosis. Failing to write either must not hide
 * the step's own failure.
 */
export async function endUpgrade(up: Upgrade, failure?: { error: unknown }): Promise<void> {
  await up.watch.close();
  await up.bridge?.close();
  // A failed or stopped step's commits are made durable too, when its session can still say so
  // (a lost one cannot; the next attempt reads the version table either way). A transaction the
  // failure left open (a version write whose row counts were refused) is rolled back first, as
  // destroying the session would: it must never be committed.
  const lost =
    isConnectionLoss(failure?.error) ||
    (failure?.error as { code?: unknown } | undefined)?.code === 'CONNECTION_LOST';
  if (failure && up.mayHaveWritten && !lost) {
    await up.client
      .query('ROLLBACK')
      .then(() => flushCommits(up.client))
      .catch(() => undefined);
  }
  // Before the session goes: deciding may read the version table.
  const settled = await settledAttempt(up, failure);
  up.client.release(up.broken);
  const keep = (err: unknown): void => {
    if (!failure) throw err;
  };
  // An attempt that failed before reading its checkpoint carries the marker on in the one it read.
  const cp = up.checkpoint ?? (settled !== undefined ? readCheckpoint(up.ctx) : undefined);
  if (cp) {
    if (settled !== undefined) cp.settled = settled;
    await writeCheckpoint(up.ctx, cp, { durable: false }).catch(keep);
  }
  await up.provenance?.flush().catch(keep);
}
