import { PlannedEffects } from '../actions/planned-effects.js';
import type { PlannedSql } from '../actions/types.js';
import { InvalidInputError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { Connections } from '../postgres/connections.js';
import { resolveExpressions, type ExpressionScope } from '../procedure/expressions.js';
import { conditionSkips } from '../procedure/step-condition.js';
import type { ActionStep } from '../procedure/types.js';
import { loadProcedure } from '../procedure/load-procedure.js';
import { passwordLiteralProblems } from '../procedure/password-literals.js';
import { readProcedureSource } from './read-procedure-source.js';
import { redactParams, resolveParams, validateStepArguments } from '../procedure/resolve-params.js';
import { indexSteps } from './drive-run.js';
import { preflightSteps } from './preflight-steps.js';
import { redactJson } from '../postgres/redact.js';
import { secretValues } from '../procedure/redact-params.js';
import { authorize, type AuthorityFlags } from './authorize-procedure.js';
import { openServer, plannedUrl } from './server-session.js';
import { resolveSessionOptions, type SessionOptions } from './session-options.js';
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
  const settings = resolveSessionOptions(options);
  const procedure = await loadProcedure(options.procedure, { actions: settings.actions });
  const params = resolveParams(procedure, options.params ?? {}, settings.cwd);
  const problems = validateStepArguments(procedure, params, settings.actions, {
    env: settings.env,
  });
  // What the run would refuse, the dry run does too.
  problems.unshift(...passwordLiteralProblems(procedure, await readProcedureSource(procedure)));
  problems.push(
    ...(await preflightSteps(procedure, params, settings.actions, settings.cwd, settings.env)),
  );
  if (problems.length > 0) throw new InvalidInputError(problems);
  authorize(procedure, settings, options.authority, plannedUrl(options.databaseUrl, settings.env));
  const server = await openServer(options.databaseUrl, settings.env, settings.embeddedDir, {
    existingOnly: true,
  });
  const connections = new Connections(server.url, { applicationName: 'runbook:dry-run' });
  const planned: PlannedStep[] = [];
  const secrets = secretValues(procedure, params, settings.env);
  const effects = new PlannedEffects();
  settings.reporter.line(
    `runbook ▸ ${procedure.name}  dry run on ${shownTargetUrl(connections.redactedUrl, redactParams(procedure, params))}: nothing will be executed`,
  );
  try {
    for (const step of indexSteps(procedure).values()) {
      const action = settings.actions.get(step.do)!;
      const scope = { params, env: settings.env, run: { id: '(dry-run)', dir: '(dry-run)' } };
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
          { cwd: settings.cwd, db: connections, env: settings.env, step: step.id, effects, ...(options.sql ? { sql: true, showSql: (e) => sql.push(e) } : {}) }, // prettier-ignore
          parsed.data,
        );
      }
      const shown = redactJson(resolved, secrets);
      const plan = lines.map((l) => redactJson(l, secrets) as string);
      const shownSql = sql.map((e) => ({ ...e, sql: redactJson(e.sql, secrets) as string }));
      planned.push({ step: step.id, action: step.do, with: shown, plan, ...(options.sql ? { sql: shownSql } : {}) }); // prettier-ignore
      settings.reporter.line(`${step.id}  ${step.do}  ${JSON.stringify(shown)}`);
      for (const l of plan) settings.reporter.line(`    ${l}`);
    }
  } finally {
    await connections.end();
    await server.release();
  }
  return planned;
}
