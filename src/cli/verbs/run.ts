import { runProcedure } from '../../engine/run-procedure.js';
import { printRunResult } from '../print-run-result.js';
import { authorityFlags, type AuthorityFlagValues } from '../authority-flags.js';
import { findProcedureFile } from '../../procedure/find-procedures.js';
import { commandLine } from '../command-line.js';
import { storeHint, withRunStore } from '../../runs/open-run-store.js';

/** Flags of `runbook run`. */
export interface RunFlags extends AuthorityFlagValues {
  procedures: string;
  runsDir: string;
  store?: string;
  databaseUrl?: string;
  json?: boolean;
  dryRun?: boolean;
  param: Record<string, string>;
}

/** `runbook run <procedure>`: 0 succeeded, 1 failed (resumable), 2 invalid input, 3 refused. */
export async function runVerb(name: string, o: RunFlags, argv: string[]): Promise<number> {
  const file = await findProcedureFile(name, o.procedures);
  const authority = authorityFlags(o);
  if (o.dryRun) {
    const { planProcedure } = await import('../../engine/plan-procedure.js');
    const plan = await planProcedure({
      procedure: file,
      params: o.param,
      databaseUrl: o.databaseUrl,
      authority,
    });
    if (o.json)
      process.stdout.write(JSON.stringify({ ok: true, dryRun: true, plan }, null, 2) + '\n');
    return 0;
  }
  let hint = '';
  const result = await withRunStore(o, 'write', (opened) => {
    hint = storeHint(opened);
    return runProcedure({
      procedure: file,
      params: o.param,
      ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
      runsDir: o.runsDir,
      store: opened.store,
      authority,
      command: commandLine(argv),
    });
  });
  if (result.exitCode !== 0 && hint) process.stderr.write(`  ${hint}\n`);
  if (o.json) printRunResult(result);
  return result.exitCode;
}
