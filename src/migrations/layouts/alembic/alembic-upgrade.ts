import { StepError } from '../../../errors.js';
import type { JsonObject } from '../../../json.js';
import type { AlembicBridge, BridgeError } from './alembic-bridge.js';
import { bridgeFailure, confirmRecorded } from './alembic-outcome.js';
import type { LoopState } from '../../apply-one-migration.js';
import { type ProbeRow, UNLOCKED_WRITES } from '../../change-probe.js';
import {
  inTransactionWindowProbeSql,
  WINDOW_PROBE_PRELUDE,
  WINDOW_START_SQL,
} from '../../in-transaction-window-probe.js';
import type { TransactionalOutcome } from '../../send-migration-sql.js';
import { appliedSet } from '../../plan.js';
import { DEFER_FLUSH_SQL } from '../../deferred-durability.js';
import type { Migration, VersionTableAdapter } from '../../types.js';

/** What {@link upgradeByBridge} tells its caller as the plan goes. */
export interface BridgeUpgradeHooks {
  /** `plan[i]` is about to run (the first at once, each next one as the one before commits). */
  begin(i: number): void;
  /** `plan[i]` committed, with its effect; awaited before the next revision is reported. */
  applied(i: number, outcome: TransactionalOutcome, ms: number): Promise<void>;
  /** Aborted when the run is being stopped: the upgrade stops before its next revision. */
  signal: AbortSignal;
}

/**
 * The probe the bridge runs per revision on a server of `serverVersionNum` (see
 * python/alembic_upgrade.py), after the deferred flush ({@link DEFER_FLUSH_SQL}).
 */
function probeFor(serverVersionNum: number): JsonObject {
  return {
    start: WINDOW_START_SQL,
    rows: inTransactionWindowProbeSql(serverVersionNum),
    // Inside the revision's transaction, after its own statements: its commit does not wait
    // for the WAL flush unless it or the session chose otherwise; the step's end waits once.
    prelude: `${DEFER_FLUSH_SQL}; ${WINDOW_PROBE_PRELUDE}`,
    unlocked: UNLOCKED_WRITES.source,
  };
}

/**
 * Applies `plan` (in order, from the version rows `state.rows`) through the Alembic bridge in one
 * Alembic run: env.py runs once, each revision commits in its own transaction with its
 * alembic_version write, and `hooks.applied` gets each one as it commits, with the catalog rows
 * its window wrote (the probe runs in the revision's transaction). An env.py that runs the
 * migrations inside a transaction of its own (`connection.begin()`, where Alembic commits nothing
 * between revisions) gets one Alembic run per revision instead, each committing one revision.
 * Afterwards, or after a failure, the version table is read back: every revision reported applied
 * must be recorded there (`VERSION_NOT_RECORDED` otherwise), and `state.rows` is what it holds. A
 * failing revision is reported with its SQLSTATE, message and `file:line` ({@link bridgeFailure});
 * a stop requested through `hooks.signal` ends the upgrade between two revisions with `ABORTED`.
 */
export async function upgradeByBridge(
  state: LoopState,
  bridge: AlembicBridge,
  plan: readonly Migration[],
  vt: VersionTableAdapter,
  hooks: BridgeUpgradeHooks,
): Promise<void> {
  const version = await state.client.query<{ v: number }>(
    `SELECT pg_catalog.current_setting('server_version_num')::int AS v`,
  );
  const progress = { done: 0, probe: probeFor(version.rows[0]?.v ?? 0) };
  const onAbort = (): void => bridge.stop();
  hooks.signal.addEventListener('abort', onAbort, { once: true });
  let res: JsonObject;
  try {
    hooks.begin(0);
    res = await send(state, bridge, plan, plan, progress, hooks);
    if (errorType(res) === 'ExternalTransaction' && progress.done === 0) {
      for (const m of plan) {
        if (hooks.signal.aborted) res = { ok: false, error: { type: 'Stopped', message: '' } };
        else res = await send(state, bridge, plan, [m], progress, hooks, true);
        if (res.ok !== true) break;
      }
    }
  } finally {
    hooks.signal.removeEventListener('abort', onAbort);
  }
  const done = progress.done;
  state.rows = (await vt.read(state.client)) ?? [];
  const recorded = appliedSet(state.graph, state.rows);
  const lost = plan.slice(0, done).find((m) => !recorded.has(m.revision));
  if (lost) await confirmRecorded(vt, state.client, state.graph, lost);
  if (res.ok === true) return;
  const err = res.error as unknown as BridgeError | undefined;
  const failed = plan.find((m) => m.revision === res.revision) ?? plan[done];
  if (!failed) throw bridgeFailure(plan[plan.length - 1] as Migration, err);
  if (err?.type === 'Stopped') throw new StepError('ABORTED', 'the run is being stopped');
  if (err?.type === 'VersionNotCommitted' && !recorded.has(failed.revision)) {
    await confirmRecorded(vt, state.client, state.graph, failed);
  }
  throw bridgeFailure(failed, err);
}

const errorType = (res: JsonObject): unknown =>
  res.ok === true ? undefined : (res.error as { type?: unknown } | undefined)?.type;

/**
 * One Alembic run of `revisions` (the next ones of `plan`, `progress.done` of which are applied),
 * each probed with `progress.probe`: each revision's line, as it commits, advances `progress` and
 * goes to `hooks.applied`.
 * `oneTransaction`: the run may be inside env.py's own transaction (lines come as env.py commits;
 * sent with one revision each).
 */
function send(
  state: LoopState,
  bridge: AlembicBridge,
  plan: readonly Migration[],
  revisions: readonly Migration[],
  progress: { done: number; probe: JsonObject },
  hooks: BridgeUpgradeHooks,
  oneTransaction = false,
): Promise<JsonObject> {
  const command: JsonObject = {
    cmd: 'upgrade',
    revisions: revisions.map((m) => m.revision),
    heads: state.rows,
    probe: progress.probe,
  };
  if (oneTransaction) command.one_transaction = true;
  return bridge.request(command, async (event) => {
    const m = plan[progress.done];
    if (event.event !== 'applied' || event.revision !== m?.revision) {
      throw new StepError(
        'ALEMBIC_BRIDGE',
        `the Alembic bridge reported ${String(event.event)} ${String(event.revision)}, expected ${m?.revision ?? 'nothing'}`,
      );
    }
    // The version table exists once the first revision committed (Alembic creates it).
    await state.tracker.learnVersionTable(state.client);
    const relations = state.tracker.apply((event.probe ?? []) as unknown as ProbeRow[]);
    state.rows = (event.heads as string[] | undefined) ?? state.rows;
    const i = progress.done++;
    await hooks.applied(i, { statements: 0, relations }, Number(event.duration_ms));
    if (progress.done < plan.length) hooks.begin(progress.done);
  });
}
