import type { JsonObject } from '../json.js';
import type { EventLogEntry } from '../runs/event-hash.js';
import type { ProcedureContext } from '../procedure/compile-procedure.js';
import type { RunRecord, RunStore } from '../runs/run-store.js';
import type { StepFailureRecord } from '../errors.js';
import { resumeCommand } from './resume-command.js';
import { readRunLog } from '../runs/verify-event-log.js';
import { readSavedProcedure } from './read-saved-procedure.js';
import { statementForTerminal, truncateForTerminal } from '../text/terminal-text.js';
import type { Procedure } from '../procedure/types.js';
import { skipBlockers } from './skip-safety.js';
import { shownTarget } from './shown-target.js';

/** Where a run stopped and why, as `runbook inspect` shows it. */
export interface RunInspection {
  record: RunRecord;
  runDir: string;
  /** Steps in flight when the checkpoint was written (an interrupted run). */
  running: string[];
  failures: StepFailureRecord[];
  /** Completed steps with their summary and duration. */
  completed: {
    step: string;
    summary: string | null;
    duration_ms: number | null;
    skippedBy?: string;
  }[];
  /** Migration progress per step: applied count and the last one. */
  migrations: { step: string; applied: number; total: number | null; last: string | null }[];
  /** The exact commands that continue the run. */
  next: string[];
  /** Failed steps not offered for `--skip`, and why (later steps or the checklist rest on them). */
  notSkippable: { step: string; reasons: string[] }[];
  /** What operators said they did between attempts (`resume --note`), with who and when. */
  notes: { attempt: number; by: string; time: string; note: string }[];
  /** Checklist items a finished run did not pass (status `incomplete`). */
  checklistNotPassed: { item: string; step: string; status: string; evidence: string }[];
}

/** Reads a run's record, checkpoint and log into a {@link RunInspection}. */
export async function inspectRun(store: RunStore, runId: string): Promise<RunInspection> {
  const record = await store.readRecord(runId);
  const snapshot = await store.readSnapshot(runId);
  const context = (snapshot?.snapshot as { context?: ProcedureContext } | null)?.context;
  const entries = await readRunLog({ store, id: runId });
  const { done, migrations, notes, notPassed } = readLog(entries);
  const failures = Object.values(context?.failures ?? {}) as unknown as StepFailureRecord[];
  const running = context?.running ?? [];
  const next: string[] = [];
  const notSkippable: RunInspection['notSkippable'] = [];
  if (record.status !== 'succeeded' && record.status !== 'incomplete') {
    next.push(resumeCommand(record));
    // Offered only for a step nothing later rests on, read from the procedure saved with the run.
    const procedure = await savedProcedureOf(store, record);
    for (const f of failures) {
      const reasons = procedure ? skipBlockers(procedure, f.step) : ['its procedure is unreadable'];
      if (reasons.length === 0) next.push(resumeCommand(record, ` --skip ${f.step}`));
      else notSkippable.push({ step: f.step, reasons });
    }
  }
  return {
    record,
    runDir: store.location(runId),
    running,
    failures,
    completed: [...done.values()],
    migrations: [...migrations.values()],
    next,
    notSkippable,
    notes,
    checklistNotPassed: notPassed,
  };
}

/** The procedure source saved with a run whose hash is the one run.json records, if readable. */
async function savedProcedureOf(
  store: RunStore,
  record: RunRecord,
): Promise<Procedure | undefined> {
  // Saved under its hash when a resume changed the procedure, else the run's first source.
  for (const hash of [record.procedureHash, undefined]) {
    const p = await readSavedProcedure({ store, id: record.id }, { hash });
    if (p?.source.hash === record.procedureHash) return p;
  }
  return undefined;
}

