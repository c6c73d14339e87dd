import { actions } from '../../actions/index.js';
import { compileMachines } from '../../procedure/compile-machines.js';
import {
  DEFAULT_PROCEDURES_DIR,
  findProcedureFile,
  listProcedureFiles,
} from '../../procedure/find-procedures.js';

/** `runbook compile [names...] [--check]`. */
export async function compileVerb(
  names: string[],
  flags: { procedures?: string; machines: string; check?: boolean; json?: boolean },
): Promise<number> {
  const dir = flags.procedures ?? DEFAULT_PROCEDURES_DIR;
  const files = names.length
    ? await Promise.all(names.map((n) => findProcedureFile(n, dir)))
    : await listProcedureFiles(dir);
  const results = await compileMachines(files, flags.machines, {
    check: Boolean(flags.check),
    actions,
  });
  for (const r of results) {
    const state = flags.check ? (r.stale ? 'STALE' : 'ok') : r.stale ? 'written' : 'unchanged';
    process.stderr.write(`${state.padEnd(9)} ${r.procedure}  (${r.json}, ${r.markdown})\n`);
  }
  if (flags.check && results.some((r) => r.stale)) {
    process.stderr.write('machines are stale: run `runbook compile` and commit machines/\n');
    return 1;
  }
  return 0;
}
