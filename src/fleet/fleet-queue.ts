import { makeWorkerUtils } from 'graphile-worker';
import type pg from 'pg';
import type { FleetRecord, FleetTarget } from './fleet-store.js';

/**
 * The fleet's job queue: graphile-worker's schema (`graphile_worker`) in the run store's database
 * (docs/design.md "Workers"). One job per target, keyed by fleet and position so that enqueueing a
 * target again replaces its waiting job instead of adding a second one.
 */

/** The graphile-worker task that drives one fleet target. */
export const FLEET_TARGET_TASK = 'runbook_fleet_target';

/** How many times graphile-worker runs one job whose worker threw (the store unreachable). */
const MAX_ATTEMPTS = 10;

/** A job's payload: which target of which fleet. */
export interface FleetTargetJob {
  fleet: string;
  position: number;
}

/** True when `value` is a {@link FleetTargetJob}. */
export function isFleetTargetJob(value: unknown): value is FleetTargetJob {
  const v = value as Partial<FleetTargetJob> | null;
  return typeof v?.fleet === 'string' && Number.isInteger(v.position);
}

/**
 * Enqueues one job per target on the pool's database (graphile-worker's schema is installed or
 * upgraded first). A target already waiting in the queue is not queued twice.
 */
export async function enqueueTargets(
  pool: pg.Pool,
  fleet: FleetRecord,
  targets: readonly FleetTarget[],
): Promise<void> {
  const utils = await makeWorkerUtils({ pgPool: pool });
  try {
    await utils.migrate();
    for (const t of targets) {
      const payload: FleetTargetJob = { fleet: fleet.id, position: t.position };
      await utils.addJob(FLEET_TARGET_TASK, payload, {
        jobKey: `${fleet.id}:${t.position}`,
        maxAttempts: MAX_ATTEMPTS,
      });
    }
  } finally {
    await utils.release();
  }
}
