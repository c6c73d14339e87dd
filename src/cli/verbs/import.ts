import path from 'node:path';
import { InvalidInputError } from '../../errors.js';
import { replayRun } from '../../engine/replay-run.js';
import { copyRun } from '../../runs/copy-run.js';
import { FileRunStore } from '../../runs/file-run-store.js';
import { withRunStore } from '../../runs/open-run-store.js';
import { storeSpec } from '../store-spec.js';

/**
 * `runbook import <run-dir>`: loads a run directory (`…/<run-id>/` with its `run.json`) into the
 * configured store (`--store`, `RUNBOOK_STORE`, else `--runs-dir`). Its log must verify (exit 4
 * otherwise) and the store must not have the run yet.
 */
export async function run(
  [runDir]: string[],
  o: { runsDir?: string; store?: string; json?: boolean },
): Promise<number> {
  const resolved = path.resolve(runDir!);
  const id = path.basename(resolved);
  const source = new FileRunStore(path.dirname(resolved)).check('read');
  if (!(await source.readStoredText(id, 'record').catch(() => undefined))) {
    throw new InvalidInputError([
      {
        message: `${resolved} is not a run directory (no run record)`,
        hint: 'give runs/<run-id>',
      },
    ]);
  }
  // Only a run that replays (its log verifies and its record and checkpoint agree with it) is
  // loaded into a shared store, where others trust its status.
  await replayRun({ store: source, id });
  const { copied, shown } = await withRunStore(await storeSpec(o), 'write', async (to) => {
    if (to.store instanceof FileRunStore && to.store.dir === source.dir) {
      throw new InvalidInputError([{ message: `run ${id} is already in ${source.dir}` }]);
    }
    return { copied: await copyRun(source, id, to.store), shown: to.shown };
  });
  if (o.json)
    process.stdout.write(JSON.stringify({ ok: true, ...copied, store: shown }, null, 2) + '\n');
  process.stderr.write(
    `imported run ${copied.id} into ${shown} (${copied.lines} log lines, ${copied.artifacts.length} artifacts)\n`,
  );
  return 0;
}
