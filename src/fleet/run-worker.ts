import { run, type JobHelpers, type Runner } from 'graphile-worker';
import type pg from 'pg';
import { Connections } from '../postgres/connections.js';
import { PgRunStore } from '../runs/pg-run-store.js';
import { driveTarget } from './drive-target.js';
import { FLEET_TARGET_TASK, isFleetTargetJob } from './fleet-queue.js';
import { FleetStore } from './fleet-store.js';
import { ensureStoreSchema } from '../runs/pg-store-schema.js';
import { terminalSafe } from '../text/terminal-text.js';

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  /** The PostgreSQL run store's URL: the queue, the fleet tables and the runs are in its database. */
  storeUrl: string;
  /** Jobs this worker runs at once. */
  concurrency: number;
  /**
   * Seconds after which a job whose worker stopped renewing its lock (a worker killed, a host
   * gone) is handed to another worker. A live worker renews its jobs' locks every quarter of it.
   */
  lockTimeoutSeconds: number;
  /** Told when a target comes to rest or a job is handed back (one line each, terminal-safe). */
  log?: (line: string) => void;
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/** A running worker: `stop()` lets running jobs finish, then ends every session. */
export interface RunningWorker {
  stop(): Promise<void>;
  /** Settles when the worker has stopped. */
  done: Promise<void>;
}

/** Jobs of our task locked longer than the timeout: their worker is gone; give them back. */
const RECLAIM_SQL = `
  UPDATE graphile_worker._private_jobs AS j SET locked_at = NULL, locked_by = NULL
   WHERE j.locked_at < now() - make_interval(secs => $1)
     AND j.task_id IN (SELECT id FROM graphile_worker._private_tasks WHERE identifier = $2)
  RETURNING j.id`;

const RENEW_SQL = `UPDATE graphile_worker._private_jobs SET locked_at = now()
   WHERE id = $1 AND locked_by = $2`;

/** What the task of each job shares within one worker. */
interface TaskContext {
  options: WorkerOptions;
  pool: pg.Pool;
  fleets: FleetStore;
  /** Run stores not in use by a job (one per concurrent job: a run holds a session for its lock). */
  free: PgRunStore[];
  log: (line: string) => void;
  renewEvery: number;
}

/** The graphile-worker task driving one fleet target, renewing its job's lock meanwhile. */
function fleetTargetTask(
  ctx: TaskContext,
): (payload: unknown, helpers: JobHelpers) => Promise<void> {
  const { options, pool, fleets, free, log, renewEvery } = ctx;
  return async (payload, helpers) => {
    if (!isFleetTargetJob(payload)) throw new Error('not a fleet target job');
    const { id, locked_by: lockedBy } = helpers.job;
    const renew = setInterval(() => {
      pool.query(RENEW_SQL, [id, lockedBy]).catch(() => undefined);
    }, renewEvery);
    const runs = free.pop() ?? new PgRunStore(options.storeUrl);
    try {
      const fleet = await fleets.fleet(payload.fleet);
      const target = await fleets.target(fleet.id, payload.position);
      // Only pending (queued) or running (its worker died) targets are driven: a target at rest
      // failed is not retried blindly.
      if (!target || (target.status !== 'pending' && target.status !== 'running')) return;
      log(
        `${fleet.id} ${target.name}: taken, run ${target.runId}${target.status === 'running' ? ' (its worker stopped: resuming)' : ''}`,
      );
      const outcome = await driveTarget({
        fleets,
        runs,
        fleet,
        target,
        ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
        ...(options.env !== undefined ? { env: options.env } : {}),
      });
      log(
        `${fleet.id} ${target.name}: ${outcome.status}${outcome.code ? ` ${outcome.failedStep ?? ''} ${outcome.code}` : ''}`,
      );
    } finally {
      clearInterval(renew);
      free.push(runs);
    }
  };
}

/**
 * Starts a worker taking fleet target jobs from the store database's graphile-worker queue
 * (docs/design.md "Workers"). Each job drives its target with {@link driveTarget}: the target's run
 * is started, or resumed from its checkpoint when a worker before this one had started it. A
 * target already at rest as failed (or refused, incomplete) is left alone: it waits for
 * `fleet resume`. graphile-worker only frees a dead worker's jobs after four hours, so this worker
 * renews the lock of each job it runs and hands back jobs whose lock is older than
 * `lockTimeoutSeconds` (their worker stopped renewing).
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const queueConnections = new Connections(options.storeUrl, {
    applicationName: 'runbook-worker',
    max: options.concurrency + 3,
  });
  const pool: pg.Pool = queueConnections.pool();
  await ensureStoreSchema(pool);
  const fleets = new FleetStore(options.storeUrl);
  const free: PgRunStore[] = Array.from(
    { length: options.concurrency },
    () => new PgRunStore(options.storeUrl),
  );
  // Target names and server messages are data: a control character never reaches the terminal.
  const log = (line: string): void => options.log?.(terminalSafe(line));
  const renewEvery = Math.max(250, (options.lockTimeoutSeconds * 1000) / 4);

  const task = fleetTargetTask({ options, pool, fleets, free, log, renewEvery });

  const runner: Runner = await run({
    pgPool: pool,
    concurrency: options.concurrency,
    noHandleSignals: true,
    pollInterval: 500,
    taskList: { [FLEET_TARGET_TASK]: task },
  });
  const reclaim = setInterval(() => {
    pool
      .query<{ id: string }>(RECLAIM_SQL, [options.lockTimeoutSeconds, FLEET_TARGET_TASK])
      .then((r) => {
        for (const row of r.rows)
          log(`job ${row.id}: its worker stopped renewing the lock; handed back`);
      })
      .catch(() => undefined);
  }, renewEvery);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      clearInterval(reclaim);
      await runner.stop().catch(() => undefined);
      await runner.promise.catch(() => undefined);
      await Promise.all(free.map((s) => s.close()));
      await fleets.close();
      await queueConnections.end();
    })());
  return { stop, done: runner.promise.then(() => stop()) };
}
