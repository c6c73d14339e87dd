import path from 'node:path';
import * as z from 'zod';
import { lockTimeoutEnvProblem, parseDuration } from '../migrations/lock-wait.js';
import { loadMigrationSource, upgradeDatabase, summarizeVersions } from '../migrations/index.js';
import { migrationLayoutParam } from './migration-layout-param.js';
import { planUpgradeStep } from './migrations-upgrade-plan.js';
import { migrationSourceProblems } from './migration-preflight.js';
import { defineAction, type ActionResult } from './types.js';
import { connectableDatabaseName } from './database-name.js';

const Params = z.object({
  source: z.string().min(1),
  layout: migrationLayoutParam,
  target: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  database: connectableDatabaseName.optional(),
  dry_run: z.boolean().optional(),
  /** The migration session's lock_timeout: ms, or `500ms`, `5s`, `2min`; 0 waits without limit. */
  lock_timeout: z
    .union([
      z.number().int().min(0),
      z.string().refine((v) => parseDuration(v) !== undefined, {
        message: 'expected a duration such as 500ms, 5s or 2min (0: no limit)',
      }),
    ])
    .optional(),
  /** Retries of a migration whose lock wait timed out, before the step fails. */
  lock_retries: z.number().int().min(0).max(20).optional(),
});

/** The targets an upgrade applies, in order (`head` when none is given). */
function targetsOf(p: { target?: string | string[] | undefined }): string[] {
  return Array.isArray(p.target) ? p.target : [p.target ?? 'head'];
}

/**
 * `migrations.upgrade`: applies a migration history one migration per transaction, under an
 * advisory lock, resumable (docs/design.md "Migrations"). A list of targets is applied in sequence.
 * A migration waiting for a lock longer than `lock_timeout` (default RUNBOOK_LOCK_TIMEOUT, else
 * 5 s) is rolled back and retried `lock_retries` times (default 3), naming the session holding
 * the lock, then fails with 55P03.
 * Output `{ applied, current, plan_total }`; with `dry_run`, `{ plan }` and nothing executed.
 */
export const migrationsUpgrade = defineAction({
  name: 'migrations.upgrade',
  summary: 'Upgrade a database through a migration history, one migration per transaction',
  params: Params,
  writes: true,
  async run(ctx, params): Promise<ActionResult> {
    const source = await loadMigrationSource(path.resolve(ctx.cwd, params.source), params.layout);
    const database = params.database ?? ctx.db.maintenanceDatabase;
    const targets = targetsOf(params);
    const out = await upgradeDatabase(ctx, {
      source,
      targets,
      database,
      dryRun: params.dry_run ?? false,
      lockTimeout: params.lock_timeout,
      lockRetries: params.lock_retries,
    });
    if (out.plan) {
      return {
        output: { plan: out.plan, plan_total: out.plan_total, current: out.current },
        summary: `dry run: ${out.plan.length} migration(s) would run on ${database}`,
      };
    }
    return {
      output: {
        applied: out.applied,
        applied_in_run: out.applied_in_run ?? out.applied,
        current: out.current,
        plan_total: out.plan_total,
      },
      summary:
        `${out.applied} migration(s) applied to ${database}` +
        `${out.applied_in_run !== undefined && out.applied_in_run !== out.applied ? ` (${out.applied_in_run} by this step across its attempts)` : ''}` +
        `, one transaction each, no stamp; at ${summarizeVersions(out.current, source.layout)}`,
    };
  },
  plan: (ctx, p) => planUpgradeStep(ctx, { ...p, targets: targetsOf(p) }),
  async preflight(p, ctx) {
    const problems = await migrationSourceProblems(
      { source: p.source, layout: p.layout, targets: targetsOf(p) },
      ctx,
    );
    const env = p.lock_timeout === undefined ? lockTimeoutEnvProblem(ctx.env) : undefined;
    return env ? [...problems, { message: env }] : problems;
  },
});
