import { describeHistory, formatHistory } from '../../migrations/describe-history.js';
import { terminalSafe } from '../../text/terminal-text.js';
import { folderSettings } from '../migration-folder.js';
import { asInputError, layoutFlag } from './status.js';

/** `runbook history`: the migration graph in upgrade order, offline. 0, or 2 for a bad folder. */
export async function run(
  _args: string[],
  o: { migrations?: string; layout?: string; json?: boolean },
): Promise<number> {
  const { migrations } = await folderSettings(o);
  const layout = layoutFlag(o.layout);
  let history;
  try {
    history = await describeHistory(migrations, layout);
  } catch (err) {
    throw asInputError(err, '--migrations');
  }
  process.stdout.write(
    o.json
      ? JSON.stringify({ ok: true, ...history }, null, 2) + '\n'
      : terminalSafe(formatHistory(history)) + '\n',
  );
  return 0;
}
