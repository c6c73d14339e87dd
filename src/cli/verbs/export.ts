import path from 'node:path';
import { replayRun } from '../../engine/replay-run.js';
import { copyRun } from '../../runs/copy-run.js';
import { FileRunStore } from '../../runs/file-run-store.js';
import { withRunStore } from '../../runs/open-run-store.js';
import { storeSpec } from '../store-spec.js';

/**
 * `runbook export <run-id> <dir>`: writes the run, from whichever store holds it, as a run
 * directory `<dir>/<run-id>/` that replays offline (`runbook replay <run-id> --store <dir>`: `--store` beats `RUNBOOK_STORE` and the config).
 */
export async function run(
  [id, dir]: string[],
  o: { runsDir?: string; store?: string; json?: boolean },
): Promise<number> {
  const target = new FileRunStore(dir!).check('write');
  const copied = await withRunStore(await storeSpec(o), 'read', async ({ store }) => {
    const runId = await store.resolve(id!);
    // The copy must replay offline: a run whose record or checkpoint disagrees with its log (or
    // whose log is empty) is refused here, as replay would refuse it there (exit 4).
    await replayRun({ store, id: runId });
    return copyRun(store, runId, target);
  });
  const runDir = path.join(target.dir, copied.id);
  if (o.json) {
    process.stdout.write(JSON.stringify({ ok: true, ...copied, runDir }, null, 2) + '\n');
  }
  process.stderr.write(
    `exported run ${copied.id} to ${runDir} (${copied.lines} log lines, ${copied.artifacts.length} artifacts)\n` +
      `replay it offline: runbook replay ${copied.id} --store ${target.dir}\n`,
  );
  return 0;
}
