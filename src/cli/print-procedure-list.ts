import type { ProcedureSummary } from '../procedure/summarize-procedures.js';
import { terminalSafe } from '../text/terminal-text.js';

/**
 * Prints what `runbook list` shows of `rows` (a line per procedure, or with `json` one JSON
 * array) and returns its exit code: 2 when one of them is invalid, else 0. `dir` is the
 * procedures directory, named on stderr when it holds none.
 */
export function printProcedureList(
  rows: readonly ProcedureSummary[],
  json: boolean | undefined,
  dir: string,
): number {
  if (json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  else {
    const width = Math.max(4, ...rows.map((r) => r.name.length));
    for (const r of rows) {
      const text = r.error ? `INVALID: ${r.error}` : (r.description ?? '');
      process.stdout.write(
        terminalSafe(`${r.name.padEnd(width)}  ${r.origin.padEnd(8)}  ${text}`) + '\n',
      );
    }
    if (rows.length === 0) process.stderr.write(`no procedures in ${dir}/\n`);
  }
  return rows.some((r) => r.error) ? 2 : 0;
}
