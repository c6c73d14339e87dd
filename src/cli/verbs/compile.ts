import { actions } from '../../actions/index.js';
import { compileMachines } from '../../procedure/compile-machines.js';
import { findProcedureFile, listProcedureFiles } from '../../procedure/find-procedures.js';
import { projectSettings } from '../project-settings.js';

/**
 * `runbook compile [names...] [--check]`: the named procedures (project or built-in), else every
 * procedure of the project's directory.
 */
export async function run(
  names: string[],
  o: { procedures?: string; machines: string; check?: boolean },
): Promise<number> {
  const { settings } = await projectSettings(o, { procedures: true });
  const dir = settings.procedures;
  const files = names.length
    ? await Promise.all(names.map((n) => findProcedureFile(n, dir)))
    : await listProcedureFiles(dir);
  const results = await compileMachines(files, o.machines, { check: Boolean(o.check), actions });
  for (const r of results) {
    const state = o.check ? (r.stale ? 'STALE' : 'ok') : r.stale ? 'written' : 'unchanged';
    process.stderr.write(`${state.padEnd(9)} ${r.procedure}  (${r.json}, ${r.markdown})\n`);
  }
  if (o.check && results.some((r) => r.stale)) {
    process.stderr.write('machines are stale: run `runbook compile` and commit machines/\n');
    return 1;
  }
  return 0;
}
