import type { JsonValue } from '../json.js';
import { resolveExpressions, type ExpressionScope } from './expressions.js';
import type { ActionStep } from './types.js';

/** YAML-ish truthiness of a resolved condition: `''`, `false`, `0`, `no`, `off`, `[]`, null are false. */
export function isTruthy(v: JsonValue): boolean {
  if (typeof v === 'string')
    return !['', 'false', '0', 'no', 'off'].includes(v.trim().toLowerCase());
  return Boolean(v) && !(Array.isArray(v) && v.length === 0);
}

/**
 * Why a step's `when` / `unless` says not to run it (e.g. `when ${{ params.x }} is false`), or
 * undefined when it runs. Throws the expression's error when the condition cannot be resolved.
 */
export function conditionSkips(step: ActionStep, scope: ExpressionScope): string | undefined {
  if (step.when !== undefined && !isTruthy(resolveExpressions(step.when, scope))) {
    return `when ${String(step.when)} is false`;
  }
  if (step.unless !== undefined && isTruthy(resolveExpressions(step.unless, scope))) {
    return `unless ${String(step.unless)} is true`;
  }
  return undefined;
}
