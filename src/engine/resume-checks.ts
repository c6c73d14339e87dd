import path from 'node:path';
import { InvalidInputError, TamperedLogError } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';
import type { ProcedureContext } from '../procedure/compile-procedure.js';
import type { Procedure } from '../procedure/types.js';
import type { RunRecord, RunStore, SnapshotFile } from '../runs/run-store.js';
import type { EventLogEntry } from './event-hash.js';
import { replayEntries } from './replay-run.js';
import {
  checkRecordAgainstLog,
  checkSnapshotAgainstLog,
  logFacts,
  type LogFacts,
} from './run-agreement.js';
import { verifyEventLog } from './verify-event-log.js';
import { refuseSymlink } from '../runs/no-symlink.js';

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
  const file = store.eventLogPath(record.id);
  refuseSymlink(file);
  const verified = verifyEventLog(file);
  let entries = verified.entries;
  if (!verified.ok) {
    const torn = /^truncated/.test(verified.reason) && verified.line === entries.length + 1;
    if (!torn) throw new TamperedLogError(verified.line, verified.reason);
  }
  entries = [...entries];
  const facts = logFacts(entries);
  checkRecordAgainstLog(record, facts, entries);
  const snapshot = await store.readSnapshot(record.id);
  const replayed = await replayEntries(path.dirname(file), entries);
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
    if (!(procedure.params[k]?.secret && v === '***')) raw[k] = JSON.stringify(v);
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
 * step), or a migration in doubt (a failed step's MIGRATION_IN_DOUBT or PRISMA_FAILED_MIGRATION,
 * or the in-flight migration of an interrupted step's checkpoint). Anything else is refused
 * (exit 2) rather than ignored. Returns whether the target is a step.
 */
export function checkSkipTarget(
  target: string,
  runId: string,
  procedure: Procedure,
  context: ProcedureContext | undefined,
  snapshot: SnapshotFile | undefined,
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
  if (target in failures) return 'step';
  const inDoubt = new Set<string>();
  for (const f of Object.values(failures)) {
    if (IN_DOUBT_CODES.has(String(f.code)) && typeof f.migration === 'string')
      inDoubt.add(f.migration);
  }
  for (const step of context?.running ?? []) {
    const progress = (snapshot?.progress[step] ?? null) as {
      inflight?: { revision?: JsonValue };
    } | null;
    const revision = progress?.inflight?.revision;
    if (typeof revision === 'string') inDoubt.add(revision);
  }
  if (inDoubt.has(target)) return 'migration';
  const failed = Object.keys(failures);
  throw new InvalidInputError([
    {
      message:
        failed.length + (context?.running.length ?? 0) === 0
          ? `no failed or interrupted step in run ${runId} to skip ${target} in`
          : `${target} is neither a failed step of run ${runId} (${failed.join(', ') || 'none'}) nor a migration in doubt (${[...inDoubt].join(', ') || 'none'})`,
      path: '--skip',
      hint: 'a migration that failed is fixed and retried (`runbook resume` without --skip), never recorded as applied without running',
    },
  ]);
}
