import path from 'node:path';
import { TamperedLogError } from '../errors.js';
import type { JsonObject } from '../json.js';
import { parseProcedure } from '../procedure/load-procedure.js';
import type { Procedure } from '../procedure/types.js';
import type { EventLogEntry } from '../runs/event-hash.js';
import { MachineReplay } from './machine-replay.js';
import { verifyEventLog } from '../runs/verify-event-log.js';
import { readFile } from 'node:fs/promises';
import { replayActions } from './replay-actions.js';
import type { ReplayedRun, ReplayReport } from './replay-types.js';
import { checkRunFilesAgree } from './run-agreement.js';
import { liveLockHolder } from '../runs/run-lock.js';

export type { ReplayedRun, ReplayedState, ReplayReport } from './replay-types.js';

/** Reads a procedure source saved with the run and checks it is the one the log names. */
async function savedProcedure(
  runDir: string,
  name: string,
  file: string,
  hash: string,
  line: number,
): Promise<Procedure> {
  const source = await readFile(path.join(runDir, 'artifacts', name), 'utf8').catch(() => {
    throw new TamperedLogError(
      line,
      `the procedure source saved with the run (artifacts/${name}) is missing`,
    );
  });
  const procedure = parseProcedure(source, file, replayActions());
  if (procedure.source.hash !== hash) {
    throw new TamperedLogError(
      line,
      `artifacts/${name} does not match the procedure hash in the log`,
    );
  }
  return procedure;
}

/**
 * Re-drives the compiled machine (from the procedure source saved with the run, whose hash must
 * match the log) with stub actors fed the recorded outcomes and operator events, checking that
 * every logged state value is the one the machine reaches. `entries` must be a verified chain.
 * Throws {@link TamperedLogError} naming the first diverging line.
 */
export async function replayEntries(
  runDir: string,
  entries: readonly EventLogEntry[],
): Promise<ReplayedRun> {
  const startIndex = entries.findIndex((e) => e.type === 'run.started');
  const started = entries[startIndex];
  if (!started) throw new TamperedLogError(1, 'no run.started line');
  const startData = started.data as JsonObject;
  const procedure = await savedProcedure(
    runDir,
    'procedure.yaml',
    String(startData.procedure_file ?? 'procedure.yaml'),
    String(startData.procedure_hash),
    startIndex + 1,
  );
  const replay = new MachineReplay(procedure, started, (hash, line) =>
    savedProcedure(
      runDir,
      `procedure-${hash.slice(0, 12)}.yaml`,
      procedure.source.file,
      hash,
      line,
    ),
  );
  for (let i = startIndex + 1; i < entries.length; i++) await replay.read(entries[i]!, i + 1);
  return replay.end();
}

/**
 * Replays a persisted run offline (no database): verifies the log's SHA-256 chain, re-drives the
 * compiled machine with the recorded events ({@link replayEntries}), and checks that run.json and
 * snapshot.json agree with the log, unless a live process still drives the run (see
 * {@link ReplayReport.inProgress}). Throws {@link TamperedLogError} (exit 4) naming the first bad
 * or diverging line.
 */
export async function replayRun(runDir: string): Promise<ReplayReport> {
  const file = path.join(runDir, 'events.jsonl');
  const runId = path.basename(runDir);
  const holder = liveLockHolder(path.join(runDir, 'lock'), runId);
  const verified = verifyEventLog(file);
  // A run being driven may be mid-append: its last line may not be complete yet.
  const midAppend =
    !verified.ok &&
    /^truncated|no trailing newline/.test(verified.reason) &&
    verified.line === verified.entries.length + 1;
  if (!verified.ok && !(holder && midAppend))
    throw new TamperedLogError(verified.line, verified.reason);
  const entries = verified.entries;
  const replayed = await replayEntries(runDir, entries);
  // The driving process writes run.json and snapshot.json around its log lines: while it runs,
  // they may be a write ahead of the log read here, so only the log is judged.
  if (!holder) await checkRunFilesAgree(runDir, entries, replayed);
  return {
    runId,
    procedure: replayed.procedure.name,
    lines: entries.length,
    transitions: replayed.transitions,
    status: replayed.status,
    entries,
    ...(holder
      ? { inProgress: { pid: holder.pid, since: holder.since, command: holder.command } }
      : {}),
  };
}
