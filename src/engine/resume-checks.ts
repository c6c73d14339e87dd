import { InvalidInputError, RefusalError, TamperedLogError } from '../errors.js';
import { REDACTED } from '../postgres/redact.js';
import { describeTarget } from '../postgres/target.js';
import { resumeCommand } from './resume-command.js';
import type { JsonObject } from '../json.js';
import type { OperatorEvent, ProcedureContext } from '../procedure/compile-procedure.js';
import { skipBlockers } from './skip-safety.js';
import type { StepDecision } from './step-executor.js';
import type { Procedure } from '../procedure/types.js';
import type { RunRecord, RunStore, SnapshotFile } from '../runs/run-store.js';
import type { EventLogEntry } from '../runs/event-hash.js';
import { replayEntries } from './replay-run.js';
import {
  checkRecordAgainstLog,
  checkSnapshotAgainstLog,
  logFacts,
  type LogFacts,
} from './run-agreement.js';
import { verifyEventLogText, verifyRunLog } from '../runs/verify-event-log.js';

/** A run as its verified log establishes it, before a resume touches anything. */
export interface VerifiedRun {
  entries: EventLogEntry[];
  facts: LogFacts;
  /** The checkpoint, checked against the state the log replays to (absent: nothing ran yet). */
  snapshot: SnapshotFile | undefined;
}

/**
 * Verifies a run before a resume: the log's hash chain (a torn last line, which a crash
 * mid-write leaves and opening the log moves aside, is the only flaw tolerated), its `run.started`
 * line, run.json against the log, and the checkpoint against the state the log replays to. The log
 * is the truth; run.json and snapshot.json are caches that must agree with it, else
 * {@link TamperedLogError} (exit 4) and nothing is resumed.
 */
export async function verifyRunForResume(store: RunStore, record: RunRecord): Promise<VerifiedRun> {
  const run = { store, id: record.id };
  const text = await store.readEventLog(record.id);
  let verified = text === undefined ? await verifyRunLog(run) : verifyEventLogText(text);
  if (text !== undefined && !verified.ok && /no trailing newline/.test(verified.reason)) {
    // A complete last line that only lost its newline: opening the log completes it.
    const completed = verifyEventLogText(`${text}\n`);
    if (completed.ok) verified = completed;
  }
  const entries = [...verified.entries];
  // A torn last line (a crash mid-write) is the one flaw tolerated: opening the log moves it aside.
  if (!verified.ok && !(/^truncated/.test(verified.reason) && verified.line === entries.length + 1))
    throw new TamperedLogError(verified.line, verified.reason);
  const facts = logFacts(entries);
  checkRecordAgainstLog(record, facts, entries);
  const snapshot = await store.readSnapshot(record.id);
  const replayed = await replayEntries(run, entries);
  checkSnapshotAgainstLog(snapshot, facts, replayed, entries);
  return { entries, facts, snapshot };
}

/**
 * Raw `--param` values for a resume: the run's params come from its log; only secret params
 * (never stored) are given again. A non-secret one is refused (exit 2) rather than silently
 * driving the rest of the run with a value the log does not record.
 */
export function resumeParams(
  procedure: Procedure,
  logged: JsonObject,
  given: Record<string, string>,
): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(logged)) {
    if (!(procedure.params[k]?.secret && v === REDACTED)) raw[k] = JSON.stringify(v);
  }
  for (const [k, v] of Object.entries(given)) {
    if (procedure.params[k] && !procedure.params[k].secret) {
      throw new InvalidInputError([
        {
          message: `${k} is not a secret param: a resumed run keeps the params it started with (${k}=${JSON.stringify(logged[k] ?? null)})`,
          path: `--param ${k}`,
          hint: 'only secret params, which are never stored, are given again; start a new run to change the others',
        },
      ]);
    }
    raw[k] = v;
  }
  return raw;
}

/** Failure codes naming a migration the operator settles with `--retry` or `--skip <revision>`. */
const IN_DOUBT_CODES: ReadonlySet<string> = new Set([
  'MIGRATION_IN_DOUBT',
  'PRISMA_FAILED_MIGRATION',
]);

/**
 * Checks `--skip <target>` against what the run is stopped on: a failed step (not a cleanup
 * step), or a migration in doubt as a failed step's MIGRATION_IN_DOUBT or PRISMA_FAILED_MIGRATION
 * names it (the failure is in the checkpoint's context, which agrees with the verified log; the
 * checkpoint's own migration progress is not trusted for this). Anything else is refused (exit 2)
 * rather than ignored. Returns whether the target is a step or a migration.
 */
