import path from 'node:path';
import type pg from 'pg';
import type { ActionContext } from '../actions/types.js';
import { StepError } from '../engine/step-failure.js';
import { acquireMigrationLock } from './advisory-lock.js';
import { AlembicBridge, type BridgeError } from './alembic-bridge.js';
import { executeScript } from './execute-migration.js';
import { readWithChecksum } from './files.js';
import {
  readCheckpoint,
  reconcileUnrecorded,
  resolveInDoubt,
  verifyChecksums,
  writeCheckpoint,
  type MigrationCheckpoint,
} from './migration-checkpoint.js';
import { appliedSet, planTargets, planUpgrade } from './plan.js';
import { ProvenanceRecorder } from './provenance.js';
import { snapshotRelations } from './relation-snapshot.js';
import { RevisionGraph } from './revision-graph.js';
import { splitScript } from './sql-script.js';
import type { Migration, MigrationSource } from './types.js';

/** What to upgrade. */
export interface UpgradeRequest {
  source: MigrationSource;
  /** Targets applied in sequence (each plan recomputed from the version table). */
  targets: string[];
  database: string;
  dryRun: boolean;
}

/** The step's output. */
export interface UpgradeOutcome {
  applied: number;
  /** Migrations this step has applied across all its attempts (from its checkpoint). */
  applied_in_run?: number;
  current: string[];
  plan_total: number;
  /** Revisions in order (dry run only). */
  plan?: string[];
}

/** Short display name of a migration: its file name without extension (dir name for dir layouts). */
export function displayName(m: Migration): string {
  const base = path.basename(m.file);
  if (base === 'up.sql' || base === 'migration.sql') return path.basename(path.dirname(m.file));
  return base.replace(/(\.up)?\.(sql|py)$/, '');
}

/** The dry-run plan: each target's migrations after the previous targets' (no lock, no writes). */
async function dryRunPlan(
  ctx: ActionContext,
  req: UpgradeRequest,
  graph: RevisionGraph,
): Promise<UpgradeOutcome> {
  const rows = await ctx.db.withClient(req.database, (c) => req.source.versionTable.read(c));
  const plan = planTargets(graph, rows ?? [], req.targets).map((m) => m.revision);
  return { applied: 0, current: rows ?? [], plan_total: plan.length, plan };
}

function bridgeFailure(m: Migration, e: BridgeError | undefined): StepError {
  return new StepError(
    e?.pgcode ?? 'MIGRATION_FAILED',
    e?.message ?? `alembic failed on ${m.revision}`,
    {
      ...(e?.detail ? { detail: e.detail } : {}),
      ...(e?.hint ? { hint: e.hint } : {}),
      ...(e?.statement ? { statement: e.statement } : {}),
      migration: m.revision,
      file: m.file,
      ...(e?.traceback ? { data: { traceback: e.traceback } } : {}),
    },
  );
}

/**
 * Upgrades `database` to each target in turn, one migration per transaction (with its version
 * table update), under a session advisory lock, recomputing the plan from the version table so
 * nothing that committed runs twice. See DESIGN.md "Migrations" and issue 3 for the contract.
 */
export async function runMigrations(
  ctx: ActionContext,
  req: UpgradeRequest,
): Promise<UpgradeOutcome> {
  const graph = new RevisionGraph(await req.source.list());
  if (req.dryRun) return dryRunPlan(ctx, req, graph);
  const vt = req.source.versionTable;
  const client = await ctx.db.pool(req.database).connect();
  let broken = false;
  let bridge: AlembicBridge | undefined;
  try {
    const unlock = await acquireMigrationLock(client, req.database, ctx.runId);
    const cp = readCheckpoint(ctx);
    let rows = (await vt.read(client)) ?? [];
    cp.baseline ??= [...rows];
    await verifyChecksums(ctx, cp, graph.migrations, appliedSet(graph, rows));
    await writeCheckpoint(ctx, cp);
    await settleInDoubt(ctx, client, req.source, graph, cp, rows);
    rows = (await vt.read(client)) ?? [];
    await reconcileUnrecorded(ctx, graph, cp, rows);

    let snapshot = await snapshotRelations(client, vt.table);
    const provenance = await ProvenanceRecorder.open(
      ctx,
      { database: req.database, source: req.source.dir, layout: req.source.layout },
      snapshot,
    );
    await provenance.flush();
    if (!req.source.external) await vt.ensure(client);
    let appliedCount = 0;
    let planTotal = 0;
    for (const target of req.targets) {
      // Recomputed from the database before each target: the version table is the truth.
      rows = (await vt.read(client)) ?? [];
      const plan = planUpgrade(graph, appliedSet(graph, rows), target);
      planTotal += plan.length;
      for (const [i, m] of plan.entries()) {
        if (ctx.signal.aborted) throw new StepError('ABORTED', 'the run is being stopped');
        const started = performance.now();
        let statements: number;
        if (req.source.external) {
          bridge ??= AlembicBridge.start(
            (req.source as { ini?: string }).ini ?? '',
            ctx.db.urlFor(req.database),
            ctx.env,
          );
          const res = await bridge.request({ cmd: 'upgrade', revision: m.revision });
          if (res.ok !== true) throw bridgeFailure(m, res.error as unknown as BridgeError);
          statements = 0;
        } else {
          statements = await applySql(ctx, client, req.source, graph, cp, m, () => (broken = true));
        }
        const ms = Math.round(performance.now() - started);
        cp.applied.push(m.revision);
        await writeCheckpoint(ctx, cp);
        const after = await snapshotRelations(client, vt.table);
        await provenance.record(m.revision, m.file, snapshot, after);
        snapshot = after;
        appliedCount++;
        await ctx.log('migration.applied', {
          revision: m.revision,
          file: m.file,
          duration_ms: ms,
          statements,
          index: i + 1,
          total: plan.length,
          target,
        });
        const w = String(plan.length).length;
        ctx.progress(`[${String(i + 1).padStart(w)}/${plan.length}] ${displayName(m)}  ${ms} ms`);
      }
    }
    const current = (await vt.read(client)) ?? [];
    await unlock();
    await client.query(`SELECT set_config('application_name', 'runbook', false)`);
    return {
      applied: appliedCount,
      applied_in_run: cp.applied.length,
      current,
      plan_total: planTotal,
    };
  } catch (err) {
    broken = true;
    throw err;
  } finally {
    await bridge?.close();
    // A destroyed session releases its advisory lock and any half-open transaction with it.
    client.release(broken);
  }
}

