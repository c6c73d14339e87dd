import type { JsonObject, JsonValue } from '../json.js';
import type { Procedure } from '../procedure/types.js';
import type { EventLogWriter, RunRecord, RunStore } from '../runs/run-store.js';
import { logHeadLine, writtenHead, type LogHead } from '../runs/log-anchor.js';
import { resumeCommand } from './resume-command.js';
import {
  checklistNotPassed,
  evaluateChecklist,
  formatChecklist,
  type ChecklistResult,
} from './checklist.js';
import type { DriveOutcome } from './drive-run.js';
import type { Reporter } from './reporter.js';
import type { StepFailureRecord } from '../errors.js';
import { readOwnRunLog } from '../runs/verify-event-log.js';

/** Failure codes that mean "refused" (exit 3) rather than "failed" (exit 1). */
export const REFUSAL_FAILURE_CODES: ReadonlySet<string> = new Set([
  'CONFIRMATION_REQUIRED',
  'DATABASE_LOCKED',
  'DESTRUCTIVE_STATEMENT',
  // `_prisma_migrations` records a failed migration: refused as `prisma migrate deploy` does (P3009).
  'PRISMA_FAILED_MIGRATION',
]);

/** What a run (or resume) ended with. */
export interface RunResult {
  runId: string;
  /**
   * `incomplete`: the procedure reached its end but a checklist item is not PASS (a step marked
   * done by hand, a failure routed by `on_error`): exit 1, never 0.
   */
  status: 'succeeded' | 'failed' | 'incomplete';
  /** CLI exit code: 0 succeeded, 1 failed (resumable) or incomplete, 3 stopped at a refusal gate. */
  exitCode: 0 | 1 | 3;
  failures: StepFailureRecord[];
  outputs: Record<string, JsonObject>;
  checklist: ChecklistResult[];
  runDir: string;
  /**
   * The event log as this command left it: its line count and the hash of its last line. Kept
   * apart from the run (a CI log, a ticket), the head is what `runbook replay --anchor` checks a
   * copy of the run against: a log rewritten with its hashes recomputed no longer passes through it.
   */
  log: LogHead;
}

/**
 * Records how a drive ended: run.json status, the final log line, the checklist artifact, and
 * the closing lines on stderr (with the exact command to inspect and resume when it stopped).
 */
export async function finishRun(input: {
  store: RunStore;
  record: RunRecord;
  procedure: Procedure;
  journal: EventLogWriter;
  outcome: DriveOutcome;
  reporter: Reporter;
}): Promise<RunResult> {
  const { store, record, procedure, journal, outcome, reporter } = input;
  const checklist = evaluateChecklist(
    procedure,
    await readOwnRunLog({ store, id: record.id }, { types: (t) => t.startsWith('step.') }),
  );
  const notPassed = outcome.status === 'succeeded' ? checklistNotPassed(checklist) : [];
  const status: RunResult['status'] = notPassed.length > 0 ? 'incomplete' : outcome.status;
  const now = new Date().toISOString();
  record.status = status;
  record.updatedAt = now;
  const first = outcome.failures[0];
  if (first) {
    record.failure = first;
    record.currentStep = first.step;
  } else {
    delete record.failure;
    record.finishedAt = now;
    delete record.currentStep;
  }
  await journal.append(
    outcome.status === 'succeeded' ? 'run.succeeded' : 'run.stopped',
    first?.step ?? null,
    {
      status,
      failures: outcome.failures.map((f) => ({
        step: f.step,
        code: f.code,
        message: f.message,
      })) as JsonValue,
      ...(notPassed.length > 0
        ? {
            checklist_not_passed: notPassed.map((r) => ({
              item: r.item,
              step: r.step,
              status: r.status,
              evidence: r.evidence,
            })),
          }
        : {}),
    },
  );
  if (checklist.length > 0) await writeChecklist(store, record.id, checklist, reporter);
  await store.writeRecord(record);
  const refused = outcome.failures.some((f) => REFUSAL_FAILURE_CODES.has(f.code));
  const log = writtenHead(journal);
  printEnding(reporter, record, status, notPassed);
  reporter.line(logHeadLine(log));
  return {
    runId: record.id,
    status,
    exitCode: status === 'succeeded' ? 0 : refused ? 3 : 1,
    failures: outcome.failures,
    outputs: outcome.context.outputs,
    checklist,
    runDir: store.location(record.id),
    log,
  };
}

/** Keeps the checklist with the run (text and JSON) and prints it. */
async function writeChecklist(
  store: RunStore,
  runId: string,
  checklist: ChecklistResult[],
  reporter: Reporter,
): Promise<void> {
  const text = formatChecklist(checklist);
  // Derived from the log (replay recomputes it from there): not worth two fsyncs each.
  await store.writeArtifact(runId, 'checklist.txt', text + '\n', { durable: false });
  await store.writeArtifact(runId, 'checklist.json', JSON.stringify(checklist, null, 2) + '\n', {
    durable: false,
  });
  reporter.line('');
  reporter.line(reporter.color('bold', 'Execution checklist'));
  for (const line of text.split('\n')) {
    reporter.line(
      line.replace(/\b(PASS|FAIL)\b/, (m) => reporter.color(m === 'PASS' ? 'ok' : 'fail', m)),
    );
  }
}

/** The closing lines on stderr: how the run ended, and how to inspect and resume a stopped one. */
function printEnding(
  reporter: Reporter,
  record: RunRecord,
  status: RunResult['status'],
  notPassed: readonly ChecklistResult[],
): void {
  const first = record.failure;
  reporter.line('');
  if (status === 'incomplete') {
    reporter.line(
      `${reporter.color('fail', 'incomplete')}  run ${record.id}: the procedure reached its end, but ${notPassed.length} checklist item(s) did not PASS`,
    );
    for (const r of notPassed) reporter.line(`  ${r.status}  ${r.item}: ${r.evidence}`);
  } else if (status === 'succeeded') {
    reporter.line(`${reporter.color('ok', 'succeeded')}  run ${record.id}`);
  } else {
    reporter.line(
      `${reporter.color('fail', 'stopped')} at ${first?.step ?? '?'}: ${first?.code ?? ''} ${first?.message ?? ''}`,
    );
    if (first?.diagnosis) reporter.line(`  diagnosis: ${first.diagnosis}`);
    reporter.line(`  inspect: runbook inspect ${record.id}`);
    reporter.line(`  resume:  ${resumeCommand(record)}`);
  }
}
