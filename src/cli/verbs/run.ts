import { runProcedure } from '../../engine/run-procedure.js';
import { printRunResult } from '../print-run-result.js';
import { authorityFlags, type AuthorityFlagValues } from '../authority-flags.js';
import { findProcedureFile } from '../../procedure/find-procedures.js';
import { commandLine } from '../command-line.js';
import { InvalidInputError } from '../../errors.js';
import { terminalSafe } from '../../text/terminal-text.js';
import { plannedSqlText } from './planned-sql-text.js';

/** Flags of `runbook run`. */
export interface RunFlags extends AuthorityFlagValues {
  procedures: string;
  runsDir: string;
  databaseUrl?: string;
  json?: boolean;
  dryRun?: boolean;
  sql?: boolean;
  param: Record<string, string>;
}

/** `runbook run <procedure>`: 0 succeeded, 1 failed (resumable), 2 invalid input, 3 refused. */
export async function runVerb(name: string, o: RunFlags, argv: string[]): Promise<number> {
  const file = await findProcedureFile(name, o.procedures);
  const authority = authorityFlags(o);
  if (o.sql && !o.dryRun) {
    throw new InvalidInputError([{ path: '--sql', message: '--sql applies to --dry-run only' }]);
  }
  if (o.dryRun) {
    const { planProcedure } = await import('../../engine/plan-procedure.js');
    const plan = await planProcedure({
      procedure: file,
      params: o.param,
      databaseUrl: o.databaseUrl,
      authority,
      ...(o.sql ? { sql: true } : {}),
    });
    if (o.json)
      process.stdout.write(JSON.stringify({ ok: true, dryRun: true, plan }, null, 2) + '\n');
    else if (o.sql) {
      // Redirected to a file it is a script, kept byte for byte; on a terminal, data made visible.
      const text = plannedSqlText(plan);
      process.stdout.write(process.stdout.isTTY ? terminalSafe(text) : text);
    }
    return 0;
  }
  const result = await runProcedure({
    procedure: file,
    params: o.param,
    ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
    runsDir: o.runsDir,
    authority,
    command: commandLine(argv),
  });
  if (o.json) printRunResult(result);
  return result.exitCode;
}
