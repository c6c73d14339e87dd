import type { JsonObject } from '../json.js';
import type { Procedure } from '../procedure/types.js';
import type { EventLogEntry } from '../runs/event-hash.js';

/** One evaluated checklist line. */
export interface ChecklistResult {
  item: string;
  step: string;
  status: 'PASS' | 'FAIL' | 'SKIPPED' | 'NOT RUN';
  /** What the status rests on: the step's summary, its failure, or who skipped it. */
  evidence: string;
  /** SKIPPED because the step's `when` / `unless` condition said so (a declared outcome). */
  byCondition?: boolean;
}

/**
 * The checklist items a finished run did not pass: anything but PASS, except a step its own
 * `when` / `unless` condition skipped. A run with any of these does not exit 0.
 */
export function checklistNotPassed(results: readonly ChecklistResult[]): ChecklistResult[] {
  return results.filter((r) => r.status !== 'PASS' && !r.byCondition);
}

/**
 * Evaluates a procedure's checklist from the run's event log: each item takes the last outcome
 * of its step (succeeded → PASS with the step's summary as evidence, failed → FAIL with the error,
 * skipped by an operator → SKIPPED naming who, never reached → NOT RUN). Pure.
 */
export function evaluateChecklist(
  procedure: Procedure,
  entries: readonly EventLogEntry[],
): ChecklistResult[] {
  const last = new Map<string, EventLogEntry>();
  for (const e of entries) {
    if (
      e.step &&
      (e.type === 'step.succeeded' || e.type === 'step.failed' || e.type === 'step.skipped')
    ) {
      last.set(e.step, e);
    }
  }
  return procedure.checklist.map(({ item, step }) => {
    const e = last.get(step);
    const data = (e?.data ?? {}) as JsonObject;
    if (!e) return { item, step, status: 'NOT RUN', evidence: `step ${step} did not run` };
    if (e.type === 'step.succeeded' && data.condition_skipped === true) {
      return { item, step, status: 'SKIPPED', evidence: String(data.summary), byCondition: true };
    }
    if (e.type === 'step.succeeded') {
      const summary = typeof data.summary === 'string' ? data.summary : `step ${step} succeeded`;
      return { item, step, status: 'PASS', evidence: summary };
    }
    if (e.type === 'step.skipped') {
      return {
        item,
        step,
        status: 'SKIPPED',
        evidence: `marked done by ${String(data.by)} at ${e.time}`,
      };
    }
    const f = (data.failure ?? {}) as JsonObject;
    return { item, step, status: 'FAIL', evidence: `${String(f.code)} ${String(f.message)}` };
  });
}

/** Renders the checklist as the text printed at the end of a run and saved as an artifact. */
export function formatChecklist(results: readonly ChecklistResult[]): string {
  const width = Math.max(...results.map((r) => r.item.length), 4);
  return results
    .map(
      (r, i) =>
        `${String(i + 1).padStart(2)}. ${r.item.padEnd(width)}  ${r.status.padEnd(7)}  ${r.evidence}`,
    )
    .join('\n');
}
