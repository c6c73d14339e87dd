import { formatInspection, inspectRun } from '../../engine/inspect-run.js';
import { withRunStore, type RunStoreSpec } from '../../runs/open-run-store.js';
import { terminalSafe } from '../../text/terminal-text.js';

/** `runbook inspect <run-id>`: where it stopped and why, and the command to resume. */
export async function inspectVerb(
  id: string,
  o: RunStoreSpec & { json?: boolean },
): Promise<number> {
  const inspection = await withRunStore(o, 'read', async ({ store }) =>
    inspectRun(store, await store.resolve(id)),
  );
  process.stdout.write(
    o.json
      ? JSON.stringify(inspection, null, 2) + '\n'
      : terminalSafe(formatInspection(inspection)) + '\n',
  );
  return 0;
}