/**
 * Before planning: a migration marked in-flight (or left dirty by golang-migrate) that the version
 * table does not record is in doubt; settle it by the operator's decision or stop.
 */
async function settleInDoubt(
  ctx: ActionContext,
  client: pg.PoolClient,
  source: MigrationSource,
  graph: RevisionGraph,
  cp: MigrationCheckpoint,
  rows: string[],
): Promise<void> {
  const dirty = source.versionTable.dirty ? await source.versionTable.dirty(client) : null;
  const revision = cp.inflight?.revision ?? dirty;
  if (!revision) return;
  if (appliedSet(graph, rows).has(revision) && revision !== dirty) {
    delete cp.inflight;
    await writeCheckpoint(ctx, cp);
    return;
  }
  const m = graph.get(revision);
  const decision = resolveInDoubt(ctx, revision, m.file);
  if (decision === 'skip') {
    await client.query('BEGIN');
    await source.versionTable.ensure(client);
    await source.versionTable.record(client, m, graph);
    await client.query('COMMIT');
    cp.applied.push(revision);
    await ctx.log('migration.skipped', { revision, file: m.file, reason: 'operator --skip' });
  } else {
    await ctx.log('migration.retry', { revision, file: m.file, reason: 'operator --retry' });
  }
  delete cp.inflight;
  await writeCheckpoint(ctx, cp);
}

/** Runs one SQL migration: in a transaction with its record, or (non-transactional) in-flight. */
async function applySql(
  ctx: ActionContext,
  client: pg.PoolClient,
  source: MigrationSource,
  graph: RevisionGraph,
  cp: MigrationCheckpoint,
  m: Migration,
  markBroken: () => void,
): Promise<number> {
  const { text, checksum } = await readWithChecksum(m.file);
  if (checksum !== m.checksum) {
    throw new StepError('MIGRATION_CHANGED', `${m.file} changed while the step was running`, {
      migration: m.revision,
      file: m.file,
    });
  }
  const script = await splitScript(text);
  const vt = source.versionTable;
  if (m.transactional && !script.ownTransaction) {
    await client.query('BEGIN');
    try {
      await vt.begin?.(client, m);
      const n = await executeScript(client, m, text, script);
      await vt.record(client, m, graph);
      await client.query('COMMIT');
      return n;
    } catch (err) {
      await client.query('ROLLBACK').catch(markBroken);
      throw err;
    }
  }
  if (script.ownTransaction) {
    ctx.progress(`${displayName(m)}: has its own BEGIN/COMMIT, run without a wrapping transaction`);
    await ctx.log('migration.own_transaction', { revision: m.revision, file: m.file });
  }
  cp.inflight = { revision: m.revision, file: m.file, started_at: new Date().toISOString() };
  await writeCheckpoint(ctx, cp);
  await vt.begin?.(client, m);
  let n: number;
  try {
    n = await executeScript(client, m, text, script);
  } catch (err) {
    // Leave the in-flight marker: some statements may have taken effect.
    await client.query('ROLLBACK').catch(markBroken);
    throw err;
  }
  await client.query('BEGIN');
  await vt.record(client, m, graph);
  await client.query('COMMIT');
  delete cp.inflight;
  return n;
}
