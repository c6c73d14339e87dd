import path from 'node:path';
import { InvalidInputError, StepError } from '../../errors.js';
import { newMigration } from '../../migrations/new-migration.js';
import { terminalSafe } from '../../text/terminal-text.js';
import { folderSettings } from '../migration-folder.js';
import { asInputError, layoutFlag } from './status.js';

/**
 * `runbook new <name>`: writes the next migration file(s) of the folder's layout and prints each
 * path on stdout (never overwrites). 0 written; 2 bad input (no such folder, no layout, several
 * heads), nothing written.
 */
export async function run(
  [name]: string[],
  o: { migrations?: string; layout?: string; json?: boolean },
): Promise<number> {
  const { migrations } = await folderSettings(o);
  const layout = layoutFlag(o.layout);
  let created;
  try {
    created = await newMigration({ migrations, name: name!, ...(layout ? { layout } : {}) });
  } catch (err) {
    if (err instanceof StepError && err.code === 'MULTIPLE_HEADS') {
      throw new InvalidInputError([
        {
          path: '--migrations',
          message: err.message,
          ...(err.fields.hint ? { hint: err.fields.hint } : {}),
        },
      ]);
    }
    if (err instanceof StepError && err.code === 'MIGRATION_LAYOUT' && !layout) {
      throw new InvalidInputError([
        {
          path: '--layout',
          message: err.message,
          hint: 'a folder without migrations needs --layout',
        },
      ]);
    }
    throw asInputError(err, '--migrations');
  }
  const shown = created.files.map((f) => path.relative(process.cwd(), f) || f);
  process.stdout.write(
    o.json
      ? JSON.stringify({ ok: true, ...created, files: shown }, null, 2) + '\n'
      : terminalSafe(shown.join('\n')) + '\n',
  );
  return 0;
}
