import { PlannedEffects } from '../actions/planned-effects.js';
import type { PlannedSql } from '../actions/types.js';
import { InvalidInputError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { Connections } from '../postgres/connections.js';
import { resolveExpressions, type ExpressionScope } from '../procedure/expressions.js';
import { conditionSkips } from '../procedure/step-condition.js';
import type { ActionStep } from '../procedure/types.js';
import { loadProcedure } from '../procedure/load-procedure.js';
import { redactParams, resolveParams, validateStepArguments } from '../procedure/resolve-params.js';
import { indexSteps } from './drive-run.js';
import { preflightSteps } from './preflight-steps.js';
import { redactArguments, secretValues } from './redact-arguments.js';
import {
  authorize,
  openServer,
  plannedUrl,
  sessionDefaults,
  type AuthorityFlags,
  type SessionOptions,
} from './run-session.js';
import { shownTargetUrl } from './shown-target.js';

/**
 * Why a step's `when` / `unless` would skip it; undefined when it runs, or when the condition
 * names a step's output (known only during a run: the step is planned as if it runs).
 */
function skippedBy(step: ActionStep, scope: ExpressionScope): string | undefined {
  try {
    return conditionSkips(step, scope);
  } catch {
    return undefined;
  }
}

/** One step of a dry-run plan. */
export interface PlannedStep {
  step: string;
  action: string;
  /** The step's arguments with params resolved (step outputs shown as expressions). */
  with: JsonValue;
  /** What it would do, when the action can tell without writing (e.g. migrations in order). */
  plan: string[];
  /** With `sql`: the SQL each migration of the step would send, in order. */
  sql?: PlannedSql[];
}

/**
 * `runbook run --dry-run`: everything a run checks before it starts (procedure, params, step
 * arguments, authority), then each step's resolved arguments and, where the action can compute it
 * read-only, its plan. Each step is planned with the effects of the steps before it carried
 * forward (a dropped or recreated database, stamped or upgraded version rows: docs/design.md
 * "Dry run"). With `sql`, each migration's SQL as the runner would send it. Writes nothing: no
 * run directory, no database change.
 */
export async function planProcedure(
  options: SessionOptions & {
    procedure: string;
    params?: Record<string, string>;
    authority?: AuthorityFlags;
    /** Also collect the SQL each migration would send (`--sql`). */
    sql?: boolean;
  },
): Promise<PlannedStep[]> {
  const d = sessionDefaults(options);
  const procedure = await loadProcedure(options.procedure, { actions: d.actions });
  const params = resolveParams(procedure, options.params ?? {}, d.cwd);
  const problems = validateStepArguments(procedure, params, d.actions, { env: d.env });
  problems.push(...(await preflightSteps(procedure, params, d.actions, d.cwd, d.env)));
  if (problems.length > 0) throw new InvalidInputError(problems);
  authorize(procedure, d, options.authority, plannedUrl(options.databaseUrl, d.env));
  const server = await openServer(options.databaseUrl, d.env, d.embeddedDir);
  const connections = new Connections(server.url, { applicationName: 'runbook:dry-run' });
  const planned: PlannedStep[] = [];
  const secrets = secretValues(procedure, params);
  const effects = new PlannedEffects();
  d.reporter.line(
    `runbook ▸ ${procedure.name}  dry run on ${shownTargetUrl(connections.redactedUrl, redactParams(procedure, params))}: nothing will be executed`,
  );
  try {
    for (const step of indexSteps(procedure).values()) {
      const action = d.actions.get(step.do)!;
      const scope = { params, env: d.env, run: { id: '(dry-run)', dir: '(dry-run)' } };
      const skipped = skippedBy(step, scope);
      let resolved: JsonValue = step.with;
      try {
        resolved = resolveExpressions(step.with, scope);
      } catch {
        // References to other steps' outputs stay as written: they exist only during a run.
      }
      let lines: string[] = [];
      const sql: PlannedSql[] = [];
      const parsed = action.params.safeParse(resolved);
      if (skipped !== undefined) lines = [`skipped: ${skipped}`];
      else if (action.plan && parsed.success) {
        lines = await action.plan(
          { cwd: d.cwd, db: connections, env: d.env, step: step.id, effects, ...(options.sql ? { sql: true, showSql: (e) => sql.push(e) } : {}) }, // prettier-ignore
          parsed.data,
        );
      }
      const shown = redactArguments(resolved, secrets);
      const plan = lines.map((l) => redactArguments(l, secrets) as string);
      const shownSql = sql.map((e) => ({ ...e, sql: redactArguments(e.sql, secrets) as string }));
      planned.push({ step: step.id, action: step.do, with: shown, plan, ...(options.sql ? { sql: shownSql } : {}) }); // prettier-ignore
      d.reporter.line(`${step.id}  ${step.do}  ${JSON.stringify(shown)}`);
      for (const l of plan) d.reporter.line(`    ${l}`);
    }
  } finally {
    await connections.end();
    await server.release();
  }
  return planned;
}
