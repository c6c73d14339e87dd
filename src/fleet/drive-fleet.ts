import { PgRunStore } from '../runs/pg-run-store.js';
import { driveTarget } from './drive-target.js';
import type { FleetRecord, FleetStore, FleetTarget, TargetOutcome } from './fleet-store.js';

/** Options of {@link driveFleet}. */
export interface DriveFleetOptions {
  fleets: FleetStore;
  /** The PostgreSQL run store's URL (each concurrent drive opens its own sessions to it). */
  storeUrl: string;
  fleet: FleetRecord;
  /** The targets to drive, in order. */
  targets: readonly FleetTarget[];
  /** At most this many targets at once. */
  concurrency: number;
  /** At most this many targets at once on one server (`host:port`); default no limit but `concurrency`. */
  perServer?: number | undefined;
  /** Server URLs to connect with, by target position (they may hold a password); default the stored ones. */
  serverUrls?: ReadonlyMap<number, string>;
  /** Told when each target comes to rest. */
  onTarget?: (target: FleetTarget, outcome: TargetOutcome) => void;
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Drives the given targets of a fleet in this process: up to `concurrency` at once and up to
 * `perServer` on one server, each through {@link driveTarget} (its own run, started or resumed).
 * A target that fails stops alone; the others go on. Each of the `concurrency` lanes opens its
 * own run store sessions (a run holds one for its lock). Resolves when every target is at rest.
 */
export async function driveFleet(options: DriveFleetOptions): Promise<void> {
  const queue = [...options.targets];
  const perServer = options.perServer ?? Number.POSITIVE_INFINITY;
  const active = new Map<string, number>();
  let wake: (() => void)[] = [];
  const lane = async (): Promise<void> => {
    const runs = new PgRunStore(options.storeUrl);
    try {
      for (;;) {
        if (queue.length === 0) return;
        const i = queue.findIndex((t) => (active.get(t.serverKey) ?? 0) < perServer);
        if (i < 0) {
          // Every queued target's server is at its limit: wait for a drive to end.
          await new Promise<void>((resolve) => wake.push(resolve));
          continue;
        }
        const [target] = queue.splice(i, 1) as [FleetTarget];
        active.set(target.serverKey, (active.get(target.serverKey) ?? 0) + 1);
        try {
          const outcome = await driveTarget({
            fleets: options.fleets,
            runs,
            fleet: options.fleet,
            target,
            ...(options.serverUrls?.has(target.position)
              ? { serverUrl: options.serverUrls.get(target.position)! }
              : {}),
            ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
            ...(options.env !== undefined ? { env: options.env } : {}),
          });
          options.onTarget?.(target, outcome);
        } finally {
          active.set(target.serverKey, (active.get(target.serverKey) ?? 1) - 1);
          const waiting = wake;
          wake = [];
          for (const w of waiting) w();
        }
      }
    } finally {
      await runs.close();
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency, queue.length));
  await Promise.all(Array.from({ length: lanes }, lane));
}
