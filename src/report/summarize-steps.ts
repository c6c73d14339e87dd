import type { OutlineAction } from './procedure-outline.js';
import type { StepSummary, TimelineRow } from './timeline-types.js';

type StepRow = Extract<TimelineRow, { kind: 'step' }>;

/** The steps' final state, in the procedure's order (steps the log names but it lacks last). */
export function summarizeSteps(
  known: readonly OutlineAction[],
  rows: readonly TimelineRow[],
  skippedBy: ReadonlySet<string>,
): StepSummary[] {
  const ids = [...known.map((s) => s.id)];
  for (const r of rows) if (r.kind === 'step' && !ids.includes(r.step)) ids.push(r.step);
  return ids.map((id) => {
    const meta = known.find((s) => s.id === id);
    const attempts = rows.filter((r): r is StepRow => r.kind === 'step' && r.step === id);
    const lastAt = [...rows].reverse().find((r) => 'step' in r && r.step === id);
    const last = attempts[attempts.length - 1];
    const durations = attempts.map((a) => a.durationMs).filter((d): d is number => d !== null);
    let status: StepSummary['status'] = 'not-run';
    if (lastAt?.kind === 'skipped' || (skippedBy.has(id) && !last)) status = 'skipped';
    else if (last?.outcome === 'succeeded') status = 'succeeded';
    else if (last?.outcome === 'failed') status = 'failed';
    else if (last?.outcome === 'interrupted') status = 'running';
    else if (last?.outcome === 'not-run') status = 'condition-skipped';
    return {
      id,
      action: meta?.action ?? last?.action ?? '?',
      phase: meta?.phase ?? last?.phase ?? 'main',
      branch: meta?.branch ?? null,
      status,
      attempts: attempts.filter((a) => a.outcome !== 'not-run').length,
      firstStartedAt: attempts[0]?.time ?? null,
      durationMs: durations.length > 0 ? durations.reduce((a, b) => a + b, 0) : null,
      summary:
        last?.summary ?? (last?.failure ? `${last.failure.code} ${last.failure.message}` : null),
    };
  });
}
