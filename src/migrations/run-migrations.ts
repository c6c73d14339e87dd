import type { ActionContext } from '../step-context.js';
import type { JsonObject } from '../json.js';
import { StepError } from '../errors.js';
import { acquireMigrationLock } from './advisory-lock.js';
import { lockPolicy, withLockRetries } from './lock-wait.js';
import { alreadyAppliedLine, MigrationWatch } from './migration-watch.js';
import { AlembicBridge } from './alembic-bridge.js';
import { verifyEarlierChecksums } from './earlier-checksums.js';
import { upgradeByBridge } from './alembic-upgrade.js';
import { applySql, displayName, prepareSql, type LoopState } from './apply-migration.js';
import {
  readCheckpoint,
  reconcileUnrecorded,
  verifyChecksums,
  writeCheckpoint,
  type MigrationCheckpoint,
} from './migration-checkpoint.js';
import { appliedSet, planTargets, planUpgrade } from './plan.js';
import { ProvenanceRecorder } from './provenance.js';
import { snapshotRelations } from './relation-snapshot.js';
import { RelationTracker } from './relation-tracker.js';
import { RevisionGraph } from './revision-graph.js';
import { loggedApplications, MIGRATION_APPLIED } from './step-log.js';
import { sessionTag } from '../runs/session-tag.js';
import { settleInDoubt } from './settle-in-doubt.js';
import { versionGuardAvailable } from './version-write.js';
import type { TransactionalOutcome } from './execute-migration.js';
import type { Migration, MigrationSource } from './types.js';

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

/**
 * How often, at most, the checkpoint is rewritten while migrations apply. Each migration's log
 * line is its record as it commits; the checkpoint (a whole-file rewrite, which costs a file
 * create and rename) catches up at this pace and at step end, and an attempt that finds it behind
 * takes the missing revisions back from the log (`loggedApplications`).
 */
const CHECKPOINT_EVERY_MS = 1000;

/**
 * Upgrades `database` to each target in turn, one migration per transaction (with its version
 * table update), under a session advisory lock, recomputing the plan from the version table so
 * nothing that committed runs twice. See docs/design.md "Migrations" for the contract.
 *
 * Per migration, what must survive is the COMMIT (the version table) and its log line; the line
 * (carrying the migration's provenance) and the checkpoint are written as it commits but fsynced
 * with the step's next durable event, and provenance.json is written at step end. A process that
 * dies loses none of it; a machine that loses power may lose the last lines, which the next
 * attempt reconciles from the version table.
 */
