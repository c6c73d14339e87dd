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
  o: {
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
    runsDir: o.runsDir ?? DEFAULT_RUNS_DIR,
    ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
    ...(o.retry ? { retry: true } : {}),
    ...(o.skip ? { skip: o.skip } : {}),
    allowChanged: Boolean(o.allowChanged),
    allowProcedureChange: Boolean(o.allowProcedureChange),
    ...(o.note !== undefined ? { note: o.note } : {}),
    breakLock: Boolean(o.breakLock),
    params: o.param,
    authority: authorityFlags(o),
    command: commandLine(argv),
  });
  if (o.json) printRunResult(result);
  return result.exitCode;
}
