import { actions } from '../../actions/index.js';
import path from 'node:path';
import { formatProblem, InvalidInputError } from '../../errors.js';
import { DEFAULT_PROCEDURES_DIR, listProcedureFiles } from '../../procedure/find-procedures.js';
import { loadProcedure } from '../../procedure/load-procedure.js';
import { terminalSafe } from '../../text/terminal-text.js';

/** `runbook list`: every procedure in the directory, with its description and requirements. */
export async function listProcedures(flags: {
  procedures?: string;
  json?: boolean;
}): Promise<number> {
  const dir = flags.procedures ?? DEFAULT_PROCEDURES_DIR;
  const rows: {
    name: string;
    file: string;
    description?: string;
    requires?: unknown;
    error?: string;
  }[] = [];
  for (const file of await listProcedureFiles(dir)) {
    try {
      const p = await loadProcedure(file, { actions });
      rows.push({
        name: p.name,
        file,
        ...(p.description ? { description: p.description } : {}),
        requires: p.requires,
      });
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      rows.push({
        name: path.basename(file).replace(/\.ya?ml$/, ''),
        file,
        error: err.problems.map(formatProblem).join('; '),
      });
    }
  }
  if (flags.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  else {
    const width = Math.max(4, ...rows.map((r) => r.name.length));
    for (const r of rows) {
      process.stdout.write(
        terminalSafe(
          `${r.name.padEnd(width)}  ${r.error ? `INVALID: ${r.error}` : (r.description ?? '')}`,
        ) + '\n',
      );
    }
    if (rows.length === 0) process.stderr.write(`no procedures in ${dir}/\n`);
  }
  return rows.some((r) => r.error) ? 2 : 0;
}
