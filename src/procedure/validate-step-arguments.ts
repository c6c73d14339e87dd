import type { ActionDefinition } from '../actions/types.js';
import type { InputProblem } from '../errors.js';
import type { JsonValue } from '../json.js';
import { conditionSkips } from './step-condition.js';
import {
  ExpressionError,
  findExpressions,
  resolveExpressions,
  type ExpressionScope,
} from './expressions.js';
import { formatKeyPath, positionOf } from './key-path.js';
import type { ActionStep, Procedure } from './types.js';
import { withProblems } from './validate-procedure.js';

/** Every action step of a procedure with its key path segments (`steps`, 2, `parallel`, …). */
export function actionSteps(
  procedure: Procedure,
): { step: ActionStep; segments: (string | number)[] }[] {
  const out: { step: ActionStep; segments: (string | number)[] }[] = [];
  procedure.steps.forEach((step, i) => {
    if (step.kind === 'action') out.push({ step, segments: ['steps', i] });
    else {
      step.branches.forEach((branch, b) =>
        branch.steps.forEach((s, k) => {
          if (s.kind === 'action')
            out.push({ step: s, segments: ['steps', i, 'parallel', b, 'steps', k] });
        }),
      );
    }
  });
  procedure.finally.forEach((step, i) => out.push({ step, segments: ['finally', i] }));
  return out;
}

/**
 * Checks every step's `with` against its action's zod schema before anything runs: expressions
 * naming params (and `run`/`env` when `scope` gives them) are resolved first; values still
 * referencing other steps' outputs are skipped (they are checked when the step starts). Returns
 * the problems, positioned at the offending `with` key; an empty list means all arguments fit.
 */
export function validateStepArguments(
  procedure: Procedure,
  params: Readonly<Record<string, JsonValue>>,
  actions: ReadonlyMap<string, ActionDefinition>,
  scope: Pick<ExpressionScope, 'run' | 'env'> = {},
): InputProblem[] {
  const problems: InputProblem[] = [];
  const known = new Set(['params', ...(scope.run ? ['run'] : []), ...(scope.env ? ['env'] : [])]);
  const fullScope: ExpressionScope = { ...scope, params: { ...params } };
  for (const { step, segments } of actionSteps(procedure)) {
    const base = [...segments, 'with'];
    const action = actions.get(step.do);
    if (!action) {
      const path = formatKeyPath([...segments, 'do']);
      problems.push({
        path,
        position: positionOf(procedure.source.positions, path),
        message: `unknown action \`${step.do}\``,
        hint: 'this build of runbook does not provide it',
      });
      continue;
    }
    if (step.when !== undefined || step.unless !== undefined) {
      // A conditional step is validated when it runs, unless its condition already says it won't.
      let skips: string | undefined;
      try {
        skips = conditionSkips(step, fullScope);
      } catch {
        continue;
      }
      if (skips) continue;
    }
    const skipped: (string | number)[][] = [];
    const resolve = (value: JsonValue, at: (string | number)[]): JsonValue => {
      if (typeof value === 'string') {
        const found = findExpressions(value);
        if (found.length === 0) return value;
        if (found.some((e) => !e.segments || !known.has(e.segments[0]!))) {
          skipped.push(at);
          return value;
        }
        try {
          return resolveExpressions(value, fullScope);
        } catch (error) {
          if (!(error instanceof ExpressionError)) throw error;
          const path = formatKeyPath([...base, ...at]);
          problems.push({
            path,
            position: positionOf(procedure.source.positions, path),
            message: error.message,
            hint: 'declare the param or fix the expression',
          });
          skipped.push(at);
          return value;
        }
      }
      if (Array.isArray(value)) return value.map((v, i) => resolve(v, [...at, i]));
      if (value !== null && typeof value === 'object') {
        return Object.fromEntries(
          Object.entries(value).map(([k, v]) => [k, resolve(v, [...at, k])]),
        );
      }
      return value;
    };
    const args = resolve(step.with, []) as Record<string, JsonValue>;
    problems.push(...withProblems(action, args, base, procedure.source.positions, skipped));
  }
  return problems;
}
