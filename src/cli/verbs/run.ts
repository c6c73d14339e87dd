import { actions } from '../../actions/index.js';
import { runProcedure } from '../../engine/run-procedure.js';
import { printRunResult } from '../print-run-result.js';
import { authorityFlags, type AuthorityFlagValues } from '../authority-flags.js';
import { DEFAULT_PROCEDURES_DIR, findProcedureFile } from '../../procedure/find-procedures.js';
import { commandLine } from '../command-line.js';
import { DEFAULT_RUNS_DIR } from '../../runs/file-run-store.js';

/** Flags of `runbook run`. */
export interface RunFlags extends AuthorityFlagValues {
  /** Procedures directory (default {@link DEFAULT_PROCEDURES_DIR}). */
  procedures?: string;
  /** Runs directory (default `runs`). */
  runsDir?: string;
  databaseUrl?: string;
  json?: boolean;
  dryRun?: boolean;
  param: Record<string, string>;
}

/**
 * `runbook run <procedure>`: 0 succeeded, 1 failed (resumable), 2 invalid input, 3 refused. The
 * procedure is loaded, checked and run against the built-in action registry.
 */
export async function runVerb(name: string, flags: RunFlags, argv: string[]): Promise<number> {
  const file = await findProcedureFile(name, flags.procedures ?? DEFAULT_PROCEDURES_DIR);
  const authority = authorityFlags(flags);
  if (flags.dryRun) {
    const { planProcedure } = await import('../../engine/plan-procedure.js');
    const plan = await planProcedure({
      procedure: file,
      params: flags.param,
      databaseUrl: flags.databaseUrl,
      authority,
      actions,
    });
    if (flags.json)
      process.stdout.write(JSON.stringify({ ok: true, dryRun: true, plan }, null, 2) + '\n');
    return 0;
  }
  const result = await runProcedure({
    procedure: file,
    params: flags.param,
    ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}),
    runsDir: flags.runsDir ?? DEFAULT_RUNS_DIR,
    authority,
    command: commandLine(argv),
    actions,
  });
  if (flags.json) printRunResult(result);
  return result.exitCode;
}