export function checkSkipTarget(
  target: string,
  runId: string,
  procedure: Procedure,
  context: ProcedureContext | undefined,
): 'step' | 'migration' {
  if (procedure.finally.some((s) => s.id === target)) {
    throw new InvalidInputError([
      {
        message: `${target} is a finally (cleanup) step: it runs again on resume and cannot be marked done by hand`,
        path: '--skip',
      },
    ]);
  }
  const failures = context?.failures ?? {};
  // Own keys only: `in` would also see a plain object's inherited members (constructor, toString).
  if (Object.hasOwn(failures, target)) return 'step';
  const inDoubt = new Set<string>();
  for (const f of Object.values(failures)) {
    if (IN_DOUBT_CODES.has(String(f.code)) && typeof f.migration === 'string')
      inDoubt.add(f.migration);
  }
  if (inDoubt.has(target)) return 'migration';
  const failed = Object.keys(failures);
  const interrupted = context?.running ?? [];
  throw new InvalidInputError([
    {
      message:
        failed.length + interrupted.length === 0
          ? `no failed or interrupted step in run ${runId} to skip ${target} in`
          : `${target} is neither a failed step of run ${runId} (${failed.join(', ') || 'none'}) nor a migration in doubt (${[...inDoubt].join(', ') || 'none'})`,
      path: '--skip',
      hint:
        interrupted.length > 0 && failed.length === 0
          ? `the run was interrupted in ${interrupted.join(', ')}: \`runbook resume ${runId}\` checks the database first and names a migration in doubt, which --skip may then record`
          : 'a migration that failed is fixed and retried (`runbook resume` without --skip), never recorded as applied without running',
    },
  ]);
}

/**
 * The operator's decision for a resume: the events sent to the restored machine (RETRY of the
 * failed steps, or SKIP of one) and the decision handed to the re-run steps (retry, or skip an
 * in-doubt migration). Refuses a `--skip` target that is neither (see {@link checkSkipTarget});
 * warns when a step the checklist or later steps rest on is marked done by hand.
 */
export function operatorDecision(
  options: { skip?: string; retry?: boolean },
  runId: string,
  procedure: Procedure,
  snapshot: SnapshotFile | undefined,
  warn: (line: string) => void,
): {
  events: OperatorEvent[];
  stepDecision?: { steps: ReadonlySet<string>; decision: StepDecision };
} {
  const context = (snapshot?.snapshot as { context?: ProcedureContext } | null)?.context;
  const failed = Object.keys(context?.failures ?? {});
  // The steps a decision is for: those that failed, and those a crash left in flight.
  const pending = new Set([...failed, ...(context?.running ?? [])]);
  const retryFailed: OperatorEvent[] = failed.length > 0 ? [{ type: 'RETRY' }] : [];
  if (options.skip) {
    if (checkSkipTarget(options.skip, runId, procedure, context) === 'step') {
      const blockers = skipBlockers(procedure, options.skip);
      if (blockers.length > 0) {
        warn(
          `warning: ${options.skip} is marked done by hand although ${blockers.join('; ')}: the run cannot end as succeeded`,
        );
      }
      return { events: [{ type: 'SKIP', step: options.skip }] };
    }
    // A migration in doubt inside a failed or interrupted step (a non-transactional migration
    // whose effect is unknown): recorded as applied without running it.
    return {
      events: retryFailed,
      stepDecision: { steps: pending, decision: { kind: 'skip', target: options.skip } },
    };
  }
  // Only an explicit --retry re-runs an in-doubt item; a plain resume retries failed steps, and a
  // step that finds work in doubt stops again and asks.
  return {
    events: retryFailed,
    ...(options.retry && pending.size > 0
      ? { stepDecision: { steps: pending, decision: { kind: 'retry' } } }
      : {}),
  };
}

/** A run against a URL's server needs its URL again (passwords are never stored). */
export function requireUrlAgain(
  record: RunRecord,
  databaseUrl: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): void {
  if (record.server !== 'url' || databaseUrl || env.DATABASE_URL) return;
  const t = record.target;
  throw new RefusalError(
    'TARGET_MISMATCH',
    `run ${record.id} ran against ${t.host}:${t.port}/${t.database}, not the embedded server; ` +
      `give its URL again (passwords are never stored): ${resumeCommand(record)}`,
  );
}

/** Refuses a server other than the run's (host, port and database must match). */
export function refuseOtherTarget(record: RunRecord, url: string): void {
  const target = describeTarget(url);
  const recorded = record.target;
  if (
    target.host !== recorded.host ||
    target.port !== recorded.port ||
    target.database !== recorded.database
  ) {
    throw new RefusalError(
      'TARGET_MISMATCH',
      `run ${record.id} ran against ${recorded.host}:${recorded.port}/${recorded.database}; refusing to resume it against ${target.host}:${target.port}/${target.database}`,
    );
  }
}
