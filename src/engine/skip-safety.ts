import type { Procedure } from '../procedure/types.js';
import { indexSteps } from './drive-run.js';

/**
 * Why a step must not be marked done by hand: the checklist items that rest on its outcome and the
 * steps whose arguments or conditions read its output (`steps.<id>.…`). Empty when nothing
 * depends on it, the only case in which `inspect` offers `resume --skip <step>`.
 */
export function skipBlockers(procedure: Procedure, stepId: string): string[] {
  const reasons: string[] = [];
  for (const c of procedure.checklist) {
    if (c.step === stepId) reasons.push(`the checklist item "${c.item}" rests on it`);
  }
  const reference = new RegExp(`\\bsteps\\.${stepId.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}\\b`);
  for (const step of indexSteps(procedure).values()) {
    if (step.id === stepId) continue;
    const text = JSON.stringify([step.with, step.when ?? null, step.unless ?? null]);
    if (reference.test(text)) reasons.push(`step ${step.id} reads its output`);
  }
  return reasons;
}
