import { TamperedLogError } from '../errors.js';
import type { JsonObject } from '../json.js';
import type { Procedure } from '../procedure/types.js';
import type { EventLogEntry } from '../runs/event-hash.js';
import { MachineReplay } from './machine-replay.js';
import { verifyRunLog } from '../runs/verify-event-log.js';
import { artifactRef, procedureArtifact } from '../runs/artifact-names.js';
import { FileRunStore } from '../runs/file-run-store.js';
import type { StoredRun } from '../runs/run-store.js';
import { loadSavedProcedure } from './read-saved-procedure.js';
import { anchorLine, logHead } from '../runs/log-anchor.js';
import type { ReplayedRun, ReplayOptions, ReplayReport } from './replay-types.js';
import { checkRunFilesAgree } from './run-agreement.js';

export type { ReplayedRun, ReplayedState, ReplayOptions, ReplayReport } from './replay-types.js';

/** Reads a procedure source saved with the run and checks it is the one the log names. */
async function savedProcedure(
  run: StoredRun,
  choice: { hash?: string; file: string },
  hash: string,
  line: number,
): Promise<Procedure> {
  const name = artifactRef(procedureArtifact(choice.hash));
  const procedure = await loadSavedProcedure(run, choice);
  if (!procedure) {
    throw new TamperedLogError(
      line,
      `the procedure source saved with the run (${name}) is missing`,
    );
  }
  if (procedure.source.hash !== hash) {
    throw new TamperedLogError(line, `${name} does not match the procedure hash in the log`);
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
  run: StoredRun,
  entries: readonly EventLogEntry[],
): Promise<ReplayedRun> {
  const startIndex = entries.findIndex((e) => e.type === 'run.started');
  const started = entries[startIndex];
  if (!started) throw new TamperedLogError(1, 'no run.started line');
  const startData = started.data as JsonObject;
  const procedure = await savedProcedure(
    run,
    { file: String(startData.procedure_file ?? 'procedure.yaml') },
    String(startData.procedure_hash),
    startIndex + 1,
  );
  const replay = new MachineReplay(procedure, started, (hash, line) =>
    savedProcedure(run, { hash, file: procedure.source.file }, hash, line),
  );
  for (let i = startIndex + 1; i < entries.length; i++) await replay.read(entries[i]!, i + 1);
  return replay.end();
}

/**
 * Replays a persisted run offline (no database): verifies the log's SHA-256 chain, re-drives the
 * compiled machine with the recorded events ({@link replayEntries}), and checks that run.json and
 * snapshot.json agree with the log, unless a live process still drives the run (see
 * {@link ReplayReport.inProgress}). Throws {@link TamperedLogError} (exit 4) naming the first bad
 * or diverging line, or for a log that does not pass through `options.anchor`. `run` is a run
 * directory (`runs/<run-id>` of a {@link FileRunStore}) or a run of any store.
 */
export async function replayRun(
  run: string | StoredRun,
  options: ReplayOptions = {},
): Promise<ReplayReport> {
  const stored = typeof run === 'string' ? FileRunStore.forRunDir(run) : run;
  const runId = stored.id;
  const holder = await stored.store.lockHolder(runId);
  const verified = await verifyRunLog(stored);
  // A run being driven may be mid-append: its last line may not be complete yet.
  const midAppend =
    !verified.ok &&
    /^truncated|no trailing newline/.test(verified.reason) &&
    verified.line === verified.entries.length + 1;
  if (!verified.ok && !(holder && midAppend))
    throw new TamperedLogError(verified.line, verified.reason);
  const entries = verified.entries;
  const anchoredAt = options.anchor === undefined ? undefined : anchorLine(entries, options.anchor);
  if (options.anchor !== undefined && anchoredAt === undefined) {
    // Nothing in such a log is vouched for: it is not the one that printed that head.
    throw new TamperedLogError(
      1,
      `no line of the log has the hash ${options.anchor.trim()} given as its anchor: this is not the log that printed that head (rewritten, or another run's)`,
    );
  }
  const replayed = await replayEntries(stored, entries);
  // The driving process writes run.json and snapshot.json around its log lines: while it runs,
  // they may be a write ahead of the log read here, so only the log is judged.
  if (!holder) await checkRunFilesAgree(stored, entries, replayed);
  return {
    runId,
    procedure: replayed.procedure.name,
    lines: entries.length,
    head: logHead(entries).head,
    ...(anchoredAt !== undefined ? { anchoredAt } : {}),
    transitions: replayed.transitions,
    status: replayed.status,
    entries,
    ...(holder
      ? { inProgress: { pid: holder.pid, since: holder.since, command: holder.command } }
      : {}),
  };
}
