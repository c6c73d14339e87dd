import path from 'node:path';
import { replayRun } from '../../engine/replay-run.js';
import { formatTimeline } from '../../report/format-timeline.js';
import { readSavedProcedure } from '../../report/read-saved-procedure.js';
import { buildTimeline } from '../../report/timeline.js';
import { DEFAULT_RUNS_DIR, FileRunStore } from '../../runs/file-run-store.js';
import { terminalSafe } from '../../text/terminal-text.js';

/**
 * `runbook replay <run-id>`: verifies the log's hash chain and re-drives the compiled machine
 * offline (a tampered or diverging log throws TamperedLogError: exit 4, naming the line), then
 * prints the run's timeline for a reviewer; `--json` prints the same as data under `timeline`.
 */
export async function replayVerb(
  id: string,
  flags: { runsDir?: string; json?: boolean },
): Promise<number> {
  const store = new FileRunStore(flags.runsDir ?? DEFAULT_RUNS_DIR).check('read');
  const runId = await store.resolve(id);
  const runDir = path.dirname(store.eventLogPath(runId));
  const { entries, ...report } = await replayRun(runDir);
  // replayRun checked the saved source against the log's hash before re-driving it.
  const procedure = await readSavedProcedure(runDir);
  const timeline = buildTimeline(entries, procedure, {
    runId: report.runId,
    integrity: {
      status: 'verified',
      lines: report.lines,
      transitions: report.transitions,
      ...(report.inProgress
        ? { inProgress: { pid: report.inProgress.pid, since: report.inProgress.since } }
        : {}),
    },
  });
  if (flags.json) {
    process.stdout.write(JSON.stringify({ ok: true, ...report, timeline }, null, 2) + '\n');
  } else {
    process.stdout.write(terminalSafe(formatTimeline(timeline)));
  }
  return 0;
}
