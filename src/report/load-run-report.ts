import type { ReplayOptions, ReplayReport } from '../engine/replay-run.js';
import { replayRun } from '../engine/replay-run.js';
import { readSavedProcedure } from '../engine/read-saved-procedure.js';
import { FileRunStore } from '../runs/file-run-store.js';
import type { StoredRun } from '../runs/run-store.js';
import { verifyRunLog } from '../runs/verify-event-log.js';
import { TamperedLogError } from '../errors.js';
import { outlineProcedure, type ProcedureOutline } from './procedure-outline.js';
import { readRunArtifacts, type RunArtifacts } from './read-artifacts.js';
import { buildTimeline } from './timeline.js';
import type { IntegrityVerdict, Timeline } from './timeline-types.js';
import type { EventLogEntry } from '../runs/event-hash.js';
import { obj, str } from './json-fields.js';

/** Everything the HTML report renders for one run directory. */
export interface RunReport {
  timeline: Timeline;
  /** The procedure's shape for the state diagram (null when its saved source cannot be read). */
  outline: ProcedureOutline | null;
  artifacts: RunArtifacts;
  /** The replay, when the log verified; null when it was tampered with. */
  replay: Omit<ReplayReport, 'entries'> | null;
}

/** The integrity verdict of a replay that verified the log (`replay` and `report` alike). */
export function verifiedIntegrity(
  replay: Omit<ReplayReport, 'entries'>,
): IntegrityVerdict & { status: 'verified' } {
  return {
    status: 'verified',
    lines: replay.lines,
    head: replay.head,
    ...(replay.anchoredAt !== undefined ? { anchoredAt: replay.anchoredAt } : {}),
    transitions: replay.transitions,
    ...(replay.inProgress
      ? { inProgress: { pid: replay.inProgress.pid, since: replay.inProgress.since } }
      : {}),
  };
}

/**
 * Verifies and replays a run offline, then builds its timeline and reads its artifacts. `run` is
 * a run directory (`runs/<run-id>` of a {@link FileRunStore}) or a run of any store.
 * Never throws for a tampered log: the report is built from the trusted prefix (the lines before
 * the first bad or diverging one) and its integrity verdict says TAMPERED at that line; the
 * caller decides the exit code (4). Other errors (an unreadable directory) propagate.
 */
export async function loadRunReport(
  run: string | StoredRun,
  options: ReplayOptions = {},
): Promise<RunReport> {
  const stored = typeof run === 'string' ? FileRunStore.forRunDir(run) : run;
  const runId = stored.id;
  const [saved, artifacts] = await Promise.all([
    readSavedProcedure(stored),
    readRunArtifacts(stored),
  ]);
  let entries: EventLogEntry[];
  let integrity: IntegrityVerdict;
  let replay: RunReport['replay'] = null;
  try {
    const { entries: all, ...rest } = await replayRun(stored, options);
    entries = all;
    replay = rest;
    integrity = verifiedIntegrity(rest);
  } catch (err) {
    if (!(err instanceof TamperedLogError)) throw err;
    const verified = await verifyRunLog(stored);
    entries = verified.entries.slice(0, Math.max(0, err.line - 1));
    integrity = { status: 'tampered', line: err.line, reason: err.reason, lines: entries.length };
  }
  // Only a source whose hash the (trusted) log recorded may describe the run.
  const started = entries.find((e) => e.type === 'run.started');
  const logged = started ? str(obj(started.data), 'procedure_hash') : null;
  const procedure = saved && saved.source.hash === logged ? saved : undefined;
  return {
    timeline: buildTimeline(entries, procedure, { runId, integrity }),
    outline: procedure ? outlineProcedure(procedure) : null,
    artifacts,
    replay,
  };
}
