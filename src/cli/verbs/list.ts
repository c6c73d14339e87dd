import { actions } from '../../actions/index.js';
import { formatProblem, InvalidInputError } from '../../errors.js';
import { listProcedures } from '../../procedure/find-procedures.js';
import { loadProcedure } from '../../procedure/load-procedure.js';
import { terminalSafe } from '../../text/terminal-text.js';
import { projectSettings } from '../project-settings.js';

interface Row {
  name: string;
  origin: string;
  file: string;
  description?: string;
  requires?: unknown;
  error?: string;
}

/**
 * `runbook list`: every procedure visible from the project (its own, then the built-in ones it
 * does not shadow) with where it came from and its description; exit 2 when one is invalid.
 */
export async function run(
  _args: string[],
  o: { procedures?: string; json?: boolean },
): Promise<number> {
  const { settings } = await projectSettings(o, { procedures: true });
  const rows: Row[] = [];
  for (const { name, file, origin } of await listProcedures(settings.procedures)) {
    try {
      const p = await loadProcedure(file, { actions });
      const description = p.description ? { description: p.description } : {};
      rows.push({ name: p.name, origin, file, ...description, requires: p.requires });
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      rows.push({ name, origin, file, error: err.problems.map(formatProblem).join('; ') });
    }
  }
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
