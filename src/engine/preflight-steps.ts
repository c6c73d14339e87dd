import type { ActionDefinition } from '../actions/types.js';
import type { InputProblem } from '../errors.js';
import type { JsonValue } from '../json.js';
import { resolveExpressions } from '../procedure/expressions.js';
import { formatKeyPath, positionOf } from '../procedure/key-path.js';
import { conditionSkips } from '../procedure/step-condition.js';
import type { Procedure } from '../procedure/types.js';
import { actionSteps } from '../procedure/validate-step-arguments.js';

/**
 * Runs every action's `preflight` (file checks, no database) on the step arguments that can be
 * resolved before the run — params, environment and the run's id and folder; values naming other steps' outputs wait for
 * the step. Problems are positioned at the file they concern, else at the step's `with`, and
 * reported once even when several steps share a source.
 */
export async function preflightSteps(
  procedure: Procedure,
  params: Record<string, JsonValue>,
  actions: ReadonlyMap<string, ActionDefinition>,
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
  /** The run about to start, when known: arguments naming `run.id` / `run.dir` then resolve. */
  run?: { id: string; dir: string },
): Promise<InputProblem[]> {
  const problems: InputProblem[] = [];
  const seen = new Set<string>();
  const memo = new Map<string, unknown>();
  for (const { step, segments } of actionSteps(procedure)) {
    const action = actions.get(step.do);
    if (!action?.preflight) continue;
    let args: JsonValue;
    try {
      if (conditionSkips(step, { params, env })) continue;
      args = resolveExpressions(step.with, { params, env, ...(run ? { run } : {}) });
    } catch {
      continue; // references to step outputs: checked when the step runs
    }
    const parsed = action.params.safeParse(args);
    if (!parsed.success) continue; // already reported by validateStepArguments
    for (const p of await action.preflight(parsed.data, { cwd, memo, env })) {
      // A problem's own `path` names the argument under `with` it concerns.
      const path = formatKeyPath([...segments, 'with', ...(p.path ? [p.path] : [])]);
      // A problem of a shared file once; one of a step's own argument once per step.
      const where = p.position ? `${p.position.file}:${p.position.line}` : p.path ? path : '';
      const key = `${p.message}\u0000${where}`;
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push({
        ...p,
        path,
        position: p.position ?? positionOf(procedure.source.positions, path),
      });
    }
  }
  return problems;
}
