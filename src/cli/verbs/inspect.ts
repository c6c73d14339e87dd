import { formatInspection, inspectRun } from '../../engine/inspect-run.js';
import { FileRunStore } from '../../runs/file-run-store.js';
import { terminalSafe } from '../../text/terminal-text.js';
import { projectSettings } from '../project-settings.js';

/** `runbook inspect <run-id>`: where it stopped and why, and the command to resume. */
export async function run(
  [id]: string[],
  o: { runsDir?: string; json?: boolean },
): Promise<number> {
  const { settings } = await projectSettings(o);
  const store = new FileRunStore(settings.runs).check('read');
  const inspection = await inspectRun(store, await store.resolve(id!));
  process.stdout.write(
    o.json
      ? JSON.stringify(inspection, null, 2) + '\n'
      : terminalSafe(formatInspection(inspection)) + '\n',
  );
  return 0;
}
