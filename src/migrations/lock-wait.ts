import type { ActionContext } from '../step-context.js';
import { formatDuration } from '../text/duration.js';
import { StepError } from '../errors.js';
import type { JsonObject } from '../json.js';
import { LockTimeoutError } from './send-migration-sql.js';
import { describeBlockers, type Blocker, type MigrationWatch } from './migration-watch.js';
import type { Migration } from './types.js';

/** Environment variable giving the migration session's lock timeout when the step does not. */
export const LOCK_TIMEOUT_ENV = 'RUNBOOK_LOCK_TIMEOUT';
/** Environment variable: interval of the "still running" lines (ms; default 10 s). */
export const HEARTBEAT_ENV = 'RUNBOOK_HEARTBEAT_MS';

/** Default lock timeout of a migration session. */
export const DEFAULT_LOCK_TIMEOUT_MS = 5000;
/** Default number of retries of a migration whose lock wait timed out. */
export const DEFAULT_LOCK_RETRIES = 3;
const DEFAULT_HEARTBEAT_MS = 10_000;

/** Largest lock_timeout the server accepts (ms, INT_MAX). */
const MAX_DURATION_MS = 2_147_483_647;

/**
 * Parses a duration: a number of milliseconds, or text such as `500ms`, `5s`, `1.5s`, `2min`
 * (`0` means no timeout). A fraction of a millisecond rounds UP (`0.4` is 1 ms, never 0, which
 * would mean no limit at all). Undefined when it is none of these or exceeds the server's maximum.
 */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 && value <= MAX_DURATION_MS ? value : undefined;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min)?\s*$/.exec(value);
  if (!m) return undefined;
  const exact = Number(m[1]) * (m[2] === 'min' ? 60_000 : m[2] === 's' ? 1000 : 1);
  // Up to a float's error (0.57 * 1000 is 570.0000000000001), a whole number stays itself.
  const near = Math.round(exact);
  const n = Math.abs(exact - near) < 1e-6 ? near : Math.ceil(exact);
  return Number.isFinite(n) && n <= MAX_DURATION_MS ? n : undefined;
}

/** The `RUNBOOK_LOCK_TIMEOUT` problem for a preflight, or undefined when it is absent or valid. */
export function lockTimeoutEnvProblem(
  env: Readonly<Record<string, string | undefined>> | undefined,
): string | undefined {
  const raw = env?.[LOCK_TIMEOUT_ENV];
  if (raw === undefined || parseDuration(raw) !== undefined) return undefined;
  return `${LOCK_TIMEOUT_ENV}="${raw}" is not a duration: give milliseconds or e.g. 500ms, 5s, 2min (0 waits without limit)`;
}

/** How a migration step waits for locks. */
export interface LockPolicy {
  /** The session's lock_timeout (0: wait without limit). */
  timeoutMs: number;
  /** Retries of a migration whose lock wait timed out, before the step fails. */
  retries: number;
  heartbeatMs: number;
}

/**
 * The lock policy of a step: its `lock_timeout` / `lock_retries` arguments, else
 * `RUNBOOK_LOCK_TIMEOUT`, else 5 s and 3 retries; the heartbeat from `RUNBOOK_HEARTBEAT_MS`.
 */
export function lockPolicy(
  ctx: Pick<ActionContext, 'env'>,
  args: { lockTimeout?: number | string | undefined; lockRetries?: number | undefined },
): LockPolicy {
  const fromEnv = ctx.env[LOCK_TIMEOUT_ENV];
  const timeout =
    (args.lockTimeout !== undefined ? parseDuration(args.lockTimeout) : undefined) ??
    (fromEnv !== undefined ? parseDuration(fromEnv) : undefined) ??
    DEFAULT_LOCK_TIMEOUT_MS;
  const beat = Number(ctx.env[HEARTBEAT_ENV]);
  return {
    timeoutMs: timeout,
    retries: args.lockRetries ?? DEFAULT_LOCK_RETRIES,
    heartbeatMs: Number.isFinite(beat) && beat > 0 ? beat : DEFAULT_HEARTBEAT_MS,
  };
}

/**
 * Runs `attempt` (one migration), and again after a lock timeout ({@link LockTimeoutError}) up
 * to `policy.retries` times with a growing pause, printing who holds the lock each time; then
 * fails with 55P03 naming the blockers, the attempts and the timeout.
 */
export async function withLockRetries<T>(
  ctx: ActionContext,
  m: Migration,
  label: string,
  policy: LockPolicy,
  watch: MigrationWatch,
  attempt: () => Promise<T>,
): Promise<T> {
  let known: readonly Blocker[] = [];
  for (let n = 0; ; n++) {
    if (n > 0) watch.begin(label);
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof LockTimeoutError)) throw err;
      const seen = await watch.blockers();
      if (seen.length > 0) known = seen;
      const who = known.length > 0 ? describeBlockers(known) : 'a session that could not be named';
      const data = {
        revision: m.revision,
        file: m.file,
        attempt: n + 1,
        lock_timeout_ms: policy.timeoutMs,
        blockers: known as unknown as JsonObject[],
      };
      if (n >= policy.retries) {
        throw new StepError(
          err.code,
          `could not take a lock within ${formatDuration(policy.timeoutMs)}, ${n + 1} time${n > 0 ? 's' : ''}; it is held by ${who}`,
          {
            migration: m.revision,
            file: m.file,
            hint: `let that session finish or stop it, then \`runbook resume ${ctx.runId}\` (the wait is lock_timeout on the step, or ${LOCK_TIMEOUT_ENV})`,
            data,
          },
          { cause: err },
        );
      }
      const pause = Math.min(policy.timeoutMs || 1000, 1000) * 2 ** n;
      ctx.progress(
        `${label}  lock timeout (${formatDuration(policy.timeoutMs)}), held by ${who}; retry ${n + 1}/${policy.retries} in ${formatDuration(pause)}`,
      );
      await ctx.log('migration.lock_timeout', data as unknown as JsonObject, { durable: false });
      await new Promise((r) => setTimeout(r, pause));
      if (ctx.signal.aborted) throw new StepError('ABORTED', 'the run is being stopped');
    }
  }
}