/** Human text of an inspection. */
export function formatInspection(inspection: RunInspection): string {
  const r = inspection.record;
  const out: string[] = [];
  out.push(`run        ${r.id}`);
  out.push(
    `procedure  ${r.procedure}  (${r.procedureFile}, sha256 ${r.procedureHash.slice(0, 12)})`,
  );
  out.push(`target     ${shownTarget(r.target, r.params)}`);
  const interrupted = r.status === 'running' && inspection.running.length > 0;
  out.push(
    `status     ${interrupted ? `interrupted while running ${inspection.running.join(', ')} (the process died; resume re-runs it)` : r.status}` +
      `${r.currentStep && r.status !== 'succeeded' ? `  — stopped at ${r.currentStep}` : ''}  (attempt ${r.attempts})`,
  );
  out.push(`started    ${r.startedAt}   updated ${r.updatedAt}`);
  if (inspection.checklistNotPassed.length > 0) {
    out.push('');
    out.push('checklist not passed (the run does not count as a success)');
    for (const c of inspection.checklistNotPassed)
      out.push(`  ${c.status}  ${c.item}: ${c.evidence}`);
  }
  if (inspection.notes.length > 0) {
    out.push('');
    out.push('notes');
    for (const n of inspection.notes)
      out.push(`  attempt ${n.attempt}, ${n.by} at ${n.time}: ${n.note}`);
  }
  for (const f of inspection.failures) {
    out.push('');
    out.push(`failed step ${f.step}`);
    const elsewhere = `runbook inspect ${r.id} --json`;
    out.push(`  error      ${f.code}  ${truncateForTerminal(f.message, elsewhere)}`);
    if (f.migration) out.push(`  migration  ${f.migration}`);
    if (f.file) out.push(`  file       ${f.file}${f.line ? `:${f.line}` : ''}`);
    if (f.statement) {
      const text = statementForTerminal(f.statement, f.statementFull, elsewhere, inspection.runDir);
      out.push(`  statement  ${text.split('\n').join('\n             ')}`);
    }
    if (f.detail) out.push(`  detail     ${truncateForTerminal(f.detail, elsewhere)}`);
    if (f.hint) out.push(`  hint       ${f.hint}`);
    if (f.diagnosis) out.push(`  diagnosis  ${f.diagnosis}`);
  }
  out.push('');
  out.push('completed');
  if (inspection.completed.length === 0) out.push('  (nothing yet)');
  for (const c of inspection.completed) {
    out.push(
      `  ✓ ${c.step}${c.summary ? `  ${c.summary}` : ''}${c.skippedBy ? ` by ${c.skippedBy}` : ''}`,
    );
  }
  for (const m of inspection.migrations) {
    out.push(
      `  ${m.step}: ${m.applied}${m.total ? `/${m.total}` : ''} migrations applied this run${m.last ? `, last ${m.last}` : ''}`,
    );
  }
  if (inspection.next.length > 0) {
    out.push('');
    out.push('next');
    out.push(`  ${inspection.next[0]}        # after fixing the cause: retries the failed step`);
    for (const n of inspection.next.slice(1))
      out.push(`  ${n}   # mark it done by hand (recorded with who and when)`);
  }
  for (const n of inspection.notSkippable) {
    out.push(`  (--skip ${n.step} is not offered: ${n.reasons.join('; ')})`);
  }
  return out.join('\n');
}

/** What the log says beyond the checkpoint: steps done, migrations applied, notes, checklist. */
function readLog(entries: readonly EventLogEntry[]) {
  const done = new Map<string, RunInspection['completed'][number]>();
  const migrations = new Map<string, RunInspection['migrations'][number]>();
  const notes: RunInspection['notes'] = [];
  let notPassed: RunInspection['checklistNotPassed'] = [];
  const count = migrationCounter(migrations);
  for (const e of entries) {
    const data = (e.data ?? {}) as JsonObject;
    if (e.type === 'run.resumed' && typeof data.note === 'string') {
      notes.push({
        attempt: Number(data.attempt),
        by: String(data.by),
        time: e.time,
        note: data.note,
      });
    }
    if (e.type === 'run.succeeded' && Array.isArray(data.checklist_not_passed)) {
      notPassed = data.checklist_not_passed as unknown as RunInspection['checklistNotPassed'];
    }
    if (!e.step) continue;
    if (e.type === 'step.succeeded') {
      done.set(e.step, {
        step: e.step,
        summary: typeof data.summary === 'string' ? data.summary : null,
        duration_ms: typeof data.duration_ms === 'number' ? data.duration_ms : null,
      });
    } else if (e.type === 'step.skipped') {
      done.set(e.step, {
        step: e.step,
        summary: 'marked done by hand',
        duration_ms: null,
        skippedBy: String(data.by),
      });
    } else if (e.type === 'step.failed' || e.type === 'step.started') {
      if (e.type === 'step.started') done.delete(e.step);
    } else if (
      e.type === 'migration.applied' ||
      (e.type === 'migration.reconciled' && data.applied_outside_run !== true) ||
      e.type === 'migration.skipped'
    ) {
      count(e.step, typeof data.revision === 'string' ? data.revision : null, e.seq, data);
    }
  }
  return { done, migrations, notes, notPassed };
}

/**
 * Counts each step's migrations once per revision (a retried attempt logs some again), and the
 * total its latest plan covers.
 */
function migrationCounter(migrations: Map<string, RunInspection['migrations'][number]>) {
  const revisions = new Map<string, Set<string>>();
  return (step: string, named: string | null, seq: number, data: JsonObject): void => {
    const m = migrations.get(step) ?? { step, applied: 0, total: null, last: null };
    const seen = revisions.get(step) ?? new Set<string>();
    revisions.set(step, seen);
    const revision = named ?? `#${seq}`;
    if (seen.has(revision)) return;
    seen.add(revision);
    m.applied = seen.size;
    // `index` / `total` count within one attempt's plan: the plan began when `applied - index`
    // migrations were in, and covers `total` more. Lines without them only add to the count.
    if (typeof data.index === 'number' && typeof data.total === 'number') {
      m.total = m.applied - data.index + data.total;
    } else if (m.total !== null && m.total < m.applied) {
      m.total = m.applied;
    }
    m.last = named ?? m.last;
    migrations.set(step, m);
  };
}
