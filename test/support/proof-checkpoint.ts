import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { verifyEventLog } from '../../src/runs/verify-event-log.js';
import { FileRunStore } from '../../src/runs/file-run-store.js';

/** What a run directory held right after its process was killed. */
export interface CheckpointState {
  runId: string;
  /** run.json loaded and validated. */
  status: string;
  /** snapshot.json loaded and validated (absent only before the first checkpoint). */
  hasSnapshot: boolean;
  /** Number of verified log entries. */
  events: number;
  /** The log's last line was torn by the kill (a partial line; the next process must recover it). */
  tornLastLine: boolean;
  /** Stray temp files of an atomic write the kill interrupted (`.snapshot.json.tmp-*`, ...). */
  strayTemps: string[];
}

/**
 * Loads a run's checkpoint and log the way a resume would, and says what it found. Throws when
 * run.json or snapshot.json does not load, or when the log fails anywhere but a torn last line:
 * those are the crash-safety defects the suite exists to catch.
 */
export async function loadCheckpoint(runsDir: string, runId: string): Promise<CheckpointState> {
  const store = new FileRunStore(runsDir);
  const record = await store.readRecord(runId);
  const snapshot = await store.readSnapshot(runId);
  const log = path.join(store.runDir(runId), 'events.jsonl');
  const verified = existsSync(log) ? verifyEventLog(log) : undefined;
  let tornLastLine = false;
  let events = 0;
  if (verified && !verified.ok) {
    const lines = verified.entries.length + 1;
    if (verified.line !== lines || !verified.reason.startsWith('truncated')) {
      throw new Error(
        `events.jsonl of ${runId} does not verify after a kill: line ${verified.line}: ${verified.reason}`,
      );
    }
    tornLastLine = true;
    events = verified.entries.length;
  } else if (verified) {
    events = verified.entries.length;
  }
  const dir = store.runDir(runId);
  return {
    runId,
    status: record.status,
    hasSnapshot: snapshot !== undefined,
    events,
    tornLastLine,
    strayTemps: readdirSync(dir).filter((f) => /^\..*\.tmp-/.test(f)),
  };
}

/** Temp files of atomic writes currently present in a run directory (the checkpoint window). */
export function tempFilesIn(runDir: string): string[] {
  try {
    return readdirSync(runDir).filter((f) => /^\..*\.tmp-/.test(f));
  } catch {
    return [];
  }
}

/** The path of a run's directory. */
export function runDirOf(runsDir: string, runId: string): string {
  return path.join(runsDir, runId);
}
