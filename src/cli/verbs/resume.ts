import { actions } from '../../actions/index.js';
import { resumeRun } from '../../engine/resume-run.js';
import { printRunResult } from '../print-run-result.js';
import { authorityFlags, type AuthorityFlagValues } from '../authority-flags.js';
import { commandLine } from '../command-line.js';
import { DEFAULT_RUNS_DIR } from '../../runs/file-run-store.js';

/**
 * `runbook resume <run-id> [--retry|--skip <step>] [--allow-changed] [--note <text>]
 * [--break-lock]`.
 */
export async function resumeVerb(
  id: string,
  flags: {
    runsDir?: string;
    databaseUrl?: string;
    json?: boolean;
    retry?: boolean;
    skip?: string;
    allowChanged?: boolean;
    allowProcedureChange?: boolean;
    note?: string;
    breakLock?: boolean;
    param: Record<string, string>;
  } & AuthorityFlagValues,
  argv: string[],
): Promise<number> {
  const result = await resumeRun({
    run: id,
    runsDir: flags.runsDir ?? DEFAULT_RUNS_DIR,
    ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}),
    ...(flags.retry ? { retry: true } : {}),
    ...(flags.skip ? { skip: flags.skip } : {}),
    allowChanged: Boolean(flags.allowChanged),
    allowProcedureChange: Boolean(flags.allowProcedureChange),
    ...(flags.note !== undefined ? { note: flags.note } : {}),
    breakLock: Boolean(flags.breakLock),
    params: flags.param,
    authority: authorityFlags(flags),
    command: commandLine(argv),
    actions,
  });
  if (flags.json) printRunResult(result);
  return result.exitCode;
}
