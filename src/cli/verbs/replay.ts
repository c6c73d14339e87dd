import path from 'node:path';
import { replayRun } from '../../engine/replay-run.js';
import { FileRunStore } from '../../runs/file-run-store.js';

/** `runbook replay <run-id>`: offline chain verification and re-drive; exit 4 when tampered. */
export async function replayVerb(
  id: string,
  o: { runsDir: string; json?: boolean },
): Promise<number> {
  const store = new FileRunStore(o.runsDir);
  const runId = await store.resolve(id);
  const report = await replayRun(path.dirname(store.eventLogPath(runId)));
  if (o.json) {
    const { entries: _entries, ...rest } = report;
    process.stdout.write(JSON.stringify({ ok: true, ...rest }, null, 2) + '\n');
  } else {
    process.stdout.write(
      `run ${report.runId} (${report.procedure}): log verified — ${report.lines} lines, hash chain intact; ` +
        `machine re-driven through ${report.transitions} recorded states; final: ${report.status}\n`,
    );
  }
  return 0;
}
