/**
 * The whole upgrade of one step: connect, list the history, lock, check, then each target's plan
 * applied one migration at a time (apply-one-migration.ts), or, for the alembic layout, in one
 * Alembic run (layouts/alembic/alembic-upgrade.ts), with the bookkeeping of each migration.
 */
import type { ActionContext } from '../step-context.js';
import type { JsonObject } from '../json.js';
import { StepError } from '../errors.js';
import { acquireMigrationLock } from './advisory-lock.js';
import { sessionTag } from '../runs/session-tag.js';
import { AlembicBridge } from './layouts/alembic/alembic-bridge.js';
import { upgradeByBridge } from './layouts/alembic/alembic-upgrade.js';
import { flushCommits } from './deferred-durability.js';
import {
  applySqlMigration,
  displayName,
  prepareSql,
  type LoopState,
} from './apply-one-migration.js';
import { lockPolicy, withLockRetries } from './lock-wait.js';
import { writeCheckpoint } from './migration-checkpoint.js';
import { alreadyAppliedLine, MigrationWatch } from './migration-watch.js';
import { appliedSet, planTargets, planUpgrade } from './plan.js';
import { RevisionGraph } from './revision-graph.js';
import type { TransactionalOutcome } from './send-migration-sql.js';
import { MIGRATION_APPLIED } from './step-log.js';
import type { Migration } from './types.js';
import {
  armLoop,
  endUpgrade,
  openLoop,
  type OpenedLoop,
  type Upgrade,
  type UpgradeRequest,
} from './upgrade-session.js';

export type { UpgradeRequest } from './upgrade-session.js';

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
export async function upgradeDatabase(
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
  const client = await connecting;
  const policy = lockPolicy(ctx, { lockTimeout: req.lockTimeout, lockRetries: req.lockRetries });
  const pid = (client as { processID?: number | null }).processID ?? undefined;
  const watch = new MigrationWatch(ctx, req.database, pid, {
    heartbeatMs: policy.heartbeatMs,
    lockTimeoutMs: policy.timeoutMs,
  });
  const up: Upgrade = { ctx, req, graph, client, policy, watch, broken: false };
  let failure: { error: unknown } | undefined;
  try {
    return await lockAndApply(up);
  } catch (err) {
    up.broken = true;
    failure = { error: err };
    throw err;
  } finally {
    await endUpgrade(up, failure);
  }
}

/** Under the advisory lock: the checks, then every target's plan applied; the lock released. */
async function lockAndApply(up: Upgrade): Promise<UpgradeOutcome> {
  const { ctx, req, client } = up;
  const unlock = await acquireMigrationLock(client, req.database, ctx.runId, {
    lockTimeoutMs: up.policy.timeoutMs,
  });
  const opened = await openLoop(up);
  // Every target is planned before anything applies: one that cannot be met (`+N` beyond the
  // pending migrations) fails the step with nothing applied.
  planTargets(up.graph, opened.rows, req.targets);
  // Armed (tracker, probe, provenance draft) on the first migration to apply; a no-op never is.
  let armed: LoopState | undefined;
  const arm = async (): Promise<LoopState> => (armed ??= await armLoop(up, opened));
  // Every migration planned is applied (or the step fails): the two counts are one.
  let applied = 0;
  for (const [t, target] of req.targets.entries()) {
    // Recomputed from the database before each target: the version table is the truth (the
    // first target's rows were just read, under the lock).
    if (t > 0) opened.rows = (await req.source.versionTable.read(client)) ?? [];
    applied += await applyTarget(up, opened, arm, target, t === 0);
  }
  // Nothing applied: the rows last read under the lock are still the table's.
  const current =
    applied === 0 ? opened.rows : ((await req.source.versionTable.read(client)) ?? []);
  await armed?.tracker.probe.close(client);
  // The migrations' commits did not wait for their flush: the step ends once they are durable.
  if (armed) await flushCommits(client);
  await unlock();
  // Back to the session's own settings (the pool's application_name, no lock_timeout).
  await client.query('RESET application_name; RESET lock_timeout');
  return {
    applied,
    // Distinct: a migration whose commit a server crash lost is applied again by the resume.
    applied_in_run: new Set(opened.cp.applied).size,
    current,
    plan_total: applied,
  };
}

/**
 * The Alembic bridge of this upgrade, started on first use; its sessions carry the run's session
 * tag, so that a resume ends one a killed run left.
 */
function bridgeOf(up: Upgrade): AlembicBridge {
  return (up.bridge ??= AlembicBridge.start(
    (up.req.source as { ini?: string }).ini ?? '',
    up.ctx.db.urlFor(up.req.database),
    up.ctx.env,
    sessionTag(up.ctx.runId),
  ));
}

/** A migration's progress label, numbered in the history: `[65/124] 065_add_index`. */
type LabelOf = (i: number, m: Migration) => string;

