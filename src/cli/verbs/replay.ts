import { readSavedProcedure } from '../../engine/read-saved-procedure.js';
import { replayRun } from '../../engine/replay-run.js';
import { formatTimeline } from '../../report/format-timeline.js';
import { buildTimeline } from '../../report/timeline.js';
import { verifiedIntegrity } from '../../report/load-run-report.js';
import { withRunStore } from '../../runs/open-run-store.js';
import { terminalSafe } from '../../text/terminal-text.js';
import { storeSpec } from '../store-spec.js';

/**
 * `runbook replay <run-id>`: verifies the log's hash chain and re-drives the compiled machine
 * offline (a tampered or diverging log throws TamperedLogError: exit 4, naming the line), with
 * `--anchor` also that the log passes through a head printed when the run was driven, then
 * prints the run's timeline for a reviewer; `--json` prints the same as data under `timeline`.
 */
export async function run(
  [id]: string[],
  o: { runsDir?: string; store?: string; json?: boolean; anchor?: string },
): Promise<number> {
  const spec = await storeSpec(o);
  const { entries, saved, ...report } = await withRunStore(spec, 'read', async ({ store }) => {
    const run = { store, id: await store.resolve(id!) };
    const replayed = await replayRun(run, o.anchor !== undefined ? { anchor: o.anchor } : {});
    // replayRun checked the saved source against the log's hash before re-driving it.
    return { ...replayed, saved: await readSavedProcedure(run) };
  });
  const timeline = buildTimeline(entries, saved, {
    runId: report.runId,
    integrity: verifiedIntegrity(report),
  });
  if (o.json) {
    process.stdout.write(JSON.stringify({ ok: true, ...report, timeline }, null, 2) + '\n');
  } else {
    process.stdout.write(terminalSafe(formatTimeline(timeline)));
  }
  return 0;
}
