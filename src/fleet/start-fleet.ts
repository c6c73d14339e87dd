import { InvalidInputError } from '../errors.js';
import type { AuthorityFlags } from '../engine/authorize-procedure.js';
import type { JsonObject } from '../json.js';
import { containsSecret } from '../postgres/find-passwords.js';
import { loadProcedure } from '../procedure/load-procedure.js';
import { passwordLiteralProblems } from '../procedure/password-literals.js';
import { readProcedureSource } from '../engine/read-procedure-source.js';
import type { Procedure } from '../procedure/types.js';
import { isSecretParam } from '../procedure/secret-names.js';
import { driveFleet } from './drive-fleet.js';
import {
  checkFleetAuthority,
  replaceFleetAuthority,
  gateVariables,
  resolveFleetAuthority,
  type FleetAuthority,
} from './fleet-authority.js';
import { enqueueTargets } from './fleet-queue.js';
import type { FleetStore, FleetTarget, TargetOutcome } from './fleet-store.js';
import { resolveTargets, type ResolvedTarget } from './resolve-targets.js';
import { readTargetsFile } from './targets-file.js';
import { withoutPassword } from './without-password.js';

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
  /** Params under the targets file's (the configuration's defaults for the procedure). */
  defaultParams?: Record<string, string>;
  /** The authority flags given; each unset one is taken from `env` (DB_ROLE…) and the result stored. */
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
  /** The creating shell's environment (default `process.env`): its authority variables are resolved and stored. */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Starts a fleet: validates the procedure and the targets file (nothing runs on bad input, exit
 * 2), expands its queries, records the fleet and its targets (each with its run id), then drives
 * every target here with the concurrency limits, or (`queue`) enqueues one job per target for
 * `runbook worker`s. A procedure's secret params cannot be given in a fleet (they would be stored).
 * The authority is resolved here, flags over this environment, and stored: whoever drives a target
 * uses it and nothing of its own environment. A queued fleet's authority is checked against every
 * server first (a refusal throws, exit 3, nothing is recorded). Resolves to the fleet id.
 */
export async function startFleet(options: StartFleetOptions): Promise<string> {
  const procedure = await loadProcedure(options.procedure);
  // Every target's run keeps the file: refused here, before any target is recorded.
  const passwords = passwordLiteralProblems(procedure, await readProcedureSource(procedure));
  if (passwords.length > 0) throw new InvalidInputError(passwords);
  const file = await readTargetsFile(options.targetsFile);
  const targets = await resolveTargets(
    file,
    options.databaseUrl,
    options.params ?? {},
    options.defaultParams ?? {},
  );
  refuseStoredSecrets(procedure, targets, options.targetsFile);
  const env = options.env ?? process.env;
  const authority = resolveFleetAuthority(
    options.authority ?? {},
    env,
    options.command,
    gateVariables(procedure),
  );
  if (options.queue) {
    checkFleetAuthority(
      procedure,
      authority,
      targets.map((t) => t.serverUrl),
      env,
    );
  }
  const id = await options.fleets.create(
    {
      procedure: procedure.name,
      procedureFile: options.procedure,
      targetsFile: options.targetsFile,
      authority: authority as JsonObject,
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
> & {
  id: string;
  /** Authority flags given to the resume: each replaces the stored field (then stored). */
  authority?: AuthorityFlags;
  /** The resume's command line (recorded with a confirmation it gives). */
  command?: string;
  /** A server URL holding the password: targets stored on that server connect with it. */
  serverUrl?: string;
};

/**
 * Resumes a fleet: its failed, incomplete, refused and pending targets, and for a fleet driven in
 * process its running (interrupted) ones; never a succeeded one. Each is driven again by
 * {@link driveFleet} (its run resumed from its checkpoint, or started when it never was), or, for
 * a queued fleet, enqueued again once its authority passes against every server (else it throws,
 * exit 3, nothing enqueued). Authority flags given replace the stored ones first (see
 * `replaceFleetAuthority`: a refused target can be confirmed). Resolves to the number of targets
 * taken up.
 */
export async function resumeFleet(options: ResumeFleetOptions): Promise<number> {
  let fleet = await options.fleets.fleet(options.id);
  if (options.authority !== undefined && Object.keys(options.authority).length > 0) {
    const next = replaceFleetAuthority(
      fleet.authority as FleetAuthority,
      options.authority,
      options.command ?? 'fleet resume',
    );
    await options.fleets.setAuthority(fleet.id, next as JsonObject);
    fleet = await options.fleets.fleet(fleet.id);
  }
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
    checkFleetAuthority(
      await loadProcedure(fleet.procedureFile),
      fleet.authority as FleetAuthority,
      targets.map((t) => t.server),
      options.env,
    );
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
    ...(options.serverUrl !== undefined
      ? { serverUrls: serverUrlsOn(targets, options.serverUrl) }
      : {}),
    ...(options.onTarget ? { onTarget: options.onTarget } : {}),
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
  });
  return targets.length;
}

/** The positions of `targets` stored on the server of `url`, each mapped to `url` (its password kept). */
function serverUrlsOn(targets: readonly FleetTarget[], url: string): Map<number, string> {
  const stored = withoutPassword(url);
  return new Map(targets.filter((t) => t.server === stored).map((t) => [t.position, url]));
}

/**
 * Refuses (exit 2, naming the targets file) params a fleet would store in clear: a procedure's
 * secret params, and any value holding a password (a URL with one, `password=`…).
 */
function refuseStoredSecrets(
  procedure: Procedure,
  targets: readonly ResolvedTarget[],
  targetsFile: string,
): void {
  const given = new Set(targets.flatMap((t) => Object.keys(t.params)));
  const secret = [...given].filter((name) => {
    const spec = procedure.params[name];
    return spec !== undefined && isSecretParam(name, spec.secret, spec.type);
  });
  if (secret.length > 0) {
    throw new InvalidInputError([
      {
        path: targetsFile,
        message: `secret param ${secret.join(', ')} cannot be given to a fleet (targets' params are stored)`,
        hint: 'put credentials in PGPASSWORD or ~/.pgpass instead',
      },
    ]);
  }
  const leaking = [
    ...new Set(
      targets.flatMap((t) =>
        Object.entries(t.params)
          .filter(([, v]) => containsSecret(v))
          .map(([k]) => k),
      ),
    ),
  ];
  if (leaking.length > 0) {
    throw new InvalidInputError([
      {
        path: targetsFile,
        message: `param ${leaking.join(', ')} holds a password (targets' params are stored)`,
        hint: 'leave the password out of the URL: PGPASSWORD or ~/.pgpass',
      },
    ]);
  }
}
