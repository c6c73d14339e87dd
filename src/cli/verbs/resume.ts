import { resumeRun } from '../../engine/resume-run.js';
import { printRunResult } from '../print-run-result.js';
import { authorityFlags, type AuthorityFlagValues } from '../authority-flags.js';
import { commandLine } from '../command-line.js';
import { storeHint, withRunStore } from '../../runs/open-run-store.js';

/**
 * `runbook resume <run-id> [--retry|--skip <step>] [--allow-changed] [--note <text>]
 * [--break-lock]`.
 */
export async function resumeVerb(
  id: string,
  o: {
    runsDir: string;
    store?: string;
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
  let hint = '';
  const result = await withRunStore(o, 'write', (opened) => {
    hint = storeHint(opened);
    return resumeRun({
      run: id,
      runsDir: o.runsDir,
      store: opened.store,
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
  });
  if (result.exitCode !== 0 && hint) process.stderr.write(`  ${hint}\n`);
  if (o.json) printRunResult(result);
  return result.exitCode;
}
