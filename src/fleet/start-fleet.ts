import { InvalidInputError } from '../errors.js';
import type { AuthorityFlags } from '../engine/authorize-procedure.js';
import type { JsonObject } from '../json.js';
import { loadProcedure } from '../procedure/load-procedure.js';
import { isSecretParam } from '../procedure/secret-names.js';
import { driveFleet } from './drive-fleet.js';
import { enqueueTargets } from './fleet-queue.js';
import type { FleetStore, FleetTarget, TargetOutcome } from './fleet-store.js';
import { resolveTargets } from './resolve-targets.js';
import { readTargetsFile } from './targets-file.js';

/** Options of {@link startFleet}. */
export interface StartFleetOptions {
  fleets: FleetStore;
  /** The PostgreSQL run store's URL (the fleet tables and the queue live in its database). */
  storeUrl: string;
  /** The procedure file. */
  procedure: string;
  /** The targets file. */
  targetsFile: string;
  /** The default server of `database:` targets when the file names none. */
  databaseUrl?: string | undefined;
  /** `--param`s given to every target (over the file's). */
  params?: Record<string, string>;
  authority?: AuthorityFlags;
  concurrency: number;
  perServer?: number | undefined;
  /** Enqueue one graphile-worker job per target instead of driving them here. */
  queue?: boolean;
  command: string;
  onTarget?: (target: FleetTarget, outcome: TargetOutcome) => void;
  /** Told the fleet id as soon as the fleet is recorded (before anything runs). */
  onCreated?: (id: string) => void;
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Starts a fleet: validates the procedure and the targets file (nothing runs on bad input, exit
 * 2), expands its queries, records the fleet and its targets (each with its run id), then drives
 * every target here with the concurrency limits, or (`queue`) enqueues one job per target for
 * `runbook worker`s. A procedure's secret params cannot be given in a fleet (they would be stored).
 * Resolves to the fleet id.
 */
export async function startFleet(options: StartFleetOptions): Promise<string> {
  const procedure = await loadProcedure(options.procedure);
  const file = await readTargetsFile(options.targetsFile);
  const targets = await resolveTargets(file, options.databaseUrl, options.params ?? {});
  const given = new Set(targets.flatMap((t) => Object.keys(t.params)));
  const secret = [...given].filter((name) => {
    const spec = procedure.params[name];
    return spec !== undefined && isSecretParam(name, spec.secret, spec.type);
  });
  if (secret.length > 0) {
    throw new InvalidInputError([
      {
        path: options.targetsFile,
        message: `secret param ${secret.join(', ')} cannot be given to a fleet (targets' params are stored)`,
        hint: 'put credentials in PGPASSWORD or ~/.pgpass instead',
      },
    ]);
  }
  const id = await options.fleets.create(
    {
      procedure: procedure.name,
      procedureFile: options.procedure,
      targetsFile: options.targetsFile,
      authority: (options.authority ?? {}) as JsonObject,
      concurrency: options.concurrency,
      perServer: options.perServer ?? null,
      queued: Boolean(options.queue),
      command: options.command,
    },
    targets,
  );
  options.onCreated?.(id);
  const fleet = await options.fleets.fleet(id);
  const stored = await options.fleets.targets(id);
  if (options.queue) {
    await enqueueTargets(await options.fleets.pool(), fleet, stored);
    return id;
  }
  await driveFleet({
    fleets: options.fleets,
    storeUrl: options.storeUrl,
    fleet,
    targets: stored,
    concurrency: options.concurrency,
    perServer: options.perServer,
    serverUrls: new Map(targets.map((t, i) => [i, t.serverUrl])),
    ...(options.onTarget ? { onTarget: options.onTarget } : {}),
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
  });
  return id;
}

/** Options of {@link resumeFleet}. */
export type ResumeFleetOptions = Pick<
  StartFleetOptions,
  'fleets' | 'storeUrl' | 'onTarget' | 'cwd' | 'env' | 'concurrency' | 'perServer'
> & { id: string };

/**
 * Resumes a fleet: its failed, incomplete, refused and pending targets, and for a fleet driven in
 * process its running (interrupted) ones; never a succeeded one. Each is driven again by
 * {@link driveFleet} (its run resumed from its checkpoint, or started when it never was), or, for
 * a queued fleet, enqueued again. Resolves to the number of targets taken up.
 */
export async function resumeFleet(options: ResumeFleetOptions): Promise<number> {
  const fleet = await options.fleets.fleet(options.id);
  // A queued fleet's `running` targets belong to the workers: a dead worker's job comes back by
  // itself after the lock timeout, and a live one's must not be driven twice.
  const targets = await options.fleets.targets(fleet.id, [
    'failed',
    'incomplete',
    'refused',
    'pending',
    ...(fleet.queued ? [] : (['running'] as const)),
  ]);
  if (targets.length === 0) return 0;
  if (fleet.queued) {
    await options.fleets.markPending(
      fleet.id,
      targets.map((t) => t.position),
    );
    await enqueueTargets(await options.fleets.pool(), fleet, targets);
    return targets.length;
  }
  await driveFleet({
    fleets: options.fleets,
    storeUrl: options.storeUrl,
    fleet,
    targets,
    concurrency: options.concurrency,
    perServer: options.perServer ?? fleet.perServer ?? undefined,
    ...(options.onTarget ? { onTarget: options.onTarget } : {}),
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
  });
  return targets.length;
}
