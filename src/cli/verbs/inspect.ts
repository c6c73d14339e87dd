import { formatInspection, inspectRun } from '../../engine/inspect-run.js';
import { storeHint, withRunStore, type RunStoreSpec } from '../../runs/open-run-store.js';
import { terminalSafe } from '../../text/terminal-text.js';

/** `runbook inspect <run-id>`: where it stopped and why, and the command to resume. */
export async function inspectVerb(
  id: string,
  o: RunStoreSpec & { json?: boolean },
): Promise<number> {
  let hint = '';
  const inspection = await withRunStore(o, 'read', async (opened) => {
    hint = storeHint(opened);
    return inspectRun(opened.store, await opened.store.resolve(id));
  });
  const note = hint && inspection.next.length > 0 ? `  (${hint})\n` : '';
  process.stdout.write(
    o.json
      ? JSON.stringify(inspection, null, 2) + '\n'
      : terminalSafe(formatInspection(inspection)) + '\n' + note,
  );
  return 0;
}