/**
 * Applies the plan to `target` from the version table's current rows; returns how many it
 * applied. An external source (the alembic layout) applies the whole plan in one Alembic run
 * ({@link applyByBridge}). SQL migrations are applied one at a time, pipelined by one: each
 * migration's first round trip is sent before the previous one's log line, checkpoint and
 * progress are written, so that bookkeeping overlaps the server's work instead of adding to it (a
 * migration's line is written only after its COMMIT); and the next migration's query is built
 * while the server runs the current one.
 */
async function applyTarget(
  up: Upgrade,
  opened: OpenedLoop,
  arm: () => Promise<LoopState>,
  target: string,
  first: boolean,
): Promise<number> {
  const { ctx, req, graph, watch } = up;
  const done = appliedSet(graph, opened.rows);
  const plan = planUpgrade(graph, done, target);
  if (plan.length === 0) return 0;
  const state = await arm();
  // Numbered in the history: `[65/124]` after "001–064 already applied".
  const total = done.size + plan.length;
  if (first && done.size > 0) ctx.progress(alreadyAppliedLine(graph, done));
  const w = String(total).length;
  const labelOf: LabelOf = (i, m) =>
    `[${String(done.size + i + 1).padStart(w)}/${total}] ${displayName(m)}`;
  // Migrations may SET anything for their session; the next step gets a reset session (one that
  // ran none of them is handed on as it is, its own settings reset at step end).
  ctx.db.markUserSql(up.client);
  if (req.source.external) return applyByBridge(up, state, plan, target, labelOf);
  let recordPrevious: (() => Promise<void>) | undefined;
  let prepared = plan[0] && prepareSql(req.source, state, plan[0], state.rows);
  for (const [i, m] of plan.entries()) {
    if (ctx.signal.aborted) {
      // The previous migration committed: its line is written before the step stops.
      await recordPrevious?.();
      throw new StepError('ABORTED', 'the run is being stopped');
    }
    const started = performance.now();
    const current = prepared;
    const label = labelOf(i, m);
    watch.begin(label);
    const running = withLockRetries(ctx, m, label, up.policy, watch, () =>
      applySqlMigration(ctx, req.source, state, m, current),
    );
    // Handled below, once the previous migration is recorded.
    running.catch(() => undefined);
    await recordPrevious?.();
    const following = plan[i + 1];
    // Against the rows this migration leaves when it commits (checked before sending).
    prepared = following && current && prepareSql(req.source, state, following, current.write.rows);
    const applied = await running;
    watch.end();
    if (following && !prepared) prepared = prepareSql(req.source, state, following, state.rows);
    const ms = Math.round(performance.now() - started);
    const where = { index: i + 1, total: plan.length, target };
    recordPrevious = () => recordApplication(up, state, m, applied, { ms, label, where });
  }
  await recordPrevious?.();
  return plan.length;
}

/**
 * Applies `plan` through the Alembic bridge in one Alembic run (one per revision for an env.py
 * that runs the migrations in a transaction of its own), each revision recorded as it commits;
 * returns how many it applied.
 */
async function applyByBridge(
  up: Upgrade,
  state: LoopState,
  plan: readonly Migration[],
  target: string,
  labelOf: LabelOf,
): Promise<number> {
  const { ctx, watch } = up;
  if (ctx.signal.aborted) throw new StepError('ABORTED', 'the run is being stopped');
  if (plan.length === 0) return 0;
  await upgradeByBridge(state, bridgeOf(up), plan, up.req.source.versionTable, {
    signal: ctx.signal,
    begin: (i) => watch.begin(labelOf(i, plan[i] as Migration)),
    applied: async (i, applied, ms) => {
      watch.end();
      const m = plan[i] as Migration;
      const where = { index: i + 1, total: plan.length, target };
      await recordApplication(up, state, m, applied, { ms, label: labelOf(i, m), where });
    },
  });
  return plan.length;
}

/**
 * The bookkeeping of one committed migration: its provenance, its `migration.applied` line, the
 * checkpoint (at most every {@link CHECKPOINT_EVERY_MS}) and its progress line.
 */
async function recordApplication(
  up: Upgrade,
  state: LoopState,
  m: Migration,
  applied: TransactionalOutcome,
  at: { ms: number; label: string; where: { index: number; total: number; target: string } },
): Promise<void> {
  const { ctx } = up;
  up.provenance?.add(m.revision, m.file, applied.relations);
  await ctx.log(
    MIGRATION_APPLIED,
    {
      revision: m.revision,
      file: m.file,
      duration_ms: at.ms,
      statements: applied.statements,
      ...at.where,
      relations: applied.relations as unknown as JsonObject,
    },
    { durable: false },
  );
  state.cp.applied.push(m.revision);
  if (performance.now() - state.checkpointedAt >= CHECKPOINT_EVERY_MS) {
    await writeCheckpoint(ctx, state.cp, { durable: false });
    state.checkpointedAt = performance.now();
  }
  ctx.progress(`${at.label}  ${at.ms} ms`);
}
