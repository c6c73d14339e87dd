import { listProcedures } from '../../procedure/find-procedures.js';
import { summarizeProcedures } from '../../procedure/summarize-procedures.js';
import { terminalSafe } from '../../text/terminal-text.js';
import { projectSettings } from '../project-settings.js';
import type { VerbContext } from '../verb.js';

/**
 * `runbook list`: every procedure visible from the project (its own, then the built-in ones it
 * does not shadow) with where it came from and its description; exit 2 when one is invalid. The
 * summaries of files unchanged since the last `list` come from the verb's data cache.
 */
export async function run(
  _args: string[],
  o: { procedures?: string; json?: boolean },
  ctx?: VerbContext,
): Promise<number> {
  const { settings } = await projectSettings(o, { procedures: true });
  const cache = ctx?.cache;
  const store = cache && {
    read: () => cache.read('procedures'),
    write: (text: string) => cache.write('procedures', text),
  };
  const rows = await summarizeProcedures(await listProcedures(settings.procedures), store);
  if (o.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  else {
    const width = Math.max(4, ...rows.map((r) => r.name.length));
    for (const r of rows) {
      const text = r.error ? `INVALID: ${r.error}` : (r.description ?? '');
      process.stdout.write(
        terminalSafe(`${r.name.padEnd(width)}  ${r.origin.padEnd(8)}  ${text}`) + '\n',
      );
    }
    if (rows.length === 0) process.stderr.write(`no procedures in ${settings.procedures}/\n`);
  }
  return rows.some((r) => r.error) ? 2 : 0;
}
