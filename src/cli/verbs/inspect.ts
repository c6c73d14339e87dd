import { formatInspection, inspectRun } from '../../engine/inspect-run.js';
import { DEFAULT_RUNS_DIR, FileRunStore } from '../../runs/file-run-store.js';
import { terminalSafe } from '../../text/terminal-text.js';

/** `runbook inspect <run-id>`: where it stopped and why, and the command to resume. */
export async function inspectVerb(
  id: string,
  flags: { runsDir?: string; json?: boolean },
): Promise<number> {
  const store = new FileRunStore(flags.runsDir ?? DEFAULT_RUNS_DIR).check('read');
  const inspection = await inspectRun(store, await store.resolve(id));
  process.stdout.write(
    flags.json
      ? JSON.stringify(inspection, null, 2) + '\n'
      : terminalSafe(formatInspection(inspection)) + '\n',
  );
  return 0;
}
