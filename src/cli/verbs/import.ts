import { existsSync } from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../../errors.js';
import { copyRun } from '../../runs/copy-run.js';
import { FileRunStore } from '../../runs/file-run-store.js';
import { withRunStore, type RunStoreSpec } from '../../runs/open-run-store.js';

/**
 * `runbook import <run-dir>`: loads a run directory (`…/<run-id>/` with its `run.json`) into the
 * configured store (`--store`, `RUNBOOK_STORE`, else `--runs-dir`). Its log must verify (exit 4
 * otherwise) and the store must not have the run yet.
 */
export async function importVerb(
  runDir: string,
  o: RunStoreSpec & { json?: boolean },
): Promise<number> {
  const dir = path.resolve(runDir);
  if (!existsSync(path.join(dir, 'run.json'))) {
    throw new InvalidInputError([
      { message: `${dir} is not a run directory (no run.json)`, hint: 'give runs/<run-id>' },
    ]);
  }
  const source = new FileRunStore(path.dirname(dir)).check('read');
  const id = path.basename(dir);
  const { copied, shown } = await withRunStore(o, 'write', async (to) => {
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