export async function runMigrations(
  ctx: ActionContext,
  req: UpgradeRequest,
): Promise<UpgradeOutcome> {
  // The session starts (a backend forks, authenticates) while the history is listed.
  const connecting = req.dryRun ? undefined : ctx.db.pool(req.database).connect();
  let graph: RevisionGraph;
  try {
    graph = new RevisionGraph(await req.source.list());
  } catch (err) {
    await connecting?.then(
      (c) => c.release(),
      () => undefined,
    );
    throw err;
  }
  if (!connecting) return dryRunPlan(ctx, req, graph);
  const vt = req.source.versionTable;
  const client = await connecting;
  // Migrations may SET anything for their session; the next step gets a reset session.
  ctx.db.markUserSql(client);
  let broken = false;
  let bridge: AlembicBridge | undefined;
  let provenance: ProvenanceRecorder | undefined;
  let checkpoint: MigrationCheckpoint | undefined;
  let failed = false;
  const policy = lockPolicy(ctx, { lockTimeout: req.lockTimeout, lockRetries: req.lockRetries });
  const pid = (client as { processID?: number | null }).processID ?? undefined;
  const watch = new MigrationWatch(ctx, req.database, pid, {
    heartbeatMs: policy.heartbeatMs,
    lockTimeoutMs: policy.timeoutMs,
  });
  try {
    const unlock = await acquireMigrationLock(client, req.database, ctx.runId, {
      lockTimeoutMs: policy.timeoutMs,
    });
    const cp = readCheckpoint(ctx);
    let rows = (await vt.read(client)) ?? [];
    cp.baseline ??= [...rows];
    const identity = { database: req.database, source: req.source.dir };
    const kept = vt.checksums && { name: vt.table, checksums: await vt.checksums(client) };
    await verifyEarlierChecksums(
      ctx,
      identity,
      cp,
      graph.migrations,
      appliedSet(graph, rows),
      kept,
    );
    await verifyChecksums(ctx, cp, graph.migrations, appliedSet(graph, rows));
    // Durable with the step's next barrier: the checksums are needed by a later attempt only.
    await writeCheckpoint(ctx, cp, { durable: false });
    if (await settleInDoubt(ctx, client, req.source, graph, cp, rows)) {
      rows = (await vt.read(client)) ?? [];
    }
    const logged = loggedApplications(ctx);
    if (!req.source.external) await vt.ensure(client);
    const listing = await snapshotRelations(client, vt.table);
    const recorder = await ProvenanceRecorder.open(
      ctx,
      { database: req.database, source: req.source.dir, layout: req.source.layout },
      listing,
      logged,
    );
    provenance = recorder;
    // A migration committed but never logged gets its effect in its `migration.reconciled` line,
    // so that an attempt stopped before provenance.json is written again still has it.
    await reconcileUnrecorded(ctx, graph, cp, rows, new Set(logged.map((l) => l.revision)), (m) =>
      recorder.attributeUnrecorded(m, listing),
    );
    const state: LoopState = {
      client,
      graph,
      cp,
      tracker: await RelationTracker.open(client, listing, vt.table),
      rows,
      markBroken: () => (broken = true),
      versionGuard: await versionGuardAvailable(client),
      checkpointedAt: performance.now(),
    };
    checkpoint = cp;
    // Every target is planned before anything applies: one that cannot be met (`+N` beyond the
    // pending migrations) fails the step with nothing applied.
    planTargets(graph, state.rows, req.targets);
    const startBridge = (): AlembicBridge =>
      (bridge ??= AlembicBridge.start(
        (req.source as { ini?: string }).ini ?? '',
        ctx.db.urlFor(req.database),
        ctx.env,
        sessionTag(ctx.runId),
      ));
    let appliedCount = 0;
    let planTotal = 0;
    for (const [t, target] of req.targets.entries()) {
      // Recomputed from the database before each target: the version table is the truth (the
      // first target's rows were just read, under the lock).
      if (t > 0) state.rows = (await vt.read(client)) ?? [];
      const done = appliedSet(graph, state.rows);
      const plan = planUpgrade(graph, done, target);
      planTotal += plan.length;
      // Numbered in the history: `[65/124]` after "001–064 already applied".
      const total = done.size + plan.length;
      if (t === 0 && done.size > 0 && plan.length > 0)
        ctx.progress(alreadyAppliedLine(graph, done));
      const w = String(total).length;
      const labelOf = (i: number, m: Migration): string =>
        `[${String(done.size + i + 1).padStart(w)}/${total}] ${displayName(m)}`;
      const record = async (
        m: Migration,
        i: number,
        applied: TransactionalOutcome,
        ms: number,
      ): Promise<void> => {
        appliedCount++;
        provenance?.add(m.revision, m.file, applied.relations);
        await ctx.log(
          MIGRATION_APPLIED,
          {
            revision: m.revision,
            file: m.file,
            duration_ms: ms,
            statements: applied.statements,
            index: i + 1,
            total: plan.length,
            target,
            relations: applied.relations as unknown as JsonObject,
          },
          { durable: false },
        );
        cp.applied.push(m.revision);
        if (performance.now() - state.checkpointedAt >= CHECKPOINT_EVERY_MS) {
          await writeCheckpoint(ctx, cp, { durable: false });
          state.checkpointedAt = performance.now();
        }
        ctx.progress(`${labelOf(i, m)}  ${ms} ms`);
      };
      if (req.source.external) {
        if (ctx.signal.aborted) throw new StepError('ABORTED', 'the run is being stopped');
        // One Alembic run for the whole plan; each revision is recorded as it commits.
        if (plan.length > 0) {
          await upgradeByBridge(state, startBridge(), plan, vt, {
            signal: ctx.signal,
            begin: (i) => watch.begin(labelOf(i, plan[i] as Migration)),
            applied: async (i, applied, ms) => {
              watch.end();
              await record(plan[i] as Migration, i, applied, ms);
            },
          });
        }
        continue;
      }
      // Pipelined by one: each migration's first round trip is sent before the previous one's
      // log line, checkpoint and progress are written, so that bookkeeping overlaps the server's
      // work instead of adding to it. A migration's line is written only after its COMMIT.
      let recordPrevious: (() => Promise<void>) | undefined;
      // And the next migration's query is built while the server runs the current one.
      let prepared = plan[0] && prepareSql(req.source, state, plan[0], state.rows);
      for (const [i, m] of plan.entries()) {
        if (ctx.signal.aborted) throw new StepError('ABORTED', 'the run is being stopped');
        const started = performance.now();
        const current = prepared;
        const label = labelOf(i, m);
        watch.begin(label);
        const running = withLockRetries(ctx, m, label, policy, watch, () =>
          applySql(ctx, req.source, state, m, current),
        );
        // Handled below, once the previous migration is recorded.
        running.catch(() => undefined);
        await recordPrevious?.();
        recordPrevious = undefined;
        const following = plan[i + 1];
        // Against the rows this migration leaves when it commits (checked before sending).
        prepared =
          following && current && prepareSql(req.source, state, following, current.write.rows);
        const applied = await running;
        watch.end();
        if (following && !prepared) prepared = prepareSql(req.source, state, following, state.rows);
        const ms = Math.round(performance.now() - started);
        recordPrevious = () => record(m, i, applied, ms);
      }
      await recordPrevious?.();
    }
    const current = (await vt.read(client)) ?? [];
    await state.tracker.probe.close(client);
    await unlock();
    // Back to the session's own settings (the pool's application_name, no lock_timeout).
    await client.query('RESET application_name; RESET lock_timeout');
    return {
      applied: appliedCount,
      applied_in_run: cp.applied.length,
      current,
      plan_total: planTotal,
    };
  } catch (err) {
    broken = true;
    failed = true;
    throw err;
  } finally {
    await watch.close();
    await bridge?.close();
    // A destroyed session releases its advisory lock and any half-open transaction with it.
    client.release(broken);
    // Step end, success or failure: the checkpoint catches up (the engine's next transition makes
    // it durable) and inspect's diagnosis reads the provenance artifact. Failing to write either
    // must not hide the step's own failure.
    const keep = (err: unknown): void => {
      if (!failed) throw err;
    };
    if (checkpoint) await writeCheckpoint(ctx, checkpoint, { durable: false }).catch(keep);
    await provenance?.flush().catch(keep);
  }
}
